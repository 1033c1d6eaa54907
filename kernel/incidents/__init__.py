"""The shared incident picture every service keeps."""

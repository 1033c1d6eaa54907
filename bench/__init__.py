"""Benchmarks that start the real platform and print figures next to a baseline measured in
the same run, so a slow machine shows up in both columns instead of in the ratio."""

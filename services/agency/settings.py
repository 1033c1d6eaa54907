"""Settings of one agency service process."""

from kernel.settings import CommonSettings


class AgencySettings(CommonSettings):
    agency: str
    grpc_host: str = "127.0.0.1"
    # Overrides the profile's port (tests run several platforms side by side).
    grpc_port: int | None = None
    # Prometheus /metrics; default: the gRPC port + 1000.
    metrics_port: int | None = None
    # Where accounts live: its published keys check every caller (cached under data_dir).
    gateway_url: str = "http://127.0.0.1:8000"

    @property
    def jwks_url(self) -> str:
        return f"{self.gateway_url.rstrip('/')}/.well-known/jwks.json"

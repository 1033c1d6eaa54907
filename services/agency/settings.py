"""Settings of one agency service process."""

from kernel.settings import CommonSettings


class AgencySettings(CommonSettings):
    agency: str
    grpc_host: str = "127.0.0.1"
    # Overrides the profile's port (tests run several platforms side by side).
    grpc_port: int | None = None
    # Prometheus /metrics; default: the gRPC port + 1000.
    metrics_port: int | None = None

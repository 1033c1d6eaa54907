"""Settings of one agency service process."""

from kernel.settings import CommonSettings


class AgencySettings(CommonSettings):
    agency: str
    grpc_host: str = "127.0.0.1"
    # Overrides the profile's port (tests run several platforms side by side).
    grpc_port: int | None = None
    # Prometheus /metrics; default: the gRPC port + 1000.
    metrics_port: int | None = None
    # Where accounts live: staff sign in through it, and its published keys check every caller
    # (cached under data_dir).
    gateway_url: str = "http://127.0.0.1:8000"

    # The duty room's console (HTTP); port 0 or unset: the profile's console_port.
    console_host: str = "127.0.0.1"
    console_port: int = 0
    # The console's address as members' phones reach it, for their personal links; unset: the
    # address each request came to.
    console_public_url: str | None = None
    # How often the gateway is asked whether it is up, and how long a link counts as up after
    # its last good contact.
    gateway_poll_s: float = 3.0
    link_stale_s: float = 10.0
    # Signs members' personal call-up links; unset: a secret kept in the agency's database.
    link_secret: str | None = None
    # How long after a call-up its members' links work.
    member_link_ttl_s: float = 86400.0
    # The break-glass account's password as a scrypt hash (``python -m kernel.passwords``): a
    # local account for when the gateway cannot be reached (docs/agency-console.md); unset: off.
    break_glass_password_hash: str | None = None

    @property
    def jwks_url(self) -> str:
        return f"{self.gateway_url.rstrip('/')}/.well-known/jwks.json"

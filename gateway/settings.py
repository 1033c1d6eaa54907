"""Settings of the gateway process."""

from pydantic import Field

from services.agency.profile import load
from services.common.catalog import AGENCIES
from services.common.settings import CommonSettings


def _default_endpoints() -> dict[str, str]:
    return {agency: f"127.0.0.1:{load(agency).grpc_port}" for agency in AGENCIES}


class GatewaySettings(CommonSettings):
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    # JSON object, e.g. {"oilfield": "127.0.0.1:50051", ...}
    agency_endpoints: dict[str, str] = Field(default_factory=_default_endpoints)
    # How long GET /incidents/{id} waits for each agency's answer.
    delivery_timeout_s: float = 1.0
    reconcile_interval_s: float = 5.0
    # Changes younger than this are still in flight and are not announced again.
    reconcile_grace_s: float = 10.0

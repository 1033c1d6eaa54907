"""Settings of the gateway process."""

from datetime import time, timedelta

from pydantic import Field

from gateway.auth.lockout import Limits, LockoutPolicy
from gateway.dispatch.deadlines import ResponsePolicy
from kernel.catalog import AGENCIES
from kernel.profiles import load
from kernel.settings import CommonSettings


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

    # Response-time clocks (Asia/Shanghai by default): on scene within 10 minutes by day and 5
    # by night; each task must be acknowledged within acknowledge_s.
    clock_timezone: str = "Asia/Shanghai"
    clock_day_starts: time = time(6, 0)
    clock_night_starts: time = time(22, 0)
    clock_acknowledge_s: float = Field(default=120.0, gt=0)
    clock_on_scene_day_s: float = Field(default=600.0, gt=0)
    clock_on_scene_night_s: float = Field(default=300.0, gt=0)
    clock_sweep_s: float = Field(default=1.0, gt=0)
    # The morning's bulletins (the day before; on Mondays the week, on the 1st the month) are
    # issued at this time of the district's day (clock_timezone); the schedule looks this often.
    bulletin_time: time = time(8, 0)
    bulletin_sweep_s: float = Field(default=30.0, gt=0)
    # How often the gateway looks for missed check-ins of watched instability factors, and what
    # signs the responsible persons' check-in links (unset: a secret kept in its database).
    factor_sweep_s: float = Field(default=1.0, gt=0)
    factor_link_secret: str | None = None
    # A unit whose last position is older than this is not recommended.
    unit_position_stale_after: timedelta = timedelta(minutes=30)
    # An alarm signal older than this is refused as too old (APCO/TMA ASAP's "too old").
    alarm_max_age_s: float = 900.0

    # The first administrator's password on a new installation (account ``admin``).
    bootstrap_admin_password: str | None = None
    # The demo's published password (make run) is refused everywhere else: as the first
    # administrator's, and for any account an administrator makes or changes.
    allow_demo_password: bool = False
    # Failed sign-ins: free ones, then doubling waits, then a lock (per account; a client
    # address, a whole duty room behind one NAT, gets the address_ figures).
    sign_in_free_failures: int = Field(default=3, ge=1)
    sign_in_lock_after: int = Field(default=10, ge=2)
    sign_in_address_free_failures: int = Field(default=10, ge=1)
    sign_in_address_lock_after: int = Field(default=50, ge=2)
    sign_in_lock_for: timedelta = timedelta(minutes=15)

    # Partner API: requests per second per partner (and the burst allowed above it), the
    # largest request body, the gRPC feed's port (0: no gRPC feed), and webhook retries.
    partner_rate_per_s: float = Field(default=20.0, gt=0)
    partner_burst: int = Field(default=40, ge=1)
    partner_body_limit: int = Field(default=64 * 1024, ge=1024)
    partner_grpc_port: int = Field(default=50070, ge=0)
    webhook_attempts: int = Field(default=6, ge=1)
    webhook_first_retry_s: float = Field(default=0.5, gt=0)
    webhook_max_retry_s: float = Field(default=60.0, gt=0)

    @property
    def alarm_max_age(self) -> timedelta:
        return timedelta(seconds=self.alarm_max_age_s)

    def sign_in_policy(self) -> LockoutPolicy:
        return LockoutPolicy(
            account=Limits(free=self.sign_in_free_failures, lock_after=self.sign_in_lock_after),
            address=Limits(
                free=self.sign_in_address_free_failures, lock_after=self.sign_in_address_lock_after
            ),
            lock_for=self.sign_in_lock_for,
        )

    def response_policy(self) -> ResponsePolicy:
        return ResponsePolicy(
            timezone=self.clock_timezone,
            day_starts=self.clock_day_starts,
            night_starts=self.clock_night_starts,
            acknowledge_s=self.clock_acknowledge_s,
            on_scene_day_s=self.clock_on_scene_day_s,
            on_scene_night_s=self.clock_on_scene_night_s,
        )

"""Crashes and restarts in the middle of a stream of incidents: every incident must end up in
every service's database exactly once."""

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from infra.platform import Platform
from kernel.catalog import AGENCIES
from tests.conftest import database_urls
from tests.support import duplicate_receipts, incident_body, picture, wait_for

# Long enough that each kill lands mid-stream, with a third before, a third while down and a
# third after the restart.
STREAM = 600


class IncidentStream:
    """Posts incidents from several clients in the background, as command rooms would.

    A client that loses its connection retries with the same Idempotency-Key, so a gateway
    crash between commit and answer must not create the incident twice.
    """

    def __init__(self, platform: Platform, total: int, clients: int = 8, label: str = "stream") -> None:
        self._platform = platform
        self._total = total
        self._clients = clients
        self._label = label
        self._lock = threading.Lock()
        self.created: dict[str, str] = {}
        self.failures: list[str] = []
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> "IncidentStream":
        self._thread.start()
        return self

    def _post(self, client: httpx.Client, n: int) -> None:
        key = f"{self._label}-{n}"
        deadline = time.monotonic() + 60
        while True:
            try:
                response = client.post(
                    "/api/v1/incidents", json=incident_body(title=key), headers={"Idempotency-Key": key}
                )
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)  # pacing of retries, as a real client backs off
        with self._lock:
            if response.status_code in (200, 201):
                self.created[key] = response.json()["id"]
            else:
                self.failures.append(f"{key}: {response.status_code} {response.text}")

    def _run(self) -> None:
        with (
            self._platform.client("operator", timeout=30) as client,
            ThreadPoolExecutor(self._clients) as pool,
        ):
            list(pool.map(lambda n: self._post(client, n), range(self._total)))

    def reached(self, count: int) -> bool:
        with self._lock:
            return len(self.created) >= count

    def join(self, timeout: float = 120) -> set[str]:
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "the stream did not finish"
        assert self.failures == []
        assert len(self.created) == self._total
        return set(self.created.values())


def assert_everywhere_exactly_once(platform: Platform, expected: set[str], timeout: float = 60) -> None:
    urls = database_urls(platform)
    wanted = dict.fromkeys(expected, 1)

    def converged() -> bool:
        return all(picture(url) == wanted for url in urls.values())

    try:
        wait_for(converged, timeout=timeout, message="every service holds every incident", interval=0.5)
    except AssertionError:
        missing = {name: len(expected - picture(url).keys()) for name, url in urls.items()}
        raise AssertionError(f"incidents missing per service after {timeout}s: {missing}") from None
    for name, url in urls.items():
        assert duplicate_receipts(url) == 0, f"{name} stored some incident version twice"


def _kill_agency_mid_stream(platform: Platform) -> None:
    stream = IncidentStream(platform, STREAM).start()
    wait_for(lambda: stream.reached(200), timeout=60, message="200 incidents posted")
    platform.kill("localgov")
    with platform.client("admin") as client:
        some = next(iter(stream.created.values()))
        deliveries = client.get(f"/api/v1/incidents/{some}").json()["deliveries"]
    assert deliveries["localgov"]["state"] == "unreachable"
    wait_for(lambda: stream.reached(400), timeout=60, message="400 incidents posted")
    platform.start_service("localgov")
    platform.wait_ready(services=["localgov"])
    assert_everywhere_exactly_once(platform, stream.join())


@pytest.mark.slow
def test_agency_killed_mid_stream_ends_with_every_incident_once_everywhere(
    platform_factory: Callable[..., Platform],
) -> None:
    _kill_agency_mid_stream(platform_factory())


@pytest.mark.slow
@pytest.mark.postgres
def test_agency_killed_mid_stream_on_postgresql(
    platform_factory: Callable[..., Platform], postgres: Callable[[str], str]
) -> None:
    platform = platform_factory({name: postgres(name) for name in (*AGENCIES, "gateway")})
    _kill_agency_mid_stream(platform)


@pytest.mark.slow
def test_broker_restart_mid_stream_ends_with_every_incident_once_everywhere(
    platform_factory: Callable[..., Platform],
) -> None:
    platform = platform_factory()
    stream = IncidentStream(platform, STREAM).start()
    wait_for(lambda: stream.reached(200), timeout=60, message="200 incidents posted")
    platform.restart_broker()
    assert_everywhere_exactly_once(platform, stream.join(), timeout=90)


@pytest.mark.slow
def test_gateway_killed_mid_stream_creates_each_incident_once_and_loses_none(
    platform_factory: Callable[..., Platform],
) -> None:
    platform = platform_factory()
    stream = IncidentStream(platform, 600).start()
    wait_for(lambda: stream.reached(200), timeout=60, message="200 incidents posted")
    platform.kill("gateway")
    platform.start_service("gateway")
    platform.wait_ready(services=["gateway"])
    accepted = stream.join()
    assert len(accepted) == 600
    assert_everywhere_exactly_once(platform, accepted)


@pytest.mark.slow
def test_agency_down_while_the_broker_forgets_is_repaired_by_reconciliation(
    platform_factory: Callable[..., Platform],
) -> None:
    """No new traffic follows the broker restart, so no relay notices the loss: only the
    gateway's digest comparison can tell the military service what it missed."""
    platform = platform_factory()
    before = IncidentStream(platform, 100, label="before").start().join()
    platform.kill("military")
    missed = IncidentStream(platform, 100, label="missed").start().join()
    assert_everywhere_exactly_once_except(platform, before | missed, absent="military")
    platform.restart_broker()
    platform.start_service("military")
    platform.wait_ready(services=["military"])
    assert_everywhere_exactly_once(platform, before | missed)


def assert_everywhere_exactly_once_except(platform: Platform, expected: set[str], absent: str) -> None:
    """Every running service holds everything (so the relay has sent it all)."""
    urls = {name: url for name, url in database_urls(platform).items() if name != absent}
    wait_for(
        lambda: all(picture(url).keys() == expected for url in urls.values()),
        timeout=30,
        message="running services hold every incident",
    )


@pytest.mark.slow
def test_a_gateway_stopped_while_joining_its_group_can_rejoin_after_a_restart(
    platform_factory: Callable[..., Platform],
) -> None:
    platform = platform_factory()
    platform.restart("gateway", hard=False)
    platform.terminate("gateway")  # at once, before its consumer has joined
    platform.start_service("gateway")
    platform.wait_ready(services=["gateway"])
    with platform.client("admin") as client:
        wait_for(
            lambda: client.get("/readyz").json()["consumer"] == "assigned",
            timeout=30,
            message="the restarted gateway's consumer joined its group",
        )

"""A gateway killed with SIGKILL around a missed check-in: the miss is raised exactly once.

Only the gateway and the broker run: check-ins come in over HTTP and the watcher is in the
gateway's process, so killing that process is the whole point. The first gateway sweeps only
once an hour, so it is killed after a deadline has passed and before any sweep; the restarted
one sweeps often and raises it, once. Then a miss raised by a running gateway is not raised
again by the next one. A probe factor whose miss the last gateway raises proves it has swept.
"""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from infra.platform import Platform
from tests.conftest import new_platform
from tests.support import dispose_engines, wait_for

RARELY = "3600"
OFTEN = "0.2"


@pytest.fixture(params=["sqlite", "postgresql"])
def gateway_alone(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Platform]:
    urls = (
        {} if request.param == "sqlite" else {"gateway": request.getfixturevalue("postgres")("factor_kill")}
    )
    platform = new_platform(tmp_path, urls, env={"JCP_FACTOR_SWEEP_S": RARELY})
    platform.config.data_dir.mkdir(parents=True, exist_ok=True)
    platform.start_broker()
    try:
        start_gateway(platform, RARELY)
        yield platform
    finally:
        platform.stop()
        dispose_engines()


def start_gateway(platform: Platform, sweep_s: str) -> None:
    platform.config.env["JCP_FACTOR_SWEEP_S"] = sweep_s
    platform.start_service("gateway")
    url = platform.config.gateway_url

    def alive() -> bool:
        try:
            return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    wait_for(alive, timeout=60, message="the gateway answers")


def overdue_factor(api: httpx.Client, label: str) -> str:
    """A watched factor whose first check-in was due an hour ago."""
    made = api.post(
        "/api/v1/factors",
        json={
            "category": "petition",
            "description": label,
            "responsible_unit": "东城街道信访办",
            "responsible_person": {"name": "周红", "phone": "13905463333"},
        },
    )
    assert made.status_code == 201, made.text
    starts = datetime.now(UTC) - timedelta(hours=2)
    watched = api.post(
        f"/api/v1/factors/{made.json()['id']}/watch",
        json={
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(days=3)).isoformat(),
            "interval_minutes": 60,
        },
    )
    assert watched.status_code == 201, watched.text
    return str(made.json()["id"])


def misses(api: httpx.Client, factor_id: str) -> int:
    history = api.get(f"/api/v1/factors/{factor_id}/history").json()
    return sum(event["action"] == "check_in_missed" for event in history)


def test_a_missed_check_in_fires_exactly_once_across_gateway_kill_9(gateway_alone: Platform) -> None:
    platform = gateway_alone
    with platform.client("coordinator") as api:
        before_sweep = overdue_factor(api, "killed after the deadline, before the sweep")
        assert api.get("/api/v1/factors").json()["overdue"] == 1
        assert misses(api, before_sweep) == 0

    platform.kill("gateway")
    start_gateway(platform, OFTEN)

    with platform.client("coordinator") as api:
        wait_for(
            lambda: misses(api, before_sweep) == 1, timeout=30, message="the restarted gateway raised it"
        )
        raised_then_killed = overdue_factor(api, "raised, then the gateway killed")
        wait_for(
            lambda: misses(api, raised_then_killed) == 1, timeout=30, message="the running gateway raised it"
        )

    platform.kill("gateway")
    start_gateway(platform, OFTEN)

    with platform.client("coordinator") as api:
        probe = overdue_factor(api, "probe")
        wait_for(lambda: misses(api, probe) == 1, timeout=30, message="the last gateway has swept")
        assert [misses(api, f) for f in (before_sweep, raised_then_killed, probe)] == [1, 1, 1]
        assert api.get("/api/v1/factors").json()["overdue"] == 3
        assert api.get("/api/v1/factors/overdue").json()["overdue"] == 3

"""Two processes of one agency service share its consumer group and split the partitions; kill
one and the other takes over, with no incident lost or doubled."""

import re
from collections.abc import Callable

import httpx
import pytest

from infra.broker import free_port
from infra.platform import Platform
from tests.conftest import database_urls
from tests.e2e.test_recovery import IncidentStream
from tests.support import duplicate_receipts, picture, wait_for

CONSUMED = re.compile(r'^jcp_events_consumed_total\{topic="incidents.v1"[^}]*\} ([0-9.e+]+)$', re.MULTILINE)


def consumed(url: str) -> float:
    try:
        return sum(float(value) for value in CONSUMED.findall(httpx.get(url, timeout=5).text))
    except httpx.HTTPError:
        return 0.0


@pytest.mark.slow
def test_two_localgov_processes_split_the_work_and_one_survives_the_other(
    platform_factory: Callable[..., Platform],
) -> None:
    platform = platform_factory()
    platform.start_replica("localgov", "localgov-2", grpc_port=free_port(), metrics_port=free_port())
    platform.wait_ready(services=["localgov-2"])
    first, second = (platform.config.metrics_url(name) for name in ("localgov", "localgov-2"))

    stream = IncidentStream(platform, 600, label="replicas").start()
    wait_for(
        lambda: consumed(first) > 0 and consumed(second) > 0,
        timeout=60,
        message="both processes took a share of the partitions",
    )
    wait_for(lambda: stream.reached(200), timeout=60, message="200 incidents posted")
    platform.kill("localgov")
    expected = stream.join()

    url = database_urls(platform)["localgov"]
    wait_for(
        lambda: picture(url) == dict.fromkeys(expected, 1),
        timeout=90,
        interval=0.5,
        message="the surviving process holds every incident",
    )
    assert duplicate_receipts(url) == 0

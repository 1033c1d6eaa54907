"""Every process serves Prometheus metrics, and the named series move when work happens."""

import re
from collections.abc import Callable

import httpx
import pytest

from infra.platform import Platform
from kernel.catalog import AGENCIES
from tests.support import incident_body, wait_for

SERIES = re.compile(r"^([a-z_]+)(\{[^}]*\})? ([0-9.e+-]+)$", re.MULTILINE)
EVERY_PROCESS = (
    "jcp_events_consumed_total",
    "jcp_events_published_total",
    "jcp_consumer_lag",
    "jcp_outbox_backlog",
    "jcp_service_info",
)
GATEWAY_ONLY = (
    "jcp_incidents_reported_total",
    "jcp_http_request_seconds_count",
    "jcp_dispatch_seconds_count",
    "jcp_clock_breaches_total",
    "jcp_dead_letters_total",
)


def scrape(url: str) -> dict[str, float]:
    """Each series name with the sum over its labels."""
    totals: dict[str, float] = {}
    for name, _, value in SERIES.findall(httpx.get(url, timeout=5).text):
        totals[name] = totals.get(name, 0.0) + float(value)
    return totals


@pytest.mark.slow
def test_every_process_serves_the_named_series_and_they_move(
    platform_factory: Callable[..., Platform],
) -> None:
    platform = platform_factory()
    urls = {name: platform.config.metrics_url(name) for name in (*AGENCIES, "gateway")}
    with platform.client("admin", timeout=10) as api:
        api.post("/api/v1/incidents", json=incident_body())  # every consumer joins and reads once
        before = {name: scrape(url) for name, url in urls.items()}
        incident = api.post("/api/v1/incidents", json=incident_body()).json()
        api.post(
            f"/api/v1/incidents/{incident['id']}/dispatch",
            json={"tasks": [{"agency": "localgov", "role": "lead"}]},
        )

    def moved() -> bool:
        now = {name: scrape(url) for name, url in urls.items()}
        return (
            all(
                now[agency].get("jcp_events_consumed_total", 0)
                > before[agency].get("jcp_events_consumed_total", 0)
                for agency in AGENCIES
            )
            and now["gateway"]["jcp_events_published_total"] > before["gateway"]["jcp_events_published_total"]
            # the gateway reads the agencies' events: their units, announced when they start
            and now["gateway"].get("jcp_events_consumed_total", 0) > 0
        )

    wait_for(moved, timeout=30, message="consumed and published counters moved in every process")
    after = {name: scrape(url) for name, url in urls.items()}
    for name, series in after.items():
        for wanted in EVERY_PROCESS:
            assert wanted in series, f"{name} lacks {wanted}"
        assert series.get("process_cpu_seconds_total", 0) > 0
    gateway = after["gateway"]
    for wanted in GATEWAY_ONLY:
        assert wanted in gateway, f"gateway lacks {wanted}"
    assert gateway["jcp_incidents_reported_total"] >= before["gateway"]["jcp_incidents_reported_total"] + 1
    assert gateway["jcp_dispatch_seconds_count"] >= 1
    assert gateway["jcp_http_request_seconds_count"] > before["gateway"]["jcp_http_request_seconds_count"]
    assert after["localgov"]["jcp_grpc_server_seconds_count"] > 0

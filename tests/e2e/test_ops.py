"""The operator's command line against a running platform: status, dead letters listed and
replayed, and a gap in one agency repaired on demand."""

import json
import subprocess
import sys
import warnings
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import delete

from infra.platform import PYTHONPATH, ROOT, Platform
from kernel.bus.topics import INCIDENTS
from kernel.catalog import AGENCIES
from kernel.incidents.models import IncidentReceipt, IncidentRow
from tests.conftest import database_urls
from tests.support import engine_for, incident_body, picture, wait_for

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from kafka import KafkaProducer


def ops(platform: Platform, *args: str) -> Any:
    config = platform.config
    answer = subprocess.run(
        [sys.executable, "-m", "infra.ops", "--bootstrap", config.bootstrap_servers, *args],
        cwd=ROOT,
        env={"PYTHONPATH": PYTHONPATH, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(answer.stdout)


@pytest.mark.slow
def test_the_operator_sees_status_lists_and_replays_dead_letters_and_repairs_an_agency(
    platform_factory: Callable[..., Platform],
) -> None:
    platform = platform_factory(env={"JCP_RECONCILE_INTERVAL_S": "3600"})  # only the operator repairs
    config = platform.config
    api = platform.client("admin")
    incident = api.post("/api/v1/incidents", json=incident_body()).json()
    localgov_db = database_urls(platform)["localgov"]
    wait_for(
        lambda: incident["id"] in picture(localgov_db), timeout=30, message="localgov holds the incident"
    )

    producer = KafkaProducer(bootstrap_servers=config.bootstrap_servers, acks="all")
    producer.send(INCIDENTS, key=b"bad", value=b"not an event")
    producer.flush()
    producer.close()
    wait_for(lambda: len(ops(platform, "dead-letters")) == 5, timeout=30, message="five consumers refused it")
    letters = ops(platform, "dead-letters")
    assert {letter["consumer"] for letter in letters} == {"gateway", *(f"agency.{a}" for a in AGENCIES)}
    assert all("missing CloudEvents header" in letter["reason"] for letter in letters)

    metrics = json.dumps({a: config.metrics_url(a).removesuffix("/metrics") for a in AGENCIES})
    state = ops(platform, "status", "--gateway", config.gateway_url, "--agency-metrics", metrics)
    assert set(state) == {"gateway", *AGENCIES}
    assert all(figures["dead_letters"] >= 1 and figures["lag"] >= 0 for figures in state.values())

    assert ops(platform, "replay-dead-letters", "--consumer", "agency.localgov") == {"replayed": 1}
    wait_for(
        lambda: len(ops(platform, "dead-letters")) == 10, timeout=30, message="the replay went round again"
    )

    with engine_for(localgov_db).begin() as connection:
        connection.execute(delete(IncidentReceipt).where(IncidentReceipt.incident_id == incident["id"]))
        connection.execute(delete(IncidentRow).where(IncidentRow.id == incident["id"]))
    repaired = ops(
        platform,
        "reconcile",
        "localgov",
        "--gateway-database",
        database_urls(platform)["gateway"],
        "--endpoint",
        config.grpc_target("localgov"),
        "--grace",
        "0",
    )
    assert repaired["reannounced"] >= 1
    wait_for(lambda: incident["id"] in picture(localgov_db), timeout=30, message="localgov repaired")

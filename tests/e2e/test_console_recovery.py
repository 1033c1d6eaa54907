"""A duty room's work survives the command room's and the broker's failures: what its staff do
in the console while the gateway is killed or the broker is wiped reaches the command room, and
every other agency, exactly once."""

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from infra.platform import Platform
from kernel.catalog import AGENCIES
from tests.conftest import database_urls
from tests.support import duplicate_receipts, engine_for, incident_body, picture, wait_for


def console(platform: Platform, agency: str) -> httpx.Client:
    """The agency's duty operator at its console, signed in while the gateway is up."""
    token = platform.token("agency_operator", agency)
    return httpx.Client(
        base_url=platform.config.console_url(agency), headers={"Authorization": f"Bearer {token}"}, timeout=10
    )


def dispatched(platform: Platform, agency: str, count: int, label: str) -> dict[str, str]:
    """Incident id -> the agency's task, for ``count`` new incidents dispatched to it."""
    tasks = {}
    with platform.client("commander") as commander:
        for n in range(count):
            incident = commander.post("/api/v1/incidents", json=incident_body(title=f"{label} {n}")).json()
            order = commander.post(
                f"/api/v1/incidents/{incident['id']}/dispatch",
                json={"tasks": [{"agency": agency, "role": "lead"}]},
            )
            assert order.status_code == 201, order.text
            tasks[incident["id"]] = order.json()["tasks"][0]["id"]
    return tasks


def held(desk: httpx.Client, task_ids: set[str]) -> dict[str, dict[str, Any]]:
    answer = desk.get("/api/v1/tasks", params={"open": "true"})
    if answer.status_code != 200:  # a console that has not yet fetched the gateway's keys says 401
        return {}
    return {task["id"]: task for task in answer.json() if task["id"] in task_ids}


def acknowledge(desk: httpx.Client, task: dict[str, Any]) -> None:
    answer = desk.post(
        f"/api/v1/tasks/{task['id']}/answer",
        json={"status": "acknowledged", "expected_version": task["version"]},
    )
    assert answer.status_code == 200, answer.text


def acknowledgements_at_gateway(platform: Platform, task_ids: set[str]) -> dict[str, int]:
    """How many times the gateway recorded each task as acknowledged (its timeline rows)."""
    with engine_for(database_urls(platform)["gateway"]).connect() as connection:
        rows = connection.execute(
            text("SELECT data FROM activity WHERE kind = 'task' AND action = 'acknowledged'")
        ).scalars()
        counted = dict.fromkeys(task_ids, 0)
        for data in rows:
            task_id = (data if isinstance(data, dict) else json.loads(data)).get("task_id")
            if task_id in counted:
                counted[task_id] += 1
    return counted


def assert_one_picture_everywhere(platform: Platform, expected: set[str], timeout: float = 60) -> None:
    """Every service holds exactly these incidents, each at the gateway's version, each version
    stored once."""
    urls = database_urls(platform)

    def converged() -> bool:
        pictures = {name: picture(url) for name, url in urls.items()}
        return set(pictures["gateway"]) == expected and all(
            held == pictures["gateway"] for held in pictures.values()
        )

    wait_for(
        converged, timeout=timeout, message="every service holds the same incidents at the same versions"
    )
    for name, url in urls.items():
        assert duplicate_receipts(url) == 0, f"{name} stored some incident version twice"


def gateway_statuses(platform: Platform, incidents: dict[str, str]) -> dict[str, str]:
    with platform.client("commander") as commander:
        return {
            task["id"]: task["status"]
            for incident_id in incidents
            for task in commander.get(f"/api/v1/incidents/{incident_id}/tasks").json()
        }


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def platform(request: pytest.FixtureRequest, platform_factory: Callable[..., Platform]) -> Platform:
    if request.param == "sqlite":
        return platform_factory()
    postgres = request.getfixturevalue("postgres")
    return platform_factory({name: postgres(f"console-{name}") for name in (*AGENCIES, "gateway")})


def test_gateway_killed_while_the_duty_room_answers_and_reports_ends_with_each_once(
    platform: Platform,
) -> None:
    incidents = dispatched(platform, "oilfield", 2, "gateway down")
    desk = console(platform, "oilfield")
    wait_for(
        lambda: len(held(desk, set(incidents.values()))) == 2, timeout=20, message="both tasks at the console"
    )
    tasks = held(desk, set(incidents.values()))

    platform.kill("gateway")
    for task in tasks.values():
        acknowledge(desk, task)
    report = desk.post(
        "/api/v1/incidents",
        json={
            "category": "pipeline_tapping",
            "level": "II",
            "title": "东辛输油管线发现打孔盗油点",
            "location": {"latitude": 37.41, "longitude": 118.46, "address": "东辛采油厂 12 号阀室"},
        },
        headers={"Idempotency-Key": "gateway-down-report"},
    )
    assert report.status_code == 201, report.text
    reported = report.json()["id"]
    platform.start_service("gateway")
    platform.wait_ready(services=["gateway"])

    wait_for(
        lambda: set(gateway_statuses(platform, incidents).values()) == {"acknowledged"},
        timeout=60,
        message="both answers reached the restarted gateway",
    )
    assert acknowledgements_at_gateway(platform, set(tasks)) == dict.fromkeys(tasks, 1)
    assert_one_picture_everywhere(platform, {*incidents, reported})


@pytest.mark.slow
def test_broker_wiped_in_the_middle_of_answers_loses_and_doubles_none(platform: Platform) -> None:
    incidents = dispatched(platform, "localgov", 8, "broker wiped")
    desk = console(platform, "localgov")
    wanted = set(incidents.values())
    wait_for(lambda: len(held(desk, wanted)) == len(wanted), timeout=30, message="every task at the console")
    tasks = list(held(desk, wanted).values())

    for task in tasks[:4]:
        acknowledge(desk, task)
    platform.restart_broker()
    for task in tasks[4:]:
        acknowledge(desk, task)

    wait_for(
        lambda: set(gateway_statuses(platform, incidents).values()) == {"acknowledged"},
        timeout=90,
        message="every answer reached the gateway after the broker was wiped",
    )
    assert acknowledgements_at_gateway(platform, wanted) == dict.fromkeys(wanted, 1)
    assert_one_picture_everywhere(platform, set(incidents), timeout=90)

"""The agencies' consoles across real processes: duty staff sign in through the gateway, answer
the command room's tasks from their own console, keep working while the gateway is down, and
hand members personal links whose answers reach the command room's muster board."""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from infra.platform import Platform
from tests.conftest import running_platform
from tests.support import incident_body, load_team, wait_for


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    with running_platform(tmp_path_factory.mktemp("consoles"), with_units=True) as platform:
        with platform.client("admin", timeout=30) as admin:
            load_team(admin, "oilfield-security")
        yield platform


def console(platform: Platform, agency: str, role: str = "agency_operator") -> httpx.Client:
    """A duty room's page: signed in at its own console, which keeps the session in a cookie."""
    username, password = platform.credentials(role, agency)
    client = httpx.Client(base_url=platform.config.console_url(agency), timeout=10)
    signed_in = client.post("/api/v1/auth/sign-in", json={"username": username, "password": password})
    assert signed_in.status_code == 200, signed_in.text
    return client


def dispatched_task(platform: Platform, agency: str) -> tuple[str, str]:
    """An incident the command room dispatches to ``agency`` alone: (incident id, task id)."""
    with platform.client("commander") as commander:
        incident = commander.post("/api/v1/incidents", json=incident_body()).json()
        order = commander.post(
            f"/api/v1/incidents/{incident['id']}/dispatch",
            json={"tasks": [{"agency": agency, "role": "lead"}]},
        )
        assert order.status_code == 201, order.text
        return incident["id"], order.json()["tasks"][0]["id"]


def held(client: httpx.Client, task_id: str) -> dict[str, Any] | None:
    return next(
        (task for task in client.get("/api/v1/tasks?open=true").json() if task["id"] == task_id), None
    )


def status_at_gateway(platform: Platform, task_id: str) -> str:
    with platform.client("admin") as api:
        return str(api.get(f"/api/v1/tasks/{task_id}").json()["status"])


def test_duty_staff_answer_from_their_console_and_the_command_room_sees_it(platform: Platform) -> None:
    localgov = console(platform, "localgov")
    _, task_id = dispatched_task(platform, "localgov")

    task = wait_for(lambda: held(localgov, task_id), timeout=15, message="the task reached the console")
    assert (task["status"], task["status_word"]) == ("assigned", "待接警")
    answer = localgov.post(
        f"/api/v1/tasks/{task_id}/answer",
        json={"status": "acknowledged", "expected_version": task["version"]},
    )

    assert answer.status_code == 200, answer.text
    wait_for(
        lambda: status_at_gateway(platform, task_id) == "acknowledged",
        timeout=15,
        message="the console's answer mirrored at the gateway",
    )
    links = wait_for(
        lambda: localgov.get("/api/v1/agency").json()["links"] == {"gateway": "up", "broker": "up"},
        timeout=15,
        message="the console sees both links up",
    )
    assert links


def test_another_agencys_account_is_turned_away_at_sign_in(platform: Platform) -> None:
    username, password = platform.credentials("agency_operator", "oilfield")
    with httpx.Client(base_url=platform.config.console_url("school"), timeout=10) as school:
        refused = school.post("/api/v1/auth/sign-in", json={"username": username, "password": password})
    assert refused.status_code == 403
    assert "sign in at your own console" in refused.json()["message"]


def test_the_console_keeps_working_while_the_gateway_is_down_and_the_answer_arrives_after(
    platform: Platform,
) -> None:
    military = console(platform, "military", role="agency_commander")
    _, task_id = dispatched_task(platform, "military")
    task = wait_for(lambda: held(military, task_id), timeout=15, message="the task reached the console")

    platform.kill("gateway")
    try:
        answer = military.post(
            f"/api/v1/tasks/{task_id}/answer",
            json={"status": "en_route", "expected_version": task["version"]},
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["status_word"] == "机动途中"
        wait_for(
            lambda: military.get("/api/v1/agency").json()["links"]["gateway"] == "down",
            timeout=30,
            message="the console sees the gateway down",
        )
        assert (
            military.post("/api/v1/auth/sign-in", json={"username": "x", "password": "y"}).status_code == 503
        )
    finally:
        platform.start_service("gateway")
        platform.wait_ready(services=["gateway"])

    wait_for(
        lambda: status_at_gateway(platform, task_id) == "en_route",
        timeout=30,
        message="the answer given while the gateway was down reached it",
    )


def test_a_member_answers_from_a_personal_link_and_the_muster_board_counts_it(platform: Platform) -> None:
    with platform.client("admin") as api:
        call_up = api.post("/api/v1/roster/callups", json={"team_id": "oilfield-security", "count": 2}).json()
    call_up_id = call_up["call_up_id"]
    oilfield = console(platform, "oilfield")
    board = wait_for(
        lambda: (answer := oilfield.get(f"/api/v1/callups/{call_up_id}")).status_code == 200
        and answer.json(),
        timeout=15,
        message="the call-up reached the oil field's console",
    )
    link = board["members"][0]["link"]
    token = link.rsplit("/", 1)[1]
    assert httpx.get(link, timeout=10).status_code == 200

    with httpx.Client(base_url=platform.config.console_url("oilfield"), timeout=10) as phone:
        seen = phone.get(f"/api/v1/m/{token}").json()
        assert seen["member"]["member_id"] == board["members"][0]["member_id"]
        first = phone.post(f"/api/v1/m/{token}/answer", json={"answer": "on_the_way"})
        again = phone.post(f"/api/v1/m/{token}/answer", json={"answer": "on_the_way"})
        assert (first.json()["first"], again.json()["first"]) == (True, False)

        def mustered() -> bool:
            with platform.client("admin") as api:
                figures = api.get(f"/api/v1/roster/callups/{call_up_id}/muster").json()
            return (figures["acknowledged"], figures["on_the_way"]) == (1, 1)

        wait_for(mustered, timeout=15, message="the member's answers reached the muster board")

        with platform.client("admin") as api:
            api.post(
                f"/api/v1/roster/callups/{call_up_id}/cancel", json={"reason": "误报"}
            ).raise_for_status()
        gone = wait_for(
            lambda: (answer := phone.get(f"/api/v1/m/{token}")).status_code == 410 and answer.json(),
            timeout=15,
            message="the member's link says the call-up was cancelled",
        )
        assert "cancelled" in gone["message"]


def test_the_duty_room_sees_its_teams_as_the_command_room_edits_and_calls_them(platform: Platform) -> None:
    oilfield = console(platform, "oilfield", "agency_commander")

    def team() -> dict[str, Any] | None:
        found = [t for t in oilfield.get("/api/v1/teams").json() if t["id"] == "oilfield-security"]
        return found[0] if found else None

    before = wait_for(team, timeout=15, message="the oil field's team reached its console")
    member_id = next(m["member_id"] for m in before["roster"] if m["status"] == "available")
    with platform.client("admin") as api:
        api.patch(f"/api/v1/roster/members/{member_id}", json={"status": "on_leave"}).raise_for_status()

    def on_leave() -> dict[str, Any] | None:
        now = team()
        status = next(m["status"] for m in now["roster"] if m["member_id"] == member_id) if now else None
        return now if status == "on_leave" else None

    after = wait_for(on_leave, timeout=15, message="the member's leave reached the console")
    assert after["on_leave"] == before["on_leave"] + 1

    with platform.client("admin") as api:
        call_up = api.post("/api/v1/roster/callups", json={"team_id": "oilfield-security", "count": 1}).json()
    called = wait_for(
        lambda: (now := team()) is not None and call_up["call_up_id"] in now["open_call_ups"] and now,
        timeout=15,
        message="the call-up showed on the team",
    )
    out = [m for m in called["roster"] if m["call_up_id"] == call_up["call_up_id"]]
    assert len(out) == 1 and out[0]["member_id"] != member_id
    deployed = wait_for(
        lambda: (now := team()) is not None
        and any(m["member_id"] == out[0]["member_id"] and m["status"] == "deployed" for m in now["roster"])
        and now,
        timeout=15,
        message="the called member shows as deployed",
    )
    assert deployed["deployed"] >= 1

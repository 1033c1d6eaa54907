"""The response-team roster across real processes: member files, duty gaps, call-ups answered
from members' devices through the owning agency, and a full drill with its report."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import httpx
import pytest

from infra import roster_demo
from infra.platform import Platform
from jcp.dispatch.v1 import dispatch_pb2, dispatch_pb2_grpc
from jcp.roster.v1 import roster_pb2 as pb
from jcp.roster.v1 import roster_pb2_grpc
from tests.conftest import running_platform
from tests.support import load_team, wait_for

TEAMS = {team.id: team for team in roster_demo.TEAMS}


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    with running_platform(tmp_path_factory.mktemp("roster"), with_units=True) as platform:
        with platform.client("admin", timeout=30) as client:
            for team_id in TEAMS:
                load_team(client, team_id)
        yield platform


@pytest.fixture
def api(platform: Platform) -> Iterator[httpx.Client]:
    with platform.client("admin", timeout=30) as client:
        yield client


def devices(platform: Platform, agency: str) -> roster_pb2_grpc.AgencyRosterServiceStub:
    return roster_pb2_grpc.AgencyRosterServiceStub(platform.agency_channel(agency))


def muster(api: httpx.Client, call_up_id: str, members: bool = False) -> dict[str, Any]:
    return api.get(f"/api/v1/roster/callups/{call_up_id}/muster", params={"members": members}).json()


def test_a_member_file_with_bad_rows_is_refused_whole_with_every_problem_listed(api: httpx.Client) -> None:
    before = api.get("/api/v1/roster/teams/school-guards/members.csv").text
    bad = "id,name,role,qualifications,phone,status\ng-1,王伟,member,,139,available\ng-2,,boss,,x,available\n"
    answer = api.put(
        "/api/v1/roster/teams/school-guards/members.csv",
        content=bad.encode(),
        headers={"Content-Type": "text/csv"},
    )
    assert answer.status_code == 422
    assert {(e["row"], e["column"]) for e in answer.json()["errors"]} == {
        (3, "name"),
        (3, "role"),
        (3, "phone"),
    }
    assert api.get("/api/v1/roster/teams/school-guards/members.csv").text == before
    missing = api.put("/api/v1/roster/teams/harbour/members.csv", content=before.encode())
    assert missing.status_code == 404 and "harbour" in missing.text


def test_the_gaps_panel_finds_an_uncovered_shift_and_a_person_cannot_be_on_two_shifts(
    api: httpx.Client,
) -> None:
    # A day well clear of the board's next 24 hours, whatever day the suite runs.
    start = (datetime.now(UTC) + timedelta(days=30)).replace(hour=0, minute=0, second=0, microsecond=0)

    def shift(
        hours: tuple[int, int], leader: str | None, staff: list[str], vehicle: str | None
    ) -> httpx.Response:
        return api.post(
            "/api/v1/roster/shifts",
            json={
                "agency": "localgov",
                "starts_at": (start + timedelta(hours=hours[0])).isoformat(),
                "ends_at": (start + timedelta(hours=hours[1])).isoformat(),
                "leader_id": leader,
                "staff_ids": staff,
                "vehicle_unit_id": vehicle,
            },
        )

    assert shift((0, 8), "swat-001", ["swat-003"], "police-car-1").status_code == 201
    planted = shift((8, 16), None, ["swat-004"], "police-car-2")
    assert planted.status_code == 201
    clash = shift((7, 9), "swat-005", ["swat-003"], None)
    assert clash.status_code == 409 and "swat-003" in clash.json()["message"]
    unknown = shift((16, 24), "swat-999", [], None)
    assert unknown.status_code == 404 and "swat-999" in unknown.text

    gaps = api.get(
        "/api/v1/roster/gaps",
        params={"from": start.isoformat(), "to": (start + timedelta(days=1)).isoformat()},
    ).json()
    assert [(g["shift"]["id"], g["missing"]) for g in gaps] == [(planted.json()["id"], ["leader"])]

    soon = datetime.now(UTC) + timedelta(hours=1)
    tonight = api.post(
        "/api/v1/roster/shifts",
        json={
            "agency": "military",
            "starts_at": soon.isoformat(),
            "ends_at": (soon + timedelta(hours=8)).isoformat(),
            "leader_id": "mil-001",
            "staff_ids": ["mil-002"],
        },
    ).json()
    panel = api.get("/api/v1/centers/stability/board").json()["duty_gaps"]
    assert [(g["shift"]["id"], g["missing"]) for g in panel] == [(tonight["id"], ["vehicle"])]


def test_a_watch_schedule_with_a_hole_is_refused_naming_the_hours(api: httpx.Client) -> None:
    plan = {
        "name": "两会期间维稳",
        "starts_on": "2027-03-01",
        "ends_on": "2027-03-15",
        "factors": [
            {
                "description": "征地补偿信访人员",
                "responsible_unit": "辛店街道",
                "responsible_person": "王伟",
                "watch": [
                    {"from_hour": 0, "to_hour": 8, "member_id": "swat-001"},
                    {"from_hour": 10, "to_hour": 24, "member_id": "swat-002"},
                ],
            }
        ],
    }
    answer = api.post("/api/v1/roster/plans", json=plan)
    assert answer.status_code == 422 and "[8, 9]" in answer.json()["message"]
    plan["factors"][0]["watch"].append({"from_hour": 8, "to_hour": 10, "member_id": "swat-003"})
    assert api.post("/api/v1/roster/plans", json=plan).status_code == 201


def test_call_ups_refuse_what_cannot_be_filled_and_answers_count_once(
    platform: Platform, api: httpx.Client
) -> None:
    too_many = api.post("/api/v1/roster/callups", json={"team_id": "oilfield-security", "count": 41})
    assert too_many.status_code == 409 and "40 available" in too_many.json()["message"]
    unknown = api.post("/api/v1/roster/callups", json={"team_id": "harbour"})
    assert unknown.status_code == 404 and "harbour" in unknown.text

    board = api.post(
        "/api/v1/roster/callups",
        json={"team_id": "oilfield-security", "count": 3, "qualifications": ["driver"]},
    ).json()
    assert board["called"] == 3
    call_up_id = board["call_up_id"]
    called = [m["member_id"] for m in muster(api, call_up_id, members=True)["members"]]
    stub = devices(platform, "oilfield")
    roster_demo.wait_for_call_up(stub, call_up_id)
    first = stub.Respond(
        pb.RespondRequest(call_up_id=call_up_id, member_id=called[0], response=pb.RESPONSE_ACKNOWLEDGED)
    )
    again = stub.Respond(
        pb.RespondRequest(call_up_id=call_up_id, member_id=called[0], response=pb.RESPONSE_ACKNOWLEDGED)
    )
    assert first.first and not again.first and again.at == first.at
    with pytest.raises(grpc.RpcError) as stranger:
        stub.Respond(
            pb.RespondRequest(call_up_id=call_up_id, member_id="oil-999", response=pb.RESPONSE_ACKNOWLEDGED)
        )
    assert stranger.value.code() == grpc.StatusCode.NOT_FOUND
    wait_for(
        lambda: muster(api, call_up_id)["acknowledged"] == 1, timeout=15, message="acknowledgement mirrored"
    )

    cancelled = api.post(f"/api/v1/roster/callups/{call_up_id}/cancel", json={"reason": "误报"})
    assert cancelled.status_code == 200
    assert api.post(f"/api/v1/roster/callups/{call_up_id}/cancel", json={"reason": "x"}).status_code == 409

    def refused() -> bool:
        try:
            stub.Respond(
                pb.RespondRequest(
                    call_up_id=call_up_id, member_id=called[1], response=pb.RESPONSE_ACKNOWLEDGED
                )
            )
        except grpc.RpcError as exc:
            return exc.code() == grpc.StatusCode.FAILED_PRECONDITION
        return False

    wait_for(refused, timeout=15, message="the agency refuses answers to a cancelled call-up")
    assert muster(api, call_up_id)["acknowledged"] == 1
    team = next(t for t in api.get("/api/v1/roster/teams").json() if t["id"] == "oilfield-security")
    assert team["available"] == 40, "a cancelled call-up frees its members"


def test_a_full_drill_runs_across_processes_and_reports_correct_figures(
    platform: Platform, api: httpx.Client
) -> None:
    drill = api.post(
        "/api/v1/roster/drills",
        json={
            "name": "群体性事件联合处置演练",
            "scenario": "mass-incident-joint",
            "scheduled_for": datetime.now(UTC).isoformat(),
        },
    ).json()
    assert drill["status"] == "scheduled"
    started = api.post(f"/api/v1/roster/drills/{drill['id']}/start").json()
    assert started["status"] == "running"
    (incident_id,) = started["incident_ids"]
    assert api.get(f"/api/v1/incidents/{incident_id}").json()["drill"] is True
    boards = {b["team_id"]: b for b in api.get("/api/v1/roster/callups", params={"status": "open"}).json()}
    militia, police = boards["militia-emergency"], boards["swat2-emergency"]
    assert (militia["called"], police["called"], militia["drill"]) == (300, 100, True)

    militia_ids = [m["member_id"] for m in muster(api, militia["call_up_id"], members=True)["members"]]
    police_ids = [m["member_id"] for m in muster(api, police["call_up_id"], members=True)["members"]]
    military, localgov = devices(platform, "military"), devices(platform, "localgov")
    roster_demo.wait_for_call_up(military, militia["call_up_id"])
    roster_demo.wait_for_call_up(localgov, police["call_up_id"])
    roster_demo.answer(military, militia["call_up_id"], militia_ids, pb.RESPONSE_ACKNOWLEDGED)
    roster_demo.answer(military, militia["call_up_id"], militia_ids[:280], pb.RESPONSE_ARRIVED)
    roster_demo.answer(localgov, police["call_up_id"], police_ids[:95], pb.RESPONSE_ARRIVED)

    operator = dispatch_pb2_grpc.AgencyDispatchServiceStub(platform.agency_channel("localgov"))
    lead = next(t for t in api.get(f"/api/v1/incidents/{incident_id}/tasks").json() if t["role"] == "lead")

    def lead_held() -> bool:
        return any(t.id == lead["id"] for t in operator.ListTasks(dispatch_pb2.ListTasksRequest()).tasks)

    wait_for(lead_held, timeout=15, message="the drill's order reached localgov")
    operator.AnswerTask(
        dispatch_pb2.AnswerTaskRequest(task_id=lead["id"], action=dispatch_pb2.TASK_ACTION_ON_SCENE)
    )
    wait_for(
        lambda: muster(api, militia["call_up_id"])["arrived"] == 280
        and muster(api, police["call_up_id"])["arrived"] == 95
        and api.get(f"/api/v1/tasks/{lead['id']}").json()["status"] == "on_scene",
        timeout=30,
        message="answers mirrored at the gateway",
    )
    ended = api.post(f"/api/v1/roster/drills/{drill['id']}/end")
    assert ended.status_code == 200 and ended.json()["status"] == "ended"

    report = api.get(f"/api/v1/roster/drills/{drill['id']}/report").json()
    by_team = {c["team_id"]: c for c in report["call_ups"]}
    assert (by_team["militia-emergency"]["acknowledged"], by_team["militia-emergency"]["arrived"]) == (
        300,
        280,
    )
    assert by_team["militia-emergency"]["not_arrived"] == militia_ids[280:]
    assert (by_team["swat2-emergency"]["acknowledged"], by_team["swat2-emergency"]["arrived"]) == (95, 95)
    assert by_team["militia-emergency"]["mustered_90_s"] is not None
    assert by_team["swat2-emergency"]["mustered_90_s"] is not None  # 95 of 100 arrived
    assert report["missed"] == {"acknowledgement": 5, "arrival": 25, "dispatch_clocks_breached": 0}
    lead_clocks = {c["clock"]: c for c in report["dispatch_clocks"] if c["task_id"] == lead["id"]}
    assert lead_clocks["dispatch_on_scene"]["outcome"] == "met"
    assert lead_clocks["dispatch_on_scene"]["took_s"] < 600

    csv_report = api.get(f"/api/v1/roster/drills/{drill['id']}/report", params={"format": "csv"}).text
    assert csv_report.count("\nmuster,") == 2 * 400
    page = api.get(f"/api/v1/roster/drills/{drill['id']}/report", params={"format": "html"})
    assert page.headers["content-type"].startswith("text/html") and "militia-emergency" in page.text
    counts = api.get("/api/v1/roster/drills/counts").json()["teams"]
    assert counts["militia-emergency"] >= 1 and counts["swat2-emergency"] >= 1
    assert api.get(f"/api/v1/incidents/{incident_id}").json()["status"] == "closed"
    teams = {t["id"]: t for t in api.get("/api/v1/roster/teams").json()}
    assert teams["militia-emergency"]["available"] == 300, "standing down frees every member"

"""Joint dispatch across real processes: intake, routing, recommendation, tasks to three
agencies answered over their gRPC APIs, a breached clock escalated, resolution, the timeline
and the live stream; plus concurrency and bad input."""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import httpx
import pytest

from infra.platform import Platform
from jcp.dispatch.v1 import dispatch_pb2 as pb
from jcp.dispatch.v1 import dispatch_pb2_grpc
from tests.conftest import running_platform
from tests.support import EventStream, incident_body, wait_for

# Short enough to see a breach in a test, long enough for an operator to answer in time.
ACKNOWLEDGE_S = 8


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    env = {
        "JCP_CLOCK_ACKNOWLEDGE_S": str(ACKNOWLEDGE_S),
        "JCP_CLOCK_ON_SCENE_DAY_S": "600",
        "JCP_CLOCK_ON_SCENE_NIGHT_S": "600",
        "JCP_CLOCK_SWEEP_S": "0.2",
    }
    with running_platform(tmp_path_factory.mktemp("dispatch"), env, with_units=True) as platform:
        yield platform


@pytest.fixture
def api(platform: Platform) -> Iterator[httpx.Client]:
    with platform.client("admin", timeout=10) as client:
        yield client


class Operator:
    """An agency's duty operator, answering tasks through the agency's own gRPC API."""

    def __init__(self, platform: Platform, agency: str) -> None:
        self._channel = platform.agency_channel(agency)
        self.stub = dispatch_pb2_grpc.AgencyDispatchServiceStub(self._channel)

    def wait_for_task(self, task_id: str) -> pb.Task:
        def held() -> pb.Task | None:
            return next(
                (t for t in self.stub.ListTasks(pb.ListTasksRequest()).tasks if t.id == task_id), None
            )

        return wait_for(held, timeout=15, message=f"task {task_id} reached the agency")

    def answer(self, task_id: str, action: int, reason: str = "") -> pb.Task:
        return self.stub.AnswerTask(
            pb.AnswerTaskRequest(task_id=task_id, action=action, reason=reason, operator="duty-officer")
        )

    def close(self) -> None:
        self._channel.close()


def task_of(api: httpx.Client, task_id: str) -> dict[str, Any]:
    return api.get(f"/api/v1/tasks/{task_id}").json()


def clock_status(task: dict[str, Any], kind: str) -> str:
    return next(c["status"] for c in task["clocks"] if c["kind"] == kind)


def breached(api: httpx.Client, task_id: str, kind: str) -> dict[str, Any] | None:
    task = task_of(api, task_id)
    return task if clock_status(task, kind) == "breached" else None


EXPECTED_STEPS = [
    "route.routed",
    "incident.reported",
    "task.assigned",
    "incident.accepted",
    "incident.dispatched",
    "task.acknowledged",
    "clock.breached",
    "task.on_scene",
    "incident.on_scene",
    "task.completed",
    "incident.resolved",
    "incident.closed",
    "task.cancelled",
]


def assert_timeline_tells_the_story(api: httpx.Client, incident_id: str) -> None:
    timeline = api.get(f"/api/v1/incidents/{incident_id}/timeline").json()
    steps = [f"{e['kind']}.{e['action']}" for e in timeline]
    assert all(step in steps for step in EXPECTED_STEPS), steps
    first_seen = [steps.index(step) for step in EXPECTED_STEPS]
    assert first_seen == sorted(first_seen), steps
    assert steps.count("task.assigned") == 3
    breach = next(e for e in timeline if e["kind"] == "clock")
    assert breach["data"]["escalated_to"] == "commander.stability"
    assert breach["data"]["agency"] == "oilfield"
    actors = {e["actor"] for e in timeline}
    assert {"operator", "commander", "duty-officer@localgov"} <= actors


def test_a_joint_incident_runs_from_intake_to_closure_with_timeline_and_stream(
    platform: Platform, api: httpx.Client
) -> None:
    stream = EventStream(platform)
    localgov, military = Operator(platform, "localgov"), Operator(platform, "military")
    intake, commander = platform.client("operator"), platform.client("commander")
    try:
        incident = intake.post(
            "/api/v1/incidents",
            json=incident_body(category="mass_incident", level="II", title="征地补偿群体性聚集"),
        ).json()
        incident_id = incident["id"]
        assert api.get(f"/api/v1/incidents/{incident_id}/handling").json()["center"] == "stability"

        recommended = api.get(
            f"/api/v1/incidents/{incident_id}/recommendations", params={"capability": "crowd_control"}
        ).json()
        ranked = [item["unit"]["id"] for item in recommended["units"]]
        assert {"swat-2", "militia-1"} <= set(ranked)
        assert all("crowd_control" in item["unit"]["capabilities"] for item in recommended["units"])

        order = commander.post(
            f"/api/v1/incidents/{incident_id}/dispatch",
            json={
                "tasks": [
                    {"agency": "localgov", "role": "lead", "unit_ids": ["swat-2"]},
                    {"agency": "military", "unit_ids": ["militia-1"]},
                    {"agency": "oilfield", "instructions": "派保卫力量协助"},
                ]
            },
        )
        assert order.status_code == 201, order.text
        tasks = {task["agency"]: task["id"] for task in order.json()["tasks"]}
        assert api.get(f"/api/v1/incidents/{incident_id}").json()["status"] == "dispatched"

        for operator, agency in ((localgov, "localgov"), (military, "military")):
            assert operator.wait_for_task(tasks[agency]).unit_ids
            operator.answer(tasks[agency], pb.TASK_ACTION_ACKNOWLEDGE)

        wait_for(
            lambda: all(task_of(api, tasks[a])["status"] == "acknowledged" for a in ("localgov", "military")),
            timeout=15,
            message="acknowledgements mirrored at the gateway",
        )
        oilfield_task = wait_for(
            lambda: breached(api, tasks["oilfield"], "acknowledge"),
            timeout=ACKNOWLEDGE_S + 15,
            message="the oil field's unanswered task breached its acknowledge clock",
        )
        assert oilfield_task["status"] == "assigned"
        for agency in ("localgov", "military"):
            assert clock_status(task_of(api, tasks[agency]), "acknowledge") == "met"
        board = api.get("/api/v1/centers/stability/board").json()
        on_board = next(item for item in board["incidents"] if item["incident"]["id"] == incident_id)
        assert on_board["overdue"] is True
        assert {t["agency"] for t in on_board["tasks"]} == {"localgov", "military", "oilfield"}
        assert board["breaches_today"] >= 1

        localgov.answer(tasks["localgov"], pb.TASK_ACTION_ON_SCENE)
        wait_for(
            lambda: api.get(f"/api/v1/incidents/{incident_id}").json()["status"] == "on_scene",
            timeout=15,
            message="the lead agency on scene moves the incident on scene",
        )
        localgov.answer(tasks["localgov"], pb.TASK_ACTION_COMPLETE)
        wait_for(
            lambda: task_of(api, tasks["localgov"])["status"] == "completed",
            timeout=15,
            message="completion mirrored",
        )
        for status in ("resolved", "closed"):
            answer = api.post(f"/api/v1/incidents/{incident_id}/status", json={"status": status})
            assert answer.status_code == 200, answer.text
        assert task_of(api, tasks["oilfield"])["status"] == "cancelled"
        wait_for(
            lambda: next(u for u in api.get("/api/v1/units").json() if u["id"] == "swat-2")["status"]
            == "available",
            timeout=15,
            message="the lead's unit is free again",
        )

        assert_timeline_tells_the_story(api, incident_id)
        wait_for(
            lambda: all(step in stream.actions(incident_id) for step in EXPECTED_STEPS),
            timeout=10,
            message="the live stream carried every step",
        )
    finally:
        stream.close()
        localgov.close()
        military.close()
        intake.close()
        commander.close()


def test_two_commanders_sending_the_same_unit_at_once_one_wins(api: httpx.Client) -> None:
    ids = [
        api.post("/api/v1/incidents", json=incident_body(title=f"双派-{n}")).json()["id"] for n in range(2)
    ]

    def send(incident_id: str) -> int:
        body = {"tasks": [{"agency": "localgov", "role": "lead", "unit_ids": ["police-car-2"]}]}
        return api.post(f"/api/v1/incidents/{incident_id}/dispatch", json=body).status_code

    with ThreadPoolExecutor(2) as pool:
        codes = sorted(pool.map(send, ids))
    assert codes == [201, 409]


def test_two_commanders_updating_one_incident_at_once_one_wins(api: httpx.Client) -> None:
    incident = api.post("/api/v1/incidents", json=incident_body()).json()

    def patch(level: str) -> int:
        body = {"expected_version": incident["version"], "level": level}
        return api.patch(f"/api/v1/incidents/{incident['id']}", json=body).status_code

    with ThreadPoolExecutor(2) as pool:
        assert sorted(pool.map(patch, ["I", "II"])) == [200, 409]


@pytest.mark.parametrize(
    ("path", "body", "status", "named"),
    [
        ("dispatch", {"tasks": [{"agency": "harbour", "role": "lead"}]}, 422, "tasks.0.agency"),
        (
            "dispatch",
            {"tasks": [{"agency": "localgov", "role": "lead", "unit_ids": ["car-99"]}]},
            404,
            "car-99",
        ),
        (
            "dispatch",
            {"tasks": [{"agency": "school", "role": "lead", "unit_ids": ["swat-2"]}]},
            422,
            "swat-2",
        ),
        ("dispatch", {"tasks": [{"agency": "school"}]}, 422, "lead"),
        ("route", {"center": "harbour", "reason": "x"}, 422, "center"),
    ],
)
def test_unknown_agency_unit_or_center_is_refused_by_name(
    api: httpx.Client, path: str, body: dict[str, Any], status: int, named: str
) -> None:
    incident = api.post("/api/v1/incidents", json=incident_body()).json()
    answer = api.post(f"/api/v1/incidents/{incident['id']}/{path}", json=body)
    assert answer.status_code == status, answer.text
    assert named in answer.text
    assert api.get(f"/api/v1/incidents/{incident['id']}/tasks").json() == []


def test_an_unknown_center_board_and_category_are_refused_by_name(api: httpx.Client) -> None:
    answer = api.get("/api/v1/centers/harbour/board")
    assert answer.status_code == 422 and "center" in answer.text
    answer = api.post("/api/v1/incidents", json=incident_body(category="piracy"))
    assert answer.status_code == 422 and "piracy" in answer.text


def test_an_agency_cannot_answer_a_task_it_does_not_hold(platform: Platform, api: httpx.Client) -> None:
    incident = api.post("/api/v1/incidents", json=incident_body()).json()
    order = api.post(
        f"/api/v1/incidents/{incident['id']}/dispatch",
        json={"tasks": [{"agency": "localgov", "role": "lead"}]},
    ).json()
    task_id = order["tasks"][0]["id"]
    Operator(platform, "localgov").wait_for_task(task_id)
    school = Operator(platform, "school")
    with pytest.raises(grpc.RpcError) as refused:
        school.answer(task_id, pb.TASK_ACTION_ACKNOWLEDGE)
    assert refused.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.RpcError) as illegal:
        Operator(platform, "localgov").answer(task_id, pb.TASK_ACTION_COMPLETE)
    assert illegal.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "acknowledge" in (illegal.value.details() or "")
    assert task_of(api, task_id)["status"] == "assigned"


def test_a_declined_task_can_be_sent_again(platform: Platform, api: httpx.Client) -> None:
    incident = api.post("/api/v1/incidents", json=incident_body()).json()
    body = {"tasks": [{"agency": "localgov", "role": "lead"}]}
    first = api.post(f"/api/v1/incidents/{incident['id']}/dispatch", json=body).json()["tasks"][0]["id"]
    localgov = Operator(platform, "localgov")
    localgov.wait_for_task(first)
    with pytest.raises(grpc.RpcError) as no_reason:
        localgov.answer(first, pb.TASK_ACTION_DECLINE)
    assert no_reason.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    localgov.answer(first, pb.TASK_ACTION_DECLINE, reason="车辆在其他警情")
    wait_for(lambda: task_of(api, first)["status"] == "declined", timeout=15, message="decline mirrored")
    again = api.post(f"/api/v1/incidents/{incident['id']}/dispatch", json=body)
    assert again.status_code == 201, again.text


def alarm(signalled_at: datetime, subscriber: str = "S-0107") -> dict[str, Any]:
    return {
        "subscriber_id": subscriber,
        "subscriber_name": "西城金店",
        "zone": "2",
        "alarm_type": "intrusion",
        "signalled_at": signalled_at.isoformat(),
        "location": {"latitude": 37.4580, "longitude": 118.5032, "address": "西城商业街 18 号"},
    }


def test_an_alarm_signal_is_dispatched_to_an_alarm_vehicle_with_clocks_once(api: httpx.Client) -> None:
    now = datetime.now(UTC)
    first = api.post("/api/v1/alarms", json=alarm(now))
    assert first.status_code == 201, first.text
    accepted = first.json()
    assert accepted["incident"]["category"] == "networked_alarm"
    assert accepted["unit_id"].startswith("alarm-")
    assert {c["kind"] for c in accepted["task"]["clocks"]} == {"acknowledge", "on_scene"}
    again = api.post("/api/v1/alarms", json=alarm(now))
    assert again.status_code == 200
    assert again.json()["incident"]["id"] == accepted["incident"]["id"]
    assert again.json()["replayed"] is True

    stale = api.post("/api/v1/alarms", json=alarm(now - timedelta(hours=2), subscriber="S-0200"))
    assert stale.status_code == 422
    assert "too old" in stale.json()["message"]
    unknown = api.post("/api/v1/alarms", json={**alarm(now), "alarm_type": "earthquake"})
    assert unknown.status_code == 422 and "alarm_type" in unknown.text


def test_the_stream_resumes_after_the_last_event_id_it_was_given(
    platform: Platform, api: httpx.Client
) -> None:
    first = EventStream(platform)
    try:
        incident = api.post("/api/v1/incidents", json=incident_body()).json()
        wait_for(lambda: len(first.actions(incident["id"])) >= 2, timeout=10, message="events streamed")
        seen = [e for e in first.events if e["incident_id"] == incident["id"]]
    finally:
        first.close()
    resumed = EventStream(platform, last_event_id=seen[0]["id"])
    try:
        wait_for(lambda: resumed.events, timeout=10, message="resumed stream delivered")
        assert resumed.events[0]["id"] == seen[1]["id"]
        ids = [e["id"] for e in resumed.events]
        assert ids == sorted(ids)
    finally:
        resumed.close()


def test_a_units_status_and_position_reach_the_gateway_and_only_its_agency_may_change_it(
    platform: Platform, api: httpx.Client
) -> None:
    military = Operator(platform, "military")
    moved = military.stub.UpdateUnit(
        pb.UpdateUnitRequest(
            unit_id="militia-3",
            status=pb.UNIT_STATUS_OFF_DUTY,
            position=pb.Position(latitude=37.4401, longitude=118.5202),
        )
    )
    assert moved.version >= 2

    def mirrored() -> dict[str, Any] | None:
        unit = next(u for u in api.get("/api/v1/units").json() if u["id"] == "militia-3")
        return unit if unit["version"] == moved.version else None

    unit = wait_for(mirrored, timeout=15, message="the unit change reached the gateway")
    assert (unit["status"], unit["latitude"], unit["longitude"]) == ("off_duty", 37.4401, 118.5202)
    incident = api.post("/api/v1/incidents", json=incident_body()).json()
    ranked = api.get(f"/api/v1/incidents/{incident['id']}/recommendations", params={"limit": 100}).json()
    assert "militia-3" not in [item["unit"]["id"] for item in ranked["units"]]

    with pytest.raises(grpc.RpcError) as foreign:
        Operator(platform, "school").stub.UpdateUnit(
            pb.UpdateUnitRequest(unit_id="militia-3", status=pb.UNIT_STATUS_AVAILABLE)
        )
    assert foreign.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.RpcError) as outside:
        military.stub.UpdateUnit(pb.UpdateUnitRequest(unit_id="militia-3", position=pb.Position(latitude=95)))
    assert outside.value.code() == grpc.StatusCode.INVALID_ARGUMENT

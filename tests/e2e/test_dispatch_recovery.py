"""Processes killed in the middle of dispatch: no task lost or doubled, no breach lost or doubled."""

import threading
from collections.abc import Callable
from datetime import UTC, datetime

import grpc
import httpx
import pytest
from sqlalchemy import func, select

from gateway.activity.models import ActivityRow
from infra.platform import Platform
from jcp.dispatch.v1 import dispatch_pb2 as pb
from jcp.dispatch.v1 import dispatch_pb2_grpc
from kernel.bus.outbox import OutboxRecord
from kernel.dispatch_store import TaskRow
from tests.conftest import database_urls
from tests.support import engine_for, incident_body, wait_for

ORDERS = 40


def operator(platform: Platform, agency: str) -> dispatch_pb2_grpc.AgencyDispatchServiceStub:
    return dispatch_pb2_grpc.AgencyDispatchServiceStub(platform.agency_channel(agency))


def tasks_per_incident(url: str) -> dict[str, int]:
    with engine_for(url).connect() as connection:
        return dict(
            connection.execute(select(TaskRow.incident_id, func.count()).group_by(TaskRow.incident_id)).all()  # type: ignore[arg-type]
        )


def activity_count(platform: Platform, kind: str, action: str) -> dict[str, int]:
    """Per incident, how many times the gateway recorded this action."""
    with engine_for(database_urls(platform)["gateway"]).connect() as connection:
        rows = connection.execute(
            select(ActivityRow.incident_id, func.count())
            .where(ActivityRow.kind == kind, ActivityRow.action == action)
            .group_by(ActivityRow.incident_id)
        ).all()
    return dict(rows)  # type: ignore[arg-type]


def escalations(platform: Platform) -> int:
    with engine_for(database_urls(platform)["gateway"]).connect() as connection:
        return (
            connection.scalar(
                select(func.count())
                .select_from(OutboxRecord)
                .where(OutboxRecord.event_type == "jcp.dispatch.v1.ClockBreached")
            )
            or 0
        )


def accepted(stub: dispatch_pb2_grpc.AgencyDispatchServiceStub) -> bool:
    """Whether the agency takes the caller's token yet (it learns the gateway's keys once up)."""
    try:
        stub.ListTasks(pb.ListTasksRequest(), timeout=5.0)
    except grpc.RpcError:
        return False
    return True


def new_incidents(api: httpx.Client, count: int, label: str) -> list[str]:
    return [
        api.post("/api/v1/incidents", json=incident_body(title=f"{label}-{n}")).json()["id"]
        for n in range(count)
    ]


def dispatch_to_localgov(api: httpx.Client, incident_id: str) -> dict[str, object]:
    answer = api.post(
        f"/api/v1/incidents/{incident_id}/dispatch", json={"tasks": [{"agency": "localgov", "role": "lead"}]}
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["tasks"][0]


@pytest.mark.slow
def test_agency_killed_mid_dispatch_gets_every_task_once_and_every_answer_is_mirrored_once(
    platform_factory: Callable[..., Platform],
) -> None:
    platform = platform_factory()
    api = platform.client("admin", timeout=10)
    ids = new_incidents(api, ORDERS, "kill-agency")
    sent: list[str] = []

    def send_all() -> None:
        for incident_id in ids:
            sent.append(str(dispatch_to_localgov(api, incident_id)["id"]))

    sender = threading.Thread(target=send_all)
    sender.start()
    wait_for(lambda: len(sent) >= ORDERS // 3, timeout=60, message="a third of the orders sent")
    platform.kill("localgov")
    sender.join(120)
    assert len(sent) == ORDERS
    platform.start_service("localgov")
    platform.wait_ready(services=["localgov"])

    localgov = operator(platform, "localgov")

    def held() -> set[str]:
        return {t.id for t in localgov.ListTasks(pb.ListTasksRequest(include_closed=True)).tasks}

    wait_for(lambda: set(sent) <= held(), timeout=60, message="every task reached the restarted agency")
    assert tasks_per_incident(database_urls(platform)["localgov"]) == dict.fromkeys(ids, 1)
    for task_id in sent:
        localgov.AnswerTask(pb.AnswerTaskRequest(task_id=task_id, action=pb.TASK_ACTION_ACKNOWLEDGE))
    wait_for(
        lambda: activity_count(platform, "task", "acknowledged") == dict.fromkeys(ids, 1),
        timeout=60,
        message="every acknowledgement mirrored once at the gateway",
    )
    assert tasks_per_incident(database_urls(platform)["gateway"]) == dict.fromkeys(ids, 1)


@pytest.mark.slow
def test_gateway_killed_with_clocks_running_raises_each_breach_once_and_honours_answers_made_meanwhile(
    platform_factory: Callable[..., Platform],
) -> None:
    platform = platform_factory(env={"JCP_CLOCK_ACKNOWLEDGE_S": "4", "JCP_CLOCK_SWEEP_S": "0.2"})
    api = platform.client("admin", timeout=10)
    ids = new_incidents(api, 5, "kill-gateway")
    answered, *ignored = [dispatch_to_localgov(api, incident_id) for incident_id in ids]
    localgov = operator(platform, "localgov")  # signed in while the gateway was up
    wait_for(
        lambda: accepted(localgov),
        timeout=30,
        message="localgov holds the gateway's keys and takes its operator's token",
    )
    platform.kill("gateway")

    wait_for(
        lambda: any(t.id == answered["id"] for t in localgov.ListTasks(pb.ListTasksRequest()).tasks),
        timeout=15,
        message="the task reached the agency",
    )
    localgov.AnswerTask(pb.AnswerTaskRequest(task_id=str(answered["id"]), action=pb.TASK_ACTION_ACKNOWLEDGE))
    deadline = datetime.fromisoformat(str(answered["acknowledge_by"]))
    wait_for(
        lambda: datetime.now(UTC) > deadline, timeout=15, message="the deadlines passed while it was down"
    )

    platform.start_service("gateway")
    platform.wait_ready(services=["gateway"])
    late = {str(task["incident_id"]) for task in ignored}
    try:
        wait_for(
            lambda: activity_count(platform, "clock", "breached") == dict.fromkeys(late, 1),
            timeout=30,
            message="each unanswered task breached once after the restart",
        )
    except AssertionError:
        raise AssertionError(
            f"breaches {activity_count(platform, 'clock', 'breached')}, expected once for {sorted(late)}"
        ) from None
    assert activity_count(platform, "task", "acknowledged") == {ids[0]: 1}
    task = api.get(f"/api/v1/tasks/{answered['id']}").json()
    assert {c["kind"]: c["status"] for c in task["clocks"]}["acknowledge"] == "met"

    platform.restart("gateway", hard=False)
    probe = new_incidents(api, 1, "after-restart")[0]
    dispatch_to_localgov(api, probe)
    wait_for(
        lambda: activity_count(platform, "clock", "breached").get(probe) == 1,
        timeout=30,
        message="the restarted gateway still watches clocks",
    )
    assert activity_count(platform, "clock", "breached") == {**dict.fromkeys(late, 1), probe: 1}
    assert escalations(platform) == len(late) + 1

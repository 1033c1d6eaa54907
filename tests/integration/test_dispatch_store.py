"""Dispatch on a real database (SQLite and PostgreSQL) with an injected clock: every breach is
raised exactly once, whoever sweeps and however often; answers from the wrong agency are
refused; a decline re-opens the incident for another dispatch."""

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from gateway.activity.models import ActivityRow
from gateway.centers import routing
from gateway.dispatch import clocks, mirror
from gateway.dispatch import service as dispatch
from gateway.dispatch.clocks import ClockWatcher
from gateway.dispatch.deadlines import ResponsePolicy
from gateway.dispatch.models import DispatchCreate, ResponseClock, TaskCreate
from gateway.incidents import service as incidents
from gateway.incidents.models import IncidentCreate
from jcp.dispatch.v1 import dispatch_pb2 as pb
from kernel import dispatch_store, sources
from kernel.bus.envelope import InvalidEvent, new_event
from kernel.bus.outbox import OutboxRecord
from kernel.db import transaction
from kernel.dispatch_store import TaskRow
from kernel.errors import Conflict
from tests.support import incident_body

RULES = routing.load()
POLICY = ResponsePolicy(acknowledge_s=60, on_scene_day_s=600, on_scene_night_s=300)


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai: day

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def new_dispatch(
    factory: sessionmaker[Session], clock: FakeClock, *agencies: str, drill: bool = False
) -> list[str]:
    with transaction(factory) as session:
        row, _ = incidents.create(
            session=session,
            data=IncidentCreate(**incident_body(drill=drill)),
            idempotency_key=None,
            clock=clock,
        )
        incident_id = row.id
    order = DispatchCreate(
        tasks=[
            TaskCreate(agency=agency, role="lead" if n == 0 else "supporting")
            for n, agency in enumerate(agencies)
        ]
    )
    return send(factory, clock, incident_id, order)


def send(
    factory: sessionmaker[Session], clock: FakeClock, incident_id: str, order: DispatchCreate
) -> list[str]:
    """A commander's order, committed; the ids of its tasks."""
    with transaction(factory) as session:
        _, _, created = dispatch.dispatch(
            session=session,
            incident_id=incident_id,
            order=order,
            actor="commander",
            rules=RULES,
            policy=POLICY,
            clock=clock,
        )
        return [task.id for task in created]


def agency_answer(
    factory: sessionmaker[Session], clock: FakeClock, task_id: str, status: int, source: str
) -> None:
    with factory() as session:
        task = dispatch_store.task_to_proto(session.get_one(TaskRow, task_id))
    task.status = status
    task.version += 1
    task.updated_at.FromDatetime(clock())
    task.updated_by = "operator"
    event = new_event(message=pb.TaskUpdated(task=task), source=source, subject=task.incident_id, clock=clock)
    with transaction(factory) as session:
        mirror.task_update(session=session, event=event, clock=clock)


def count(factory: sessionmaker[Session], *where: object, model: type = ActivityRow) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0  # type: ignore[arg-type]


def breaches(factory: sessionmaker[Session]) -> int:
    return count(factory, ActivityRow.kind == "clock", ActivityRow.action == "breached")


def escalations(factory: sessionmaker[Session]) -> int:
    return count(factory, OutboxRecord.event_type == "jcp.dispatch.v1.ClockBreached", model=OutboxRecord)


def watcher(factory: sessionmaker[Session], clock: Callable[[], datetime]) -> ClockWatcher:
    return ClockWatcher(session_factory=factory, rules=RULES, interval_s=1, clock=clock)


def test_a_breach_fires_once_when_two_watchers_race_and_again_after_a_restart(
    database: sessionmaker[Session],
) -> None:
    clock = FakeClock()
    new_dispatch(database, clock, "localgov")
    assert watcher(database, clock).sweep() == 0

    clock.advance(61)
    racers = [watcher(database, clock) for _ in range(2)]
    start = threading.Barrier(2)

    def sweep(w: ClockWatcher) -> None:
        start.wait()
        w.sweep()

    threads = [threading.Thread(target=sweep, args=(w,)) for w in racers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert sum(w.breaches for w in racers) == 1
    assert breaches(database) == 1
    assert escalations(database) == 1
    assert watcher(database, clock).sweep() == 0, "a restarted watcher raised the breach again"
    assert breaches(database) == 1


def test_a_clock_met_in_time_never_breaches(database: sessionmaker[Session]) -> None:
    clock = FakeClock()
    (task_id,) = new_dispatch(database, clock, "localgov")
    clock.advance(30)
    agency_answer(database, clock, task_id, pb.TASK_STATUS_ACKNOWLEDGED, sources.agency("localgov"))
    clock.advance(600)

    assert watcher(database, clock).sweep() == 1
    with database() as session:
        states = dict(session.execute(select(ResponseClock.kind, ResponseClock.status)).all())
    assert states == {"acknowledge": "met", "on_scene": "breached"}


def test_an_answer_from_an_agency_that_does_not_own_the_task_is_refused(
    database: sessionmaker[Session],
) -> None:
    clock = FakeClock()
    (task_id,) = new_dispatch(database, clock, "localgov")
    with pytest.raises(InvalidEvent, match="belongs to localgov"):
        agency_answer(database, clock, task_id, pb.TASK_STATUS_ACKNOWLEDGED, sources.agency("school"))
    with database() as session:
        assert session.get_one(TaskRow, task_id).status == "assigned"


def test_a_decline_reopens_the_incident_for_another_dispatch(database: sessionmaker[Session]) -> None:
    clock = FakeClock()
    lead, support = new_dispatch(database, clock, "localgov", "military")
    with database() as session:
        incident_id = session.get_one(TaskRow, support).incident_id
    order = DispatchCreate(tasks=[TaskCreate(agency="military")])

    with pytest.raises(Conflict, match="military already has an open task"):
        send(database, clock, incident_id, order)
    agency_answer(database, clock, support, pb.TASK_STATUS_DECLINED, sources.agency("military"))
    again = send(database, clock, incident_id, order)
    assert again[0] != support
    clock.advance(61)
    watcher(database, clock).sweep()
    with database() as session:
        declined = session.scalars(select(ResponseClock.status).where(ResponseClock.task_id == support)).all()
    assert set(declined) == {"cancelled"}, "a declined task's clocks must not breach"
    assert breaches(database) == 2  # the lead's and the new military task's acknowledge clocks
    assert lead != again[0]


def test_breaches_in_drills_stay_out_of_the_real_count(database: sessionmaker[Session]) -> None:
    clock = FakeClock()
    new_dispatch(database, clock, "localgov", drill=True)
    new_dispatch(database, clock, "school")
    clock.advance(61)
    assert watcher(database, clock).sweep() == 2
    with database() as session:
        counted = clocks.breaches_since(
            session=session, center="stability", since=clock() - timedelta(hours=1)
        )
    assert counted == 1

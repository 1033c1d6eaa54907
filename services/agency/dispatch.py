"""What an agency does with the tasks sent to it and with its own units.

The agency drives its tasks (acknowledge, decline, en route, on scene, completed) and owns its
units' status and position; every change is stored and announced in one transaction, so the
gateway mirrors exactly what the agency holds.
"""

from datetime import datetime

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from jcp.dispatch.v1 import dispatch_pb2 as pb
from kernel import dispatch_store, tasks
from kernel.bus.envelope import Event
from kernel.bus.outbox import announce
from kernel.bus.topics import DISPATCH, UNITS
from kernel.clock import Clock, utc_now
from kernel.db import get_for_update
from kernel.dispatch_store import TaskRow, UnitRow
from kernel.errors import Conflict, Forbidden, Invalid, NotFound
from kernel.profiles import AgencyProfile

# The unit status that follows a task's status.
UNIT_FOLLOWS_TASK = {
    "assigned": "assigned",
    "acknowledged": "assigned",
    "en_route": "en_route",
    "on_scene": "on_scene",
    "completed": "available",
    "declined": "available",
    "cancelled": "available",
}


def seed_units(*, session: Session, profile: AgencyProfile, source: str, clock: Clock = utc_now) -> int:
    """Units named in the profile that this database does not hold yet join it, available."""
    held = set(session.scalars(select(UnitRow.id)))
    now = clock()
    added = 0
    for spec in profile.units:
        if spec.id in held:
            continue
        unit = pb.Unit(
            id=spec.id,
            agency=profile.id,
            name=spec.name,
            kind=spec.kind,
            capabilities=spec.capabilities,
            status=pb.UNIT_STATUS_AVAILABLE,
            position=pb.Position(latitude=spec.latitude, longitude=spec.longitude),
            version=1,
        )
        unit.position.at.FromDatetime(now)
        dispatch_store.store_unit(session=session, unit=unit)
        announce(
            session=session,
            topic=UNITS,
            key=unit.id,
            message=pb.UnitChanged(unit=unit),
            source=source,
            clock=clock,
        )
        added += 1
    return added


def _move_units(
    session: Session, *, task: TaskRow, status: str, source: str, clock: Clock, released: bool = False
) -> None:
    now = clock()
    for unit_id in task.unit_ids:
        row = get_for_update(session=session, model=UnitRow, key=unit_id)
        if row is None or (row.task_id and row.task_id != task.id):
            continue  # not ours, or already working on another task
        unit = dispatch_store.unit_to_proto(row)
        unit.status = dispatch_store.UNIT_STATUS_CODES[status]
        unit.task_id = "" if released else task.id
        unit.version = row.version + 1
        if not unit.position.HasField("at"):
            unit.position.at.FromDatetime(now)
        dispatch_store.store_unit(session=session, unit=unit)
        announce(
            session=session,
            topic=UNITS,
            key=unit.id,
            message=pb.UnitChanged(unit=unit),
            source=source,
            clock=clock,
        )


def handle_event(
    *, session: Session, event: Event, profile: AgencyProfile, source: str, clock: Clock = utc_now
) -> None:
    """A dispatch event from the gateway: keep the tasks addressed to this agency."""
    message = event.message
    if isinstance(message, pb.TaskAssigned) and message.task.agency == profile.id:
        row = dispatch_store.store_task(session=session, task=message.task)
        if row is not None:
            _move_units(session, task=row, status="assigned", source=source, clock=clock)
    elif isinstance(message, pb.TaskCancelled) and message.task.agency == profile.id:
        _cancel(session, message.task, source=source, clock=clock)


def _cancel(session: Session, task: pb.Task, *, source: str, clock: Clock) -> None:
    """Cancellation wins over whatever the agency did meanwhile: the task is over either way."""
    row = get_for_update(session=session, model=TaskRow, key=task.id)
    if row is None:
        dispatch_store.store_task(session=session, task=task)
        return
    if row.status not in tasks.OPEN:
        return
    cancelled = dispatch_store.task_to_proto(row)
    cancelled.status = pb.TASK_STATUS_CANCELLED
    cancelled.version = max(row.version, task.version) + 1
    cancelled.note = task.note
    cancelled.updated_by = task.updated_by
    cancelled.updated_at.FromDatetime(clock())
    dispatch_store.store_task(session=session, task=cancelled)
    _move_units(session, task=row, status="available", source=source, clock=clock, released=True)


def list_tasks(
    *,
    session: Session,
    profile: AgencyProfile,
    include_closed: bool,
    incident_id: str,
    limit: int | None = None,
) -> list[pb.Task]:
    """Open tasks first, the one whose deadline comes soonest at the top (an assigned task races
    its acknowledge clock, one on its way its on-scene clock), then the newest."""
    running_deadline = case(
        (TaskRow.status == "assigned", TaskRow.acknowledge_by),
        (TaskRow.status.in_(("acknowledged", "en_route")), TaskRow.on_scene_by),
        else_=None,
    )
    query = select(TaskRow).where(TaskRow.agency == profile.id)
    if not include_closed:
        query = query.where(TaskRow.status.in_(tasks.OPEN))
    if incident_id:
        query = query.where(TaskRow.incident_id == incident_id)
    query = query.order_by(
        case((TaskRow.status.in_(tasks.OPEN), 0), else_=1),
        running_deadline.is_(None),
        running_deadline,
        TaskRow.updated_at.desc(),
        TaskRow.id,
    ).limit(limit)
    return [dispatch_store.task_to_proto(row) for row in session.scalars(query)]


def answer_task(
    *,
    session: Session,
    profile: AgencyProfile,
    task_id: str,
    action: str,
    reason: str,
    operator: str,
    source: str,
    expected_version: int | None = None,
    clock: Clock = utc_now,
) -> pb.Task:
    """One answer from the agency's operators; ``expected_version`` (when given) refuses an answer
    made on a task that changed since the operator last saw it."""
    row = get_for_update(session=session, model=TaskRow, key=task_id)
    if row is None:
        raise NotFound(f"{profile.id} holds no task {task_id}", task_id=task_id)
    if row.agency != profile.id:
        raise Forbidden(f"task {task_id} is {row.agency}'s, not {profile.id}'s", task_id=task_id)
    if expected_version is not None and row.version != expected_version:
        raise Conflict(
            f"task {task_id} changed since you saw it (now version {row.version}, {row.status}); "
            "look again before answering",
            version=row.version,
            status=row.status,
        )
    target = tasks.next_status(row.status, action)
    if target is None:
        raise Conflict(
            f"task {task_id} is {row.status}; {action} is not allowed",
            status=row.status,
            allowed_actions=tasks.allowed_actions(row.status),
        )
    if action == "decline" and not reason.strip():
        raise Invalid("a decline needs a reason", task_id=task_id)
    previous = row.status
    task = dispatch_store.task_to_proto(row)
    task.status = tasks.STATUS_CODES[target]
    task.version = row.version + 1
    task.note = reason
    task.updated_by = operator or f"{profile.id}.operator"
    task.updated_at.FromDatetime(clock())
    stored = dispatch_store.store_task(session=session, task=task)
    assert stored is not None
    announce(
        session=session,
        topic=DISPATCH,
        key=task.incident_id,
        message=pb.TaskUpdated(task=task, from_status=tasks.STATUS_CODES[previous]),
        source=source,
        clock=clock,
    )
    released = target in ("completed", "declined")
    _move_units(
        session, task=stored, status=UNIT_FOLLOWS_TASK[target], source=source, clock=clock, released=released
    )
    return task


def list_units(*, session: Session, profile: AgencyProfile) -> list[pb.Unit]:
    rows = session.scalars(select(UnitRow).where(UnitRow.agency == profile.id).order_by(UnitRow.id))
    return [dispatch_store.unit_to_proto(row) for row in rows]


def update_unit(
    *,
    session: Session,
    profile: AgencyProfile,
    unit_id: str,
    status: int,
    position: pb.Position | None,
    source: str,
    clock: Clock = utc_now,
) -> pb.Unit:
    row = get_for_update(session=session, model=UnitRow, key=unit_id)
    if row is None or row.agency != profile.id:
        raise NotFound(f"{profile.id} has no unit {unit_id}", unit_id=unit_id)
    unit = dispatch_store.unit_to_proto(row)
    if status:
        if status not in dispatch_store.UNIT_STATUSES:
            raise Invalid(f"unit status {status} is not known")
        unit.status = status
    if position is not None:
        if not (-90 <= position.latitude <= 90 and -180 <= position.longitude <= 180):
            raise Invalid("position is outside WGS-84 bounds")
        at: datetime = position.at.ToDatetime(tzinfo=clock().tzinfo) if position.HasField("at") else clock()
        unit.position.latitude = position.latitude
        unit.position.longitude = position.longitude
        unit.position.at.FromDatetime(at)
    unit.version = row.version + 1
    dispatch_store.store_unit(session=session, unit=unit)
    announce(
        session=session,
        topic=UNITS,
        key=unit.id,
        message=pb.UnitChanged(unit=unit),
        source=source,
        clock=clock,
    )
    return unit

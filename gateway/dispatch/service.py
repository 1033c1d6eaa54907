"""Dispatch at the gateway: orders out to agencies, their answers mirrored back, units ranked.

A task is created here and then driven by its agency; the gateway only ever cancels it. Every
change here commits with its outbox event, its clocks and its activity record in one
transaction.
"""

import logging
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from gateway.activity import service as activity
from gateway.centers import service as centers
from gateway.centers.routing import RoutingRules
from gateway.dispatch import clocks, recommend
from gateway.dispatch.deadlines import ResponsePolicy
from gateway.dispatch.models import ClockRead, DispatchCreate, ResponseClock, TaskRead, UnitAssignment
from gateway.incidents import service as incidents
from jcp.dispatch.v1 import dispatch_pb2 as pb
from kernel import dispatch_store, sources, tasks
from kernel.bus.outbox import announce
from kernel.bus.topics import DISPATCH
from kernel.clock import Clock, utc_now
from kernel.db import get_for_update
from kernel.dispatch_store import TaskRow, UnitRow
from kernel.errors import Conflict, Invalid, NotFound
from kernel.incidents.models import IncidentRow

log = logging.getLogger(__name__)

ACTIVE_INCIDENT = ("reported", "accepted", "dispatched", "on_scene")


def open_tasks(*, session: Session, incident_id: str) -> list[TaskRow]:
    return list(
        session.scalars(
            select(TaskRow).where(TaskRow.incident_id == incident_id, TaskRow.status.in_(tasks.OPEN))
        )
    )


def _check_units(session: Session, agency: str, unit_ids: Sequence[str]) -> None:
    for unit_id in unit_ids:
        unit = session.get(UnitRow, unit_id)
        if unit is None:
            raise NotFound(f"unit {unit_id} is not known", unit_id=unit_id)
        if unit.agency != agency:
            raise Invalid(f"unit {unit_id} belongs to {unit.agency}, not {agency}", unit_id=unit_id)
        busy = session.get(UnitAssignment, unit_id)
        if busy is not None:
            raise Conflict(f"unit {unit_id} is already assigned to task {busy.task_id}", unit_id=unit_id)
        if unit.status != "available":
            raise Conflict(f"unit {unit_id} is {unit.status}, not available", unit_id=unit_id)


def dispatch(
    *,
    session: Session,
    incident_id: str,
    order: DispatchCreate,
    actor: str,
    rules: RoutingRules,
    policy: ResponsePolicy,
    clock: Clock = utc_now,
) -> tuple[str, IncidentRow, list[TaskRow]]:
    """Send one order: a task per agency, with clocks, units reserved, the incident moved on."""
    incident = incidents.locked(
        session=session, incident_id=incident_id, expected_version=order.expected_version
    )
    if incident.status not in ACTIVE_INCIDENT:
        raise Conflict(
            f"incident {incident_id} is {incident.status}; it cannot be dispatched", status=incident.status
        )
    current = open_tasks(session=session, incident_id=incident_id)
    busy_agencies = {task.agency for task in current}
    for task in order.tasks:
        if task.agency in busy_agencies:
            raise Conflict(
                f"{task.agency} already has an open task for incident {incident_id}", agency=task.agency
            )
    has_lead = any(task.role == "lead" for task in current)
    wants_lead = any(task.role == "lead" for task in order.tasks)
    if has_lead and wants_lead:
        raise Conflict(f"incident {incident_id} already has a lead agency")
    if not has_lead and not wants_lead:
        raise Invalid("name one lead agency: the first order for an incident needs one")
    for task in order.tasks:
        _check_units(session, task.agency, task.unit_ids)

    now = clock()
    acknowledge_by, on_scene_by = policy.deadlines(now)
    order_id = str(uuid.uuid4())
    handling = centers.handling_of(session=session, incident_id=incident_id)
    created: list[TaskRow] = []
    for item in order.tasks:
        task = pb.Task(
            id=str(uuid.uuid4()),
            order_id=order_id,
            incident_id=incident_id,
            agency=item.agency,
            role=tasks.ROLE_CODES[item.role],
            unit_ids=item.unit_ids,
            status=pb.TASK_STATUS_ASSIGNED,
            version=1,
            instructions=item.instructions,
            updated_by=actor,
            drill=incident.drill,
        )
        task.acknowledge_by.FromDatetime(acknowledge_by)
        task.on_scene_by.FromDatetime(on_scene_by)
        task.updated_at.FromDatetime(now)
        row = dispatch_store.store_task(session=session, task=task)
        assert row is not None
        created.append(row)
        for unit_id in item.unit_ids:
            session.add(
                UnitAssignment(unit_id=unit_id, task_id=task.id, incident_id=incident_id, assigned_at=now)
            )
        for kind, deadline in (("acknowledge", acknowledge_by), ("on_scene", on_scene_by)):
            session.add(
                ResponseClock(
                    id=str(uuid.uuid4()),
                    task_id=task.id,
                    incident_id=incident_id,
                    agency=item.agency,
                    kind=kind,
                    started_at=now,
                    deadline=deadline,
                    status="running",
                )
            )
        announce(
            session=session,
            topic=DISPATCH,
            source=sources.GATEWAY_DISPATCH,
            key=incident_id,
            message=pb.TaskAssigned(task=task),
            clock=clock,
        )
        activity.record(
            session=session,
            actor=actor,
            kind="task",
            action="assigned",
            incident_id=incident_id,
            center=handling.center,
            data={
                "task_id": task.id,
                "order_id": order_id,
                "agency": item.agency,
                "role": item.role,
                "unit_ids": item.unit_ids,
                "acknowledge_by": acknowledge_by.isoformat(),
                "on_scene_by": on_scene_by.isoformat(),
            },
            clock=clock,
        )
    session.flush()
    involved = set(handling.agencies) | busy_agencies | {item.agency for item in order.tasks}
    centers.involve(
        session=session, incident_id=incident_id, agencies=involved, actor=actor, rules=rules, clock=clock
    )
    if incident.status == "reported":
        incidents.advance(
            session=session, row=incident, to_status="accepted", reason="dispatch", actor=actor, clock=clock
        )
    if incident.status == "accepted":
        incidents.advance(
            session=session, row=incident, to_status="dispatched", reason="dispatch", actor=actor, clock=clock
        )
    return order_id, incident, created


def release_units(*, session: Session, task_id: str) -> None:
    for assignment in session.scalars(select(UnitAssignment).where(UnitAssignment.task_id == task_id)):
        session.delete(assignment)


def cancel_task(
    *, session: Session, task_id: str, reason: str, actor: str, clock: Clock = utc_now
) -> TaskRow:
    row = get_for_update(session=session, model=TaskRow, key=task_id)
    if row is None:
        raise NotFound(f"task {task_id} does not exist", task_id=task_id)
    if row.status not in tasks.OPEN:
        raise Conflict(
            f"task {task_id} is {row.status}; only an open task can be cancelled", status=row.status
        )
    _cancel(session, row, reason=reason, actor=actor, clock=clock)
    return row


def _cancel(session: Session, row: TaskRow, *, reason: str, actor: str, clock: Clock) -> None:
    now = clock()
    task = dispatch_store.task_to_proto(row)
    task.status = pb.TASK_STATUS_CANCELLED
    task.version = row.version + 1
    task.note = reason
    task.updated_by = actor
    task.updated_at.FromDatetime(now)
    dispatch_store.store_task(session=session, task=task)
    clocks.settle(
        session=session, task_id=row.id, kinds=("acknowledge", "on_scene"), status="cancelled", now=now
    )
    release_units(session=session, task_id=row.id)
    announce(
        session=session,
        topic=DISPATCH,
        source=sources.GATEWAY_DISPATCH,
        key=row.incident_id,
        message=pb.TaskCancelled(task=task, reason=reason),
        clock=clock,
    )
    activity.record(
        session=session,
        actor=actor,
        kind="task",
        action="cancelled",
        incident_id=row.incident_id,
        center=centers.handling_of(session=session, incident_id=row.incident_id).center,
        data={"task_id": row.id, "agency": row.agency, "reason": reason},
        clock=clock,
    )


def incident_ended(*, session: Session, incident_id: str, status: str, actor: str, clock: Clock) -> None:
    """An incident that is over stops its clocks; one that will not be worked cancels its tasks."""
    now = clock()
    for row in open_tasks(session=session, incident_id=incident_id):
        if status in ("cancelled", "merged", "closed"):
            _cancel(session, row, reason=f"incident {status}", actor=actor, clock=clock)
        else:
            clocks.settle(
                session=session,
                task_id=row.id,
                kinds=("acknowledge", "on_scene"),
                status="cancelled",
                now=now,
            )


def tasks_read(*, session: Session, rows: Sequence[TaskRow], now: datetime) -> list[TaskRead]:
    """Tasks with their response clocks, as the API shows them."""
    held = clocks.of_tasks(session=session, task_ids=[row.id for row in rows])
    return [TaskRead.from_row(row, [ClockRead.from_row(c, now) for c in held[row.id]]) for row in rows]


def incident_tasks(*, session: Session, incident_id: str, now: datetime) -> list[TaskRead]:
    """Every task of one incident, oldest change first."""
    incidents.get(session=session, incident_id=incident_id)
    rows = session.scalars(
        select(TaskRow).where(TaskRow.incident_id == incident_id).order_by(TaskRow.updated_at)
    )
    return tasks_read(session=session, rows=list(rows), now=now)


def available_units(agencies: Sequence[str] = ()) -> Select[Any]:
    """The columns a recommendation ranks, of every unit its agency reports available."""
    query = select(
        UnitRow.id,
        UnitRow.agency,
        UnitRow.name,
        UnitRow.kind,
        UnitRow.capabilities,
        UnitRow.latitude,
        UnitRow.longitude,
        UnitRow.position_at,
    ).where(UnitRow.status == "available")
    return query.where(UnitRow.agency.in_(agencies)) if agencies else query


def recommendations(
    *,
    session: Session,
    incident_id: str,
    required: Sequence[str],
    agencies: Sequence[str],
    limit: int,
    stale_after: timedelta,
    clock: Clock = utc_now,
) -> recommend.Ranking:
    incident = incidents.get(session=session, incident_id=incident_id)
    busy = set(session.scalars(select(UnitAssignment.unit_id)))
    candidates = (
        recommend.Candidate(
            id=row.id,
            agency=row.agency,
            name=row.name,
            kind=row.kind,
            capabilities=frozenset(row.capabilities),
            latitude=row.latitude,
            longitude=row.longitude,
            position_at=row.position_at,
        )
        for row in session.execute(available_units(agencies))
        if row.id not in busy
    )
    return recommend.rank(
        candidates,
        latitude=incident.latitude,
        longitude=incident.longitude,
        required=required,
        now=clock(),
        stale_after=stale_after,
        limit=limit,
    )

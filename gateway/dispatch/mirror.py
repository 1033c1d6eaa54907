"""Agencies' answers to their tasks and their units' changes, mirrored from Kafka.

Only the agency that owns a task or unit may change it; anything else is refused and
dead-lettered with the reason.
"""

import logging

from sqlalchemy.orm import Session

from gateway.activity import service as activity
from gateway.centers import service as centers
from gateway.dispatch import clocks
from gateway.dispatch.service import release_units
from gateway.incidents import service as incidents
from jcp.dispatch.v1 import dispatch_pb2 as pb
from kernel import dispatch_store, sources, tasks
from kernel.bus.envelope import Event, InvalidEvent
from kernel.clock import Clock, utc_now
from kernel.db import get_for_update
from kernel.dispatch_store import TaskRow
from kernel.incidents.models import IncidentRow

log = logging.getLogger(__name__)


def task_update(*, session: Session, event: Event, clock: Clock = utc_now) -> None:
    """An agency's answer to a task, as it arrives over Kafka."""
    message = event.message
    assert isinstance(message, pb.TaskUpdated)
    incoming = message.task
    row = get_for_update(session=session, model=TaskRow, key=incoming.id)
    if row is None:
        raise InvalidEvent(f"task {incoming.id} was never dispatched")
    if event.source != sources.agency(row.agency) or incoming.agency != row.agency:
        log.warning("refused: %s updated task %s, which belongs to %s", event.source, row.id, row.agency)
        raise InvalidEvent(f"{event.source} may not update task {row.id}: it belongs to {row.agency}")
    if row.status not in tasks.OPEN:
        return  # cancelled here meanwhile: the task is over whatever the agency did
    previous = row.status
    stored = dispatch_store.store_task(session=session, task=incoming)
    if stored is None:
        return
    now = clock()
    if stored.status in tasks.ACKNOWLEDGED:
        clocks.settle(session=session, task_id=stored.id, kinds=("acknowledge",), status="met", now=now)
    if stored.status in ("on_scene", "completed"):
        clocks.settle(session=session, task_id=stored.id, kinds=("on_scene",), status="met", now=now)
    if stored.status == "declined":
        clocks.settle(
            session=session, task_id=stored.id, kinds=("acknowledge", "on_scene"), status="cancelled", now=now
        )
    if stored.status in ("declined", "completed"):
        release_units(session=session, task_id=stored.id)
    handling = centers.handling_of(session=session, incident_id=stored.incident_id)
    activity.record(
        session=session,
        actor=f"{stored.updated_by}@{stored.agency}",
        kind="task",
        action=stored.status,
        incident_id=stored.incident_id,
        center=handling.center,
        data={"task_id": stored.id, "agency": stored.agency, "from": previous, "note": stored.note},
        clock=clock,
    )
    incident = get_for_update(session=session, model=IncidentRow, key=stored.incident_id)
    if stored.status == "on_scene" and incident is not None and incident.status == "dispatched":
        incidents.advance(
            session=session,
            row=incident,
            to_status="on_scene",
            reason=f"{stored.agency} on scene",
            actor=f"{stored.updated_by}@{stored.agency}",
            clock=clock,
        )


def unit_change(*, session: Session, event: Event, clock: Clock = utc_now) -> None:
    message = event.message
    assert isinstance(message, pb.UnitChanged)
    if event.source != sources.agency(message.unit.agency):
        raise InvalidEvent(f"{event.source} may not change unit {message.unit.id} of {message.unit.agency}")
    row = dispatch_store.store_unit(session=session, unit=message.unit)
    if row is None:
        return
    activity.record(
        session=session,
        actor=message.unit.agency,
        kind="unit",
        action="changed",
        data={
            "unit_id": row.id,
            "agency": row.agency,
            "status": row.status,
            "latitude": row.latitude,
            "longitude": row.longitude,
            "task_id": row.task_id or None,
        },
        clock=clock,
    )

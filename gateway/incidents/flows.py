"""Incident changes that reach beyond the incident: its tasks, clocks and duplicates."""

from sqlalchemy.orm import Session

from gateway.activity import service as activity
from gateway.centers import service as centers
from gateway.dispatch import service as dispatch
from gateway.incidents import service
from gateway.incidents.models import Merge, StatusChange
from kernel.clock import Clock, utc_now
from kernel.errors import Conflict, Invalid
from kernel.incidents.models import IncidentRow

ENDS_RESPONSE = ("resolved", "closed", "cancelled", "merged")


def change_status(
    *, session: Session, incident_id: str, change: StatusChange, actor: str, clock: Clock = utc_now
) -> IncidentRow:
    row = service.change_status(
        session=session, incident_id=incident_id, change=change, actor=actor, clock=clock
    )
    if change.status in ENDS_RESPONSE:
        dispatch.incident_ended(
            session=session, incident_id=incident_id, status=change.status, actor=actor, clock=clock
        )
    return row


def merge(
    *, session: Session, incident_id: str, merge: Merge, actor: str, clock: Clock = utc_now
) -> IncidentRow:
    if merge.into == incident_id:
        raise Invalid("an incident cannot be merged into itself", incident_id=incident_id)
    target = service.get(session=session, incident_id=merge.into)
    if target.status in ("merged", "cancelled"):
        raise Conflict(f"incident {merge.into} is {target.status}; merge into the incident still worked")
    row = service.locked(session=session, incident_id=incident_id, expected_version=merge.expected_version)
    service.advance(
        session=session,
        row=row,
        to_status="merged",
        reason=f"merged into {merge.into}: {merge.reason}",
        actor=actor,
        clock=clock,
    )
    centers.handling_of(session=session, incident_id=incident_id).merged_into = merge.into
    activity.record(
        session=session,
        actor=actor,
        kind="incident",
        action="merge_received",
        incident_id=merge.into,
        center=centers.handling_of(session=session, incident_id=merge.into).center,
        data={"duplicate": incident_id, "reason": merge.reason},
        clock=clock,
    )
    dispatch.incident_ended(
        session=session, incident_id=incident_id, status="merged", actor=actor, clock=clock
    )
    return row

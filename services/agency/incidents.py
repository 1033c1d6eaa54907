"""What an agency service does with its own incident picture."""

import hashlib
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from jcp.incidents.v1 import incident_pb2
from kernel import sources
from kernel.clock import Clock, utc_now
from kernel.dispatch_store import TaskRow
from kernel.errors import Invalid, NotFound
from kernel.incidents import store as incident_store
from kernel.incidents.digest import Digest, digest_of, inventory
from kernel.incidents.models import IncidentReceipt, IncidentRow
from kernel.incidents.proto import to_proto
from kernel.profiles import AgencyProfile


def held_incident(*, session: Session, incident_id: str) -> IncidentRow:
    row = session.get(IncidentRow, incident_id)
    if row is None:
        raise NotFound(f"incident {incident_id} is not held here", incident_id=incident_id)
    return row


def get_incident(*, session: Session, incident_id: str) -> incident_pb2.Incident:
    return to_proto(held_incident(session=session, incident_id=incident_id))


def list_incidents(
    *, session: Session, profile: AgencyProfile, ours_only: bool, limit: int
) -> list[tuple[IncidentRow, bool]]:
    """The incidents this agency holds, newest change first, each with whether it is the
    agency's own: reported by it, or holding one of its tasks."""
    ours = or_(
        IncidentRow.source_agency == profile.id,
        IncidentRow.id.in_(select(TaskRow.incident_id).where(TaskRow.agency == profile.id)),
    )
    query = select(IncidentRow, ours.label("ours"))
    if ours_only:
        query = query.where(ours)
    query = query.order_by(IncidentRow.updated_at.desc(), IncidentRow.id).limit(limit)
    return [(row, bool(mine)) for row, mine in session.execute(query)]


def receipts(*, session: Session, incident_id: str) -> list[IncidentReceipt]:
    """Each version of the incident as it reached this agency, in the order it came."""
    return list(
        session.scalars(
            select(IncidentReceipt)
            .where(IncidentReceipt.incident_id == incident_id)
            .order_by(IncidentReceipt.received_at, IncidentReceipt.id)
        )
    )


def submit_incident(
    *,
    session: Session,
    profile: AgencyProfile,
    incident: incident_pb2.Incident,
    idempotency_key: str,
    clock: Clock = utc_now,
) -> tuple[incident_pb2.Incident, bool]:
    """An incident from this agency's own operators joins the shared picture."""
    if incident.category not in profile.categories:
        raise Invalid(
            f"category {incident.category!r} is not one {profile.id} reports",
            allowed=profile.categories,
        )
    submitted = incident_pb2.Incident()
    submitted.CopyFrom(incident)
    submitted.source_agency = profile.id
    fingerprint = hashlib.sha256(submitted.SerializeToString(deterministic=True)).hexdigest()
    return incident_store.create(
        session=session,
        incident=submitted,
        source=sources.agency(profile.id),
        idempotency_key=f"{profile.id}:{idempotency_key}" if idempotency_key else None,
        fingerprint=fingerprint,
        clock=clock,
    )


def list_changes(
    *,
    session: Session,
    after_sequence: int,
    changed_since: datetime | None,
    page_size: int,
) -> tuple[list[IncidentRow], bool]:
    page_size = min(max(page_size or 500, 1), 5000)
    rows = incident_store.changes_after(
        session=session, after_sequence=after_sequence, changed_since=changed_since, limit=page_size + 1
    )
    return rows[:page_size], len(rows) > page_size


def digest(*, session: Session) -> Digest:
    return digest_of(inventory(session=session))

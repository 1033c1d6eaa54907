"""Incident intake and changes at the gateway. Every change is stored and put on the outbox
in one transaction."""

import hashlib
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.activity import service as activity
from gateway.centers import routing
from gateway.centers import service as centers
from gateway.incidents import lifecycle
from gateway.incidents.models import IncidentCreate, IncidentUpdate, StatusChange
from jcp.incidents.v1 import events_pb2, incident_pb2
from kernel import metrics, sources
from kernel.clock import Clock, utc_now
from kernel.db import get_for_update
from kernel.errors import Conflict, NotFound
from kernel.incidents import store as incident_store
from kernel.incidents.models import IncidentRow
from kernel.incidents.proto import LEVEL_CODES, STATUS_CODES, to_proto


def _location(data: IncidentCreate | IncidentUpdate) -> incident_pb2.Location | None:
    if data.location is None:
        return None
    return incident_pb2.Location(
        latitude=data.location.latitude,
        longitude=data.location.longitude,
        address=data.location.address,
        admin_code=data.location.admin_code,
    )


def create(
    *,
    session: Session,
    data: IncidentCreate,
    idempotency_key: str | None,
    actor: str = "gateway",
    clock: Clock = utc_now,
) -> tuple[IncidentRow, bool]:
    incident = incident_pb2.Incident(
        source_agency=data.source_agency,
        category=data.category,
        level=LEVEL_CODES[data.level],
        title=data.title,
        description=data.description,
        location=_location(data),
        reporter=incident_pb2.Reporter(
            name=data.reporter.name, phone=data.reporter.phone, channel=data.reporter.channel
        ),
        drill=data.drill,
    )
    if data.reported_at is not None:
        incident.reported_at.FromDatetime(data.reported_at)
    created, is_new = incident_store.create(
        session=session,
        incident=incident,
        source=sources.GATEWAY,
        idempotency_key=idempotency_key,
        fingerprint=hashlib.sha256(data.model_dump_json().encode()).hexdigest(),
        clock=clock,
    )
    row = session.get_one(IncidentRow, created.id)
    if is_new:
        metrics.INCIDENTS_REPORTED.labels(row.source_agency, row.category).inc()
        joined_picture(
            session=session,
            row=row,
            agencies=set(data.involved_agencies),
            actor=actor,
            action="reported",
            rules=routing.rules(),
            clock=clock,
        )
    return row, is_new


def joined_picture(
    *,
    session: Session,
    row: IncidentRow,
    agencies: set[str],
    actor: str,
    action: str,
    rules: routing.RoutingRules,
    clock: Clock = utc_now,
) -> None:
    """An incident, or a new version of it, joined the shared picture (reported here or applied
    from an agency's event): the router gives it a center if it has none yet and the timeline
    records it under the actor who brought it."""
    handling = centers.route(
        session=session, incident=row, agencies=agencies, actor="router", rules=rules, clock=clock
    )
    activity.record(
        session=session,
        actor=actor,
        kind="incident",
        action=action,
        incident_id=row.id,
        center=handling.center,
        data=summary(row),
        clock=clock,
    )


def summary(row: IncidentRow) -> dict[str, object]:
    """What the live stream says about an incident change."""
    return {
        "title": row.title,
        "category": row.category,
        "level": row.level,
        "status": row.status,
        "version": row.version,
        "source_agency": row.source_agency,
        "drill": row.drill,
        "latitude": row.latitude,
        "longitude": row.longitude,
    }


def get(*, session: Session, incident_id: str) -> IncidentRow:
    row = session.get(IncidentRow, incident_id)
    if row is None:
        raise NotFound(f"incident {incident_id} does not exist", incident_id=incident_id)
    return row


def search(
    *,
    session: Session,
    status: str | None,
    category: str | None,
    level: str | None,
    agency: str | None,
    since: datetime | None,
    drill: bool | None,
    limit: int,
    offset: int,
) -> tuple[list[IncidentRow], int]:
    query = select(IncidentRow)
    for column, value in (
        (IncidentRow.status, status),
        (IncidentRow.category, category),
        (IncidentRow.level, level),
        (IncidentRow.source_agency, agency),
        (IncidentRow.drill, drill),
    ):
        if value is not None:
            query = query.where(column == value)
    if since is not None:
        query = query.where(IncidentRow.updated_at >= since)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(IncidentRow.updated_at.desc(), IncidentRow.id).limit(limit).offset(offset)
    )
    return list(rows), total


def locked(*, session: Session, incident_id: str, expected_version: int | None) -> IncidentRow:
    row = get_for_update(session=session, model=IncidentRow, key=incident_id)
    if row is None:
        raise NotFound(f"incident {incident_id} does not exist", incident_id=incident_id)
    if expected_version is not None and expected_version != row.version:
        raise Conflict(
            f"incident {incident_id} is at version {row.version}, not {expected_version}",
            current_version=row.version,
        )
    return row


def _next_version(row: IncidentRow, now: datetime) -> incident_pb2.Incident:
    incident = to_proto(row)
    incident.version = row.version + 1
    incident.updated_at.FromDatetime(now)
    return incident


def update(
    *,
    session: Session,
    incident_id: str,
    changes: IncidentUpdate,
    actor: str = "gateway",
    clock: Clock = utc_now,
) -> IncidentRow:
    row = locked(session=session, incident_id=incident_id, expected_version=changes.expected_version)
    incident = _next_version(row, clock())
    changed = sorted(changes.model_fields_set - {"expected_version"})
    if "category" in changed and changes.category is not None:
        incident.category = changes.category
    if "level" in changed and changes.level is not None:
        incident.level = LEVEL_CODES[changes.level]
    if "title" in changed and changes.title is not None:
        incident.title = changes.title
    if "description" in changed and changes.description is not None:
        incident.description = changes.description
    location = _location(changes)
    if location is not None:
        incident.location.CopyFrom(location)
    incident_store.record_local_change(
        session=session,
        message=events_pb2.IncidentUpdated(incident=incident, changed_fields=changed),
        source=sources.GATEWAY,
        clock=clock,
    )
    activity.record(
        session=session,
        actor=actor,
        kind="incident",
        action="updated",
        incident_id=row.id,
        center=centers.handling_of(session=session, incident_id=row.id).center,
        data={**summary(row), "changed": changed},
        clock=clock,
    )
    return row


def advance(
    *, session: Session, row: IncidentRow, to_status: str, reason: str, actor: str, clock: Clock = utc_now
) -> IncidentRow:
    """Move a locked incident to ``to_status`` if its lifecycle allows it; 409 names what would."""
    allowed = lifecycle.allowed_next(row.status)
    if to_status not in allowed:
        raise Conflict(
            f"incident {row.id} cannot go from {row.status} to {to_status}",
            status=row.status,
            allowed_next=list(allowed),
        )
    previous = row.status
    incident = _next_version(row, clock())
    incident.status = STATUS_CODES[to_status]
    message = (
        events_pb2.IncidentClosed(incident=incident, reason=reason)
        if to_status == "closed"
        else events_pb2.IncidentStatusChanged(
            incident=incident,
            from_status=STATUS_CODES[previous],
            to_status=incident.status,
            reason=reason,
        )
    )
    incident_store.record_local_change(session=session, message=message, source=sources.GATEWAY, clock=clock)
    activity.record(
        session=session,
        actor=actor,
        kind="incident",
        action=to_status,
        incident_id=row.id,
        center=centers.handling_of(session=session, incident_id=row.id).center,
        data={**summary(row), "from": previous, "reason": reason},
        clock=clock,
    )
    return row


def change_status(
    *,
    session: Session,
    incident_id: str,
    change: StatusChange,
    actor: str = "gateway",
    clock: Clock = utc_now,
) -> IncidentRow:
    row = locked(session=session, incident_id=incident_id, expected_version=change.expected_version)
    return advance(
        session=session, row=row, to_status=change.status, reason=change.reason, actor=actor, clock=clock
    )

"""How every service keeps the shared incident picture: each incident once, at its latest version.

Every incident event carries the whole incident, so applying one is "keep it if its version
is newer". That makes re-announcements, redeliveries and reconciliation harmless, and lets
each service prove what it received and when (``incident_receipts``). Each stored version
takes the next local sequence number, so a reader can page through changes in the order they
were stored.
"""

import uuid
from datetime import datetime

from google.protobuf.message import Message
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from jcp.incidents.v1 import events_pb2, incident_pb2
from kernel import telemetry
from kernel.bus import outbox
from kernel.bus.envelope import Event, InvalidEvent, new_event
from kernel.bus.outbox import enqueue
from kernel.bus.topics import INCIDENTS
from kernel.clock import Clock, utc_now
from kernel.db import get_for_update
from kernel.errors import Conflict, Invalid
from kernel.incidents.models import Counter, IdempotencyKey, IncidentReceipt, IncidentRow
from kernel.incidents.proto import LEVELS, STATUSES, to_datetime, to_proto, validate


def next_sequence(*, session: Session, name: str = "incidents") -> int:
    value = session.execute(
        update(Counter).where(Counter.name == name).values(value=Counter.value + 1).returning(Counter.value)
    ).scalar()
    if value is None:
        session.add(Counter(name=name, value=1))
        session.flush()
        return 1
    return value


def store(
    *,
    session: Session,
    incident: incident_pb2.Incident,
    event_id: str,
    event_type_name: str,
    clock: Clock = utc_now,
) -> bool:
    """Keep ``incident`` if it is newer than what is held; say whether it was kept."""
    validate(incident)
    row = get_for_update(session=session, model=IncidentRow, key=incident.id)
    if row is not None and row.version >= incident.version:
        return False
    now = clock()
    values = {
        "source_agency": incident.source_agency,
        "category": incident.category,
        "level": LEVELS[incident.level],
        "status": STATUSES[incident.status],
        "title": incident.title,
        "description": incident.description,
        "latitude": incident.location.latitude,
        "longitude": incident.location.longitude,
        "address": incident.location.address,
        "admin_code": incident.location.admin_code,
        "reporter_name": incident.reporter.name,
        "reporter_phone": incident.reporter.phone,
        "reporter_channel": incident.reporter.channel,
        "drill": incident.drill,
        "version": incident.version,
        "reported_at": to_datetime(incident.reported_at),
        "updated_at": to_datetime(incident.updated_at),
        "received_at": now,
        "sequence": next_sequence(session=session),
    }
    if row is None:
        session.add(IncidentRow(id=incident.id, **values))
    else:
        for name, value in values.items():
            setattr(row, name, value)
    session.flush()
    session.add(
        IncidentReceipt(
            incident_id=incident.id,
            version=incident.version,
            event_id=event_id,
            event_type=event_type_name,
            received_at=now,
        )
    )
    return True


def _incident_event(message: Message, *, source: str, clock: Clock) -> Event:
    incident: incident_pb2.Incident = message.incident  # type: ignore[attr-defined]
    return new_event(
        message=message,
        source=source,
        subject=incident.id,
        traceparent=telemetry.current_traceparent(),
        clock=clock,
    )


def announce(*, session: Session, message: Message, source: str, clock: Clock = utc_now) -> Event:
    """Put an incident event on the outbox, in the caller's transaction."""
    incident: incident_pb2.Incident = message.incident  # type: ignore[attr-defined]
    return outbox.announce(
        session=session, topic=INCIDENTS, key=incident.id, message=message, source=source, clock=clock
    )


def adopt(*, session: Session, incident: incident_pb2.Incident, source: str, clock: Clock = utc_now) -> bool:
    """Keep an incident learned outside Kafka (reconciliation) and pass it on as a snapshot."""
    event = _incident_event(events_pb2.IncidentSnapshot(incident=incident), source=source, clock=clock)
    if not store(
        session=session, incident=incident, event_id=event.id, event_type_name=event.type, clock=clock
    ):
        return False
    enqueue(session=session, topic=INCIDENTS, key=incident.id, event=event, clock=clock)
    return True


def record_local_change(*, session: Session, message: Message, source: str, clock: Clock = utc_now) -> Event:
    """Store a change made here and announce it, atomically."""
    event = announce(session=session, message=message, source=source, clock=clock)
    incident: incident_pb2.Incident = message.incident  # type: ignore[attr-defined]
    store(session=session, incident=incident, event_id=event.id, event_type_name=event.type, clock=clock)
    return event


def apply_event(*, session: Session, event: Event, clock: Clock = utc_now) -> bool:
    incident = getattr(event.message, "incident", None)
    if incident is None or not event.message.HasField("incident"):
        raise InvalidEvent(f"{event.type} carries no incident")
    if event.subject and event.subject != incident.id:
        raise InvalidEvent(f"ce_subject {event.subject!r} does not match incident {incident.id!r}")
    return store(
        session=session, incident=incident, event_id=event.id, event_type_name=event.type, clock=clock
    )


def changes_after(
    *, session: Session, after_sequence: int, changed_since: datetime | None, limit: int
) -> list[IncidentRow]:
    query = select(IncidentRow).where(IncidentRow.sequence > after_sequence)
    if changed_since is not None:
        query = query.where(IncidentRow.updated_at >= changed_since)
    return list(session.scalars(query.order_by(IncidentRow.sequence).limit(limit)))


def create(
    *,
    session: Session,
    incident: incident_pb2.Incident,
    source: str,
    idempotency_key: str | None,
    fingerprint: str,
    clock: Clock = utc_now,
) -> tuple[incident_pb2.Incident, bool]:
    """Report a new incident here; with a key already used, return the first one instead.

    The key row is written first so a concurrent duplicate waits on it (PostgreSQL) and then
    fails on its primary key rather than creating a second incident.
    """
    if idempotency_key:
        existing = session.get(IdempotencyKey, idempotency_key)
        if existing is not None:
            if existing.fingerprint != fingerprint:
                raise Conflict(
                    "Idempotency-Key was already used for a different incident",
                    idempotency_key=idempotency_key,
                    incident_id=existing.incident_id,
                )
            return to_proto(session.get_one(IncidentRow, existing.incident_id)), False
    now = clock()
    created = incident_pb2.Incident()
    created.CopyFrom(incident)
    created.id = str(uuid.uuid4())
    created.version = 1
    created.status = incident_pb2.INCIDENT_STATUS_REPORTED
    if not created.HasField("reported_at"):
        created.reported_at.FromDatetime(now)
    created.updated_at.FromDatetime(now)
    try:
        validate(created)
    except InvalidEvent as exc:
        raise Invalid(exc.reason) from None
    if idempotency_key:
        session.add(
            IdempotencyKey(
                key=idempotency_key, fingerprint=fingerprint, incident_id=created.id, created_at=now
            )
        )
        session.flush()
    record_local_change(
        session=session, message=events_pb2.IncidentReported(incident=created), source=source, clock=clock
    )
    return created, True

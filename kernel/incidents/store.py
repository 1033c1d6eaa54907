"""The shared incident picture every service keeps: each incident once, at its latest version.

Every incident event carries the whole incident, so applying one is "keep it if its version
is newer". That makes re-announcements, redeliveries and reconciliation harmless, and lets
each service prove what it received and when (``incident_receipts``).
"""

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from google.protobuf.message import Message
from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from jcp.incidents.v1 import events_pb2, incident_pb2
from kernel import telemetry
from kernel.bus import outbox
from kernel.bus.envelope import Event, InvalidEvent, event_type, new_event
from kernel.bus.outbox import enqueue
from kernel.bus.topics import INCIDENTS
from kernel.catalog import CATEGORIES
from kernel.clock import Clock, utc_now
from kernel.db import Base, UtcDateTime, get_for_update
from kernel.errors import Conflict, Invalid

LEVELS = {1: "I", 2: "II", 3: "III", 4: "IV"}
LEVEL_CODES = {name: code for code, name in LEVELS.items()}
STATUSES = {
    value.number: value.name.removeprefix("INCIDENT_STATUS_").lower()
    for value in incident_pb2.IncidentStatus.DESCRIPTOR.values
    if value.number != 0
}
STATUS_CODES = {name: code for code, name in STATUSES.items()}

EVENT_MESSAGES: tuple[type[Message], ...] = (
    events_pb2.IncidentReported,
    events_pb2.IncidentUpdated,
    events_pb2.IncidentStatusChanged,
    events_pb2.IncidentClosed,
    events_pb2.IncidentSnapshot,
)
REGISTRY: dict[str, type[Message]] = {event_type(cls): cls for cls in EVENT_MESSAGES}


class IncidentRow(Base):
    __tablename__ = "incidents"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    source_agency: Mapped[str] = mapped_column(String(32), index=True)
    category: Mapped[str] = mapped_column(String(64), index=True)
    level: Mapped[str] = mapped_column(String(4), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    address: Mapped[str] = mapped_column(String(500))
    admin_code: Mapped[str] = mapped_column(String(12))
    reporter_name: Mapped[str] = mapped_column(String(100))
    reporter_phone: Mapped[str] = mapped_column(String(40))
    reporter_channel: Mapped[str] = mapped_column(String(100))
    drill: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(Integer)
    reported_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sequence: Mapped[int] = mapped_column(BigInteger, unique=True)


class IncidentReceipt(Base):
    """One row per incident version this service stored, with when it arrived."""

    __tablename__ = "incident_receipts"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    event_id: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Counter(Base):
    """Monotonic local counters; a row lock keeps them gap-free under concurrent writers."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


def to_datetime(ts: object) -> datetime:
    return ts.ToDatetime(tzinfo=UTC)  # type: ignore[attr-defined]


def to_proto(row: IncidentRow) -> incident_pb2.Incident:
    incident = incident_pb2.Incident(
        id=row.id,
        source_agency=row.source_agency,
        category=row.category,
        level=LEVEL_CODES[row.level],
        location=incident_pb2.Location(
            latitude=row.latitude,
            longitude=row.longitude,
            address=row.address,
            admin_code=row.admin_code,
        ),
        reporter=incident_pb2.Reporter(
            name=row.reporter_name, phone=row.reporter_phone, channel=row.reporter_channel
        ),
        title=row.title,
        description=row.description,
        status=STATUS_CODES[row.status],
        drill=row.drill,
        version=row.version,
    )
    incident.reported_at.FromDatetime(row.reported_at)
    incident.updated_at.FromDatetime(row.updated_at)
    return incident


def validate(incident: incident_pb2.Incident) -> None:
    """Refuse an incident no service could store faithfully."""
    if not incident.id or len(incident.id) > 64:
        raise InvalidEvent("incident id is missing or longer than 64 characters")
    if not incident.source_agency:
        raise InvalidEvent("incident source_agency is missing")
    if incident.category not in CATEGORIES:
        raise InvalidEvent(f"unknown incident category {incident.category!r}")
    if incident.level not in LEVELS:
        raise InvalidEvent(f"emergency level {incident.level} is not I-IV")
    if incident.status not in STATUSES:
        raise InvalidEvent(f"incident status {incident.status} is not known")
    if incident.version < 1:
        raise InvalidEvent(f"incident version {incident.version} is below 1")
    if not (-90 <= incident.location.latitude <= 90 and -180 <= incident.location.longitude <= 180):
        raise InvalidEvent("incident location is outside WGS-84 bounds")
    if not incident.HasField("reported_at") or not incident.HasField("updated_at"):
        raise InvalidEvent("incident reported_at and updated_at are required")


def next_sequence(session: Session, name: str = "incidents") -> int:
    value = session.execute(
        update(Counter).where(Counter.name == name).values(value=Counter.value + 1).returning(Counter.value)
    ).scalar()
    if value is None:
        session.add(Counter(name=name, value=1))
        session.flush()
        return 1
    return value


def store(
    session: Session,
    incident: incident_pb2.Incident,
    *,
    event_id: str,
    event_type_name: str,
    clock: Clock = utc_now,
) -> bool:
    """Keep ``incident`` if it is newer than what is held; say whether it was kept."""
    validate(incident)
    row = get_for_update(session, IncidentRow, incident.id)
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
        "sequence": next_sequence(session),
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


def announce(session: Session, *, message: Message, source: str, clock: Clock = utc_now) -> Event:
    """Put an incident event on the outbox, in the caller's transaction."""
    incident: incident_pb2.Incident = message.incident  # type: ignore[attr-defined]
    return outbox.announce(
        session, topic=INCIDENTS, key=incident.id, message=message, source=source, clock=clock
    )


def adopt(session: Session, incident: incident_pb2.Incident, *, source: str, clock: Clock = utc_now) -> bool:
    """Keep an incident learned outside Kafka (reconciliation) and pass it on as a snapshot."""
    event = _incident_event(events_pb2.IncidentSnapshot(incident=incident), source=source, clock=clock)
    if not store(session, incident, event_id=event.id, event_type_name=event.type, clock=clock):
        return False
    enqueue(session, topic=INCIDENTS, key=incident.id, event=event, clock=clock)
    return True


def record_local_change(session: Session, *, message: Message, source: str, clock: Clock = utc_now) -> Event:
    """Store a change made here and announce it, atomically."""
    event = announce(session, message=message, source=source, clock=clock)
    incident: incident_pb2.Incident = message.incident  # type: ignore[attr-defined]
    store(session, incident, event_id=event.id, event_type_name=event.type, clock=clock)
    return event


def apply_event(session: Session, event: Event, *, clock: Clock = utc_now) -> bool:
    incident = getattr(event.message, "incident", None)
    if incident is None or not event.message.HasField("incident"):
        raise InvalidEvent(f"{event.type} carries no incident")
    if event.subject and event.subject != incident.id:
        raise InvalidEvent(f"ce_subject {event.subject!r} does not match incident {incident.id!r}")
    return store(session, incident, event_id=event.id, event_type_name=event.type, clock=clock)


@dataclass(frozen=True)
class Digest:
    count: int
    value: int


def version_hash(incident_id: str, version: int) -> int:
    return int.from_bytes(hashlib.blake2b(f"{incident_id}:{version}".encode(), digest_size=8).digest(), "big")


def digest_of(pairs: Sequence[tuple[str, int]]) -> Digest:
    value = 0
    for incident_id, version in pairs:
        value ^= version_hash(incident_id, version)
    return Digest(count=len(pairs), value=value)


def inventory(session: Session) -> list[tuple[str, int]]:
    return [tuple(row) for row in session.execute(select(IncidentRow.id, IncidentRow.version))]  # type: ignore[misc]


def changes_after(
    session: Session, *, after_sequence: int, changed_since: datetime | None, limit: int
) -> list[IncidentRow]:
    query = select(IncidentRow).where(IncidentRow.sequence > after_sequence)
    if changed_since is not None:
        query = query.where(IncidentRow.updated_at >= changed_since)
    return list(session.scalars(query.order_by(IncidentRow.sequence).limit(limit)))


class IdempotencyKey(Base):
    """A client's key for one creation, so a retried request returns the same incident."""

    __tablename__ = "idempotency_keys"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    incident_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


def create(
    session: Session,
    *,
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
        session, message=events_pb2.IncidentReported(incident=created), source=source, clock=clock
    )
    return created, True

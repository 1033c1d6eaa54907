"""How an incident row and the wire contract (``jcp.incidents.v1``) map to each other: the
level and status vocabulary, the event types an incident travels in, and what makes an
incident one every service can store.

Kept apart from the store because translating is not storing: the agency's gRPC API, the demo
and the benchmark payloads use this vocabulary and write no incident.
"""

from datetime import UTC, datetime

from google.protobuf.message import Message

from jcp.incidents.v1 import events_pb2, incident_pb2
from kernel.bus.envelope import InvalidEvent, event_type
from kernel.catalog import CATEGORIES
from kernel.incidents.models import IncidentRow

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

"""What the benchmark sends: the district's demo reports, so every stage carries realistic
(Chinese, multi-byte) text, and the same protobuf/CloudEvents records the platform publishes."""

import json
import uuid
from datetime import UTC, datetime

from infra.demo import GATEWAY_REPORTS, report_body
from jcp.incidents.v1 import events_pb2, incident_pb2
from kernel import sources
from kernel.bus.envelope import new_event, to_headers
from kernel.catalog import DISTRICT_ADMIN_CODE
from kernel.incidents.proto import LEVEL_CODES

Record = tuple[bytes, list[tuple[str, bytes]], bytes]


def request_bodies() -> list[bytes]:
    """JSON bodies for POST /api/v1/incidents, one per demo report."""
    return [
        json.dumps(report_body(report, "bench"), ensure_ascii=False).encode() for report in GATEWAY_REPORTS
    ]


def new_incident(index: int) -> incident_pb2.Incident:
    """An incident as the gateway builds it from a request, before it gets an id."""
    _key, agency, category, level, title, description, lat, lon, address = GATEWAY_REPORTS[
        index % len(GATEWAY_REPORTS)
    ]
    return incident_pb2.Incident(
        source_agency=agency,
        category=category,
        level=LEVEL_CODES[level],
        title=title,
        description=description,
        location=incident_pb2.Location(
            latitude=lat, longitude=lon, address=address, admin_code=DISTRICT_ADMIN_CODE
        ),
        reporter=incident_pb2.Reporter(name="值班员", channel="bench"),
    )


def reported_record(index: int) -> Record:
    """The record the gateway's relay would publish for a new incident: key, headers, value."""
    incident = new_incident(index)
    incident.id = str(uuid.uuid4())
    incident.version = 1
    incident.status = incident_pb2.INCIDENT_STATUS_REPORTED
    now = datetime.now(UTC)
    incident.reported_at.FromDatetime(now)
    incident.updated_at.FromDatetime(now)
    event = new_event(
        message=events_pb2.IncidentReported(incident=incident), source=sources.GATEWAY, subject=incident.id
    )
    return incident.id.encode(), to_headers(event), event.message.SerializeToString()

from datetime import UTC, datetime

import pytest

from jcp.incidents.v1 import events_pb2, incident_pb2
from kernel.bus.envelope import InvalidEvent, decode, new_event, to_headers
from kernel.incidents.proto import REGISTRY


def _event() -> tuple[list[tuple[str, bytes]], bytes]:
    message = events_pb2.IncidentReported(incident=incident_pb2.Incident(id="i-1", version=1))
    event = new_event(
        message=message,
        source="/jcp/test",
        subject="i-1",
        traceparent="00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        clock=lambda: datetime(2026, 11, 25, 8, 0, tzinfo=UTC),
    )
    return to_headers(event), message.SerializeToString()


def _replace(headers: list[tuple[str, bytes]], name: str, value: bytes) -> list[tuple[str, bytes]]:
    return [(key, value if key == name else raw) for key, raw in headers]


def test_event_round_trips_through_cloudevents_headers() -> None:
    headers, value = _event()
    event = decode(headers, value, REGISTRY)
    assert event.type == "jcp.incidents.v1.IncidentReported"
    assert event.source == "/jcp/test"
    assert event.subject == "i-1"
    assert event.time == datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
    assert event.traceparent and event.traceparent.startswith("00-0af7")
    assert event.message.incident.id == "i-1"  # type: ignore[attr-defined]
    assert dict(headers)["content-type"] == b"application/protobuf"


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda h, v: ([x for x in h if x[0] != "ce_id"], v), "missing CloudEvents header ce_id"),
        (lambda h, v: (_replace(h, "ce_specversion", b"0.3"), v), "specversion"),
        (
            lambda h, v: (_replace(h, "ce_type", b"jcp.incidents.v2.IncidentReported"), v),
            "unknown event type",
        ),
        (lambda h, v: (_replace(h, "content-type", b"application/json"), v), "content-type"),
        (lambda h, v: (_replace(h, "ce_source", b"\xff\xfe"), v), "not UTF-8"),
        (lambda h, v: (h, b"\xff\xff\xff\xff"), "payload is not a valid"),
        (lambda h, v: (h, None), "no value"),
        (lambda h, v: ([], b"garbage"), "missing CloudEvents header"),
    ],
)
def test_records_that_are_not_valid_events_are_refused_with_a_reason(mutate, reason) -> None:  # type: ignore[no-untyped-def]
    headers, value = mutate(*_event())
    with pytest.raises(InvalidEvent) as refused:
        decode(headers, value, REGISTRY)
    assert reason in refused.value.reason

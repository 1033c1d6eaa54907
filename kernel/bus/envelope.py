"""CloudEvents 1.0 in Kafka binary mode: attributes travel as ``ce_*`` headers, the protobuf
payload is the record value, and the record key is the aggregate id.

The event type is the payload's protobuf full name (``jcp.incidents.v1.IncidentReported``),
so a v2 contract is a different type that a v1 consumer rejects instead of misreading.
"""

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from google.protobuf.message import DecodeError, Message

from kernel.clock import Clock, utc_now

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/protobuf"

Headers = Sequence[tuple[str, bytes]]


class InvalidEvent(Exception):
    """A record that can never be applied; it belongs on the dead-letter topic."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Event:
    id: str
    type: str
    source: str
    subject: str
    time: datetime
    message: Message
    traceparent: str | None = None


def event_type(message: Message | type[Message]) -> str:
    return message.DESCRIPTOR.full_name


def new_event(
    *,
    message: Message,
    source: str,
    subject: str,
    traceparent: str | None = None,
    clock: Clock = utc_now,
) -> Event:
    return Event(
        id=str(uuid.uuid4()),
        type=event_type(message),
        source=source,
        subject=subject,
        time=clock(),
        message=message,
        traceparent=traceparent,
    )


def to_headers(event: Event) -> list[tuple[str, bytes]]:
    headers = [
        ("ce_specversion", SPEC_VERSION.encode()),
        ("ce_id", event.id.encode()),
        ("ce_source", event.source.encode()),
        ("ce_type", event.type.encode()),
        ("ce_time", event.time.isoformat().encode()),
        ("ce_subject", event.subject.encode()),
        ("content-type", CONTENT_TYPE.encode()),
    ]
    if event.traceparent:
        headers.append(("traceparent", event.traceparent.encode()))
    return headers


def decode(headers: Headers | None, value: bytes | None, registry: Mapping[str, type[Message]]) -> Event:
    """Parse one record, or say exactly why it is not an event this consumer understands."""
    attrs: dict[str, str] = {}
    for name, raw in headers or ():
        try:
            attrs[name] = raw.decode() if raw is not None else ""
        except UnicodeDecodeError:
            raise InvalidEvent(f"header {name!r} is not UTF-8") from None
    for required in ("ce_specversion", "ce_id", "ce_source", "ce_type"):
        if not attrs.get(required):
            raise InvalidEvent(f"missing CloudEvents header {required}")
    if attrs["ce_specversion"] != SPEC_VERSION:
        raise InvalidEvent(f"unsupported CloudEvents specversion {attrs['ce_specversion']!r}")
    content_type = attrs.get("content-type", "")
    if content_type != CONTENT_TYPE:
        raise InvalidEvent(f"unsupported content-type {content_type!r}")
    message_cls = registry.get(attrs["ce_type"])
    if message_cls is None:
        raise InvalidEvent(f"unknown event type {attrs['ce_type']!r}")
    if value is None:
        raise InvalidEvent("record has no value")
    message = message_cls()
    try:
        message.ParseFromString(value)
    except DecodeError as exc:
        raise InvalidEvent(f"payload is not a valid {attrs['ce_type']}: {exc}") from None
    try:
        time = datetime.fromisoformat(attrs["ce_time"]) if attrs.get("ce_time") else utc_now()
    except ValueError:
        raise InvalidEvent(f"ce_time {attrs['ce_time']!r} is not an RFC 3339 time") from None
    return Event(
        id=attrs["ce_id"],
        type=attrs["ce_type"],
        source=attrs["ce_source"],
        subject=attrs.get("ce_subject", ""),
        time=time,
        message=message,
        traceparent=attrs.get("traceparent"),
    )

"""Transactional outbox: an event is a row written in the same transaction as the change it
announces, and a relay thread publishes rows to Kafka with acks=all.

A crash between commit and publish only delays the event; a crash between publish and
marking the row sent publishes it twice, which consumers absorb by event id.
"""

import base64
import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from google.protobuf.message import Message
from opentelemetry import trace
from opentelemetry.trace import SpanKind
from sqlalchemy import JSON, BigInteger, Integer, LargeBinary, String, delete, func, select, update
from sqlalchemy.event import listen
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from kernel import metrics, telemetry
from kernel.bus.envelope import Event, Headers, new_event, to_headers
from kernel.clock import Clock, utc_now
from kernel.db import Base, UtcDateTime, transaction

log = logging.getLogger(__name__)
_tracer = telemetry.tracer(__name__)

_WAKE = "jcp.outbox.wake"


class OutboxRecord(Base):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    topic: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(200), index=True)
    event_id: Mapped[str] = mapped_column(String(64), index=True)
    event_type: Mapped[str] = mapped_column(String(200))
    headers: Mapped[list[list[str]]] = mapped_column(JSON)
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)


def enqueue(*, session: Session, topic: str, key: str, event: Event, clock: Clock = utc_now) -> None:
    enqueue_raw(
        session=session,
        topic=topic,
        key=key,
        event_id=event.id,
        event_type=event.type,
        headers=to_headers(event),
        payload=event.message.SerializeToString(),
        clock=clock,
    )


def announce(
    *, session: Session, topic: str, key: str, message: Message, source: str, clock: Clock = utc_now
) -> Event:
    """Put ``message`` on the outbox as a new event, in the caller's transaction, carrying the
    current trace so the consumers' spans join it."""
    event = new_event(
        message=message, source=source, subject=key, traceparent=telemetry.current_traceparent(), clock=clock
    )
    enqueue(session=session, topic=topic, key=key, event=event, clock=clock)
    return event


def enqueue_raw(
    *,
    session: Session,
    topic: str,
    key: str,
    event_id: str,
    event_type: str,
    headers: Headers,
    payload: bytes,
    clock: Clock = utc_now,
) -> None:
    session.add(
        OutboxRecord(
            topic=topic,
            key=key,
            event_id=event_id,
            event_type=event_type,
            headers=[[name, base64.b64encode(value or b"").decode()] for name, value in headers],
            payload=payload,
            created_at=clock(),
        )
    )
    session.info[_WAKE] = True


def backlog(*, session: Session) -> int:
    return session.scalar(select(func.count()).where(OutboxRecord.sent_at.is_(None))) or 0


class OutboxRelay:
    """Publishes unsent outbox rows in order and notices when the broker lost records.

    The broker forgets everything when it restarts: the relay sees that as a partition
    offset lower than one it was given before, and announces again every event sent within
    the re-announce window.
    """

    def __init__(
        self,
        *,
        session_factory: sessionmaker[Session],
        producer_factory: Callable[[], Any],
        batch_size: int = 500,
        idle_poll_s: float = 0.5,
        reannounce_window_s: float = 600.0,
        retention_s: float = 86400.0,
        clock: Clock = utc_now,
    ) -> None:
        self._session_factory = session_factory
        self._producer_factory = producer_factory
        self._producer: Any = None
        self._batch_size = batch_size
        self._idle_poll_s = idle_poll_s
        self._reannounce_window = timedelta(seconds=reannounce_window_s)
        self._retention = timedelta(seconds=retention_s)
        self._clock = clock
        self._wake = threading.Event()
        self._last_offsets: dict[tuple[str, int], int] = {}
        self._last_purge = clock()
        self.reannouncements = 0
        # When (time.monotonic) the broker last took a batch with acks=all; None until then.
        self.last_published: float | None = None
        listen(session_factory, "after_commit", self._after_commit)
        metrics.OUTBOX_BACKLOG.set_function(self._backlog)

    def _backlog(self) -> float:
        with self._session_factory() as session:
            return float(backlog(session=session))

    def _after_commit(self, session: Session) -> None:
        if session.info.pop(_WAKE, False):
            self._wake.set()

    def run(self, stop: threading.Event) -> None:
        backoff = 0.2
        while not stop.is_set():
            # Cleared before reading, not after waiting: a commit landing between the two would
            # otherwise be missed until the next idle poll.
            self._wake.clear()
            try:
                sent = self.publish_once()
                backoff = 0.2
            except Exception as exc:  # any broker or producer failure: start a new producer
                log.warning("outbox publish failed, retrying in %.1fs: %r", backoff, exc)
                self._close_producer()
                stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            if sent == 0:
                self._purge_if_due()
                self._wake.wait(self._idle_poll_s)
        self._close_producer()

    def publish_once(self) -> int:
        with self._session_factory() as session:
            rows = session.execute(
                select(
                    OutboxRecord.id,
                    OutboxRecord.topic,
                    OutboxRecord.key,
                    OutboxRecord.headers,
                    OutboxRecord.payload,
                )
                .where(OutboxRecord.sent_at.is_(None))
                .order_by(OutboxRecord.id)
                .limit(self._batch_size)
            ).all()
        if not rows:
            return 0
        if self._producer is None:
            self._producer = self._producer_factory()
        spans = []
        futures = []
        for row in rows:
            headers = [(name, base64.b64decode(value)) for name, value in row.headers]
            headers, span = self._producer_span(row.topic, headers)
            if span is not None:
                spans.append(span)
            futures.append(
                self._producer.send(row.topic, key=row.key.encode(), value=row.payload, headers=headers)
            )
        self._producer.flush(timeout=10)
        for span in spans:
            span.end()
        lost = False
        for future in futures:
            metadata = future.get(timeout=10)
            partition = (metadata.topic, metadata.partition)
            previous = self._last_offsets.get(partition)
            if previous is not None and metadata.offset <= previous:
                lost = True
            self._last_offsets[partition] = metadata.offset
        ids = [row.id for row in rows]
        now = self._clock()
        with transaction(self._session_factory) as session:
            session.execute(update(OutboxRecord).where(OutboxRecord.id.in_(ids)).values(sent_at=now))
            if lost:
                again = session.execute(
                    update(OutboxRecord)
                    .where(
                        OutboxRecord.sent_at >= now - self._reannounce_window,
                        OutboxRecord.id < ids[0],
                    )
                    .values(sent_at=None)
                ).rowcount
                self.reannouncements += 1
                metrics.REANNOUNCEMENTS.inc()
                log.warning("broker lost records; announcing %d outbox events again", again)
        self.last_published = time.monotonic()
        for row in rows:
            metrics.EVENTS_PUBLISHED.labels(row.topic).inc()
        return len(rows)

    @staticmethod
    def _producer_span(topic: str, headers: list[tuple[str, bytes]]) -> tuple[list[tuple[str, bytes]], Any]:
        """The broker hop as a span of the trace that made the event; consumers become its
        children through the record's traceparent."""
        traceparent = next((value.decode() for name, value in headers if name == "traceparent"), None)
        if traceparent is None:
            return headers, None
        span = _tracer.start_span(
            f"{topic} publish",
            context=telemetry.context_from(traceparent),
            kind=SpanKind.PRODUCER,
            attributes={"messaging.system": "kafka", "messaging.destination.name": topic},
        )
        carried = telemetry.traceparent_of(trace.set_span_in_context(span))
        headers = [(n, v) for n, v in headers if n != "traceparent"] + [
            ("traceparent", (carried or traceparent).encode())
        ]
        return headers, span

    def _purge_if_due(self) -> None:
        now = self._clock()
        if now - self._last_purge < timedelta(minutes=1):
            return
        self._last_purge = now
        with transaction(self._session_factory) as session:
            session.execute(delete(OutboxRecord).where(OutboxRecord.sent_at < now - self._retention))

    def _close_producer(self) -> None:
        if self._producer is not None:
            try:
                self._producer.close(timeout=1)
            except Exception as exc:  # a broken producer may fail to close; it is dropped anyway
                log.debug("closing producer: %r", exc)
            self._producer = None

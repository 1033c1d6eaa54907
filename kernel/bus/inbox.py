"""Idempotent inbox consumer.

Each batch is applied in one database transaction that also records every event id; Kafka
offsets are committed only after that transaction. Redelivery after a crash finds the ids
and skips them. A record that can never be applied is written to the dead-letter topic
(through the outbox, in the same transaction) so it neither crashes the consumer nor blocks
its partition.
"""

import hashlib
import logging
import math
import threading
import time
import warnings
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from google.protobuf.message import Message
from opentelemetry.trace import SpanKind
from sqlalchemy import String, delete, select
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from kernel import metrics, telemetry
from kernel.bus.clients import make_consumer
from kernel.bus.envelope import Event, InvalidEvent, decode, event_type
from kernel.bus.outbox import enqueue_raw
from kernel.bus.topics import DEAD_LETTERS
from kernel.clock import Clock, utc_now
from kernel.db import Base, UtcDateTime, transaction
from kernel.settings import CommonSettings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from kafka.structs import OffsetAndMetadata, TopicPartition

log = logging.getLogger(__name__)
_tracer = telemetry.tracer(__name__)

Handler = Callable[[Session, Event], object]


# Dead letters written in the session's transaction, counted once it commits.
_DEAD = "jcp.inbox.dead_lettered"


class _HandlerFailed(Exception):
    """A handler failed in a batch applied without savepoints."""


def by_type(handlers: Mapping[type[Message], Handler]) -> tuple[dict[str, type[Message]], Handler]:
    """One consumer for several topics: the registry it decodes with and a handler that
    passes each event to the one registered for its type."""
    registry = {event_type(cls): cls for cls in handlers}
    table = {event_type(cls): handler for cls, handler in handlers.items()}

    def handle(session: Session, event: Event) -> object:
        return table[event.type](session, event)

    return registry, handle


class ProcessedEvent(Base):
    __tablename__ = "inbox"

    event_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class InboxConsumer:
    def __init__(
        self,
        *,
        settings: CommonSettings,
        group_id: str,
        topics: list[str],
        registry: Mapping[str, type[Message]],
        handler: Handler,
        session_factory: sessionmaker[Session],
        own_source: str | None = None,
        ignored_types: frozenset[str] = frozenset(),
        clock: Clock = utc_now,
    ) -> None:
        self._settings = settings
        self._own_source = own_source.encode() if own_source else None
        self._ignored_types = frozenset(name.encode() for name in ignored_types)
        self._group_id = group_id
        self._topics = topics
        self._registry = registry
        self._handler = handler
        self._session_factory = session_factory
        self._clock = clock
        self._retention = timedelta(seconds=settings.inbox_retention_s)
        self._last_purge = clock()
        self.assigned = threading.Event()
        self.dead_lettered = 0
        # Records on the assigned partitions not yet processed, from the fetch high-watermark
        # (the embedded broker's end offsets are wrong); None until the first assignment.
        self.lag: int | None = None
        # When (time.monotonic) the group coordinator last answered a heartbeat; None until then.
        self.last_contact: float | None = None
        self._contact_read = float("-inf")
        for topic in topics:  # series exist from the start, so alert rules see zeros, not gaps
            metrics.DEAD_LETTERS.labels(topic)

    def run(self, stop: threading.Event) -> None:
        consumer: Any = None
        backoff = 0.2
        while not stop.is_set():
            try:
                if consumer is None:
                    consumer = make_consumer(self._settings, group_id=self._group_id, topics=self._topics)
                batch = consumer.poll(timeout_ms=200, max_records=500)
                if consumer.assignment():
                    self.assigned.set()
                if batch:
                    self._process(consumer, batch)
                else:
                    self._purge_if_due()
                self.lag = self._measure_lag(consumer)
                if self.lag is not None:
                    metrics.CONSUMER_LAG.labels(self._group_id).set(self.lag)
                self._note_contact(consumer)
                backoff = 0.2
            except Exception as exc:  # broker or database trouble: reconnect, resume from commits
                log.warning("consumer %s failed, restarting in %.1fs: %r", self._group_id, backoff, exc)
                self._close(consumer)
                consumer = None
                stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)
        self._finish_joining(consumer)
        self._close(consumer)

    def _finish_joining(self, consumer: Any) -> None:
        """Leaving a group in the middle of a join wedges that group on the embedded broker for
        good (no later member is ever assigned), so a consumer stopped early first finishes its
        join. What it polls meanwhile is not committed: the next member reads it again."""
        if consumer is None:
            return
        deadline = time.monotonic() + 2 * self._settings.kafka_session_timeout_ms / 1000
        try:
            while not consumer.assignment() and time.monotonic() < deadline:
                consumer.poll(timeout_ms=100, max_records=1)
        except Exception as exc:  # a broker that is gone cannot be wedged either
            log.debug("finishing the join before leaving: %r", exc)

    def _note_contact(self, consumer: Any) -> None:
        """A poll does not fail while the broker is away, it just returns nothing; heartbeats to
        the group coordinator are what stop, so their age says whether the broker is there."""
        now = time.monotonic()
        if now - self._contact_read < 1.0:
            return
        self._contact_read = now
        coordinator = consumer.metrics().get("consumer-coordinator-metrics", {})
        ago = coordinator.get("last-heartbeat-seconds-ago")
        if isinstance(ago, float) and math.isfinite(ago):
            self.last_contact = now - ago

    @staticmethod
    def _measure_lag(consumer: Any) -> int | None:
        assigned = consumer.assignment()
        if not assigned:
            return None  # not in the group yet: nothing is known
        total = 0
        for partition in assigned:
            highwater = consumer.highwater(partition)
            if highwater is None:
                return None
            total += max(0, highwater - consumer.position(partition))
        return total

    def _skips(self, record: Any) -> bool:
        """This process's own events come back to it (it applied them when it made them), and
        some events on a shared topic are for others: neither needs a transaction."""
        headers = dict(record.headers or ())
        source = headers.get("ce_source")
        if self._own_source is not None and source is not None and source.startswith(self._own_source):
            return True
        return headers.get("ce_type") in self._ignored_types

    def _process(self, consumer: Any, batch: Mapping[TopicPartition, list[Any]]) -> None:
        records = [
            record
            for partition_records in batch.values()
            for record in partition_records
            if not self._skips(record)
        ]
        decoded: list[tuple[Any, Event | InvalidEvent]] = []
        for record in records:
            try:
                decoded.append((record, decode(record.headers, record.value, self._registry)))
            except InvalidEvent as exc:
                decoded.append((record, exc))
        keys = [self._inbox_key(record, item) for record, item in decoded]
        if keys:
            self._apply_batch(decoded, keys)
        consumer.commit(
            {
                partition: OffsetAndMetadata(partition_records[-1].offset + 1, "", -1)
                for partition, partition_records in batch.items()
            }
        )

    def _apply_batch(self, decoded: list[tuple[Any, Event | InvalidEvent]], keys: list[str]) -> None:
        """Apply a batch in one transaction. A savepoint per event would cost more than most
        handlers do, so the batch first runs without them; only if some handler fails is it run
        again with one savepoint per event, so that one event is dead-lettered, not the batch."""
        try:
            dead = self._apply_all(decoded, keys, isolated=False)
        except _HandlerFailed:
            dead = self._apply_all(decoded, keys, isolated=True)
        self.dead_lettered += dead
        for record, item in decoded:
            if isinstance(item, Event):
                metrics.EVENTS_CONSUMED.labels(record.topic, item.type).inc()
        if dead:
            metrics.DEAD_LETTERS.labels(decoded[0][0].topic).inc(dead)

    def _apply_all(
        self, decoded: list[tuple[Any, Event | InvalidEvent]], keys: list[str], *, isolated: bool
    ) -> None:
        with transaction(self._session_factory) as session:
            seen = set(
                session.scalars(select(ProcessedEvent.event_id).where(ProcessedEvent.event_id.in_(keys)))
            )
            now = self._clock()
            for (record, item), key in zip(decoded, keys, strict=True):
                if key in seen:
                    continue
                seen.add(key)
                if isinstance(item, InvalidEvent):
                    self._dead_letter(session, record, item.reason)
                else:
                    self._apply(session, record, item, isolated=isolated)
                session.add(ProcessedEvent(event_id=key, processed_at=now))
            return int(session.info.get(_DEAD, 0))

    def _apply(self, session: Session, record: Any, event: Event, *, isolated: bool) -> None:
        with _tracer.start_as_current_span(
            f"{record.topic} process",
            context=telemetry.context_from(event.traceparent),
            kind=SpanKind.CONSUMER,
            attributes={
                "messaging.system": "kafka",
                "messaging.message.id": event.id,
                "messaging.destination.name": record.topic,
            },
        ):
            if not isolated:
                try:
                    self._handler(session, event)
                except (OperationalError, InterfaceError):
                    raise
                except Exception as exc:  # roll the batch back and run it again event by event
                    raise _HandlerFailed from exc
                return
            try:
                with session.begin_nested():
                    self._handler(session, event)
            except (OperationalError, InterfaceError):
                raise
            except InvalidEvent as exc:
                self._dead_letter(session, record, exc.reason)
            except Exception as exc:  # a record this code cannot apply must not stop the stream
                log.exception("handler failed for event %s", event.id)
                self._dead_letter(session, record, f"handler failed: {exc!r}")

    def _dead_letter(self, session: Session, record: Any, reason: str) -> None:
        session.info[_DEAD] = session.info.get(_DEAD, 0) + 1
        log.warning("dead-lettering %s[%d]@%d: %s", record.topic, record.partition, record.offset, reason)
        headers = list(record.headers or ())
        headers += [
            ("dlq_reason", reason.encode()),
            ("dlq_topic", record.topic.encode()),
            ("dlq_partition", str(record.partition).encode()),
            ("dlq_offset", str(record.offset).encode()),
            ("dlq_consumer", self._group_id.encode()),
        ]
        enqueue_raw(
            session=session,
            topic=DEAD_LETTERS,
            key=(record.key or b"").decode(errors="replace"),
            event_id=f"dlq-{record.topic}-{record.partition}-{record.offset}",
            event_type="dead-letter",
            headers=headers,
            payload=record.value or b"",
            clock=self._clock,
        )

    @staticmethod
    def _inbox_key(record: Any, item: Event | InvalidEvent) -> str:
        if isinstance(item, Event):
            return item.id
        digest = hashlib.sha256(record.value or b"").hexdigest()[:16]
        return f"dlq:{record.topic}:{record.partition}:{record.offset}:{digest}"

    def _purge_if_due(self) -> None:
        now = self._clock()
        if now - self._last_purge < timedelta(minutes=1):
            return
        self._last_purge = now
        with transaction(self._session_factory) as session:
            session.execute(delete(ProcessedEvent).where(ProcessedEvent.processed_at < now - self._retention))

    @staticmethod
    def _close(consumer: Any) -> None:
        if consumer is not None:
            try:
                consumer.close(autocommit=False)
            except Exception as exc:  # closing a consumer of a dead broker can fail; it is dropped
                log.debug("closing consumer: %r", exc)

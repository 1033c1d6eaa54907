"""The fan-out baselines: the same records sent with the platform's own producer settings
through the same broker to four consumer groups, with no database and no relay in between.
It is the floor the platform's fan-out is measured against.

Consumers are threads in this process (one GIL), which makes the baseline slightly slower
than four processes would be: the ratios it yields are, if anything, flattering to the
platform.
"""

import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bench.payloads import Record, reported_record
from kernel.bus.clients import create_topics, make_consumer, make_producer
from kernel.bus.topics import TopicSpec
from kernel.catalog import AGENCIES
from kernel.settings import CommonSettings


class BenchError(RuntimeError):
    pass


class GroupReader(threading.Thread):
    """One consumer group, standing in for one agency: notes when each key first arrived."""

    def __init__(self, settings: CommonSettings, *, group_id: str, topic: str, expected: int) -> None:
        super().__init__(name=group_id, daemon=True)
        self._settings = settings
        self._group_id = group_id
        self._topic = topic
        self._expected = expected
        self.received: dict[bytes, float] = {}
        self.assigned = threading.Event()
        self.complete = threading.Event()
        self.completed_at = 0.0
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            consumer = make_consumer(self._settings, group_id=self._group_id, topics=[self._topic])
        except BaseException as exc:  # reported by the waiting side, which would otherwise hang
            self.error = exc
            return
        try:
            while not self.stop.is_set():
                batch = consumer.poll(timeout_ms=100, max_records=500)
                now = time.time()
                if consumer.assignment():
                    self.assigned.set()
                for records in batch.values():
                    for record in records:
                        self.received.setdefault(record.key, now)
                if not self.complete.is_set() and len(self.received) >= self._expected:
                    self.completed_at = time.monotonic()
                    self.complete.set()
        except BaseException as exc:  # same: surface it to the waiting side
            self.error = exc
        finally:
            consumer.close(autocommit=False)


def wait_all(readers: Sequence[GroupReader], attribute: str, timeout: float, what: str) -> None:
    """Until every reader's ``attribute`` event is set; a reader's own failure is raised at once."""
    deadline = time.monotonic() + timeout
    for reader in readers:
        event: threading.Event = getattr(reader, attribute)
        while not event.wait(0.05):
            if reader.error is not None:
                raise BenchError(f"{reader.name} failed: {reader.error!r}")
            if time.monotonic() > deadline:
                raise BenchError(f"{reader.name}: {what} not within {timeout:.0f}s")


@dataclass
class Groups:
    """Four consumer groups on a fresh topic, joined before anything is produced, as the
    agencies are before an incident arrives."""

    settings: CommonSettings
    topic: str
    readers: list[GroupReader]

    @classmethod
    def start(cls, bootstrap_servers: str, *, label: str, expected: int) -> "Groups":
        settings = CommonSettings(bootstrap_servers=bootstrap_servers)
        topic = f"bench.{label}.{uuid.uuid4().hex[:8]}"
        create_topics(bootstrap_servers, (TopicSpec(topic),))
        readers = [
            GroupReader(settings, group_id=f"{topic}.{agency}", topic=topic, expected=expected)
            for agency in AGENCIES
        ]
        for reader in readers:
            reader.start()
        groups = cls(settings=settings, topic=topic, readers=readers)
        try:
            wait_all(readers, "assigned", 30.0, "partitions assigned")
        except BaseException:
            groups.close()
            raise
        return groups

    def wait_complete(self, timeout: float) -> None:
        wait_all(self.readers, "complete", timeout, "all records received")

    def close(self) -> None:
        for reader in self.readers:
            reader.stop.set()
        for reader in self.readers:
            reader.join(10.0)


def send_paced(producer: Any, topic: str, records: Sequence[Record], *, rate: float) -> dict[bytes, float]:
    """The records at a steady ``rate`` per second, then flushed: when each was sent, by key."""
    sent: dict[bytes, float] = {}
    started = time.monotonic()
    for index, (key, headers, value) in enumerate(records):
        delay = started + index / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        sent[key] = time.time()
        producer.send(topic, key=key, value=value, headers=headers)
    producer.flush(timeout=10)
    return sent


def fanout_latencies(bootstrap_servers: str, *, rate: float, duration_s: float) -> list[float]:
    """Seconds from send to the last of the four groups receiving it, per record."""
    count = round(rate * duration_s)
    records = [reported_record(i) for i in range(count)]
    groups = Groups.start(bootstrap_servers, label="latency", expected=count)
    producer = make_producer(groups.settings)
    try:
        sent = send_paced(producer, groups.topic, records, rate=rate)
        groups.wait_complete(timeout=30.0)
    finally:
        producer.close(timeout=5)
        groups.close()
    return [max(reader.received[key] for reader in groups.readers) - at for key, at in sent.items()]


def fanout_backlog(bootstrap_servers: str, records: Sequence[Record]) -> float:
    """Seconds from creating a producer with a full backlog to all four groups holding it."""
    groups = Groups.start(bootstrap_servers, label="backlog", expected=len(records))
    producer = None
    try:
        started = time.monotonic()
        producer = make_producer(groups.settings)
        for key, headers, value in records:
            producer.send(groups.topic, key=key, value=value, headers=headers)
        producer.flush(timeout=30)
        groups.wait_complete(timeout=60.0)
        return max(reader.completed_at for reader in groups.readers) - started
    finally:
        if producer is not None:
            producer.close(timeout=5)
        groups.close()


def backlog_records(count: int) -> list[Record]:
    return [reported_record(i) for i in range(count)]

"""The outbox relay and the inbox consumer against a real broker and real databases."""

import threading
import uuid
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from jcp.incidents.v1 import events_pb2, incident_pb2
from kernel.bus.clients import make_producer
from kernel.bus.envelope import new_event, to_headers
from kernel.bus.inbox import InboxConsumer
from kernel.bus.outbox import OutboxRecord, OutboxRelay, enqueue
from kernel.bus.topics import DEAD_LETTERS, INCIDENTS
from kernel.db import Base, make_engine, make_session_factory, transaction
from kernel.incidents import store as incident_store
from kernel.incidents.models import IncidentReceipt, IncidentRow
from kernel.incidents.proto import REGISTRY
from kernel.settings import CommonSettings
from tests.support import wait_for

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from kafka import KafkaConsumer, KafkaProducer


@dataclass
class Node:
    """One service's bus: its database, relay and consumer, running in threads."""

    session_factory: sessionmaker[Session]
    relay: OutboxRelay
    consumer: InboxConsumer
    stop: threading.Event


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[str], str]:
    if request.param == "sqlite":
        return lambda label: f"sqlite:///{tmp_path / label}.db"
    return request.getfixturevalue("postgres")  # type: ignore[no-any-return]


@pytest.fixture
def nodes(broker: str, database_url: Callable[[str], str]) -> Iterator[Callable[[str], Node]]:
    started: list[tuple[Node, list[threading.Thread]]] = []
    settings = CommonSettings(bootstrap_servers=broker)

    def start(label: str) -> Node:
        engine = make_engine(database_url(label))
        Base.metadata.create_all(engine)
        factory = make_session_factory(engine)
        node = Node(
            session_factory=factory,
            relay=OutboxRelay(session_factory=factory, producer_factory=lambda: make_producer(settings)),
            consumer=InboxConsumer(
                settings=settings,
                group_id=label,
                topics=[INCIDENTS],
                registry=REGISTRY,
                handler=lambda session, event: incident_store.apply_event(session=session, event=event),
                session_factory=factory,
            ),
            stop=threading.Event(),
        )
        threads = [
            threading.Thread(target=w.run, args=(node.stop,), daemon=True)
            for w in (node.relay, node.consumer)
        ]
        for thread in threads:
            thread.start()
        started.append((node, threads))
        return node

    yield start
    for node, threads in started:
        node.stop.set()
        for thread in threads:
            thread.join(10)


def _incident(version: int = 1, category: str = "police_call") -> incident_pb2.Incident:
    incident = incident_pb2.Incident(
        id=str(uuid.uuid4()),
        source_agency="localgov",
        category=category,
        level=incident_pb2.EMERGENCY_LEVEL_III,
        status=incident_pb2.INCIDENT_STATUS_REPORTED,
        version=version,
        location=incident_pb2.Location(latitude=37.46, longitude=118.49, address="x"),
    )
    now = datetime.now(UTC)
    incident.reported_at.FromDatetime(now)
    incident.updated_at.FromDatetime(now)
    return incident


def _held(node: Node) -> dict[str, int]:
    with node.session_factory() as session:
        return dict(session.execute(select(IncidentRow.id, IncidentRow.version)).all())  # type: ignore[arg-type]


def _receipts(node: Node) -> int:
    with node.session_factory() as session:
        return session.scalar(select(func.count()).select_from(IncidentReceipt)) or 0


def test_outbox_events_reach_the_consumer_once_even_when_published_twice(
    nodes: Callable[[str], Node],
) -> None:
    sender, receiver = nodes("sender"), nodes("receiver")
    sent = [_incident() for _ in range(50)]
    with transaction(sender.session_factory) as session:
        for incident in sent:
            event = incident_store.announce(
                session=session, message=events_pb2.IncidentReported(incident=incident), source="/test"
            )
            # The same event written twice: what a relay crash between send and mark does.
            enqueue(session=session, topic=INCIDENTS, key=incident.id, event=event)
    wait_for(lambda: len(_held(receiver)) == 50, timeout=30, message="receiver holds all 50")
    wait_for(lambda: receiver.consumer.assigned.is_set(), timeout=5, message="assigned")
    with transaction(sender.session_factory) as session:
        marker = _incident()
        incident_store.announce(
            session=session, message=events_pb2.IncidentReported(incident=marker), source="/test"
        )
    wait_for(lambda: marker.id in _held(receiver), timeout=30, message="marker arrives after the duplicates")
    assert _held(receiver) == {incident.id: 1 for incident in [*sent, marker]}
    assert _receipts(receiver) == 51
    with sender.session_factory() as session:
        assert session.scalar(select(func.count()).where(OutboxRecord.sent_at.is_(None))) == 0


def test_older_versions_never_overwrite_newer_ones(nodes: Callable[[str], Node]) -> None:
    sender, receiver = nodes("sender"), nodes("receiver")
    incident = _incident(version=3)
    older = incident_pb2.Incident()
    older.CopyFrom(incident)
    older.version = 2
    older.title = "stale"
    with transaction(sender.session_factory) as session:
        incident_store.announce(
            session=session, message=events_pb2.IncidentSnapshot(incident=incident), source="/t"
        )
        incident_store.announce(
            session=session, message=events_pb2.IncidentSnapshot(incident=older), source="/t"
        )
        marker = _incident()
        incident_store.announce(
            session=session, message=events_pb2.IncidentReported(incident=marker), source="/t"
        )
    wait_for(lambda: marker.id in _held(receiver), timeout=30, message="all three events consumed")
    assert _held(receiver)[incident.id] == 3


def _raw_records(broker: str, topic: str, count: int) -> list:  # type: ignore[type-arg]
    consumer = KafkaConsumer(
        topic, bootstrap_servers=broker, auto_offset_reset="earliest", consumer_timeout_ms=500, group_id=None
    )
    records: list = []  # type: ignore[type-arg]
    try:
        wait_for(
            lambda: records.extend(consumer) or len(records) >= count,
            timeout=30,
            message=f"{count} records on {topic}",
        )
    finally:
        consumer.close()
    return records


def test_records_that_are_not_valid_events_are_dead_lettered_and_the_stream_continues(
    broker: str, nodes: Callable[[str], Node]
) -> None:
    receiver = nodes("receiver")
    wait_for(lambda: receiver.consumer.assigned.is_set(), timeout=30, message="consumer joined")
    valid = events_pb2.IncidentReported(incident=_incident())
    headers = to_headers(new_event(message=valid, source="/test", subject=valid.incident.id))
    wrong_type = [(k, b"jcp.incidents.v1.NoSuchEvent" if k == "ce_type" else v) for k, v in headers]
    future_version = [(k, b"jcp.incidents.v2.IncidentReported" if k == "ce_type" else v) for k, v in headers]
    bad_category = events_pb2.IncidentReported(incident=_incident(category="alien_landing"))
    bad_headers = to_headers(
        new_event(message=bad_category, source="/test", subject=bad_category.incident.id)
    )
    producer = KafkaProducer(bootstrap_servers=broker, acks="all")
    # One key, so every record lands on one partition in order, ahead of the valid one.
    key = b"poison"
    producer.send(INCIDENTS, key=key, value=b"\x00garbage\xff", headers=[])
    producer.send(INCIDENTS, key=key, value=b"\xff\xff\xff\xff", headers=headers)
    producer.send(INCIDENTS, key=key, value=valid.SerializeToString(), headers=wrong_type)
    producer.send(INCIDENTS, key=key, value=valid.SerializeToString(), headers=future_version)
    producer.send(INCIDENTS, key=key, value=bad_category.SerializeToString(), headers=bad_headers)
    producer.send(INCIDENTS, key=key, value=valid.SerializeToString(), headers=headers)
    producer.flush()
    producer.close()

    wait_for(lambda: valid.incident.id in _held(receiver), timeout=30, message="valid event applied")
    assert bad_category.incident.id not in _held(receiver)
    assert receiver.consumer.dead_lettered == 5
    dead = [
        r
        for r in _raw_records(broker, DEAD_LETTERS, 5)
        if r.key == key and dict(r.headers)["dlq_consumer"].decode() == receiver.consumer._group_id
    ]
    reasons = [dict(r.headers)["dlq_reason"].decode() for r in dead]
    assert len(reasons) == 5
    assert "missing CloudEvents header" in reasons[0]
    assert "payload is not a valid" in reasons[1]
    assert "unknown event type 'jcp.incidents.v1.NoSuchEvent'" in reasons[2]
    assert "unknown event type 'jcp.incidents.v2.IncidentReported'" in reasons[3]
    assert "unknown incident category 'alien_landing'" in reasons[4]
    assert dead[0].value == b"\x00garbage\xff"

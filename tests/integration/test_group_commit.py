"""The group-commit writer on each real backend: a burst of writes commits together, each caller
gets its own result or its own refusal, and nothing is answered before it is committed."""

import threading
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from kernel.bus.outbox import OutboxRecord
from kernel.errors import Conflict
from kernel.group_commit import GroupCommit
from tests.support import wait_for

AT = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


def record(session: Session, key: str) -> str:
    """One row, as an answer's event would be; returns a mark of the session it was written in,
    to tell batches apart."""
    session.add(
        OutboxRecord(topic="t", key=key, event_id=key, event_type="e", headers=[], payload=b"", created_at=AT)
    )
    session.flush()
    return str(session.info.setdefault("batch", uuid.uuid4().hex))


def keys(factory: sessionmaker[Session]) -> list[str]:
    with factory() as session:
        return sorted(session.scalars(select(OutboxRecord.key)))


def test_writes_waiting_together_commit_in_one_batch_and_each_gets_its_own_answer(
    database: sessionmaker[Session],
) -> None:
    writer = GroupCommit(database)
    held = threading.Event()
    release = threading.Event()

    def first(session: Session) -> str:
        held.set()
        assert release.wait(30)
        return record(session, "first")

    results: dict[str, str | BaseException] = {}

    def call(key: str, work: object) -> None:
        try:
            results[key] = writer.write(work)  # type: ignore[arg-type]
        except BaseException as exc:
            results[key] = exc

    def refused(session: Session) -> str:
        record(session, "refused")
        raise Conflict("this one is refused")

    threads = [threading.Thread(target=call, args=("first", first))]
    threads[0].start()
    assert held.wait(30)
    # The writer is busy with the first write; these queue behind it and go in together.
    for n in range(20):
        threads.append(
            threading.Thread(target=call, args=(f"k{n:02d}", lambda s, key=f"k{n:02d}": record(s, key)))
        )
    threads.append(threading.Thread(target=call, args=("refused", refused)))
    for thread in threads[1:]:
        thread.start()
    wait_for(lambda: writer.waiting == 21, timeout=30, message="the burst queued behind the first write")
    release.set()
    for thread in threads:
        thread.join(30)

    assert isinstance(results["refused"], Conflict)
    batches = {results[f"k{n:02d}"] for n in range(20)}
    assert len(batches) == 1, "the waiting writes shared one transaction"
    # The refused write's row went with its savepoint; every other write is in.
    assert keys(database) == sorted(["first", *(f"k{n:02d}" for n in range(20))])


def test_a_write_is_answered_only_once_it_is_committed(database: sessionmaker[Session]) -> None:
    writer = GroupCommit(database)
    for n in range(5):
        writer.write(lambda session, n=n: record(session, f"w{n}"))
        # Read from another session at once: what was answered is there.
        with database() as session:
            assert session.scalar(select(func.count()).select_from(OutboxRecord)) == n + 1


def test_a_refusal_is_the_callers_own_and_leaves_nothing_behind(database: sessionmaker[Session]) -> None:
    writer = GroupCommit(database)

    def refused(session: Session) -> None:
        record(session, "half")
        raise Conflict("no")

    with pytest.raises(Conflict):
        writer.write(refused)
    assert writer.write(lambda session: record(session, "after")) is not None
    assert keys(database) == ["after"]

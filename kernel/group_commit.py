"""Group commit: the writes of many requests in one transaction, each request answered when the
transaction that holds its write commits.

A call-up sends hundreds of members' answers within seconds. One transaction per answer makes
them queue on the database's write lock (SQLite has one writer; PostgreSQL pays a commit each),
and each commit wakes the outbox relay for one record. Here one writer thread per database takes
every write waiting when it is free and applies them together, each in its own savepoint so one
refused answer leaves the others in; their events leave in one relay batch.

A caller waits for its batch to commit and gets its own result or its own error, exactly as if
it had had the transaction to itself: nothing is answered before it is durable, and a refused
write changes nothing.
"""

import contextvars
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from sqlalchemy.orm import Session, sessionmaker

from kernel import metrics
from kernel.db import transaction

T = TypeVar("T")

# Large enough to take a whole burst in one go, small enough that one batch is not a long lock.
MAX_BATCH = 200
# A writer with nothing to do for this long ends its thread; the next write starts another.
IDLE_S = 5.0


@dataclass
class _Write:
    work: Callable[[Session], Any]
    # The caller's context (its trace, so the events it announces join the caller's span).
    context: contextvars.Context
    done: threading.Event = field(default_factory=threading.Event)
    result: Any = None
    error: BaseException | None = None


class GroupCommit:
    """One database's writer: ``write`` runs ``work`` in the next batch and returns its result.
    Every path that writes the same rows (an HTTP answer, a gRPC answer) must share one to
    batch together."""

    def __init__(self, factory: sessionmaker[Session], *, max_batch: int = MAX_BATCH) -> None:
        self._factory = factory
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[_Write] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._running = False

    @property
    def waiting(self) -> int:
        """Writes queued for the next batch."""
        return self._queue.qsize()

    def write(self, work: Callable[[Session], T]) -> T:
        pending = _Write(work=work, context=contextvars.copy_context())
        self._queue.put(pending)
        with self._lock:
            if not self._running:
                self._running = True
                threading.Thread(target=self._run, name="group-commit", daemon=True).start()
        pending.done.wait()
        if pending.error is not None:
            raise pending.error
        return cast(T, pending.result)

    def _run(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=IDLE_S)
            except queue.Empty:
                with self._lock:
                    # A write queued before this check finds the thread still running and is
                    # taken next; one queued after it starts a new thread.
                    if self._queue.empty():
                        self._running = False
                        return
                continue
            batch = [first]
            while len(batch) < self._max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            self._commit(batch)

    def _commit(self, batch: list[_Write]) -> None:
        metrics.GROUP_COMMIT_SIZE.observe(len(batch))
        try:
            with transaction(self._factory) as session:
                for item in batch:
                    try:
                        with session.begin_nested():
                            item.result = item.context.run(item.work, session)
                    except Exception as exc:  # the caller's own refusal, handed back to it
                        item.error = exc
        except Exception as exc:  # the commit failed: nothing in the batch was written
            for item in batch:
                if item.error is None:
                    item.error = exc
        finally:
            for item in batch:
                item.done.set()

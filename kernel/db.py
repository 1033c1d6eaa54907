"""Database engines: a SQLite file by default, PostgreSQL (or any SQLAlchemy URL) when given.

SQLite runs in WAL mode. A unit of work (``transaction``) begins IMMEDIATE: the relay, the
consumer and request threads all write, and a deferred transaction that later needs the write
lock fails with "database is locked" instead of waiting for it. Anything else only reads and
begins deferred, so a long read (a board, a listing) never holds up a writer. Writers of one
SQLite file also queue on a lock in the process: SQLite's own busy handler makes waiting writers
sleep in growing steps, so under load they wake late and the file sits idle between them.
"""

import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event, text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

_Row = TypeVar("_Row")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# The largest value of a 64-bit integer column: a larger cursor or offset is a client error.
MAX_BIGINT = 2**63 - 1

# One lock per SQLite engine; other databases queue writers themselves.
_writer_locks: "weakref.WeakKeyDictionary[Engine, threading.RLock]" = weakref.WeakKeyDictionary()

# Set inside ``transaction``: the only place that writes, so the only place that needs the lock.
_writing: ContextVar[bool] = ContextVar("jcp_db_writing", default=False)


class Base(DeclarativeBase):
    """Tables every service has: the outbox, the inbox and the incident picture."""

    metadata = MetaData(naming_convention=NAMING)


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE" if _writing.get() else "BEGIN")

        _writer_locks[engine] = threading.RLock()
        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: committed when the block ends, rolled back if it raises."""
    lock = _writer_locks.get(factory.kw.get("bind"))
    token = _writing.set(True)
    try:
        with lock or nullcontext(), factory() as session, session.begin():
            yield session
    finally:
        _writing.reset(token)


def serialise(*, session: Session, key: int) -> None:
    """Makes writers of one kind take turns until their transactions end, so rows numbered by a
    sequence commit in that order. SQLite's write lock already does this; PostgreSQL takes a
    transaction-scoped advisory lock named by ``key``."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def get_for_update(*, session: Session, model: type[_Row], key: object) -> _Row | None:
    """Load a row to change it, locked against concurrent writers. On SQLite the unit of work
    already holds the database's write lock (BEGIN IMMEDIATE), so a row lock would only cost
    a second query for a row the session may already hold."""
    locking = session.get_bind().dialect.name != "sqlite"
    return session.get(model, key, with_for_update=locking)

"""What the in-process benchmarks (no platform, one database at a time) share: their command
line's database and smoke switches, and running the measurement on each database chosen."""

import argparse
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol, TypeVar

import psycopg
from sqlalchemy.orm import Session, sessionmaker

from bench.stats import Row, report
from kernel import schema
from kernel.db import make_engine, make_session_factory
from kernel.schema import History

DATABASES = ("sqlite", "postgresql")
POSTGRES_ADMIN = os.environ.get("JCP_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


class ChoosesDatabase(Protocol):
    @property
    def db(self) -> str: ...


Options = TypeVar("Options", bound=ChoosesDatabase)


def options_parser(module: str, doc: str | None) -> argparse.ArgumentParser:
    """The benchmark's own options are added to this one."""
    parser = argparse.ArgumentParser(prog=f"python -m {module}", description=doc)
    parser.add_argument("--db", choices=(*DATABASES, "both"), default="both")
    parser.add_argument(
        "--smoke", action="store_true", help="tiny counts: that it runs, not what it measures"
    )
    return parser


@contextmanager
def fresh_database(kind: str, folder: Path, label: str) -> Iterator[str]:
    """The URL of an empty database of this kind (a file in ``folder``, or a new PostgreSQL
    database dropped at the end, whoever still holds it)."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / f'{uuid.uuid4().hex}.db'}"
        return
    name = f"jcp_bench_{label}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def migrated_database(
    kind: str, folder: Path, label: str, history: History
) -> Iterator[sessionmaker[Session]]:
    """A fresh database brought to ``history``'s newest schema by its migrations."""
    with fresh_database(kind, folder, label) as url:
        engine = make_engine(url)
        try:
            schema.upgrade(engine, history)
            yield make_session_factory(engine)
        finally:
            engine.dispose()


def run(measure: Callable[[str, Options], list[Row]], options: Options) -> None:
    """Measure on each database asked for and print one table."""
    kinds = DATABASES if options.db == "both" else (options.db,)
    report(lambda: [row for kind in kinds for row in measure(kind, options)])

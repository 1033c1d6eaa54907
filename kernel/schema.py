"""How a service's schema changes: Alembic, run by every service when it starts and by
``make migrate``.

Each service kind owns its tables and their history (the gateway's in ``gateway/migrations/``,
the agencies' in ``services/agency/migrations/``); this module is the one way to run either, so
the refusal of a database made before migrations, and the way types are written, hold for all.
Running migrations at start keeps the embedded default at one command; in a cluster the
migration job runs them first and the services find nothing left to do.
"""

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command, context
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, MetaData, inspect

from kernel.db import Base, UtcDateTime

# The kernel's own tables, which every service kind keeps: the shared picture, tasks and units,
# the outbox and the inbox.
KERNEL_MODEL_MODULES = (
    "kernel.incidents.models",
    "kernel.dispatch_store",
    "kernel.bus.outbox",
    "kernel.bus.inbox",
)


class SchemaError(RuntimeError):
    pass


@dataclass(frozen=True)
class History:
    """One service kind's schema: the modules that declare its tables and its migrations."""

    name: str
    migrations: Path
    model_modules: Sequence[str]

    def metadata(self) -> MetaData:
        """The kind's tables only: a process imports one kind's models, but a test may import
        both, so tables are picked by the module that declares them."""
        for module in self.model_modules:
            importlib.import_module(module)
        picked = MetaData(naming_convention=Base.metadata.naming_convention)
        for mapper in Base.registry.mappers:
            if mapper.class_.__module__ in self.model_modules:
                mapper.local_table.to_metadata(picked)  # type: ignore[union-attr]
        return picked


def render_item(kind: str, obj: Any, autogen_context: Any) -> str | bool:
    """Write the UTC timestamp type as the plain column type it stores."""
    if kind == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations(history: History) -> None:
    """The body of every history's ``env.py``."""
    context.configure(
        connection=context.config.attributes["connection"],
        target_metadata=history.metadata(),
        render_item=render_item,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run(engine: Engine, history: History, action: str, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(history.migrations))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        getattr(command, action)(config, revision)


def upgrade(engine: Engine, history: History, revision: str = "head") -> None:
    """Bring a database to ``revision``; refuses one made before there were migrations."""
    with engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
        current = MigrationContext.configure(connection).get_current_revision()
    if tables - {"alembic_version"} and current is None:
        raise SchemaError(
            f"{engine.url.render_as_string(hide_password=True)} holds tables but no schema version: "
            "it was made before migrations; remove it (the embedded default keeps it under var/)"
        )
    _run(engine, history, "upgrade", revision)


def downgrade(engine: Engine, history: History, revision: str) -> None:
    _run(engine, history, "downgrade", revision)

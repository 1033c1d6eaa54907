"""The platform's schema and how it changes: Alembic, run by ``make migrate`` and by every
service when it starts.

Running migrations at start keeps the embedded default at one command; in a cluster the
migration job runs them first and the services find nothing left to do.
"""

import argparse
import importlib
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, MetaData, inspect

from kernel.catalog import AGENCIES
from kernel.db import Base, UtcDateTime, make_engine

MIGRATIONS = Path(__file__).with_name("migrations")
# Every module that declares tables; the schema is their union.
MODEL_MODULES = (
    "kernel.incidents.models",
    "kernel.dispatch_store",
    "kernel.bus.outbox",
    "kernel.bus.inbox",
    "services.agency.callups",
    "gateway.activity.models",
    "gateway.auth.models",
    "gateway.auth.tokens",
    "gateway.audit.models",
    "gateway.partners.models",
    "gateway.centers.models",
    "gateway.dispatch.models",
    "gateway.roster.models",
)


class SchemaError(RuntimeError):
    pass


def metadata() -> MetaData:
    for module in MODEL_MODULES:
        importlib.import_module(module)
    return Base.metadata


def render_item(kind: str, obj: Any, autogen_context: Any) -> str | bool:
    """Write the UTC timestamp type as the plain column type it stores."""
    if kind == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def _run(engine: Engine, action: str, revision: str) -> None:
    config = _config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        getattr(command, action)(config, revision)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring a database to ``revision``; refuses one made before there were migrations."""
    with engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
        current = MigrationContext.configure(connection).get_current_revision()
    if tables - {"alembic_version"} and current is None:
        raise SchemaError(
            f"{engine.url.render_as_string(hide_password=True)} holds tables but no schema version: "
            "it was made before migrations; remove it (the embedded default keeps it under var/)"
        )
    _run(engine, "upgrade", revision)


def downgrade(engine: Engine, revision: str) -> None:
    _run(engine, "downgrade", revision)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m infra.schema", description=__doc__)
    parser.add_argument(
        "urls", nargs="*", help="database URLs (default: every service of the embedded default)"
    )
    parser.add_argument("--data-dir", type=Path, default=Path("var"))
    args = parser.parse_args(argv)
    services = (*AGENCIES, "gateway")
    urls = args.urls or [f"sqlite:///{args.data_dir / (name + '.db')}" for name in services]
    for url in urls:
        engine = make_engine(url)
        try:
            upgrade(engine)
        finally:
            engine.dispose()
        print(f"{url}: at head")


if __name__ == "__main__":
    main()

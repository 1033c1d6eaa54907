"""Migrations on real databases, for each service kind's own history: an empty database goes to
head, holds exactly that kind's tables and matches its models, and goes back down; a database
made without migrations is refused with a clear error; an agency database made by the history
every service once shared is taken as current."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from gateway.schema import HISTORY as GATEWAY
from kernel import schema
from kernel.db import Base, make_engine
from services.agency.schema import HISTORY as AGENCY


@pytest.fixture(params=["sqlite", "postgresql"])
def empty(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'empty.db'}"
    else:
        url = request.getfixturevalue("postgres")("schema")
    engine = make_engine(url)
    yield engine
    engine.dispose()


def tables(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(inspect(connection).get_table_names())


@pytest.mark.parametrize("history", [GATEWAY, AGENCY], ids=lambda history: history.name)
def test_an_empty_database_goes_to_head_matches_the_models_and_comes_back_down(
    empty: Engine, history: schema.History
) -> None:
    schema.upgrade(empty, history)
    metadata = history.metadata()
    assert tables(empty) == {*metadata.tables, "alembic_version"}
    with empty.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == [], "the models changed without a migration"
        assert context.get_current_revision() is not None

    schema.downgrade(empty, history, "base")
    assert tables(empty) == {"alembic_version"}
    schema.upgrade(empty, history)
    assert "incidents" in tables(empty)


def test_each_service_kind_holds_only_its_own_tables() -> None:
    agency_tables = set(AGENCY.metadata().tables)
    gateway_tables = set(GATEWAY.metadata().tables)
    assert {"operator_accounts", "audit_log", "partners", "token_keys"} <= gateway_tables - agency_tables
    assert {"agency_call_ups", "member_answers"} <= agency_tables - gateway_tables


def test_an_agency_database_from_the_shared_history_is_taken_as_current(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'agency.db'}")
    schema.upgrade(engine, GATEWAY, "0003")  # the history every service shared until 0003
    schema.upgrade(engine, AGENCY)
    with engine.connect() as connection:
        # Taken as 0003, then brought on like any agency database.
        assert MigrationContext.configure(connection).get_current_revision() == "0006"
    assert {
        "agency_call_ups",
        "member_answers",
        "incidents",
        "link_keys",
        "break_glass_log",
        "agency_teams",
    } <= tables(engine)
    engine.dispose()


def test_a_database_made_without_migrations_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    Base.metadata.create_all(engine)
    with pytest.raises(schema.SchemaError, match="made before migrations"):
        schema.upgrade(engine, GATEWAY)
    engine.dispose()

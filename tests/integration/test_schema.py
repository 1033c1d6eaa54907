"""Migrations on real databases: an empty database goes to head, matches the models, and goes
back down; a database made without migrations is refused with a clear error."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from infra import schema
from kernel.db import Base, make_engine


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


def test_an_empty_database_goes_to_head_matches_the_models_and_comes_back_down(empty: Engine) -> None:
    schema.upgrade(empty)
    metadata = schema.metadata()
    assert tables(empty) == {*metadata.tables, "alembic_version"}
    with empty.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == [], "the models changed without a migration"
        assert context.get_current_revision() is not None

    schema.downgrade(empty, "base")
    assert tables(empty) == {"alembic_version"}
    schema.upgrade(empty)
    assert "incidents" in tables(empty)


def test_a_database_made_without_migrations_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    Base.metadata.create_all(engine)
    with pytest.raises(schema.SchemaError, match="made before migrations"):
        schema.upgrade(engine)
    engine.dispose()

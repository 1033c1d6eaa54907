"""A gateway database on each real backend, for tests of the gateway's stores."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from kernel.db import Base, make_engine, make_session_factory


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'gateway.db'}"
    else:
        url = request.getfixturevalue("postgres")("gateway")
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    yield make_session_factory(engine)
    engine.dispose()

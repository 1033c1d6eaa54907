"""A gateway database on each real backend, for tests of the gateway's stores, and the
gateway's HTTP app on one, for tests of its routes."""

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from gateway.app import create_app
from gateway.auth import service as auth_service
from gateway.auth.models import OperatorAccount
from gateway.settings import GatewaySettings
from kernel.db import Base, make_engine, make_session_factory, transaction
from kernel.passwords import hash_password
from tests.support import MovableClock


@cache
def _password_hash() -> str:
    """One scrypt hash for every in-process account: tests sign tokens, nobody types it."""
    return hash_password("in-process-2026")


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


@dataclass
class InProcessGateway:
    """The gateway's HTTP app on a real database, called in-process; its background workers
    (relay, consumer, watchers) are not started, so a test of routes needs no broker."""

    app: FastAPI
    clock: MovableClock
    url: str
    tokens: dict[str, str]

    @property
    def session_factory(self) -> sessionmaker[Session]:
        return self.app.state.context.session_factory  # type: ignore[no-any-return]

    def client(self, role: str) -> TestClient:
        """Signed in as the demo account named after ``role``."""
        return TestClient(self.app, headers={"Authorization": f"Bearer {self.tokens[role]}"})


@pytest.fixture(params=["sqlite", "postgresql"])
def gateway(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[InProcessGateway]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'gateway.db'}"
    else:
        url = request.getfixturevalue("postgres")("gateway")
    clock = MovableClock()
    settings = GatewaySettings(database_url=url, data_dir=tmp_path, partner_grpc_port=0)
    app = create_app(settings, clock=clock)
    context = app.state.context
    tokens = {}
    with transaction(context.session_factory) as session:
        for role in ("operator", "commander", "coordinator", "auditor", "admin"):
            session.add(
                OperatorAccount(
                    username=role,
                    display_name=role,
                    role=role,
                    password_hash=_password_hash(),
                    disabled=False,
                    created_at=clock(),
                )
            )
    for role in ("operator", "commander", "coordinator", "auditor", "admin"):
        tokens[role] = context.signer.issue(
            audience=auth_service.AUDIENCE,
            subject=role,
            now=clock(),
            ttl=auth_service.SESSION_TTL,
            role=role,
            agency=None,
        )
    yield InProcessGateway(app=app, clock=clock, url=url, tokens=tokens)
    context.session_factory.kw["bind"].dispose()

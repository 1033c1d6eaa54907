"""Fixtures that start real parts: the embedded broker, whole platforms of real processes,
and fresh PostgreSQL databases."""

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from infra import broker as embedded_broker
from infra.broker import free_port
from infra.demo import DEMO_UNITS
from infra.platform import Platform, PlatformConfig
from kernel.catalog import AGENCIES
from tests.support import dispose_engines, wait_for

POSTGRES_ADMIN = os.environ.get("JCP_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")

# Fast repair so recovery tests finish in seconds rather than the production defaults.
TEST_ENV = {
    "JCP_RECONCILE_INTERVAL_S": "1",
    "JCP_RECONCILE_GRACE_S": "3",
    "JCP_LOG_LEVEL": "INFO",
}


def postgres_available() -> bool:
    try:
        with psycopg.connect(POSTGRES_ADMIN, connect_timeout=2):
            return True
    except psycopg.Error:
        return False


@pytest.fixture(scope="session")
def postgres() -> Iterator[Callable[[str], str]]:
    """Creates fresh databases on the local PostgreSQL server; drops them at the end.

    Skipped on a developer machine without PostgreSQL; in CI (CI=true) a missing server fails.
    """
    if not postgres_available():
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL must answer at {POSTGRES_ADMIN} in CI")
        pytest.skip(f"PostgreSQL does not answer at {POSTGRES_ADMIN}")
    created: list[str] = []

    def create(label: str) -> str:
        name = f"jcp_test_{label}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        created.append(name)
        base = POSTGRES_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
        return f"{base}/{name}"

    yield create
    dispose_engines()
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as connection:
        for name in created:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def broker() -> Iterator[str]:
    """A private embedded broker (it starts in milliseconds); yields its bootstrap address."""
    port = free_port()
    process = embedded_broker.start(port=port)
    yield f"127.0.0.1:{port}"
    process.kill()
    process.wait()


def new_platform(
    data_dir: Path, database_urls: dict[str, str] | None = None, env: dict[str, str] | None = None
) -> Platform:
    return Platform(
        PlatformConfig.on_free_ports(
            data_dir, database_urls=database_urls or {}, env={**TEST_ENV, **(env or {})}
        )
    )


@contextmanager
def running_platform(
    data_dir: Path, env: dict[str, str] | None = None, *, with_units: bool = False
) -> Iterator[Platform]:
    """A whole platform for a test module; ``with_units`` waits until every agency's units have
    reached the gateway, for tests that dispatch."""
    platform = new_platform(data_dir, env=env)
    platform.start()
    try:
        if with_units:
            with platform.client("admin") as client:
                wait_for(
                    lambda: len(client.get("/api/v1/units").json()) >= DEMO_UNITS,
                    timeout=180,
                    message="every agency's units reached the gateway",
                )
        yield platform
    finally:
        platform.stop()
        dispose_engines()


def database_urls(platform: Platform) -> dict[str, str]:
    """Where each service of a platform keeps its incidents (gateway included)."""
    return {name: platform.config.database_url(name) for name in (*AGENCIES, "gateway")}


@pytest.fixture
def platform_factory(tmp_path: Path) -> Iterator[Callable[..., Platform]]:
    """Starts whole platforms for one test and stops them, whatever the test did."""
    started: list[Platform] = []

    def start(database_urls: dict[str, str] | None = None, env: dict[str, str] | None = None) -> Platform:
        platform = new_platform(tmp_path / f"platform{len(started)}", database_urls, env)
        started.append(platform)
        platform.start()
        return platform

    yield start
    for platform in started:
        platform.stop()
    dispose_engines()

"""Helpers the tests share: waiting with a deadline, free ports, request bodies, reading
a service's own database to prove what it holds, a movable clock, and operator tokens signed
the way the gateway signs them."""

import json
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import Engine

from infra import roster_demo
from infra.platform import Platform
from kernel.identity import ALGORITHM, ISSUER, OPERATOR_AUDIENCE, PublicKeys
from kernel.incidents.models import IncidentReceipt, IncidentRow

T = TypeVar("T")

_engines: dict[str, Engine] = {}


def wait_for(condition: Callable[[], T], *, timeout: float, message: str, interval: float = 0.05) -> T:
    """Poll until ``condition`` returns something truthy; fail with ``message`` at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s: {message}")
        time.sleep(interval)


def incident_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "source_agency": "localgov",
        "category": "civil_dispute",
        "level": "III",
        "title": "邻里纠纷",
        "description": "两户因停车位发生争执",
        "location": {"latitude": 37.4612, "longitude": 118.4936, "address": "文汇街道西四路 256 号"},
        "reporter": {"name": "张三", "phone": "13800000000", "channel": "test"},
    }
    body.update(overrides)
    return body


def load_team(api: httpx.Client, team_id: str) -> None:
    """One of the demo's response teams with its members, through the gateway's roster API."""
    team = next(team for team in roster_demo.TEAMS if team.id == team_id)
    api.post("/api/v1/roster/teams", json=team.body()).raise_for_status()
    imported = api.put(
        f"/api/v1/roster/teams/{team.id}/members.csv",
        content=roster_demo.team_csv(team).encode(),
        headers={"Content-Type": "text/csv"},
    )
    assert imported.status_code == 200, imported.text
    assert imported.json()["imported"] == team.size


def engine_for(url: str) -> Engine:
    if url not in _engines:
        _engines[url] = create_engine(url, connect_args={"timeout": 30} if url.startswith("sqlite") else {})
    return _engines[url]


def dispose_engines() -> None:
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()


def picture(url: str) -> dict[str, int]:
    """Every incident a service's database holds, with its version."""
    with engine_for(url).connect() as connection:
        return dict(connection.execute(select(IncidentRow.id, IncidentRow.version)).all())  # type: ignore[arg-type]


def duplicate_receipts(url: str) -> int:
    """How many times some incident version was stored more than once (0 when exactly once)."""
    with engine_for(url).connect() as connection:
        total = connection.scalar(select(func.count()).select_from(IncidentReceipt)) or 0
        distinct = (
            connection.scalar(
                select(func.count()).select_from(
                    select(IncidentReceipt.incident_id, IncidentReceipt.version).distinct().subquery()
                )
            )
            or 0
        )
    return total - distinct


class EventStream:
    """Reads the gateway's Server-Sent Events in the background, as a command-room page would."""

    def __init__(self, platform: Platform, last_event_id: int = 0) -> None:
        self._platform = platform
        self._last = last_event_id
        self._lock = threading.Lock()
        self.events: list[dict[str, Any]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._read()
        except httpx.HTTPError:
            return  # the platform stopped under the stream; what was read stays readable

    def _read(self) -> None:
        headers = {"Last-Event-ID": str(self._last)}
        with (
            self._platform.client("admin", timeout=httpx.Timeout(5.0, read=None)) as client,
            client.stream("GET", "/api/v1/stream", headers=headers) as response,
        ):
            for line in response.iter_lines():
                if self._stop.is_set():
                    return
                if line.startswith("data: "):
                    with self._lock:
                        self.events.append(json.loads(line.removeprefix("data: ")))

    def actions(self, incident_id: str) -> list[str]:
        with self._lock:
            return [f"{e['kind']}.{e['action']}" for e in self.events if e["incident_id"] == incident_id]

    def close(self) -> None:
        self._stop.set()


class MovableClock:
    """A clock a test sets and moves; every part under test reads it."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime(2026, 12, 1, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class SigningKey:
    """An ES256 key pair with its key id, signing operator tokens as the gateway does."""

    def __init__(self, kid: str | None = None) -> None:
        self.kid = kid or uuid.uuid4().hex[:12]
        self._private = ec.generate_private_key(ec.SECP256R1())

    def jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self._private.public_key()))
        return {**jwk, "kid": self.kid, "alg": ALGORITHM, "use": "sig"}

    def operator_token(
        self,
        username: str,
        role: str,
        agency: str | None,
        *,
        now: datetime,
        ttl: timedelta = timedelta(hours=12),
    ) -> str:
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "aud": OPERATOR_AUDIENCE,
            "sub": username,
            "role": role,
            "iat": int(now.timestamp()),
            "exp": int((now + ttl).timestamp()),
        }
        if agency is not None:
            claims["agency"] = agency
        return jwt.encode(claims, self._private, algorithm=ALGORITHM, headers={"kid": self.kid})


def jwks(*keys: SigningKey) -> dict[str, Any]:
    return {"keys": [key.jwk() for key in keys]}


def public_keys(*keys: SigningKey) -> PublicKeys:
    return PublicKeys.of(jwks(*keys))

"""Who is calling: tokens the gateway signs, verified by any service with the gateway's
published public keys.

The gateway is where accounts live, but a duty room must keep working while the gateway is
down, so nobody asks the gateway whether a token is good: each service holds the gateway's
public keys (JWKS), refreshed in the background and kept in a file beside its database, and
checks signatures itself. A key it has never seen triggers one refetch (at most every few
seconds), which is how a rotated-in key is learnt; old keys stay published until the tokens
they signed have expired.
"""

import json
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import jwt
from jwt import PyJWK

log = logging.getLogger(__name__)

ISSUER = "jcp-gateway"
ALGORITHM = "ES256"
OPERATOR_AUDIENCE = "operator"
PARTNER_AUDIENCE = "partner"
# The gateway's own calls to an agency's gRPC API.
SERVICE_SUBJECT = "service:gateway"
# An agency's own staff: their tokens carry the agency, and only that agency accepts them.
AGENCY_ROLES = frozenset({"agency_operator", "agency_commander"})


def service_audience(agency: str) -> str:
    """A service token names the one agency it may be used against."""
    return f"agency:{agency}"


class BadToken(Exception):
    """Forged, expired, for another audience, or signed by a key nobody published."""


@dataclass(frozen=True)
class Operator:
    """A signed-in person as a token says: ``agency`` is set for an agency's own staff."""

    username: str
    role: str
    agency: str | None

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> "Operator":
        return cls(username=claims["sub"], role=claims.get("role", ""), agency=claims.get("agency"))


def decode(token: str, *, key: Any, audience: str | None, now: datetime) -> dict[str, Any]:
    """The claims of a token signed with ``key``; raises BadToken. ``audience=None`` leaves the
    audience to the caller, who can then tell "not for you" from "not genuine"."""
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=audience,
            issuer=ISSUER,
            options={
                "require": ["exp", "sub", "aud", "iss"],
                "verify_exp": False,
                "verify_iat": False,
                "verify_aud": audience is not None,
            },
        )
    except jwt.PyJWTError as exc:
        raise BadToken(str(exc)) from exc
    # Time is judged by the caller's clock (which tests can move), not the library's.
    if claims["exp"] <= now.timestamp():
        raise BadToken("token has expired")
    return claims


def key_id(token: str) -> str:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise BadToken(str(exc)) from exc
    kid = header.get("kid")
    if not isinstance(kid, str) or header.get("alg") != ALGORITHM:
        raise BadToken(f"a token must be {ALGORITHM} and name its key (kid)")
    return kid


class PublicKeys:
    """The gateway's published keys, as one service holds them."""

    def __init__(
        self,
        *,
        jwks_url: str | None,
        cache_file: Path | None = None,
        refetch_after_s: float = 1.0,
        fetch: Callable[[str], dict[str, Any]] | None = None,
    ) -> None:
        self._url = jwks_url
        self._cache_file = cache_file
        self._refetch_after = refetch_after_s
        self._fetch = fetch or _fetch_jwks
        self._lock = threading.Lock()
        self._keys: dict[str, PyJWK] = {}
        self._last_attempt = float("-inf")
        self.last_fetch_ok: bool | None = None
        if cache_file is not None and cache_file.exists():
            self._keys = _parse(json.loads(cache_file.read_text()))

    @classmethod
    def of(cls, jwks: dict[str, Any]) -> "PublicKeys":
        """A fixed key set (the gateway verifying its own tokens)."""
        keys = cls(jwks_url=None)
        keys._keys = _parse(jwks)
        return keys

    @property
    def known(self) -> set[str]:
        return set(self._keys)

    def refresh(self) -> bool:
        """Fetch the published keys now; keeps what it had when the gateway cannot be reached."""
        if self._url is None:
            return False
        with self._lock:
            self._last_attempt = time.monotonic()
            try:
                jwks = self._fetch(self._url)
                keys = _parse(jwks)
            except (httpx.HTTPError, ValueError, KeyError, jwt.PyJWTError) as exc:
                self.last_fetch_ok = False
                log.info("public keys not refreshed from %s: %s", self._url, exc)
                return False
            self._keys = keys
            self.last_fetch_ok = True
            if self._cache_file is not None:
                # One temporary file per process: replicas of a service share the data folder.
                self._cache_file.parent.mkdir(parents=True, exist_ok=True)
                temporary = self._cache_file.with_suffix(f".{os.getpid()}.tmp")
                temporary.write_text(json.dumps(jwks))
                os.replace(temporary, self._cache_file)
            return True

    def run(self, stop: threading.Event, interval_s: float = 300.0, retry_s: float = 1.0) -> None:
        """Keep the cached keys fresh (a worker): every ``interval_s``, and every ``retry_s``
        while the gateway has not answered yet, so a service started before the gateway
        learns its keys as soon as it is up."""
        while True:
            fetched = self.refresh()
            if stop.wait(interval_s if fetched else retry_s):
                return

    def _key(self, kid: str) -> PyJWK:
        key = self._keys.get(kid)
        if key is None and time.monotonic() - self._last_attempt >= self._refetch_after:
            self.refresh()
            key = self._keys.get(kid)
        if key is None:
            raise BadToken(f"signed with unknown key {kid!r}")
        return key

    def verify(self, token: str, *, audience: str | None, now: datetime) -> dict[str, Any]:
        return decode(token, key=self._key(key_id(token)).key, audience=audience, now=now)

    def operator(self, token: str, *, now: datetime) -> Operator:
        return Operator.from_claims(self.verify(token, audience=OPERATOR_AUDIENCE, now=now))


def _parse(jwks: dict[str, Any]) -> dict[str, PyJWK]:
    return {entry["kid"]: PyJWK.from_dict(entry, algorithm=ALGORITHM) for entry in jwks["keys"]}


def _fetch_jwks(url: str) -> dict[str, Any]:
    response = httpx.get(url, timeout=2.0)
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body

"""The keys that sign every token the gateway issues (JWT, ES256): operators', partners', and
the gateway's own calls to the agencies.

Agencies check operators' tokens themselves, with the public keys published at
``/.well-known/jwks.json``, so a duty room keeps working while the gateway is down; that rules
out a shared secret. The gateway keeps its P-256 private keys in its own database (so restarts
and replicas sharing the database sign with the same key), names each by ``kid``, and publishes
every key a live token may have been signed with. Rotation makes a new key current; the
previous one verifies until the longest-lived token it could have signed has expired.
"""

import secrets
import threading
import time
from datetime import datetime, timedelta
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm
from sqlalchemy import String, Text, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from kernel import identity
from kernel.clock import Clock, utc_now
from kernel.db import Base, UtcDateTime, transaction

# The longest a token lives (an operator's shift): a retired key stays published this long.
LONGEST_TOKEN = timedelta(hours=12)
# A token naming a key this gateway does not hold makes it read the keys again, at most this often
# (so forged kids cannot make every request a database read).
RELOAD_AFTER_S = 5.0


class TokenKey(Base):
    __tablename__ = "token_keys"

    kid: Mapped[str] = mapped_column(String(32), primary_key=True)
    private_pem: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    retired_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


def _new_key(now: datetime) -> TokenKey:
    private = ec.generate_private_key(ec.SECP256R1())
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return TokenKey(kid=secrets.token_hex(8), private_pem=pem, created_at=now, retired_at=None)


def _public_jwk(row: TokenKey) -> dict[str, Any]:
    private = serialization.load_pem_private_key(row.private_pem.encode(), password=None)
    jwk: dict[str, Any] = ECAlgorithm.to_jwk(private.public_key(), as_dict=True)  # type: ignore[arg-type]
    return {**jwk, "kid": row.kid, "alg": identity.ALGORITHM, "use": "sig"}


class Signer:
    """Issues tokens with the current key and verifies them against every published key."""

    def __init__(self, session_factory: sessionmaker[Session], *, clock: Clock = utc_now) -> None:
        self._factory = session_factory
        self._clock = clock
        self._lock = threading.Lock()
        self._current: tuple[str, str] = ("", "")
        self._jwks: dict[str, Any] = {"keys": []}
        self._public = identity.PublicKeys.of(self._jwks)
        self._reloaded = float("-inf")
        self.reload()

    def reload(self) -> None:
        """Read the keys again: another gateway sharing the database may have rotated."""
        now = self._clock()
        self._reloaded = time.monotonic()
        with transaction(self._factory) as session:
            rows = list(
                session.scalars(
                    select(TokenKey)
                    .where(or_(TokenKey.retired_at.is_(None), TokenKey.retired_at > now - LONGEST_TOKEN))
                    .order_by(TokenKey.created_at)
                )
            )
            if not any(row.retired_at is None for row in rows):
                row = _new_key(now)
                session.add(row)
                rows.append(row)
            current = [row for row in rows if row.retired_at is None][-1]
            jwks = {"keys": [_public_jwk(row) for row in rows]}
            with self._lock:
                self._current = (current.kid, current.private_pem)
                self._jwks = jwks
                self._public = identity.PublicKeys.of(jwks)

    def rotate(self) -> str:
        """A new key signs from now on; the kid of the new key."""
        now = self._clock()
        with transaction(self._factory) as session:
            session.execute(update(TokenKey).where(TokenKey.retired_at.is_(None)).values(retired_at=now))
            row = _new_key(now)
            session.add(row)
            kid = row.kid
        self.reload()
        return kid

    @property
    def jwks(self) -> dict[str, Any]:
        return self._jwks

    @property
    def current_kid(self) -> str:
        return self._current[0]

    def issue(self, *, audience: str, subject: str, now: datetime, ttl: timedelta, **claims: Any) -> str:
        kid, pem = self._current
        payload = {
            "iss": identity.ISSUER,
            "aud": audience,
            "sub": subject,
            "iat": int(now.timestamp()),
            "exp": int((now + ttl).timestamp()),
            **claims,
        }
        return jwt.encode(payload, pem, algorithm=identity.ALGORITHM, headers={"kid": kid})

    def verify(self, token: str, *, audience: str, now: datetime) -> dict[str, Any]:
        """The token's claims; raises identity.BadToken for a forged, expired or foreign one."""
        unknown = identity.key_id(token) not in self._public.known
        if unknown and time.monotonic() - self._reloaded > RELOAD_AFTER_S:
            self.reload()
        return self._public.verify(token, audience=audience, now=now)

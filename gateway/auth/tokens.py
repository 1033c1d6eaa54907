"""Short-lived signed tokens (JWT, HS256) for operators and partners.

The signing key is ``JCP_AUTH_SECRET`` when set. Otherwise the gateway makes one on first start
and keeps it in its own database, so a restart does not sign everyone out and replicas sharing
the database accept each other's tokens.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt
from sqlalchemy import String
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from kernel.db import Base, transaction

ISSUER = "jcp-gateway"
ALGORITHM = "HS256"


class SigningKey(Base):
    __tablename__ = "signing_keys"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    secret: Mapped[str] = mapped_column(String(128))


class BadToken(Exception):
    pass


def load_secret(session_factory: sessionmaker[Session], configured: str | None) -> str:
    if configured:
        return configured
    with transaction(session_factory) as session:
        row = session.get(SigningKey, "tokens")
        if row is None:
            row = SigningKey(name="tokens", secret=secrets.token_urlsafe(48))
            session.add(row)
        return row.secret


@dataclass(frozen=True)
class Signer:
    secret: str

    def issue(self, *, audience: str, subject: str, now: datetime, ttl: timedelta, **claims: Any) -> str:
        payload = {
            "iss": ISSUER,
            "aud": audience,
            "sub": subject,
            "iat": int(now.timestamp()),
            "exp": int((now + ttl).timestamp()),
            **claims,
        }
        return jwt.encode(payload, self.secret, algorithm=ALGORITHM)

    def verify(self, token: str, *, audience: str, now: datetime) -> dict[str, Any]:
        """The token's claims; raises BadToken for a forged, expired or foreign token."""
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self.secret,
                algorithms=[ALGORITHM],
                audience=audience,
                issuer=ISSUER,
                options={"require": ["exp", "sub", "aud", "iss"], "verify_exp": False},
            )
        except jwt.PyJWTError as exc:
            raise BadToken(str(exc)) from exc
        # Expiry is checked against the gateway's clock, which tests can move.
        if claims["exp"] <= now.timestamp():
            raise BadToken("token has expired")
        return claims

"""Personal links: a person acts from a phone without an account, and the link is the only
credential, so it is signed (HMAC, HS256) with a secret only the issuing service holds.

An agency signs its members' call-up links with it, the gateway the check-in links of the
people responsible for instability factors. The secret is configured, or made once and kept
in the issuer's own database (``link_keys``, one row per purpose), so restarts and replicas
sharing the database accept each other's links. A link names one subject and expires; expiry
is judged by the injected clock, which tests can move.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import jwt
from sqlalchemy import String
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from kernel.db import Base, UtcDateTime, transaction
from kernel.errors import Gone, Unauthorized

ALGORITHM = "HS256"


class LinkKey(Base):
    """A secret this service signs with; one row per purpose."""

    __tablename__ = "link_keys"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    secret: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


def kept_secret(*, session_factory: sessionmaker[Session], name: str, now: datetime) -> str:
    """The service's secret for one purpose, made the first time it is asked for and kept in its
    database, so restarts and replicas sharing the database sign and accept alike."""
    with transaction(session_factory) as session:
        row = session.get(LinkKey, name)
        if row is None:
            row = LinkKey(name=name, secret=secrets.token_urlsafe(48), created_at=now)
            session.add(row)
        return row.secret


def load_secret(
    *, session_factory: sessionmaker[Session], configured: str | None, name: str, now: datetime
) -> str:
    if configured:
        return configured
    return kept_secret(session_factory=session_factory, name=name, now=now)


@dataclass(frozen=True)
class SignedLinks:
    """Tokens for one purpose (``audience``) of one issuer; ``expired`` is what a person reads
    when a link is past its time."""

    issuer: str
    audience: str
    secret: str
    expired: str = "this link has expired"

    def token(self, *, subject: str, expires_at: datetime, **claims: str) -> str:
        body = {"iss": self.issuer, "aud": self.audience, "sub": subject, "exp": int(expires_at.timestamp())}
        return jwt.encode({**body, **claims}, self.secret, algorithm=ALGORITHM)

    def read(self, token: str, *, now: datetime, claims: tuple[str, ...] = ()) -> dict[str, Any]:
        """The link's claims, ``exp`` as an aware datetime; Unauthorized when forged, Gone when
        expired."""
        try:
            read: dict[str, Any] = jwt.decode(
                token,
                self.secret,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["iss", "aud", "sub", "exp", *claims], "verify_exp": False},
            )
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"this link was not issued by {self.issuer}: {exc}") from None
        expires_at = datetime.fromtimestamp(read["exp"], tz=now.tzinfo)
        if expires_at <= now:
            raise Gone(self.expired, expired_at=expires_at.isoformat())
        return {**read, "exp": expires_at}

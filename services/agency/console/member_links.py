"""Members' personal call-up links: a member answers from a phone without an account.

The link is the member's only credential, so it is signed (HMAC, HS256) with a secret only this
agency holds: ``JCP_LINK_SECRET``, or one the agency makes once and keeps in its own database,
so restarts and replicas sharing the database accept each other's links. A link names its
agency, its call-up and its member, so it answers for that one member of that one call-up, and
it expires a while after the call-up (24 hours unless configured), when answering from it no
longer means anything.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt
from sqlalchemy import String
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from kernel.db import Base, UtcDateTime, transaction
from kernel.errors import Gone, Unauthorized

ALGORITHM = "HS256"
AUDIENCE = "call-up-member"
_KEY_NAME = "member-links"


class LinkKey(Base):
    """A secret this agency signs with; one row per purpose."""

    __tablename__ = "link_keys"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    secret: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


def kept_secret(*, session_factory: sessionmaker[Session], name: str, now: datetime) -> str:
    """The agency's secret for one purpose, made the first time it is asked for and kept in its
    database, so restarts and replicas sharing the database sign and accept alike."""
    with transaction(session_factory) as session:
        row = session.get(LinkKey, name)
        if row is None:
            row = LinkKey(name=name, secret=secrets.token_urlsafe(48), created_at=now)
            session.add(row)
        return row.secret


def load_secret(*, session_factory: sessionmaker[Session], configured: str | None, now: datetime) -> str:
    if configured:
        return configured
    return kept_secret(session_factory=session_factory, name=_KEY_NAME, now=now)


@dataclass(frozen=True)
class MemberLink:
    """What a good link says: who it is for and until when it may be used."""

    call_up_id: str
    member_id: str
    expires_at: datetime


@dataclass(frozen=True)
class MemberLinks:
    agency: str
    secret: str
    ttl: timedelta = timedelta(hours=24)

    def token(self, *, call_up_id: str, member_id: str, called_at: datetime) -> str:
        claims = {
            "iss": self.agency,
            "aud": AUDIENCE,
            "sub": member_id,
            "cu": call_up_id,
            "exp": int((called_at + self.ttl).timestamp()),
        }
        return jwt.encode(claims, self.secret, algorithm=ALGORITHM)

    def read(self, token: str, *, now: datetime) -> MemberLink:
        """The link's call-up and member; Unauthorized when forged, Gone when expired."""
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self.secret,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=self.agency,
                options={"require": ["iss", "aud", "sub", "cu", "exp"], "verify_exp": False},
            )
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"this link was not issued by {self.agency}: {exc}") from None
        expires_at = datetime.fromtimestamp(claims["exp"], tz=now.tzinfo)
        # Expiry is judged by the injected clock, which tests can move.
        if expires_at <= now:
            raise Gone(
                "this call-up link has expired: it was good for one call-up, which is long past",
                expired_at=expires_at.isoformat(),
            )
        return MemberLink(call_up_id=str(claims["cu"]), member_id=str(claims["sub"]), expires_at=expires_at)

"""The break-glass account: one local account per agency for when its staff cannot sign in
because the gateway, where accounts live, cannot be reached (a fresh install that never saw it,
a cut link).

It is off unless ``JCP_BREAK_GLASS_PASSWORD_HASH`` holds a scrypt hash (``python -m
kernel.passwords``), and even then it works only while the gateway cannot be reached: with the
gateway up, staff sign in with their own accounts, so the name is refused. Its session is a
short-lived HS256 token signed with a secret the agency keeps in its own database, with an
audience (``agency-local:<id>``) no gateway token carries; the console takes it, the agency's
gRPC API does not (it checks gateway keys only). Every use is written to ``break_glass_log`` in
the agency's own database, since the gateway's audit trail is exactly what is out of reach.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import jwt
from sqlalchemy import BigInteger, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from kernel.db import Base, UtcDateTime
from kernel.errors import Unauthorized
from kernel.passwords import verify_password
from kernel.signed_links import kept_secret

log = logging.getLogger(__name__)

ALGORITHM = "HS256"
ROLE = "agency_commander"
# Long enough for a shift's first hours, short enough that a leaked token soon means nothing.
TTL = timedelta(hours=4)
_KEY_NAME = "break-glass"


def username(agency: str) -> str:
    return f"{agency}-breakglass"


def audience(agency: str) -> str:
    """Distinct from every audience the gateway signs for, so the two can never be confused."""
    return f"agency-local:{agency}"


class Action(StrEnum):
    SIGNED_IN = "signed_in"
    REFUSED = "refused"
    REQUEST = "request"


class BreakGlassEntry(Base):
    """One use of the break-glass account: a sign-in, a refused one, or a request made with its
    token (with the status it got)."""

    __tablename__ = "break_glass_log"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    action: Mapped[str] = mapped_column(String(16))
    method: Mapped[str] = mapped_column(String(16))
    path: Mapped[str] = mapped_column(String(500))
    status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    client: Mapped[str] = mapped_column(String(100))
    detail: Mapped[str] = mapped_column(String(500))


def record(
    *,
    session: Session,
    at: datetime,
    action: Action,
    method: str,
    path: str,
    client: str,
    status: int | None = None,
    detail: str = "",
) -> None:
    """Writes one use to the log, and a warning line, since someone should notice each one."""
    session.add(
        BreakGlassEntry(
            at=at,
            action=action.value,
            method=method,
            path=path[:500],
            status=status,
            client=client[:100],
            detail=detail[:500],
        )
    )
    log.warning(
        "break-glass %s: %s %s from %s%s%s",
        action.value,
        method,
        path,
        client,
        f" -> {status}" if status is not None else "",
        f" ({detail})" if detail else "",
    )


def entries(*, session: Session, limit: int) -> list[BreakGlassEntry]:
    """The newest uses first."""
    return list(session.scalars(select(BreakGlassEntry).order_by(BreakGlassEntry.id.desc()).limit(limit)))


@dataclass(frozen=True)
class BreakGlass:
    """The configured account of one agency and the secret its sessions are signed with."""

    agency: str
    password_hash: str
    secret: str
    ttl: timedelta = TTL

    @property
    def username(self) -> str:
        return username(self.agency)

    def password_ok(self, password: str) -> bool:
        return verify_password(password, self.password_hash)

    @staticmethod
    def issued(token: str) -> bool:
        """Whether a token claims to be a break-glass session (gateway tokens are ES256); it is
        still to be verified."""
        try:
            return jwt.get_unverified_header(token).get("alg") == ALGORITHM
        except jwt.PyJWTError:
            return False

    def token(self, *, now: datetime) -> tuple[str, datetime]:
        expires_at = now + self.ttl
        claims = {
            "iss": self.agency,
            "aud": audience(self.agency),
            "sub": self.username,
            "role": ROLE,
            "agency": self.agency,
            "iat": int(now.timestamp()),
            "exp": int(expires_at.timestamp()),
        }
        return jwt.encode(claims, self.secret, algorithm=ALGORITHM), expires_at

    def read(self, token: str, *, now: datetime) -> tuple[dict[str, Any], datetime]:
        """The session's claims and expiry; Unauthorized when forged or expired."""
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self.secret,
                algorithms=[ALGORITHM],
                audience=audience(self.agency),
                issuer=self.agency,
                options={"require": ["iss", "aud", "sub", "exp"], "verify_exp": False, "verify_iat": False},
            )
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"sign in again: this break-glass session is not genuine ({exc})") from None
        expires_at = datetime.fromtimestamp(claims["exp"], tz=UTC)
        # Expiry is judged by the injected clock, which tests can move.
        if expires_at <= now:
            raise Unauthorized("sign in again: the break-glass session has expired")
        return claims, expires_at


def load(
    *, session_factory: sessionmaker[Session], agency: str, password_hash: str | None, now: datetime
) -> BreakGlass | None:
    """The agency's break-glass account, or None when it is not configured (off)."""
    if not password_hash:
        return None
    secret = kept_secret(session_factory=session_factory, name=_KEY_NAME, now=now)
    return BreakGlass(agency=agency, password_hash=password_hash, secret=secret)

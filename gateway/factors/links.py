"""The responsible person's check-in link: checks in for one factor from a phone, without an
account.

Signed as members' call-up links are (``kernel/signed_links.py``), with a secret only the
gateway holds. A link names its factor and the watch it was issued for and expires when that
watch's period ends, so a link of a replaced watch, or of another factor, checks nothing in.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from kernel import signed_links
from kernel.errors import Forbidden
from kernel.signed_links import SignedLinks

ISSUER = "jcp-gateway"
AUDIENCE = "factor-check-in"
_KEY_NAME = "factor-check-ins"


@dataclass(frozen=True)
class CheckInPass:
    """What a good link says: the factor and watch it checks in for, and until when."""

    factor_id: str
    watch_id: str
    expires_at: datetime


@dataclass(frozen=True)
class CheckInLinks:
    secret: str

    @classmethod
    def load(
        cls, *, session_factory: sessionmaker[Session], configured: str | None, now: datetime
    ) -> "CheckInLinks":
        return cls(
            secret=signed_links.load_secret(
                session_factory=session_factory, configured=configured, name=_KEY_NAME, now=now
            )
        )

    @property
    def _links(self) -> SignedLinks:
        return SignedLinks(
            issuer=ISSUER,
            audience=AUDIENCE,
            secret=self.secret,
            expired="this check-in link has expired: the watch it was issued for is over",
        )

    def token(self, *, factor_id: str, watch_id: str, expires_at: datetime) -> str:
        return self._links.token(subject=factor_id, expires_at=expires_at, watch=watch_id)

    def read(self, token: str, *, factor_id: str, now: datetime) -> CheckInPass:
        """Unauthorized when forged, Gone when expired, Forbidden when it is another factor's."""
        claims = self._links.read(token, now=now, claims=("watch",))
        if claims["sub"] != factor_id:
            raise Forbidden("this check-in link belongs to another instability factor", reason="other_factor")
        return CheckInPass(
            factor_id=str(claims["sub"]), watch_id=str(claims["watch"]), expires_at=claims["exp"]
        )

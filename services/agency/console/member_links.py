"""Members' personal call-up links: a member answers from a phone without an account.

The signing is the kernel's personal links (``kernel/signed_links.py``), with a secret only this
agency holds: ``JCP_LINK_SECRET``, or one the agency makes once and keeps in its own database.
A link names its agency, its call-up and its member, so it answers for that one member of that
one call-up, and it expires a while after the call-up (24 hours unless configured), when
answering from it no longer means anything.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from kernel import signed_links
from kernel.signed_links import SignedLinks

AUDIENCE = "call-up-member"
_KEY_NAME = "member-links"


def load_secret(*, session_factory: sessionmaker[Session], configured: str | None, now: datetime) -> str:
    return signed_links.load_secret(
        session_factory=session_factory, configured=configured, name=_KEY_NAME, now=now
    )


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

    @property
    def _links(self) -> SignedLinks:
        return SignedLinks(
            issuer=self.agency,
            audience=AUDIENCE,
            secret=self.secret,
            expired="this call-up link has expired: it was good for one call-up, which is long past",
        )

    def token(self, *, call_up_id: str, member_id: str, called_at: datetime) -> str:
        return self._links.token(subject=member_id, expires_at=called_at + self.ttl, cu=call_up_id)

    def read(self, token: str, *, now: datetime) -> MemberLink:
        """The link's call-up and member; Unauthorized when forged, Gone when expired."""
        claims = self._links.read(token, now=now, claims=("cu",))
        return MemberLink(
            call_up_id=str(claims["cu"]), member_id=str(claims["sub"]), expires_at=claims["exp"]
        )

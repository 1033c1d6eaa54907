"""Partner credentials: API keys kept only as hashes, and OAuth2 client-credentials tokens.

An API key is ``<key id>.<secret>``; the same pair is the OAuth2 ``client_id`` and
``client_secret``. A token names the key it came from, and every request checks that key, so
revoking it stops its tokens at once, before they expire.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from gateway.auth.tokens import Signer
from gateway.partners.models import ALL_SCOPES, Partner, PartnerKey
from kernel.errors import Forbidden, Unauthorized
from kernel.identity import BadToken

AUDIENCE = "partner"
TOKEN_TTL = timedelta(minutes=15)


@dataclass(frozen=True)
class Caller:
    partner_id: str
    key_id: str
    scopes: frozenset[str]

    @property
    def actor(self) -> str:
        return f"partner:{self.partner_id}"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_key(partner_id: str, scopes: list[str], now: datetime) -> tuple[PartnerKey, str]:
    """The stored key and the secret, which is never stored."""
    key_id = f"pk_{secrets.token_hex(6)}"
    secret = secrets.token_urlsafe(32)
    row = PartnerKey(
        id=key_id,
        partner_id=partner_id,
        secret_hash=_hash(secret),
        scopes=scopes,
        created_at=now,
        revoked_at=None,
    )
    return row, secret


def live_key(*, session: Session, key_id: str) -> PartnerKey:
    """The key, unless it is unknown, revoked or its partner removed: checked on every request."""
    row = session.get(PartnerKey, key_id)
    if row is None or row.revoked_at is not None or session.get(Partner, row.partner_id) is None:
        raise Unauthorized("the key is unknown or revoked")
    return row


def check_secret(*, session: Session, client_id: str, secret: str) -> PartnerKey:
    row = session.get(PartnerKey, client_id)
    presented = _hash(secret)
    if row is None or not hmac.compare_digest(row.secret_hash, presented):
        raise Unauthorized("unknown client or wrong secret")
    return live_key(session=session, key_id=client_id)


def from_api_key(*, session: Session, api_key: str) -> Caller:
    key_id, _, secret = api_key.partition(".")
    row = check_secret(session=session, client_id=key_id, secret=secret)
    return Caller(partner_id=row.partner_id, key_id=row.id, scopes=frozenset(row.scopes))


def issue_token(
    signer: Signer, key: PartnerKey, requested: str | None, now: datetime
) -> tuple[str, list[str]]:
    """A token for the requested scopes (all of the key's when none are asked for)."""
    granted = list(key.scopes)
    if requested:
        asked = requested.split()
        unknown = [scope for scope in asked if scope not in ALL_SCOPES]
        beyond = [scope for scope in asked if scope not in key.scopes]
        if unknown or beyond:
            raise Forbidden(f"scopes not available to this client: {' '.join(unknown + beyond)}")
        granted = asked
    token = signer.issue(
        audience=AUDIENCE, subject=key.partner_id, now=now, ttl=TOKEN_TTL, kid=key.id, scope=" ".join(granted)
    )
    return token, granted


def from_token(*, session: Session, signer: Signer, token: str, now: datetime) -> Caller:
    try:
        claims = signer.verify(token, audience=AUDIENCE, now=now)
    except BadToken as exc:
        raise Unauthorized(f"the token is not valid: {exc}") from exc
    key = live_key(session=session, key_id=str(claims.get("kid", "")))
    if key.partner_id != claims["sub"]:
        raise Unauthorized("the token is not valid: it names another partner's key")
    scopes = frozenset(str(claims.get("scope", "")).split()) & frozenset(key.scopes)
    return Caller(partner_id=key.partner_id, key_id=key.id, scopes=scopes)

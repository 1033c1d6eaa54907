"""Operator accounts: sign-in, the first administrator, and changes made by administrators."""

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gateway.auth.models import (
    OperatorAccount,
    OperatorChange,
    OperatorCreate,
    OperatorRead,
    SessionRead,
    check_scope,
)
from gateway.auth.roles import Role
from gateway.auth.tokens import Signer
from kernel import identity
from kernel.db import get_for_update, transaction
from kernel.errors import Conflict, Invalid, NotFound, Unauthorized
from kernel.identity import BadToken
from kernel.passwords import hash_password, verify_password

AUDIENCE = identity.OPERATOR_AUDIENCE
# One shift in the command room.
SESSION_TTL = timedelta(hours=12)
# Checked against when the name is unknown, so a wrong name costs as long as a wrong password.
_DECOY_HASH = hash_password("decoy password")


def bootstrap_admin(factory: sessionmaker[Session], password: str | None, now: datetime) -> None:
    """Creates the ``admin`` account on a new installation, when the deployment gives its
    password (``JCP_BOOTSTRAP_ADMIN_PASSWORD``); an existing account is left as it is."""
    if not password:
        return
    with transaction(factory) as session:
        if session.get(OperatorAccount, "admin") is None:
            session.add(
                OperatorAccount(
                    username="admin",
                    display_name="Administrator",
                    role=Role.ADMIN,
                    password_hash=hash_password(password),
                    disabled=False,
                    created_at=now,
                )
            )


def sign_in(*, session: Session, signer: Signer, username: str, password: str, now: datetime) -> SessionRead:
    row = session.get(OperatorAccount, username)
    valid = verify_password(password, row.password_hash if row else _DECOY_HASH)
    if row is None or not valid or row.disabled:
        raise Unauthorized("unknown user name or wrong password")
    # Role and agency travel in the token: agencies decide on them without asking the gateway.
    token = signer.issue(
        audience=AUDIENCE, subject=row.username, now=now, ttl=SESSION_TTL, role=row.role, agency=row.agency
    )
    return SessionRead(token=token, expires_at=now + SESSION_TTL, operator=OperatorRead.from_row(row))


def signed_in(*, session: Session, signer: Signer, token: str, now: datetime) -> OperatorAccount:
    """The account a token speaks for; a disabled account is refused at once, whatever its
    token's expiry."""
    try:
        claims = signer.verify(token, audience=AUDIENCE, now=now)
    except BadToken as exc:
        raise Unauthorized(f"sign in again: {exc}") from exc
    row = session.get(OperatorAccount, claims["sub"])
    if row is None or row.disabled:
        raise Unauthorized("sign in again: the account is disabled")
    return row


def enabled(*, session: Session, username: str) -> bool:
    """Whether the account may still act: long-lived requests (the live stream) ask again."""
    row = session.get(OperatorAccount, username)
    return row is not None and not row.disabled


def list_operators(*, session: Session) -> list[OperatorRead]:
    rows = session.scalars(select(OperatorAccount).order_by(OperatorAccount.username))
    return [OperatorRead.from_row(row) for row in rows]


def create(factory: sessionmaker[Session], data: OperatorCreate, now: datetime) -> OperatorRead:
    with transaction(factory) as session:
        if session.get(OperatorAccount, data.username) is not None:
            raise Conflict(f"operator {data.username!r} exists")
        row = OperatorAccount(
            username=data.username,
            display_name=data.display_name or data.username,
            role=data.role,
            agency=data.agency,
            password_hash=hash_password(data.password),
            disabled=False,
            created_at=now,
        )
        session.add(row)
        return OperatorRead.from_row(row)


def change(factory: sessionmaker[Session], username: str, data: OperatorChange) -> OperatorRead:
    with transaction(factory) as session:
        row = get_for_update(session=session, model=OperatorAccount, key=username)
        if row is None:
            raise NotFound(f"no operator {username!r}")
        if data.role is not None:
            try:
                check_scope(data.role, row.agency)
            except ValueError as exc:
                raise Invalid(str(exc), role=data.role) from exc
            row.role = data.role
        if data.disabled is not None:
            row.disabled = data.disabled
        if data.password is not None:
            row.password_hash = hash_password(data.password)
        return OperatorRead.from_row(row)

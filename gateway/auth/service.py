"""Operator accounts: sign-in, the first administrator, and changes made by administrators."""

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from gateway.audit import service as audit
from gateway.auth import lockout
from gateway.auth.models import (
    DEMO_PASSWORD,
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
from kernel.errors import Conflict, Invalid, NotFound, TooMany, Unauthorized
from kernel.identity import BadToken
from kernel.passwords import hash_password, verify_password

AUDIENCE = identity.OPERATOR_AUDIENCE
# One shift in the command room.
SESSION_TTL = timedelta(hours=12)
# Checked against when the name is unknown, so a wrong name costs as long as a wrong password.
_DECOY_HASH = hash_password("decoy password")


class DemoPasswordRefused(RuntimeError):
    """The gateway will not start with the demo's published password outside the demo."""


def check_password(password: str, *, allow_demo: bool) -> None:
    if password == DEMO_PASSWORD and not allow_demo:
        raise Invalid("the demo's published password is allowed only in make run's demo", field="password")


def bootstrap_admin(
    factory: sessionmaker[Session], password: str | None, now: datetime, *, allow_demo: bool = False
) -> None:
    """Creates the ``admin`` account on a new installation, when the deployment gives its
    password (``JCP_BOOTSTRAP_ADMIN_PASSWORD``); an existing account is left as it is."""
    if not password:
        return
    if password == DEMO_PASSWORD and not allow_demo:
        raise DemoPasswordRefused(
            "JCP_BOOTSTRAP_ADMIN_PASSWORD is the demo's published password; choose another "
            "(it is allowed only with JCP_ALLOW_DEMO_PASSWORD=true, which make run's demo sets)"
        )
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


def sign_in(
    *,
    factory: sessionmaker[Session],
    signer: Signer,
    username: str,
    password: str,
    address: str,
    now: datetime,
    policy: lockout.LockoutPolicy,
) -> SessionRead:
    """Every attempt, refused, failed or good, is in the audit log with the client's address.
    The password is checked outside any transaction: scrypt is slow by design, and holding the
    database's write lock meanwhile would make every sign-in wait for every other."""
    with transaction(factory) as session:
        refusal = lockout.attempt(session=session, username=username, address=address, now=now, policy=policy)
        if refusal is not None:
            audit.append(
                session=session,
                actor=username,
                action="sign_in.refused",
                subject=f"operator:{username}",
                at=now,
                detail={"address": address, "reason": refusal.message},
            )
    if refusal is not None:
        raise TooMany(refusal.message, retry_after_s=refusal.retry_after_s)
    with factory() as session:
        row = session.get(OperatorAccount, username)
    valid = verify_password(password, row.password_hash if row else _DECOY_HASH)
    good = row is not None and valid and not row.disabled
    with transaction(factory) as session:
        if good:
            lockout.succeeded(session=session, username=username, address=address)
        locked = [] if good else lockout.locked(session=session, username=username, address=address)
        audit.append(
            session=session,
            actor=username,
            action="sign_in.succeeded" if good else "sign_in.failed",
            subject=f"operator:{username}",
            at=now,
            detail={"address": address, **({"locked": locked} if locked else {})},
        )
    if row is None or not good:
        raise Unauthorized("unknown user name or wrong password")
    # Role and agency travel in the token: agencies decide on them without asking the gateway.
    token = signer.issue(
        audience=AUDIENCE, subject=row.username, now=now, ttl=SESSION_TTL, role=row.role, agency=row.agency
    )
    return SessionRead(token=token, expires_at=now + SESSION_TTL, operator=OperatorRead.from_row(row))


def unlock(*, factory: sessionmaker[Session], kind: str, key: str, actor: str, now: datetime) -> None:
    """An administrator forgives an account's or an address's failed sign-ins."""
    if kind not in lockout.KINDS:
        raise Invalid(f"kind must be one of {', '.join(lockout.KINDS)}", kind=kind)
    with transaction(factory) as session:
        if not lockout.unlock(session=session, kind=kind, key=key):
            raise NotFound(f"no failed sign-ins counted against {kind} {key!r}")
        audit.append(session=session, actor=actor, action="sign_in.unlocked", subject=f"{kind}:{key}", at=now)


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


def create(
    factory: sessionmaker[Session], data: OperatorCreate, now: datetime, *, allow_demo: bool = False
) -> OperatorRead:
    check_password(data.password, allow_demo=allow_demo)
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


def change(
    factory: sessionmaker[Session], username: str, data: OperatorChange, *, allow_demo: bool = False
) -> OperatorRead:
    if data.password is not None:
        check_password(data.password, allow_demo=allow_demo)
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

"""Slowing and then locking out password guessing, per account and per client address.

Every attempt is counted as a failure before its password is checked, and a success takes it
back: so a burst of parallel guesses cannot all slip past the count while their (slow, scrypt)
checks run. After ``free`` failures in a row each further attempt must wait twice as long as
the last (1 s, 2 s, 4 s, ... up to ``lock_for``); at ``lock_after`` failures the account or
address is locked for ``lock_for``, and once locked every further failure locks it again, so
guessing stays at one try per lock. A quiet ``window`` forgives failures short of a lock; a lock
is forgiven by the right password, by an administrator, or after ``forget_after`` of quiet. A
client address gets more room than an account: a whole duty room signs in from behind one.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from gateway.auth.models import SignInLock, SignInLockRead
from kernel.db import serialise

# Sign-ins take turns while they count (PostgreSQL advisory lock; SQLite's write lock already
# does), so two first failures of one account cannot both insert its row.
_LOCK_KEY = 0x5349474E
ACCOUNT = "account"
ADDRESS = "address"
KINDS = (ACCOUNT, ADDRESS)


@dataclass(frozen=True)
class Limits:
    free: int
    lock_after: int


@dataclass(frozen=True)
class LockoutPolicy:
    account: Limits = Limits(free=3, lock_after=10)
    address: Limits = Limits(free=10, lock_after=50)
    first_delay: timedelta = timedelta(seconds=1)
    lock_for: timedelta = timedelta(minutes=15)
    window: timedelta = timedelta(hours=1)
    forget_after: timedelta = timedelta(hours=24)

    def limits(self, kind: str) -> Limits:
        return self.account if kind == ACCOUNT else self.address


@dataclass(frozen=True)
class Refusal:
    kind: str
    key: str
    retry_after_s: int
    locked: bool

    @property
    def message(self) -> str:
        what = f"account {self.key!r}" if self.kind == ACCOUNT else f"client address {self.key}"
        if self.locked:
            return f"too many failed sign-ins: the {what} is locked; try again in {self.retry_after_s} s"
        return f"too many failed sign-ins for the {what}: wait {self.retry_after_s} s before trying again"


def _wait_until(row: SignInLock, limits: Limits, policy: LockoutPolicy) -> datetime | None:
    if row.locked_until is not None:
        return row.locked_until
    over = row.failures - limits.free
    if over <= 0:
        return None
    return row.last_failure_at + min(policy.lock_for, policy.first_delay * 2 ** min(over - 1, 30))


def _current(row: SignInLock | None, now: datetime, policy: LockoutPolicy) -> SignInLock | None:
    """The row unless its failures are forgiven by enough quiet since the last one."""
    if row is None:
        return None
    quiet = policy.forget_after if row.locked_until is not None else policy.window
    return row if now - row.last_failure_at < quiet else None


def attempt(
    *, session: Session, username: str, address: str, now: datetime, policy: LockoutPolicy
) -> Refusal | None:
    """Counts an attempt as a failure, unless it must wait or is locked out: then it is refused
    (and not counted) and the refusal says until when."""
    serialise(session=session, key=_LOCK_KEY)
    keyed = ((ACCOUNT, username), (ADDRESS, address))
    rows = {kind: session.get(SignInLock, (kind, key)) for kind, key in keyed}
    for kind, key in keyed:
        row = _current(rows[kind], now, policy)
        until = _wait_until(row, policy.limits(kind), policy) if row else None
        if until is not None and until > now:
            seconds = max(1, int((until - now).total_seconds() + 0.999))
            return Refusal(kind, key, seconds, locked=row is not None and row.locked_until is not None)
    # Failures counted before checking: a lock that is over lets one attempt through, and its
    # failure locks again.
    for kind, key in keyed:
        row = rows[kind]
        if row is None:
            row = SignInLock(kind=kind, key=key, failures=0, last_failure_at=now, locked_until=None)
            session.add(row)
        elif _current(row, now, policy) is None:
            row.failures, row.locked_until = 0, None
        row.failures += 1
        row.last_failure_at = now
        if row.failures >= policy.limits(kind).lock_after:
            row.locked_until = now + policy.lock_for
    return None


def locked(*, session: Session, username: str, address: str) -> list[str]:
    """Which of the two a failed attempt has just locked, for the audit log."""
    rows = session.scalars(
        select(SignInLock).where(
            ((SignInLock.kind == ACCOUNT) & (SignInLock.key == username))
            | ((SignInLock.kind == ADDRESS) & (SignInLock.key == address)),
            SignInLock.locked_until.is_not(None),
        )
    )
    return [row.kind for row in rows]


def succeeded(*, session: Session, username: str, address: str) -> None:
    """The right password: the account starts afresh, and the address gets its attempt back."""
    serialise(session=session, key=_LOCK_KEY)
    session.execute(delete(SignInLock).where(SignInLock.kind == ACCOUNT, SignInLock.key == username))
    row = session.get(SignInLock, (ADDRESS, address))
    if row is not None and row.locked_until is None:
        row.failures = max(0, row.failures - 1)


def active(*, session: Session, now: datetime, policy: LockoutPolicy) -> list[SignInLockRead]:
    """Accounts and addresses whose failures still count, locked ones first."""
    rows = session.scalars(select(SignInLock).order_by(SignInLock.kind, SignInLock.key))
    current = [row for row in rows if _current(row, now, policy) is not None]
    current.sort(key=lambda row: row.locked_until is None)
    return [
        SignInLockRead(
            kind=row.kind,
            key=row.key,
            failures=row.failures,
            last_failure_at=row.last_failure_at,
            locked_until=row.locked_until,
        )
        for row in current
    ]


def unlock(*, session: Session, kind: str, key: str) -> bool:
    """Forgives an account's or an address's failures at once; whether there were any."""
    gone = session.execute(delete(SignInLock).where(SignInLock.kind == kind, SignInLock.key == key))
    return gone.rowcount > 0

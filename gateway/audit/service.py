"""Appending to the audit log and checking its chain.

Each entry's hash covers the previous entry's hash and the entry's own content, written as
canonical JSON. Appends are serialised (SQLite's write lock; an advisory lock on PostgreSQL), so
two writers cannot both chain onto the same predecessor.
"""

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.audit.models import AuditEntry, AuditPage, AuditRead, Verification
from kernel.db import serialise

GENESIS = "0" * 64
# Any constant: the key of PostgreSQL's advisory lock around appends.
_LOCK_KEY = 0x4A4350


def _digest(
    prev_hash: str, at: datetime, actor: str, action: str, subject: str, detail: dict[str, Any]
) -> str:
    content = json.dumps(
        {
            "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor": actor,
            "action": action,
            "subject": subject,
            "detail": detail,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(f"{prev_hash}\n{content}".encode()).hexdigest()


def append(
    *,
    session: Session,
    actor: str,
    action: str,
    subject: str,
    at: datetime,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Adds an entry inside the caller's unit of work, so it commits with the change it records."""
    serialise(session=session, key=_LOCK_KEY)
    prev = session.scalar(select(AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)) or GENESIS
    detail = json.loads(json.dumps(detail or {}, default=str))
    entry = AuditEntry(
        at=at,
        actor=actor,
        action=action,
        subject=subject,
        detail=detail,
        prev_hash=prev,
        hash=_digest(prev, at, actor, action, subject, detail),
    )
    session.add(entry)
    session.flush()
    return entry


def page(*, session: Session, after: int, limit: int, actor: str | None, action: str | None) -> AuditPage:
    query = select(AuditEntry).where(AuditEntry.seq > after)
    if actor:
        query = query.where(AuditEntry.actor == actor)
    if action:
        query = query.where(AuditEntry.action == action)
    rows = list(session.scalars(query.order_by(AuditEntry.seq).limit(limit)))
    return AuditPage(
        items=[AuditRead.model_validate(row, from_attributes=True) for row in rows],
        next_after=rows[-1].seq if len(rows) == limit else None,
    )


def _entries(session: Session, batch: int = 1000) -> Iterator[AuditEntry]:
    after = 0
    while rows := list(
        session.scalars(
            select(AuditEntry).where(AuditEntry.seq > after).order_by(AuditEntry.seq).limit(batch)
        )
    ):
        yield from rows
        after = rows[-1].seq
        session.expunge_all()


def verify(*, session: Session) -> Verification:
    """Walks the whole chain; reports the first entry whose link or content does not match."""
    expected_prev = GENESIS
    checked = 0
    for entry in _entries(session):
        if entry.prev_hash != expected_prev:
            return Verification(
                ok=False,
                checked=checked,
                first_broken=entry.seq,
                problem="links to a different predecessor: an entry before it was removed or changed",
            )
        if entry.hash != _digest(
            entry.prev_hash, entry.at, entry.actor, entry.action, entry.subject, entry.detail
        ):
            return Verification(
                ok=False,
                checked=checked,
                first_broken=entry.seq,
                problem="its content does not match its hash",
            )
        expected_prev = entry.hash
        checked += 1
    return Verification(ok=True, checked=checked)

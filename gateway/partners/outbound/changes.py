"""The shared-change log: written as incidents change at the gateway, read by every outbound
channel from a cursor.

Every new incident version is logged by a flush hook, whichever path changed it (intake, a
commander, an agency's event), so no path can forget to share. Appends are serialised so the
log's order is its commit order: a reader at cursor N never later finds a row below N.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, event, or_, select
from sqlalchemy.orm import Session, attributes, sessionmaker

from gateway.incidents.models import IncidentRead
from gateway.partners.models import AidRead, FeedItem, Partner, SharedChange
from gateway.partners.outbound.sharing import shared_view
from kernel.change_signal import ChangeSignal
from kernel.db import serialise
from kernel.incidents.models import IncidentRow

_PENDING = "jcp_shared_changes"
_LOCK_KEY = 0x4A435053


def _log(
    session: Session,
    *,
    item_id: str,
    kind: str,
    subject_id: str,
    partner_id: str | None,
    at: datetime,
    body: dict[str, Any],
) -> None:
    pending: dict[str, SharedChange] = session.info.setdefault(_PENDING, {})
    if item_id in pending:
        pending[item_id].body = body
        pending[item_id].category, pending[item_id].level = body.get("category"), body.get("level")
        pending[item_id].drill = bool(body.get("drill", False))
        return
    if not pending:
        serialise(session=session, key=_LOCK_KEY)
    row = SharedChange(
        item_id=item_id,
        kind=kind,
        subject_id=subject_id,
        partner_id=partner_id,
        at=at,
        category=body.get("category"),
        level=body.get("level"),
        drill=bool(body.get("drill", False)),
        body=body,
    )
    pending[item_id] = row
    session.add(row)


def _incident_versions(session: Session, _context: object, _instances: object) -> None:
    for row in [*session.new, *session.dirty]:
        if not isinstance(row, IncidentRow):
            continue
        if row not in session.new and not attributes.get_history(row, "version").has_changes():
            continue
        _log(
            session,
            item_id=f"incident:{row.id}:v{row.version}",
            kind="incident",
            subject_id=row.id,
            partner_id=None,
            at=row.updated_at,
            body=IncidentRead.from_row(row).model_dump(mode="json"),
        )


def log_aid(*, session: Session, aid: AidRead) -> None:
    _log(
        session,
        item_id=f"aid:{aid.id}:v{aid.version}",
        kind="aid",
        subject_id=aid.id,
        partner_id=aid.partner,
        at=aid.updated_at,
        body=aid.model_dump(mode="json"),
    )


def install(factory: sessionmaker[Session], signal: ChangeSignal) -> None:
    """Hooks the log into every session of the gateway's database."""

    def committed(session: Session) -> None:
        if session.info.pop(_PENDING, None):
            signal.notify()

    def rolled_back(session: Session) -> None:
        # A savepoint's rollback leaves the outer transaction's rows, and their record, in place.
        if not session.in_transaction():
            session.info.pop(_PENDING, None)

    event.listen(factory, "before_flush", _incident_versions)
    event.listen(factory, "after_commit", committed)
    event.listen(factory, "after_soft_rollback", lambda session, _previous: rolled_back(session))


def item_for(partner: Partner, row: SharedChange) -> FeedItem | None:
    """The partner's copy of one logged change, or None when its agreement does not share it."""
    view = shared_view(partner, row.kind, row.partner_id, row.body)
    if view is None:
        return None
    return FeedItem(id=row.item_id, cursor=row.seq, kind=row.kind, at=row.at, data=view)  # type: ignore[arg-type]


def _may_see(partner: Partner) -> ColumnElement[bool]:
    """The agreement's filters as SQL, so hidden changes are never fetched or decoded."""
    incident = and_(
        SharedChange.kind == "incident",
        SharedChange.partner_id.is_(None),
        SharedChange.category.in_(partner.categories),
        SharedChange.level.in_(partner.levels),
    )
    if not partner.share_drills:
        incident = and_(incident, SharedChange.drill.is_(False))
    return or_(incident, and_(SharedChange.kind == "aid", SharedChange.partner_id == partner.id))


def read(*, session: Session, partner: Partner, after: int, limit: int) -> tuple[list[FeedItem], int]:
    """Up to ``limit`` items this partner may see after ``after``, and the cursor to read on
    from. Items the agreement hides are skipped, and the cursor moves past them.

    The newest sequence number is read first and bounds the query: whatever commits meanwhile
    lies beyond the returned cursor, on any isolation level."""
    upto = newest(session=session)
    rows = list(
        session.scalars(
            select(SharedChange)
            .where(SharedChange.seq > after, SharedChange.seq <= upto, _may_see(partner))
            .order_by(SharedChange.seq)
            .limit(limit)
        )
    )
    items = [item for row in rows if (item := item_for(partner, row)) is not None]
    cursor = rows[-1].seq if len(rows) == limit else max(after, upto)
    return items, cursor


def newest(*, session: Session) -> int:
    return session.scalar(select(SharedChange.seq).order_by(SharedChange.seq.desc()).limit(1)) or 0

"""Mutual aid between bureaus: investigation assistance, arrest assistance and support in a
sudden mass incident, asked for in either direction.

The side asked answers: requested -> accepted or declined; accepted -> in_progress ->
completed. Every change is logged to the partner's feed and to the command room's stream.
"""

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.activity import service as activity
from gateway.partners.models import AidCreate, AidRead, AidRequest, AidStatusChange, Partner
from gateway.partners.outbound import changes
from kernel.db import get_for_update
from kernel.errors import Conflict, Forbidden, Invalid, NotFound

NEXT: dict[str, tuple[str, ...]] = {
    "requested": ("accepted", "declined"),
    "accepted": ("in_progress",),
    "in_progress": ("completed",),
    "declined": (),
    "completed": (),
}


# A request due further ahead than this is a mistake, not a plan.
MAX_AHEAD = timedelta(days=90)


def read(row: AidRequest, now: datetime) -> AidRead:
    return AidRead(
        id=row.id,
        partner=row.partner_id,
        direction=row.direction,  # type: ignore[arg-type]
        partner_ref=row.partner_ref,
        kind=row.kind,  # type: ignore[arg-type]
        subject=row.subject,
        details=row.details,
        incident_id=row.incident_id,
        status=row.status,  # type: ignore[arg-type]
        allowed_next=list(NEXT[row.status]),  # type: ignore[arg-type]
        due_at=row.due_at,
        overdue=row.status not in ("completed", "declined") and row.due_at < now,
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
        history=row.history,
    )


def _announce(session: Session, row: AidRequest, actor: str, action: str, now: datetime) -> AidRead:
    view = read(row, now)
    changes.log_aid(session=session, aid=view)
    activity.record(
        session=session,
        actor=actor,
        kind="aid",
        action=action,
        incident_id=row.incident_id,
        data={
            "aid_id": row.id,
            "partner": row.partner_id,
            "direction": row.direction,
            "kind": row.kind,
            "subject": row.subject,
            "status": row.status,
        },
        clock=lambda: now,
    )
    return view


def create(
    *,
    session: Session,
    partner_id: str,
    direction: str,
    data: AidCreate,
    partner_ref: str | None,
    actor: str,
    now: datetime,
) -> tuple[AidRead, bool]:
    """A new request; an inbound one sent again under the partner's same id is the same request."""
    if session.get(Partner, partner_id) is None:
        raise NotFound(f"no partner {partner_id!r}")
    if partner_ref is not None:
        existing = session.scalar(
            select(AidRequest).where(
                AidRequest.partner_id == partner_id, AidRequest.partner_ref == partner_ref
            )
        )
        if existing is not None:
            return read(existing, now), False
    if data.due_at <= now:
        raise Invalid("due_at must be in the future", field="due_at")
    if data.due_at > now + MAX_AHEAD:
        raise Invalid(f"due_at is more than {MAX_AHEAD.days} days ahead", field="due_at")
    row = AidRequest(
        id=f"aid-{uuid.uuid4().hex[:12]}",
        partner_id=partner_id,
        direction=direction,
        partner_ref=partner_ref,
        kind=data.kind,
        subject=data.subject,
        details=data.details,
        incident_id=data.incident_id,
        status="requested",
        due_at=data.due_at,
        created_at=now,
        updated_at=now,
        version=1,
        history=[{"at": now.isoformat(), "status": "requested", "by": actor, "note": ""}],
    )
    session.add(row)
    return _announce(session, row, actor, "requested", now), True


def change_status(
    *,
    session: Session,
    aid_id: str,
    answering_side: str,
    change: AidStatusChange,
    actor: str,
    now: datetime,
    partner_id: str | None = None,
) -> AidRead:
    """``answering_side`` is who may move it: "us" for inbound requests, "partner" for ours."""
    row = get_for_update(session=session, model=AidRequest, key=aid_id)
    if row is None or (partner_id is not None and row.partner_id != partner_id):
        raise NotFound(f"no aid request {aid_id}")
    answerer = "us" if row.direction == "inbound" else "partner"
    if answerer != answering_side:
        raise Forbidden(f"aid request {aid_id} is answered by the side that was asked")
    if change.status not in NEXT[row.status]:
        raise Conflict(
            f"aid request {aid_id} cannot go from {row.status} to {change.status}",
            status=row.status,
            allowed_next=list(NEXT[row.status]),
        )
    row.status = change.status
    row.updated_at = now
    row.version += 1
    row.history = [
        *row.history,
        {"at": now.isoformat(), "status": change.status, "by": actor, "note": change.note},
    ]
    return _announce(session, row, actor, change.status, now)


def listing(
    *, session: Session, now: datetime, partner_id: str | None = None, status: str | None = None
) -> list[AidRead]:
    query = select(AidRequest)
    if partner_id:
        query = query.where(AidRequest.partner_id == partner_id)
    if status:
        query = query.where(AidRequest.status == status)
    return [
        read(row, now) for row in session.scalars(query.order_by(AidRequest.created_at.desc()).limit(500))
    ]


def get(*, session: Session, aid_id: str, now: datetime, partner_id: str | None = None) -> AidRead:
    row = session.get(AidRequest, aid_id)
    if row is None or (partner_id is not None and row.partner_id != partner_id):
        raise NotFound(f"no aid request {aid_id}")
    return read(row, now)

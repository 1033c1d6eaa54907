"""Writing and reading the activity record."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.activity.models import ActivityRow
from kernel.clock import Clock, utc_now


def record(
    *,
    session: Session,
    actor: str,
    kind: str,
    action: str,
    incident_id: str | None = None,
    center: str | None = None,
    data: dict[str, Any] | None = None,
    clock: Clock = utc_now,
) -> None:
    session.add(
        ActivityRow(
            at=clock(),
            actor=actor,
            kind=kind,
            action=action,
            incident_id=incident_id,
            center=center,
            data=data or {},
        )
    )


def timeline(*, session: Session, incident_id: str) -> list[ActivityRow]:
    return list(
        session.scalars(
            select(ActivityRow).where(ActivityRow.incident_id == incident_id).order_by(ActivityRow.id)
        )
    )


def after(*, session: Session, last_id: int, center: str | None, limit: int = 500) -> list[ActivityRow]:
    query = select(ActivityRow).where(ActivityRow.id > last_id)
    if center is not None:
        query = query.where((ActivityRow.center == center) | (ActivityRow.center.is_(None)))
    return list(session.scalars(query.order_by(ActivityRow.id).limit(limit)))


def newest_id(*, session: Session) -> int:
    return session.scalar(select(ActivityRow.id).order_by(ActivityRow.id.desc()).limit(1)) or 0

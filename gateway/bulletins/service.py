"""Generating, archiving and reading bulletins.

A bulletin is built once, rendered once and stored as those bytes; reading it later never
counts again. The morning's issue of a period is edition 0 and can exist once only (its id is
the primary key); anyone may ask for more editions of any period on demand.
"""

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer

from gateway.bulletins import render
from gateway.bulletins.models import SCHEDULED_EDITION, Bulletin, Period, Section
from gateway.bulletins.sections import SECTIONS
from gateway.centers.routing import RoutingRules
from kernel.clock import Clock, utc_now
from kernel.errors import NotFound

DISTRICT_NAME = ("东营区", "Dongying District")


def scope_name(*, rules: RoutingRules, scope: str) -> tuple[str, str]:
    if scope == "district":
        return DISTRICT_NAME
    center = rules.centers[scope]
    return center.name_zh, center.name_en


def bulletin_id(period: Period, edition: int) -> str:
    return f"{period.scope}-{period.kind}-{period.first.isoformat()}-{edition}"


def build(*, session: Session, period: Period) -> list[Section]:
    return [builder(session=session, period=period) for builder in SECTIONS]


def _next_edition(session: Session, period: Period) -> int:
    latest = session.scalar(
        select(func.max(Bulletin.edition)).where(
            Bulletin.scope == period.scope,
            Bulletin.period_kind == period.kind,
            Bulletin.period_start == period.first,
        )
    )
    return max(latest or 0, SCHEDULED_EDITION) + 1


def generate(
    *,
    session: Session,
    period: Period,
    rules: RoutingRules,
    actor: str,
    scheduled: bool = False,
    clock: Clock = utc_now,
) -> Bulletin:
    """Count, render and archive one bulletin. A scheduled one is edition 0, and inserting it a
    second time fails on the primary key when the transaction commits."""
    now = clock()
    sections = build(session=session, period=period)
    edition = SCHEDULED_EDITION if scheduled else _next_edition(session, period)
    row = Bulletin(
        id=bulletin_id(period, edition),
        scope=period.scope,
        period_kind=period.kind,
        period_start=period.first,
        period_end=period.end,
        edition=edition,
        generated_at=now,
        generated_by=actor,
        html=render.page(
            sections=sections,
            period=period,
            scope_name=scope_name(rules=rules, scope=period.scope),
            generated_at=now,
        ),
        csv_zip=render.csv_zip(sections),
        tables=",".join(table.name for section in sections for table in section.tables),
    )
    session.add(row)
    return row


def issued(*, session: Session, period: Period) -> bool:
    """Whether the morning's issue of this period is already archived."""
    return session.get(Bulletin, bulletin_id(period, SCHEDULED_EDITION)) is not None


def get(*, session: Session, bulletin_id: str) -> Bulletin:
    row = session.get(Bulletin, bulletin_id)
    if row is None:
        raise NotFound(f"bulletin {bulletin_id} does not exist", bulletin_id=bulletin_id)
    return row


def search(
    *,
    session: Session,
    scope: str | None = None,
    kind: str | None = None,
    since: date | None = None,
    until: date | None = None,
    limit: int = 100,
) -> list[Bulletin]:
    """Newest period first, then newest edition; the stored bytes are not loaded."""
    query = select(Bulletin).order_by(
        Bulletin.period_start.desc(), Bulletin.scope, Bulletin.period_kind, Bulletin.edition.desc()
    )
    if scope:
        query = query.where(Bulletin.scope == scope)
    if kind:
        query = query.where(Bulletin.period_kind == kind)
    if since:
        query = query.where(Bulletin.period_start >= since)
    if until:
        query = query.where(Bulletin.period_start <= until)
    return list(session.scalars(query.options(defer(Bulletin.html), defer(Bulletin.csv_zip)).limit(limit)))


def table_csv(*, session: Session, bulletin_id: str, table: str) -> bytes:
    body = render.table_from_zip(get(session=session, bulletin_id=bulletin_id).csv_zip, table)
    if body is None:
        raise NotFound(f"bulletin {bulletin_id} has no table {table}", table=table)
    return body

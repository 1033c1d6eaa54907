"""The dispute register and its figures.

State rules live here, not in the page: sessions are recorded only before the outcome, the
outcome once, the follow-up visit only after it (and once). Figures are counted by the database
(GROUP BY), never by loading cases: a district year holds thousands and the daily bulletin reads
them every morning.
"""

import csv
import io
import uuid
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, case, extract, func, insert, select
from sqlalchemy.orm import Session

from gateway.disputes.models import (
    KIND_NAMES,
    DisputeCase,
    DisputeCreate,
    DisputeFigures,
    DisputeKind,
    DisputePage,
    DisputeRead,
    DisputeSummary,
    FiguresRow,
    FiguresTable,
    FollowUpCreate,
    MediationSession,
    OutcomeCreate,
    PartyRead,
    SessionCreate,
    SessionRead,
    Stage,
)
from gateway.partners.outbound import redaction
from kernel.clock import Clock
from kernel.db import get_for_update
from kernel.errors import Conflict, Invalid, NotFound

# The settings' default (``JCP_CLOCK_TIMEZONE``); callers holding the settings pass theirs.
DISTRICT_TIMEZONE = "Asia/Shanghai"


def local_date(at: datetime, timezone: str) -> date:
    return at.astimezone(ZoneInfo(timezone)).date()


# -- the register ---------------------------------------------------------------------------


def register(
    *, session: Session, data: DisputeCreate, actor: str, default_center: str, clock: Clock, timezone: str
) -> DisputeCase:
    now = clock()
    reported_at = data.reported_at or now
    if reported_at > now:
        raise Invalid("reported_at is in the future", field="reported_at")
    row = DisputeCase(
        id=str(uuid.uuid4()),
        kind=data.kind.value,
        summary=data.summary,
        parties=[party.model_dump() for party in data.parties],
        latitude=data.latitude,
        longitude=data.longitude,
        place=data.place,
        grid_cell=data.grid_cell,
        center=data.center or default_center,
        mediator=data.mediator,
        reported_at=reported_at,
        reported_on=local_date(reported_at, timezone),
        created_by=actor,
    )
    session.add(row)
    session.flush()
    return row


def get(*, session: Session, case_id: str, for_update: bool = False) -> DisputeCase:
    row = (
        get_for_update(session=session, model=DisputeCase, key=case_id)
        if for_update
        else session.get(DisputeCase, case_id)
    )
    if row is None:
        raise NotFound(f"dispute {case_id} does not exist", case_id=case_id)
    return row


def _dated(*, on: date, row: DisputeCase, what: str, field: str, clock: Clock, timezone: str) -> None:
    if on > local_date(clock(), timezone):
        raise Invalid(f"{what} is dated in the future", field=field)
    if on < row.reported_on:
        raise Invalid(f"{what} is dated before the dispute was reported ({row.reported_on})", field=field)


def add_session(
    *, session: Session, case_id: str, data: SessionCreate, actor: str, clock: Clock, timezone: str
) -> MediationSession:
    row = get(session=session, case_id=case_id, for_update=True)
    if row.outcome is not None:
        raise Conflict(
            f"dispute {case_id} has its outcome ({row.outcome}, {row.outcome_on}); "
            "sessions are recorded only before the outcome",
            case_id=case_id,
        )
    _dated(on=data.held_on, row=row, what="the session", field="held_on", clock=clock, timezone=timezone)
    held = MediationSession(
        case_id=case_id,
        held_on=data.held_on,
        mediator=data.mediator,
        notes=data.notes,
        recorded_by=actor,
        recorded_at=clock(),
    )
    session.add(held)
    session.flush()
    return held


def record_outcome(
    *, session: Session, case_id: str, data: OutcomeCreate, actor: str, clock: Clock, timezone: str
) -> DisputeCase:
    row = get(session=session, case_id=case_id, for_update=True)
    if row.outcome is not None:
        raise Conflict(
            f"dispute {case_id} already has its outcome ({row.outcome}, {row.outcome_on}, "
            f"recorded by {row.outcome_by}); an outcome is recorded once",
            case_id=case_id,
            outcome=row.outcome,
        )
    _dated(
        on=data.decided_on, row=row, what="the outcome", field="decided_on", clock=clock, timezone=timezone
    )
    last_session = session.scalar(
        select(func.max(MediationSession.held_on)).where(MediationSession.case_id == case_id)
    )
    if last_session is not None and data.decided_on < last_session:
        raise Invalid(f"the outcome is dated before the last session ({last_session})", field="decided_on")
    row.outcome = data.outcome.value
    row.outcome_on = data.decided_on
    row.agreement = (data.agreement or "").strip() or None
    row.outcome_by = actor
    return row


def record_follow_up(
    *, session: Session, case_id: str, data: FollowUpCreate, actor: str, clock: Clock, timezone: str
) -> DisputeCase:
    row = get(session=session, case_id=case_id, for_update=True)
    if row.outcome is None or row.outcome_on is None:
        raise Conflict(
            f"dispute {case_id} has no outcome yet; the follow-up visit comes after it", case_id=case_id
        )
    if row.follow_up_on is not None:
        raise Conflict(
            f"dispute {case_id} was already followed up on {row.follow_up_on} by {row.follow_up_by}",
            case_id=case_id,
        )
    _dated(
        on=data.visited_on, row=row, what="the follow-up", field="visited_on", clock=clock, timezone=timezone
    )
    if data.visited_on < row.outcome_on:
        raise Invalid(f"the follow-up is dated before the outcome ({row.outcome_on})", field="visited_on")
    row.follow_up_on = data.visited_on
    row.follow_up_note = data.note
    row.follow_up_by = actor
    return row


def insert_generated(
    *, session: Session, cases: Iterable[Mapping[str, Any]], sessions: Iterable[Mapping[str, Any]]
) -> None:
    """Many cases at once (one INSERT per table, executed as a batch), for loading a generated
    year: adding thousands of objects one by one takes seconds."""
    case_rows = list(cases)
    if case_rows:
        session.execute(insert(DisputeCase), case_rows)
    session_rows = list(sessions)
    if session_rows:
        session.execute(insert(MediationSession), session_rows)


# -- reading --------------------------------------------------------------------------------


def _stage(row: DisputeCase, sessions: int) -> Stage:
    if row.follow_up_on is not None:
        return "followed_up"
    if row.outcome is not None:
        return "outcome"
    return "in_mediation" if sessions else "registered"


def masked_parties(parties: list[dict[str, str]]) -> list[PartyRead]:
    """Masked as partner sharing masks people: the name's first character, an ID number's last
    four, a phone's first three and last four."""
    return [
        PartyRead(
            name=redaction.mask_name(party.get("name", "")),
            id_number=redaction.mask_id_numbers(party.get("id_number", "")),
            phone=redaction.mask_phones(party.get("phone", "")),
        )
        for party in parties
    ]


def _masked_text(text: str) -> str:
    return redaction.mask_phones(redaction.mask_id_numbers(text))


def _summary(row: DisputeCase, sessions: int) -> DisputeSummary:
    return DisputeSummary(
        id=row.id,
        kind=row.kind,
        summary=_masked_text(row.summary),
        parties=masked_parties(row.parties),
        place=row.place,
        grid_cell=row.grid_cell,
        center=row.center,
        mediator=row.mediator,
        reported_at=row.reported_at,
        sessions=sessions,
        stage=_stage(row, sessions),
        outcome=row.outcome,
        outcome_on=row.outcome_on,
        follow_up_on=row.follow_up_on,
    )


def search(
    *,
    session: Session,
    kind: str | None,
    center: str | None,
    stage: Stage | None,
    mediator: str | None,
    limit: int,
    offset: int,
) -> DisputePage:
    """Newest reports first, with their parties masked."""
    counts = (
        select(MediationSession.case_id, func.count().label("n"))
        .group_by(MediationSession.case_id)
        .subquery()
    )
    sessions = func.coalesce(counts.c.n, 0)
    query = select(DisputeCase, sessions).outerjoin(counts, counts.c.case_id == DisputeCase.id)
    if kind:
        query = query.where(DisputeCase.kind == kind)
    if center:
        query = query.where(DisputeCase.center == center)
    if mediator:
        query = query.where(DisputeCase.mediator == mediator)
    if stage == "followed_up":
        query = query.where(DisputeCase.follow_up_on.is_not(None))
    elif stage == "outcome":
        query = query.where(DisputeCase.outcome.is_not(None), DisputeCase.follow_up_on.is_(None))
    elif stage == "in_mediation":
        query = query.where(DisputeCase.outcome.is_(None), sessions > 0)
    elif stage == "registered":
        query = query.where(DisputeCase.outcome.is_(None), sessions == 0)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(
        query.order_by(DisputeCase.reported_at.desc(), DisputeCase.id).limit(limit).offset(offset)
    ).all()
    return DisputePage(items=[_summary(row, n) for row, n in rows], total=total)


def read(*, session: Session, row: DisputeCase, unmasked: bool) -> DisputeRead:
    held = list(
        session.scalars(
            select(MediationSession)
            .where(MediationSession.case_id == row.id)
            .order_by(MediationSession.held_on, MediationSession.id)
        )
    )
    summary = _summary(row, len(held))
    if unmasked:
        summary.parties = [PartyRead.model_validate(party) for party in row.parties]
        summary.summary = row.summary
    allowed: list[Any] = []
    if row.outcome is None:
        allowed = ["session", "outcome"]
    elif row.follow_up_on is None:
        allowed = ["follow_up"]
    return DisputeRead(
        **summary.model_dump(),
        parties_masked=not unmasked,
        latitude=row.latitude,
        longitude=row.longitude,
        created_by=row.created_by,
        agreement=row.agreement,
        outcome_by=row.outcome_by,
        follow_up_note=row.follow_up_note,
        follow_up_by=row.follow_up_by,
        session_notes=[SessionRead.model_validate(s) for s in held],
        allowed=allowed,
    )


# -- figures --------------------------------------------------------------------------------

_SETTLED = func.sum(case((DisputeCase.outcome == "settled", 1), else_=0))


def _rate(settled: int, mediated: int) -> float | None:
    return round(settled / mediated, 4) if mediated else None


def _row(key: str | None, reported: int, mediated: int, settled: int) -> FiguresRow:
    return FiguresRow(
        key=key, reported=reported, mediated=mediated, settled=settled, settled_rate=_rate(settled, mediated)
    )


def _grouped(
    session: Session,
    *,
    reported_by: ColumnElement[Any],
    decided_by: ColumnElement[Any],
    reported_in: list[ColumnElement[bool]],
    decided_in: list[ColumnElement[bool]],
) -> dict[Any, list[int]]:
    """key -> [reported, mediated, settled]: two GROUP BY queries, one over report dates and
    one over outcome dates, since a case reported in one month may settle in the next."""
    found: dict[Any, list[int]] = {}
    for key, n in session.execute(
        select(reported_by, func.count()).where(*reported_in).group_by(reported_by)
    ):
        found.setdefault(key, [0, 0, 0])[0] = n
    for key, n, settled in session.execute(
        select(decided_by, func.count(), _SETTLED)
        .where(DisputeCase.outcome.is_not(None), *decided_in)
        .group_by(decided_by)
    ):
        counts = found.setdefault(key, [0, 0, 0])
        counts[1], counts[2] = n, int(settled or 0)
    return found


def figures(*, session: Session, year: int, center: str | None) -> FiguresTable:
    """A year's figures: the whole year, by month, kind, grid cell and mediator; and every year
    with data. Reports count by their date, mediated and settled cases by their outcome's."""
    first, after = date(year, 1, 1), date(year + 1, 1, 1)
    where_center = [DisputeCase.center == center] if center else []
    reported_in = [DisputeCase.reported_on >= first, DisputeCase.reported_on < after, *where_center]
    decided_in = [DisputeCase.outcome_on >= first, DisputeCase.outcome_on < after, *where_center]

    def by(column: ColumnElement[Any], decided: ColumnElement[Any] | None = None) -> dict[Any, list[int]]:
        return _grouped(
            session,
            reported_by=column,
            decided_by=column if decided is None else decided,
            reported_in=reported_in,
            decided_in=decided_in,
        )

    months = by(extract("month", DisputeCase.reported_on), extract("month", DisputeCase.outcome_on))
    years = _grouped(
        session,
        reported_by=extract("year", DisputeCase.reported_on),
        decided_by=extract("year", DisputeCase.outcome_on),
        reported_in=where_center,
        decided_in=where_center,
    )
    kinds = by(DisputeCase.kind)
    total = [sum(counts[i] for counts in kinds.values()) for i in range(3)]

    def rows(found: dict[Any, list[int]]) -> list[FiguresRow]:
        ordered = sorted(found.items(), key=lambda item: (-item[1][1], -item[1][0], str(item[0])))
        return [_row(None if key is None else str(key), *counts) for key, counts in ordered]

    return FiguresTable(
        year=year,
        center=center,
        total=_row(str(year), *total),
        by_month=[_row(f"{year}-{m:02d}", *months.get(m, [0, 0, 0])) for m in range(1, 13)],
        by_year=[_row(str(int(y)), *counts) for y, counts in sorted(years.items()) if y is not None],
        by_kind=[_row(kind.value, *kinds.get(kind.value, [0, 0, 0])) for kind in DisputeKind],
        by_grid=rows(by(DisputeCase.grid_cell)),
        by_mediator=rows(by(DisputeCase.mediator)),
    )


def figures_csv(table: FiguresTable) -> str:
    """Every table of the figures in one file, a ``table`` column saying which."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["table", "key", "name_zh", "name_en", "reported", "mediated", "settled", "settled_rate"])
    sections: list[tuple[str, list[FiguresRow]]] = [
        ("total", [table.total]),
        ("month", table.by_month),
        ("year", table.by_year),
        ("kind", table.by_kind),
        ("grid", table.by_grid),
        ("mediator", table.by_mediator),
    ]
    for name, rows in sections:
        for row in rows:
            zh, en = (
                KIND_NAMES.get(DisputeKind(row.key), ("", "")) if name == "kind" and row.key else ("", "")
            )
            rate = "" if row.settled_rate is None else f"{row.settled_rate:.4f}"
            writer.writerow([name, row.key or "", zh, en, row.reported, row.mediated, row.settled, rate])
    return out.getvalue()


def _first_date_at_or_after(at: datetime, timezone: str) -> date:
    local = at.astimezone(ZoneInfo(timezone))
    return local.date() + timedelta(days=0 if local.time() == time(0) else 1)


def bulletin_figures(
    *,
    session: Session,
    start: datetime,
    end: datetime,
    center: str | None,
    timezone: str = DISTRICT_TIMEZONE,
) -> DisputeFigures:
    """Mediation in [start, end) for the daily bulletin (``center`` None: the whole district).

    Reports count by their time. An outcome carries a date, not an hour: it counts when its
    date's local midnight falls in the window, which for a day, week or month starting at local
    midnight is exactly the outcomes dated inside it.
    """
    where_center = [DisputeCase.center == center] if center else []
    reported = (
        session.scalar(
            select(func.count()).where(
                DisputeCase.reported_at >= start, DisputeCase.reported_at < end, *where_center
            )
        )
        or 0
    )
    by_kind = {kind.value: 0 for kind in DisputeKind}
    mediated = settled = 0
    for kind, n, settled_n in session.execute(
        select(DisputeCase.kind, func.count(), _SETTLED)
        .where(
            DisputeCase.outcome.is_not(None),
            DisputeCase.outcome_on >= _first_date_at_or_after(start, timezone),
            DisputeCase.outcome_on < _first_date_at_or_after(end, timezone),
            *where_center,
        )
        .group_by(DisputeCase.kind)
    ):
        by_kind[kind] = by_kind.get(kind, 0) + n
        mediated += n
        settled += int(settled_n or 0)
    return DisputeFigures(
        reported=reported,
        mediated=mediated,
        settled=settled,
        settled_rate=_rate(settled, mediated),
        by_kind=by_kind,
    )

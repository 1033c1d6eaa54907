"""The instability-factor register: registering and changing factors, their sensitive-period
watches and check-ins, raising a missed check-in once, turning a factor into an incident, the
factor board and the bulletin's figures.

Every change writes a row of the factor's history in the same transaction, so the history never
claims a change that did not commit and the bulletin counts exactly what happened. Changes the
command room should see at once (a factor opened, a check-in missed or made, a factor become an
incident) are also activity rows, which the live stream carries.
"""

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy import update as update_rows
from sqlalchemy.orm import Session

from gateway.activity import service as activity
from gateway.audit import service as audit
from gateway.centers import routing
from gateway.centers import service as centers
from gateway.factors.links import CheckInLinks
from gateway.factors.models import (
    CLOSED,
    CheckInCreate,
    CheckInLink,
    Factor,
    FactorCreate,
    FactorEvent,
    FactorRead,
    FactorUpdate,
    FactorWatch,
    Place,
    StatusChange,
    WatchCreate,
)
from gateway.incidents.models import Location
from gateway.partners.outbound.redaction import mask_id_numbers, mask_name, mask_phones
from kernel.clock import Clock, utc_now
from kernel.db import get_for_update
from kernel.errors import Conflict, Gone, Invalid, NotFound
from kernel.incidents.models import IncidentRow

# -- the register ---------------------------------------------------------------------------


def get(*, session: Session, factor_id: str) -> Factor:
    row = session.get(Factor, factor_id)
    if row is None:
        raise NotFound(f"instability factor {factor_id} does not exist", factor_id=factor_id)
    return row


def _locked(*, session: Session, factor_id: str) -> Factor:
    row = get_for_update(session=session, model=Factor, key=factor_id)
    if row is None:
        raise NotFound(f"instability factor {factor_id} does not exist", factor_id=factor_id)
    return row


def _open(row: Factor) -> None:
    if row.status in CLOSED:
        raise Conflict(
            f"instability factor {row.id} is {row.status}; it no longer changes", status=row.status
        )


def _masked(text: str) -> str:
    """Free text as lists show it: ID and phone numbers written into it masked."""
    return mask_phones(mask_id_numbers(text))


def _note(row: Factor) -> str:
    """What the live feed says a factor is: its description, short, personal data masked."""
    text = _masked(row.description)
    return text if len(text) <= 40 else text[:39] + "…"


def _history(
    *, session: Session, row: Factor, actor: str, action: str, data: dict[str, Any], now: datetime
) -> None:
    session.add(FactorEvent(factor_id=row.id, at=now, actor=actor, action=action, data=data))


def _announce(
    *, session: Session, row: Factor, actor: str, action: str, data: dict[str, Any], clock: Clock
) -> None:
    activity.record(
        session=session,
        actor=actor,
        kind="factor",
        action=action,
        incident_id=row.incident_id,
        center=row.center,
        data={"factor_id": row.id, "reason": _note(row), "level": row.level, **data},
        clock=clock,
    )


def _place(row: Factor, location: Place) -> None:
    row.latitude, row.longitude, row.place = location.latitude, location.longitude, location.place


def create(*, session: Session, data: FactorCreate, actor: str, clock: Clock = utc_now) -> Factor:
    now = clock()
    person = data.responsible_person
    row = Factor(
        id=str(uuid.uuid4()),
        category=data.category,
        description=data.description,
        parties=[party.model_dump() for party in data.parties],
        grid_cell=data.grid_cell,
        level=data.level,
        center=data.center,
        responsible_unit=data.responsible_unit,
        responsible_name=person.name if person else None,
        responsible_phone=person.phone if person else None,
        status="watching",
        incident_id=None,
        created_at=now,
        created_by=actor,
        updated_at=now,
    )
    _place(row, data.location)
    session.add(row)
    _history(session=session, row=row, actor=actor, action="opened", data={"level": row.level}, now=now)
    _announce(session=session, row=row, actor=actor, action="opened", data={}, clock=clock)
    return row


def update(
    *, session: Session, factor_id: str, changes: FactorUpdate, actor: str, clock: Clock = utc_now
) -> Factor:
    """Correct a factor's facts; the history records each field's old and new value, the
    parties as a count and the description masked: the history is read by everyone who may
    view, as the board is."""
    row = _locked(session=session, factor_id=factor_id)
    _open(row)
    given = changes.model_fields_set
    changed: dict[str, Any] = {}

    def put(name: str, old: Any, new: Any, shown: tuple[Any, Any] | None = None) -> None:
        if old != new:
            changed[name] = list(shown or (old, new))

    for name in ("category", "description", "grid_cell", "level", "center", "responsible_unit"):
        new = getattr(changes, name)
        # Only the grid cell may be taken off; the others are required facts.
        if name in given and (new is not None or name == "grid_cell"):
            old = getattr(row, name)
            put(name, old, new, (_masked(old), _masked(new)) if name == "description" else None)
            setattr(row, name, new)
    if "parties" in given and changes.parties is not None:
        parties = [party.model_dump() for party in changes.parties]
        put("parties", row.parties, parties, (len(row.parties), len(parties)))
        row.parties = parties
    if "location" in given and changes.location is not None:
        put("place", row.place, changes.location.place)
        _place(row, changes.location)
    if "responsible_person" in given:
        person = changes.responsible_person
        new_name, new_phone = (person.name, person.phone) if person else (None, None)
        put("responsible_person", row.responsible_name, new_name)
        row.responsible_name, row.responsible_phone = new_name, new_phone
    if changed:
        now = clock()
        row.updated_at = now
        _history(session=session, row=row, actor=actor, action="updated", data={"changed": changed}, now=now)
    return row


def change_status(
    *, session: Session, factor_id: str, change: StatusChange, actor: str, clock: Clock = utc_now
) -> Factor:
    """Watching and easing move either way; resolved closes the factor and ends its watch."""
    row = _locked(session=session, factor_id=factor_id)
    _open(row)
    if row.status == change.status:
        return row
    now = clock()
    previous, row.status, row.updated_at = row.status, change.status, now
    _history(
        session=session,
        row=row,
        actor=actor,
        action=change.status,
        data={"from": previous, "note": change.note},
        now=now,
    )
    if change.status == "resolved":
        _end_watch(session=session, row=row, actor=actor, now=now)
    _announce(
        session=session, row=row, actor=actor, action="status", data={"status": change.status}, clock=clock
    )
    return row


# -- sensitive-period watches and check-ins -------------------------------------------------


def watch_of(*, session: Session, factor_id: str) -> FactorWatch | None:
    """The factor's watch not yet ended, if any."""
    return session.scalar(
        select(FactorWatch).where(FactorWatch.factor_id == factor_id, FactorWatch.ended_at.is_(None))
    )


def start_watch(
    *, session: Session, factor_id: str, data: WatchCreate, actor: str, clock: Clock = utc_now
) -> FactorWatch:
    """Put a factor under watch for a sensitive period: its responsible person checks in every
    interval. A factor nobody answers for cannot be watched; a watch already running is ended
    and replaced by this one."""
    row = _locked(session=session, factor_id=factor_id)
    _open(row)
    if not row.responsible_name:
        message = "a factor enters a watch only with a responsible person to check in"
        raise Invalid(
            f"invalid fields: responsible_person ({message})",
            fields=[{"field": "responsible_person", "message": message}],
        )
    now = clock()
    _end_watch(session=session, row=row, actor=actor, now=now)
    watch = FactorWatch(
        id=str(uuid.uuid4()),
        factor_id=row.id,
        name=data.name,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        interval_s=data.interval_minutes * 60,
        due_at=data.starts_at + timedelta(minutes=data.interval_minutes),
        state="on_time",
        missed_at=None,
        last_check_in_at=None,
        last_status=None,
        started_by=actor,
        ended_at=None,
    )
    session.add(watch)
    row.updated_at = now
    _history(
        session=session,
        row=row,
        actor=actor,
        action="watch_started",
        data={
            "watch_id": watch.id,
            "name": data.name,
            "starts_at": data.starts_at.isoformat(),
            "ends_at": data.ends_at.isoformat(),
            "interval_s": watch.interval_s,
        },
        now=now,
    )
    _announce(session=session, row=row, actor=actor, action="watch_started", data={}, clock=clock)
    session.flush()
    return watch


def _end_watch(*, session: Session, row: Factor, actor: str, now: datetime) -> None:
    watch = watch_of(session=session, factor_id=row.id)
    if watch is not None:
        watch.ended_at = now
        _history(
            session=session, row=row, actor=actor, action="watch_ended", data={"watch_id": watch.id}, now=now
        )


def end_watch(*, session: Session, factor_id: str, actor: str, clock: Clock = utc_now) -> Factor:
    row = _locked(session=session, factor_id=factor_id)
    if watch_of(session=session, factor_id=factor_id) is None:
        raise Conflict(f"instability factor {factor_id} is not under watch")
    _end_watch(session=session, row=row, actor=actor, now=clock())
    return row


def check_in(
    *,
    session: Session,
    factor_id: str,
    data: CheckInCreate,
    actor: str,
    via: str,
    watch_id: str | None = None,
    clock: Clock = utc_now,
) -> FactorWatch:
    """The responsible person's check-in: the next one is due an interval from now. ``via`` is
    where it came from (the command room, the person's link); a link names its watch, and a link
    of a watch since ended or replaced is over."""
    row = _locked(session=session, factor_id=factor_id)
    _open(row)
    watch = watch_of(session=session, factor_id=factor_id)
    now = clock()
    if watch is None or (watch_id is not None and watch.id != watch_id):
        raise Gone(
            f"instability factor {factor_id} has no watch this check-in belongs to", factor_id=factor_id
        )
    if now >= watch.ends_at:
        raise Gone(f"the watch of instability factor {factor_id} ended at {watch.ends_at.isoformat()}")
    was_overdue = watch.state == "overdue" or watch.due_at <= now
    watch.state = "on_time"
    watch.last_check_in_at = now
    watch.last_status = data.status
    watch.due_at = now + timedelta(seconds=watch.interval_s)
    row.updated_at = now
    _history(
        session=session,
        row=row,
        actor=actor,
        action="checked_in",
        data={"watch_id": watch.id, "status": data.status, "via": via, "late": was_overdue},
        now=now,
    )
    _announce(session=session, row=row, actor=actor, action="checked_in", data={"via": via}, clock=clock)
    return watch


def check_in_by_link(
    *, session: Session, factor_id: str, watch_id: str, status: str, clock: Clock = utc_now
) -> FactorWatch:
    """A check-in from the responsible person's own link: it is theirs, so it is recorded under
    their name, and only for the watch the link was issued for."""
    if not status:
        raise Invalid(
            "write a short status: what you see now", fields=[{"field": "status", "message": "required"}]
        )
    row = get(session=session, factor_id=factor_id)
    return check_in(
        session=session,
        factor_id=factor_id,
        data=CheckInCreate(status=status),
        actor=row.responsible_name or "responsible person",
        via="link",
        watch_id=watch_id,
        clock=clock,
    )


def issue_link(
    *, session: Session, factor_id: str, links: CheckInLinks, base_url: str, actor: str, now: datetime
) -> CheckInLink:
    """The check-in link of the factor's current watch, recorded in the audit log: whoever holds
    it checks in for the factor until the watch's period ends."""
    get(session=session, factor_id=factor_id)
    watch = watch_of(session=session, factor_id=factor_id)
    if watch is None:
        raise Conflict(f"instability factor {factor_id} is not under watch; start a watch first")
    if watch.ends_at <= now:
        raise Gone(f"the watch of instability factor {factor_id} is over")
    token = links.token(factor_id=factor_id, watch_id=watch.id, expires_at=watch.ends_at)
    audit.append(
        session=session,
        actor=actor,
        action="factor.check_in_link_issued",
        subject=f"factor:{factor_id}",
        at=now,
        detail={"watch_id": watch.id, "expires_at": watch.ends_at.isoformat()},
    )
    path = f"/f/{factor_id}/{token}"
    return CheckInLink(url=base_url.rstrip("/") + path, path=path, expires_at=watch.ends_at)


def due_watches(*, session: Session, now: datetime, limit: int = 500) -> list[str]:
    """Watches whose check-in is past due and not yet raised, within their period."""
    return list(
        session.scalars(
            select(FactorWatch.id)
            .where(
                FactorWatch.ended_at.is_(None),
                FactorWatch.state == "on_time",
                FactorWatch.due_at <= now,
                FactorWatch.due_at <= FactorWatch.ends_at,
            )
            .order_by(FactorWatch.due_at)
            .limit(limit)
        )
    )


def miss_due(
    *, session: Session, watch_id: str, rules: routing.RoutingRules, clock: Clock = utc_now
) -> str | None:
    """Raise one missed check-in if it is still unraised: the conditional update makes it happen
    once, whichever sweep, process or restart gets there first. The factor's center when it was
    raised here; the center's commander is who it is escalated to."""
    now = clock()
    moved = session.execute(
        update_rows(FactorWatch)
        .where(
            FactorWatch.id == watch_id,
            FactorWatch.ended_at.is_(None),
            FactorWatch.state == "on_time",
            FactorWatch.due_at <= now,
        )
        .values(state="overdue", missed_at=now)
    ).rowcount
    if moved != 1:
        return None
    watch = session.get_one(FactorWatch, watch_id)
    row = session.get_one(Factor, watch.factor_id)
    commander = centers.center_of(rules, row.center).commander
    missed = {
        "watch_id": watch.id,
        "due_at": watch.due_at.isoformat(),
        "late_s": (now - watch.due_at).total_seconds(),
        "escalated_to": commander,
    }
    _history(session=session, row=row, actor="watch", action="check_in_missed", data=missed, now=now)
    _announce(session=session, row=row, actor="watch", action="check_in_missed", data=missed, clock=clock)
    return row.center


def watches_over(*, session: Session, now: datetime, limit: int = 500) -> list[str]:
    """Running watches whose period is over: they end by themselves, no check-in is due after."""
    return list(
        session.scalars(
            select(FactorWatch.id)
            .where(FactorWatch.ended_at.is_(None), FactorWatch.ends_at <= now)
            .order_by(FactorWatch.ends_at)
            .limit(limit)
        )
    )


def end_over(*, session: Session, watch_id: str) -> bool:
    """End one watch at the end of its period, once, whichever sweep gets there first."""
    moved = session.execute(
        update_rows(FactorWatch)
        .where(FactorWatch.id == watch_id, FactorWatch.ended_at.is_(None))
        .values(ended_at=FactorWatch.ends_at)
    ).rowcount
    if moved != 1:
        return False
    watch = session.get_one(FactorWatch, watch_id)
    session.add(
        FactorEvent(
            factor_id=watch.factor_id,
            at=watch.ends_at,
            actor="watch",
            action="watch_ended",
            data={"watch_id": watch.id, "period_over": True},
        )
    )
    return True


# -- becoming an incident -------------------------------------------------------------------


def to_escalate(*, session: Session, factor_id: str) -> tuple[Factor, Location]:
    """The factor, locked, if it can become an incident, and where that incident is: still open,
    and with a position, which every incident needs."""
    row = _locked(session=session, factor_id=factor_id)
    _open(row)
    if row.latitude is None or row.longitude is None:
        raise Invalid(
            "invalid fields: location (an incident needs a position: the factor's latitude and longitude)",
            fields=[{"field": "location", "message": "the factor has no latitude and longitude"}],
        )
    where = Location(
        latitude=row.latitude, longitude=row.longitude, address=row.place or row.responsible_unit
    )
    return row, where


def became_incident(
    *, session: Session, row: Factor, incident: IncidentRow, note: str, actor: str, clock: Clock = utc_now
) -> Factor:
    """The factor is closed as the incident it became: it names the incident, its watch ends,
    and the incident's timeline names the factor."""
    now = clock()
    previous = row.status
    row.status, row.incident_id, row.updated_at = "became_incident", incident.id, now
    _end_watch(session=session, row=row, actor=actor, now=now)
    _history(
        session=session,
        row=row,
        actor=actor,
        action="became_incident",
        data={"from": previous, "incident_id": incident.id, "note": note},
        now=now,
    )
    _announce(
        session=session,
        row=row,
        actor=actor,
        action="became_incident",
        data={"title": incident.title, "category": row.category, "note": note},
        clock=clock,
    )
    return row


def linked_factor(*, session: Session, incident_id: str) -> Factor | None:
    """The factor an incident came from, if it came from one."""
    return session.scalar(select(Factor).where(Factor.incident_id == incident_id))


# -- reading --------------------------------------------------------------------------------


def _columns(row: Factor | FactorWatch) -> dict[str, Any]:
    return {column.key: getattr(row, column.key) for column in row.__table__.c}


def _overdue(watch: dict[str, Any], now: datetime) -> bool:
    if watch["ended_at"] is not None or now >= watch["ends_at"]:
        return False
    return watch["state"] == "overdue" or watch["due_at"] <= now


def _party(raw: dict[str, str], masked: bool) -> dict[str, str]:
    name, id_number, phone = raw.get("name", ""), raw.get("id_number", ""), raw.get("phone", "")
    if masked:
        name, id_number, phone = mask_name(name), mask_id_numbers(id_number), mask_phones(phone)
    return {"name": name, "id_number": id_number, "phone": phone, "role": raw.get("role", "")}


_WATCH_SHOWN = ("id", "name", "starts_at", "ends_at", "interval_s", "due_at", "state", "missed_at")


def _shown(
    factor: dict[str, Any], watch: dict[str, Any] | None, *, masked: bool, now: datetime
) -> dict[str, Any]:
    """A factor as a reader sees it (the shape of ``FactorRead``), from its columns and its
    watch's: in lists, and to those who do not work factors, the parties' names, ID numbers
    and phones are masked as partner sharing masks them, and so are numbers written into the
    description."""
    shown = dict(factor)
    shown["parties"] = [_party(raw, masked) for raw in factor["parties"]]
    if masked:
        shown["description"] = _masked(factor["description"])
    shown["watch"] = (
        {
            **{key: watch[key] for key in _WATCH_SHOWN},
            "overdue": _overdue(watch, now),
            "last_check_in_at": watch["last_check_in_at"],
            "last_status": watch["last_status"],
        }
        if watch is not None
        else None
    )
    return shown


def read(row: Factor, watch: FactorWatch | None, *, masked: bool, now: datetime) -> FactorRead:
    return FactorRead.model_validate(
        _shown(_columns(row), _columns(watch) if watch is not None else None, masked=masked, now=now)
    )


def detail(*, session: Session, factor_id: str, masked: bool, now: datetime) -> FactorRead:
    row = get(session=session, factor_id=factor_id)
    return read(row, watch_of(session=session, factor_id=factor_id), masked=masked, now=now)


def for_link(*, session: Session, factor_id: str, watch_id: str, now: datetime) -> FactorRead:
    """The factor as its check-in page shows it (masked, as on a phone anyone may see), while
    the watch the link was issued for still runs."""
    shown = detail(session=session, factor_id=factor_id, masked=True, now=now)
    if shown.watch is None or shown.watch.id != watch_id:
        raise Gone(
            f"the watch this link was issued for is over (instability factor {factor_id} is {shown.status})"
        )
    return shown


def _overdue_clause(now: datetime) -> Any:
    return and_(
        FactorWatch.id.is_not(None),
        FactorWatch.ends_at > now,
        or_(FactorWatch.state == "overdue", FactorWatch.due_at <= now),
    )


def board(
    *,
    session: Session,
    now: datetime,
    center: str | None = None,
    status: str | None = None,
    overdue_only: bool = False,
    limit: int = 200,
    offset: int = 0,
) -> dict[str, Any]:
    """The factor board (the shape of ``FactorBoard``): open factors (or those of one status),
    overdue check-ins first, then the next check-in due, then the most serious; always masked,
    as every list is. Read as plain rows and left as plain values, no ORM objects and no
    models: the page asks for hundreds at once, every few seconds."""
    watched = and_(FactorWatch.factor_id == Factor.id, FactorWatch.ended_at.is_(None))
    conditions: list[Any] = [Factor.status == status] if status else [Factor.status.not_in(CLOSED)]
    if center:
        conditions.append(Factor.center == center)
    overdue = _overdue_clause(now)
    if overdue_only:
        conditions.append(overdue)
    counted = (
        select(func.count(), func.count().filter(overdue))
        .select_from(Factor)
        .outerjoin(FactorWatch, watched)
        .where(*conditions)
    )
    total, overdue_total = session.execute(counted).one()
    factors = [
        row._asdict()
        for row in session.execute(
            select(*Factor.__table__.c)
            .outerjoin(FactorWatch, watched)
            .where(*conditions)
            .order_by(
                FactorWatch.state.desc().nulls_last(),  # "overdue" before "on_time"
                FactorWatch.due_at.asc().nulls_last(),
                Factor.level,
                Factor.created_at.desc(),
            )
            .limit(limit)
            .offset(offset)
        )
    ]
    watches = {
        row.factor_id: row._asdict()
        for row in session.execute(
            select(*FactorWatch.__table__.c).where(
                FactorWatch.factor_id.in_([factor["id"] for factor in factors]),
                FactorWatch.ended_at.is_(None),
            )
        )
    }
    return {
        "items": [_shown(factor, watches.get(factor["id"]), masked=True, now=now) for factor in factors],
        "total": total,
        "overdue": overdue_total,
        "limit": limit,
        "offset": offset,
    }


def overdue_count(*, session: Session, center: str | None, now: datetime) -> int:
    query = (
        select(func.count())
        .select_from(FactorWatch)
        .join(Factor, Factor.id == FactorWatch.factor_id)
        .where(FactorWatch.ended_at.is_(None), _overdue_clause(now), Factor.status.not_in(CLOSED))
    )
    if center:
        query = query.where(Factor.center == center)
    return session.scalar(query) or 0


def history(*, session: Session, factor_id: str) -> list[FactorEvent]:
    get(session=session, factor_id=factor_id)
    return list(
        session.scalars(
            select(FactorEvent).where(FactorEvent.factor_id == factor_id).order_by(FactorEvent.id)
        )
    )


# -- the daily bulletin ---------------------------------------------------------------------


@dataclass(frozen=True)
class FactorFigures:
    """What the bulletin says about factors over [start, end): how many were opened, eased,
    resolved and became incidents, how many check-ins were missed, how many stayed open at the
    end, and those open at the end by level."""

    opened: int
    eased: int
    resolved: int
    became_incident: int
    missed_checkins: int
    open_at_end: int
    by_level: dict[str, int] = field(default_factory=dict)


def bulletin_figures(
    *, session: Session, start: datetime, end: datetime, center: str | None
) -> FactorFigures:
    """Counted from the factors' history, so a bulletin of a past period says what happened
    then, whatever the factors' status now. ``center`` None is the district (every center)."""
    in_center = [Factor.center == center] if center else []
    events = Counter(
        dict(
            session.execute(
                select(FactorEvent.action, func.count())
                .join(Factor, Factor.id == FactorEvent.factor_id)
                .where(FactorEvent.at >= start, FactorEvent.at < end, *in_center)
                .group_by(FactorEvent.action)
            ).all()
        )
    )
    closed_before_end = (
        select(FactorEvent.factor_id)
        .where(FactorEvent.action.in_(CLOSED), FactorEvent.at < end)
        .scalar_subquery()
    )
    by_level = dict(
        session.execute(
            select(Factor.level, func.count())
            .where(Factor.created_at < end, Factor.id.not_in(closed_before_end), *in_center)
            .group_by(Factor.level)
        ).all()
    )
    return FactorFigures(
        opened=events["opened"],
        eased=events["easing"],
        resolved=events["resolved"],
        became_incident=events["became_incident"],
        missed_checkins=events["check_in_missed"],
        open_at_end=sum(by_level.values()),
        by_level={level: by_level.get(level, 0) for level in ("I", "II", "III", "IV")},
    )

"""The standing roster: teams and their members, duty shifts and sensitive-period plans.

This is what the gateway keeps between emergencies and what a call-up draws on. Call-ups
themselves are in ``callups.py``: they travel to the agencies and back, while everything here
changes only when someone edits it.
"""

import uuid
from collections import Counter
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from gateway.roster import checks
from gateway.roster.models import (
    ROLE_ORDER,
    DutyShift,
    ImportResult,
    Member,
    PlanCreate,
    SensitivePlan,
    ShiftCreate,
    ShiftGap,
    ShiftRead,
    Team,
    TeamCreate,
    TeamRead,
)
from kernel.db import get_for_update
from kernel.dispatch_store import UnitRow
from kernel.errors import Conflict, Invalid, NotFound

# -- teams and members ----------------------------------------------------------------------


def team(*, session: Session, team_id: str) -> Team:
    row = session.get(Team, team_id)
    if row is None:
        raise NotFound(f"team {team_id} does not exist", team_id=team_id)
    return row


def create_team(*, session: Session, data: TeamCreate) -> Team:
    if session.get(Team, data.id) is not None:
        raise Conflict(f"team {data.id} already exists", team_id=data.id)
    row = Team(**data.model_dump())
    session.add(row)
    return row


def team_read(*, session: Session, row: Team) -> TeamRead:
    counts = Counter(
        (role, status)
        for role, status in session.execute(
            select(Member.role, Member.status).where(Member.team_id == row.id)
        )
    )
    return TeamRead(
        id=row.id,
        agency=row.agency,
        name=row.name,
        kind=row.kind,
        assembly_point=row.assembly_point,
        members=sum(counts.values()),
        available=sum(n for (_, status), n in counts.items() if status == "available"),
        by_role=dict(
            Counter({role: 0 for role in ROLE_ORDER}) + Counter({r: n for (r, _), n in counts.items()})
        ),
    )


def members_of(*, session: Session, team_id: str) -> list[Member]:
    team(session=session, team_id=team_id)
    return list(session.scalars(select(Member).where(Member.team_id == team_id).order_by(Member.id)))


def import_members(*, session: Session, team_id: str, text: str) -> ImportResult:
    """Replace a team's members with the file's, or refuse the whole file naming every bad line."""
    team(session=session, team_id=team_id)
    lines, errors = checks.parse_members_csv(text)
    if errors:
        raise Invalid(
            f"{len(errors)} problem(s) in the file; nothing was imported",
            errors=[error.model_dump() for error in errors],
        )
    elsewhere = session.scalars(
        select(Member.id).where(Member.id.in_([line.id for line in lines]), Member.team_id != team_id)
    ).all()
    if elsewhere:
        raise Conflict(f"members already in another team: {', '.join(sorted(elsewhere)[:20])}")
    replaced = session.execute(delete(Member).where(Member.team_id == team_id)).rowcount
    session.add_all(
        Member(
            id=line.id,
            team_id=team_id,
            name=line.name,
            role=line.role,
            qualifications=line.qualifications,
            phone=line.phone,
            status=line.status,
        )
        for line in lines
    )
    return ImportResult(team_id=team_id, imported=len(lines), replaced=replaced)


def export_members(*, session: Session, team_id: str) -> str:
    return checks.members_csv(
        [
            checks.MemberLine(m.id, m.name, m.role, m.qualifications, m.phone, m.status)
            for m in members_of(session=session, team_id=team_id)
        ]
    )


def set_member_status(*, session: Session, member_id: str, status: str) -> Member:
    row = get_for_update(session=session, model=Member, key=member_id)
    if row is None:
        raise NotFound(f"member {member_id} does not exist", member_id=member_id)
    row.status = status
    return row


# -- duty -----------------------------------------------------------------------------------


def add_shift(*, session: Session, data: ShiftCreate) -> DutyShift:
    people = [person for person in [data.leader_id, *data.staff_ids] if person]
    if len(set(people)) != len(people):
        raise Invalid("a person appears twice in one shift")
    for person in people:
        if session.get(Member, person) is None:
            raise NotFound(f"member {person} does not exist", member_id=person)
    if data.vehicle_unit_id and session.get(UnitRow, data.vehicle_unit_id) is None:
        raise NotFound(f"unit {data.vehicle_unit_id} is not known", unit_id=data.vehicle_unit_id)
    for other in session.scalars(
        select(DutyShift).where(DutyShift.starts_at < data.ends_at, DutyShift.ends_at > data.starts_at)
    ):
        if clash := sorted(set(people) & {other.leader_id, *other.staff_ids}):
            raise Conflict(
                f"{', '.join(clash)} already on duty in shift {other.id} "
                f"({other.starts_at.isoformat()} - {other.ends_at.isoformat()})",
                shift_id=other.id,
            )
    row = DutyShift(
        id=str(uuid.uuid4()),
        agency=data.agency,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        leader_id=data.leader_id,
        staff_ids=data.staff_ids,
        vehicle_unit_id=data.vehicle_unit_id,
    )
    session.add(row)
    return row


def gaps(*, session: Session, start: datetime, end: datetime, agency: str | None) -> list[ShiftGap]:
    """Every shift in the window missing one of the "three in place"."""
    query = select(DutyShift).where(DutyShift.starts_at < end, DutyShift.ends_at > start)
    if agency:
        query = query.where(DutyShift.agency == agency)
    found = []
    for row in session.scalars(query.order_by(DutyShift.starts_at)):
        missing = [
            name
            for name, present in (
                ("leader", row.leader_id),
                ("staff", row.staff_ids),
                ("vehicle", row.vehicle_unit_id),
            )
            if not present
        ]
        if missing:
            found.append(ShiftGap(shift=ShiftRead.model_validate(row), missing=missing))  # type: ignore[arg-type]
    return found


def add_plan(*, session: Session, data: PlanCreate) -> SensitivePlan:
    if data.ends_on < data.starts_on:
        raise Invalid("ends_on is before starts_on", field="ends_on")
    for index, factor in enumerate(data.factors):
        if hours := checks.uncovered_hours([(w.from_hour, w.to_hour) for w in factor.watch]):
            raise Invalid(
                f"factor {index} ({factor.description}) has no one on watch at hours {hours}",
                field=f"factors.{index}.watch",
            )
        for watch in factor.watch:
            if session.get(Member, watch.member_id) is None:
                raise NotFound(f"member {watch.member_id} does not exist", member_id=watch.member_id)
    row = SensitivePlan(
        id=str(uuid.uuid4()),
        name=data.name,
        starts_on=data.starts_on.isoformat(),
        ends_on=data.ends_on.isoformat(),
        factors=[factor.model_dump() for factor in data.factors],
    )
    session.add(row)
    return row

"""Teams, members, duty and call-ups at the gateway.

A call-up is stored, its members marked deployed and a ``CallUpIssued`` put on the outbox in one
transaction; the owning agency notifies the members; their answers come back as
``MemberResponded`` and are kept once each, with the time of the first answer.
"""

import logging
import uuid
from collections import Counter
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from gateway.activity import service as activity
from gateway.roster import checks
from gateway.roster.models import (
    ROLE_ORDER,
    CallUpCreate,
    CallUpMember,
    CallUpRow,
    DutyShift,
    ImportResult,
    Member,
    MusterBoard,
    MusterMember,
    PlanCreate,
    SensitivePlan,
    ShiftCreate,
    ShiftGap,
    ShiftRead,
    Team,
    TeamCreate,
    TeamRead,
)
from jcp.roster.v1 import roster_pb2 as pb
from kernel import metrics, sources
from kernel.bus.envelope import Event, InvalidEvent
from kernel.bus.outbox import announce
from kernel.bus.topics import ROSTER
from kernel.clock import Clock, utc_now
from kernel.db import get_for_update
from kernel.dispatch_store import UnitRow
from kernel.errors import Conflict, Invalid, NotFound
from kernel.incidents.models import IncidentRow

log = logging.getLogger(__name__)


# -- teams and members ----------------------------------------------------------------------


def team(session: Session, team_id: str) -> Team:
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


def team_read(session: Session, row: Team) -> TeamRead:
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


def members_of(session: Session, team_id: str) -> list[Member]:
    team(session, team_id)
    return list(session.scalars(select(Member).where(Member.team_id == team_id).order_by(Member.id)))


def import_members(*, session: Session, team_id: str, text: str) -> ImportResult:
    """Replace a team's members with the file's, or refuse the whole file naming every bad line."""
    team(session, team_id)
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
            for m in members_of(session, team_id)
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


# -- call-ups -------------------------------------------------------------------------------


def call_up(
    *,
    session: Session,
    data: CallUpCreate,
    actor: str,
    drill_id: str | None = None,
    drill: bool = False,
    clock: Clock = utc_now,
) -> CallUpRow:
    owner = team(session, data.team_id)
    if data.incident_id is not None:
        incident = session.get(IncidentRow, data.incident_id)
        if incident is None:
            raise NotFound(f"incident {data.incident_id} does not exist", incident_id=data.incident_id)
        drill = drill or incident.drill
    wanted = set(data.qualifications)
    available = sorted(
        (
            m
            for m in session.scalars(
                select(Member)
                .where(Member.team_id == owner.id, Member.status == "available")
                .with_for_update()
            )
            if wanted <= set(m.qualifications)
        ),
        key=lambda m: (ROLE_ORDER.get(m.role, 9), m.id),
    )
    count = data.count if data.count is not None else len(available)
    if count == 0 or count > len(available):
        described = f" with {', '.join(sorted(wanted))}" if wanted else ""
        raise Conflict(
            f"call-up of {data.count or 'the whole team'} but team {owner.id} has {len(available)} "
            f"available member(s){described}",
            available=len(available),
        )
    chosen = available[:count]
    now = clock()
    row = CallUpRow(
        id=str(uuid.uuid4()),
        team_id=owner.id,
        agency=owner.agency,
        incident_id=data.incident_id,
        drill_id=drill_id,
        drill=drill,
        assembly_point=data.assembly_point or owner.assembly_point,
        called_at=now,
        called_by=actor,
        status="open",
        closed_at=None,
        reason="",
    )
    session.add(row)
    message = pb.CallUp(
        id=row.id,
        team_id=owner.id,
        agency=owner.agency,
        incident_id=data.incident_id or "",
        drill=drill,
        called_by=actor,
        assembly_point=row.assembly_point,
    )
    message.called_at.FromDatetime(now)
    for member in chosen:
        member.status = "deployed"
        session.add(CallUpMember(call_up_id=row.id, member_id=member.id))
        message.members.add(member_id=member.id, name=member.name, phone=member.phone, role=member.role)
    announce(
        session=session,
        topic=ROSTER,
        source=sources.GATEWAY_ROSTER,
        key=row.id,
        message=pb.CallUpIssued(call_up=message),
        clock=clock,
    )
    activity.record(
        session,
        actor=actor,
        kind="callup",
        action="issued",
        incident_id=data.incident_id,
        data={"call_up_id": row.id, "team_id": owner.id, "called": count, "drill": drill},
        clock=clock,
    )
    return row


def close_call_up(
    *, session: Session, call_up_id: str, status: str, reason: str, actor: str, clock: Clock = utc_now
) -> CallUpRow:
    """Cancel a call-up, or stand its members down; either way they are free again."""
    row = get_for_update(session=session, model=CallUpRow, key=call_up_id)
    if row is None:
        raise NotFound(f"call-up {call_up_id} does not exist", call_up_id=call_up_id)
    if row.status != "open":
        raise Conflict(f"call-up {call_up_id} is already {row.status}", status=row.status)
    now = clock()
    row.status, row.closed_at, row.reason = status, now, reason
    called = select(CallUpMember.member_id).where(CallUpMember.call_up_id == call_up_id)
    for member in session.scalars(select(Member).where(Member.id.in_(called), Member.status == "deployed")):
        member.status = "available"
    message = pb.CallUpCancelled(call_up_id=row.id, agency=row.agency, reason=reason)
    message.cancelled_at.FromDatetime(now)
    announce(
        session=session, topic=ROSTER, source=sources.GATEWAY_ROSTER, key=row.id, message=message, clock=clock
    )
    activity.record(
        session,
        actor=actor,
        kind="callup",
        action=status,
        incident_id=row.incident_id,
        data={"call_up_id": row.id, "reason": reason},
        clock=clock,
    )
    return row


def mirror_response(session: Session, event: Event, *, clock: Clock = utc_now) -> None:
    """A member's answer from the owning agency: kept once, at the time it was first given."""
    message = event.message
    assert isinstance(message, pb.MemberResponded)
    row = session.get(CallUpRow, message.call_up_id)
    if row is None:
        raise InvalidEvent(f"call-up {message.call_up_id} was never issued")
    if event.source != sources.agency(row.agency) or message.agency != row.agency:
        raise InvalidEvent(f"{event.source} may not answer call-up {row.id}: it belongs to {row.agency}")
    called = get_for_update(session=session, model=CallUpMember, key=(row.id, message.member_id))
    if called is None:
        raise InvalidEvent(f"member {message.member_id} is not called by {row.id}")
    at = message.at.ToDatetime(tzinfo=clock().tzinfo)
    if row.status == "cancelled" and row.closed_at is not None and at >= row.closed_at:
        activity.record(
            session,
            actor=f"{message.member_id}@{row.agency}",
            kind="callup",
            action="answer_refused",
            incident_id=row.incident_id,
            data={"call_up_id": row.id, "member_id": message.member_id, "reason": "call-up cancelled"},
            clock=clock,
        )
        return
    field = {
        pb.RESPONSE_ACKNOWLEDGED: "acknowledged_at",
        pb.RESPONSE_ARRIVED: "arrived_at",
        pb.RESPONSE_DECLINED: "declined_at",
    }.get(message.response)
    if field is None:
        raise InvalidEvent(f"response {message.response} is not known")
    if getattr(called, field) is None:
        setattr(called, field, at)
        metrics.MUSTER_ANSWERS.labels(field.removesuffix("_at")).inc()
        if field == "arrived_at" and called.acknowledged_at is None:
            called.acknowledged_at = at


def muster(*, session: Session, call_up_id: str, with_members: bool = False) -> MusterBoard:
    row = session.get(CallUpRow, call_up_id)
    if row is None:
        raise NotFound(f"call-up {call_up_id} does not exist", call_up_id=call_up_id)
    times = session.execute(
        select(CallUpMember.acknowledged_at, CallUpMember.arrived_at, CallUpMember.declined_at).where(
            CallUpMember.call_up_id == call_up_id
        )
    ).all()
    figures = checks.muster_figures(
        row.called_at,
        len(times),
        [t.acknowledged_at for t in times if t.acknowledged_at],
        [t.arrived_at for t in times if t.arrived_at],
        sum(1 for t in times if t.declined_at),
    )
    members = None
    if with_members:
        members = [
            MusterMember(
                member_id=m.id,
                name=m.name,
                role=m.role,
                acknowledged_at=a.acknowledged_at,
                arrived_at=a.arrived_at,
                declined_at=a.declined_at,
            )
            for a, m in session.execute(
                select(CallUpMember, Member)
                .join(Member, Member.id == CallUpMember.member_id)
                .where(CallUpMember.call_up_id == call_up_id)
                .order_by(Member.id)
            )
        ]
    return MusterBoard(
        call_up_id=row.id,
        team_id=row.team_id,
        agency=row.agency,
        incident_id=row.incident_id,
        drill=row.drill,
        status=row.status,
        called_at=row.called_at,
        **figures.__dict__,
        members=members,
    )


def open_call_ups(session: Session) -> list[str]:
    return list(session.scalars(select(CallUpRow.id).where(CallUpRow.status == "open")))


def member_count(session: Session, team_id: str) -> int:
    return session.scalar(select(func.count()).select_from(Member).where(Member.team_id == team_id)) or 0

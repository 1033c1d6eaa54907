"""Call-ups: the part of the roster that reaches people, over Kafka, through their agency.

A call-up is stored, its members marked deployed and a ``CallUpIssued`` put on the outbox in one
transaction; the owning agency notifies the members; their answers come back as
``MemberResponded`` and are kept once each, with the time of the first answer. It is apart from
the standing roster (``service.py``) because it answers to the agencies and to the clock, while
teams, duty and plans change only when someone here edits them.
"""

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.activity import service as activity
from gateway.roster import checks
from gateway.roster.models import (
    ROLE_ORDER,
    CallUpCreate,
    CallUpMember,
    CallUpRow,
    Member,
    MusterBoard,
    MusterMember,
)
from gateway.roster.service import team
from jcp.roster.v1 import roster_pb2 as pb
from kernel import metrics, sources
from kernel.bus.envelope import Event, InvalidEvent
from kernel.bus.outbox import announce
from kernel.bus.topics import ROSTER
from kernel.clock import Clock, utc_now
from kernel.db import get_for_update
from kernel.errors import Conflict, NotFound
from kernel.incidents.models import IncidentRow


def call_up(
    *,
    session: Session,
    data: CallUpCreate,
    actor: str,
    drill_id: str | None = None,
    drill: bool = False,
    clock: Clock = utc_now,
) -> CallUpRow:
    owner = team(session=session, team_id=data.team_id)
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
        session=session,
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
    message = pb.CallUpCancelled(
        call_up_id=row.id, agency=row.agency, reason=reason, stood_down=status == "stood_down"
    )
    message.cancelled_at.FromDatetime(now)
    announce(
        session=session, topic=ROSTER, source=sources.GATEWAY_ROSTER, key=row.id, message=message, clock=clock
    )
    activity.record(
        session=session,
        actor=actor,
        kind="callup",
        action=status,
        incident_id=row.incident_id,
        data={"call_up_id": row.id, "reason": reason},
        clock=clock,
    )
    return row


def mirror_response(*, session: Session, event: Event, clock: Clock = utc_now) -> None:
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
            session=session,
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
        pb.RESPONSE_ON_THE_WAY: "on_the_way_at",
        pb.RESPONSE_ARRIVED: "arrived_at",
        pb.RESPONSE_DECLINED: "declined_at",
    }.get(message.response)
    if field is None:
        raise InvalidEvent(f"response {message.response} is not known")
    if getattr(called, field) is None:
        setattr(called, field, at)
        metrics.MUSTER_ANSWERS.labels(field.removesuffix("_at")).inc()
        # Setting out or arriving counts as acknowledging, should that answer be late or lost.
        if field in ("on_the_way_at", "arrived_at") and called.acknowledged_at is None:
            called.acknowledged_at = at


def muster(*, session: Session, call_up_id: str, with_members: bool = False) -> MusterBoard:
    row = session.get(CallUpRow, call_up_id)
    if row is None:
        raise NotFound(f"call-up {call_up_id} does not exist", call_up_id=call_up_id)
    times = session.execute(
        select(
            CallUpMember.acknowledged_at,
            CallUpMember.on_the_way_at,
            CallUpMember.arrived_at,
            CallUpMember.declined_at,
        ).where(CallUpMember.call_up_id == call_up_id)
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
                on_the_way_at=a.on_the_way_at,
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
        on_the_way=sum(1 for t in times if t.on_the_way_at),
        **figures.__dict__,
        members=members,
    )

"""Call-ups at the agency that owns the team: members are notified and answer from their devices.

Each member's acknowledgement and arrival is recorded once, with the time of the first answer;
a device that repeats itself (a retry, a double tap, a reconnect) changes nothing and announces
nothing. A cancelled call-up takes no more answers.
"""

from datetime import datetime

from sqlalchemy import JSON, Boolean, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from jcp.roster.v1 import roster_pb2 as pb
from kernel.bus.envelope import Event
from kernel.bus.outbox import announce
from kernel.bus.topics import ROSTER
from kernel.clock import Clock, utc_now
from kernel.db import Base, UtcDateTime, get_for_update
from kernel.errors import Conflict, Invalid, NotFound
from kernel.profiles import AgencyProfile

RESPONSES = {
    pb.RESPONSE_ACKNOWLEDGED: "acknowledged",
    pb.RESPONSE_ARRIVED: "arrived",
    pb.RESPONSE_DECLINED: "declined",
}


class AgencyCallUp(Base):
    __tablename__ = "agency_call_ups"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(64))
    incident_id: Mapped[str] = mapped_column(String(64))
    drill: Mapped[bool] = mapped_column(Boolean)
    assembly_point: Mapped[str] = mapped_column(String(500))
    called_at: Mapped[datetime] = mapped_column(UtcDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    members: Mapped[list[dict[str, str]]] = mapped_column(JSON)


class MemberAnswer(Base):
    __tablename__ = "member_answers"

    call_up_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    arrived_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    declined_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reason: Mapped[str] = mapped_column(String(500))


def handle_event(*, session: Session, event: Event, profile: AgencyProfile) -> None:
    message = event.message
    if isinstance(message, pb.CallUpIssued) and message.call_up.agency == profile.id:
        call_up = message.call_up
        if session.get(AgencyCallUp, call_up.id) is not None:
            return
        session.add(
            AgencyCallUp(
                id=call_up.id,
                team_id=call_up.team_id,
                incident_id=call_up.incident_id,
                drill=call_up.drill,
                assembly_point=call_up.assembly_point,
                called_at=call_up.called_at.ToDatetime(tzinfo=utc_now().tzinfo),
                cancelled_at=None,
                members=[
                    {"member_id": m.member_id, "name": m.name, "phone": m.phone, "role": m.role}
                    for m in call_up.members
                ],
            )
        )
    elif isinstance(message, pb.CallUpCancelled) and message.agency == profile.id:
        row = get_for_update(session=session, model=AgencyCallUp, key=message.call_up_id)
        if row is not None and row.cancelled_at is None:
            row.cancelled_at = message.cancelled_at.ToDatetime(tzinfo=utc_now().tzinfo)


def _to_proto(row: AgencyCallUp, agency: str) -> pb.CallUp:
    call_up = pb.CallUp(
        id=row.id,
        team_id=row.team_id,
        agency=agency,
        incident_id=row.incident_id,
        drill=row.drill,
        assembly_point=row.assembly_point,
        members=[pb.CalledMember(**member) for member in row.members],
    )
    call_up.called_at.FromDatetime(row.called_at)
    return call_up


def open_call_ups(*, session: Session, profile: AgencyProfile, member_id: str) -> list[pb.CallUp]:
    rows = session.scalars(
        select(AgencyCallUp)
        .where(AgencyCallUp.cancelled_at.is_(None))
        .order_by(AgencyCallUp.called_at.desc())
    )
    return [
        _to_proto(row, profile.id)
        for row in rows
        if not member_id or any(m["member_id"] == member_id for m in row.members)
    ]


def respond(
    *,
    session: Session,
    profile: AgencyProfile,
    call_up_id: str,
    member_id: str,
    response: int,
    reason: str,
    source: str,
    clock: Clock = utc_now,
) -> tuple[str, datetime, bool]:
    """Record one answer; (answer, when it was first given, whether this was the first time)."""
    kind = RESPONSES.get(response)
    if kind is None:
        raise Invalid(f"response {response} is not known", allowed=sorted(RESPONSES.values()))
    row = session.get(AgencyCallUp, call_up_id)
    if row is None:
        raise NotFound(f"{profile.id} holds no call-up {call_up_id}", call_up_id=call_up_id)
    if not any(m["member_id"] == member_id for m in row.members):
        raise NotFound(f"member {member_id} is not called by {call_up_id}", member_id=member_id)
    if row.cancelled_at is not None:
        raise Conflict(f"call-up {call_up_id} was cancelled", call_up_id=call_up_id)
    answer = get_for_update(session=session, model=MemberAnswer, key=(call_up_id, member_id))
    if answer is None:
        answer = MemberAnswer(call_up_id=call_up_id, member_id=member_id, reason="")
        session.add(answer)
    if kind == "declined" and (answer.acknowledged_at or answer.arrived_at):
        raise Conflict(
            f"member {member_id} already answered call-up {call_up_id}; a decline comes first or not at all"
        )
    if kind != "declined" and answer.declined_at is not None:
        raise Conflict(f"member {member_id} declined call-up {call_up_id}")
    now = clock()
    announced: list[str] = []
    if kind in ("acknowledged", "arrived") and answer.acknowledged_at is None:
        answer.acknowledged_at = now  # arriving without a word counts as acknowledging
        announced.append("acknowledged")
    if kind == "arrived" and answer.arrived_at is None:
        answer.arrived_at = now
        announced.append("arrived")
    if kind == "declined" and answer.declined_at is None:
        answer.declined_at = now
        answer.reason = reason
        announced.append("declined")
    codes = {name: code for code, name in RESPONSES.items()}
    for name in announced:
        message = pb.MemberResponded(
            call_up_id=call_up_id, member_id=member_id, agency=profile.id, response=codes[name], reason=reason
        )
        message.at.FromDatetime(now)
        announce(session=session, topic=ROSTER, key=call_up_id, message=message, source=source, clock=clock)
    first_at = {
        "acknowledged": answer.acknowledged_at,
        "arrived": answer.arrived_at,
        "declined": answer.declined_at,
    }
    return kind, first_at[kind] or now, kind in announced

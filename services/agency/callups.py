"""Call-ups at the agency that owns the team: members are notified and answer from their devices.

Each member's acknowledgement, setting out and arrival is recorded once, with the time of the
first answer; a device that repeats itself (a retry, a double tap, a reconnect) changes nothing
and announces nothing. A cancelled or stood-down call-up takes no more answers. The duty room's
muster board is counted here from the same answers.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import JSON, Boolean, String, false, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from jcp.roster.v1 import roster_pb2 as pb
from kernel.bus.envelope import Event
from kernel.bus.outbox import announce
from kernel.bus.topics import ROSTER
from kernel.clock import Clock, utc_now
from kernel.db import Base, UtcDateTime, get_for_update
from kernel.errors import Conflict, Gone, Invalid, NotFound
from kernel.profiles import AgencyProfile

RESPONSES = {
    pb.RESPONSE_ACKNOWLEDGED: "acknowledged",
    pb.RESPONSE_ON_THE_WAY: "on_the_way",
    pb.RESPONSE_ARRIVED: "arrived",
    pb.RESPONSE_DECLINED: "declined",
}
RESPONSE_CODES = {name: code for code, name in RESPONSES.items()}
_HELD = "jcp.agency.call_ups_held"
# Setting out or arriving without a word first counts as acknowledging.
ACKNOWLEDGING = frozenset({"acknowledged", "on_the_way", "arrived"})


class AgencyCallUp(Base):
    __tablename__ = "agency_call_ups"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(64))
    incident_id: Mapped[str] = mapped_column(String(64))
    drill: Mapped[bool] = mapped_column(Boolean)
    assembly_point: Mapped[str] = mapped_column(String(500))
    called_at: Mapped[datetime] = mapped_column(UtcDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Why it was closed, and whether the members were stood down rather than the call-up cancelled.
    cancel_reason: Mapped[str] = mapped_column(String(500), server_default="")
    stood_down: Mapped[bool] = mapped_column(Boolean, server_default=false())
    members: Mapped[list[dict[str, str]]] = mapped_column(JSON)

    @property
    def status(self) -> str:
        if self.cancelled_at is None:
            return "open"
        return "stood_down" if self.stood_down else "cancelled"

    def member(self, member_id: str) -> dict[str, str] | None:
        return next((m for m in self.members if m["member_id"] == member_id), None)


class MemberAnswer(Base):
    __tablename__ = "member_answers"

    call_up_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    on_the_way_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    arrived_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    declined_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reason: Mapped[str] = mapped_column(String(500))


@dataclass(frozen=True)
class MusterCount:
    """How many of the called have given each answer."""

    called: int
    acknowledged: int = 0
    on_the_way: int = 0
    arrived: int = 0
    declined: int = 0


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
                cancel_reason="",
                stood_down=False,
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
            row.cancel_reason = message.reason
            row.stood_down = message.stood_down


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


def get_call_up(*, session: Session, profile: AgencyProfile, call_up_id: str) -> AgencyCallUp:
    row = session.get(AgencyCallUp, call_up_id)
    if row is None:
        raise NotFound(f"{profile.id} holds no call-up {call_up_id}", call_up_id=call_up_id)
    # Held for the session's life: the session keeps rows only while something refers to them,
    # and answers written together (group commit) would otherwise each read the call-up and
    # its member list again.
    session.info.setdefault(_HELD, {})[call_up_id] = row
    return row


def ensure_open(row: AgencyCallUp) -> None:
    """A closed call-up says how it ended, so a member knows not to come (or to go home)."""
    if row.status == "open":
        return
    ended = "its members were stood down" if row.stood_down else "it was cancelled"
    because = f": {row.cancel_reason}" if row.cancel_reason else ""
    raise Gone(f"call-up {row.id} is over; {ended}{because}", call_up_id=row.id, status=row.status)


def list_call_ups(*, session: Session, limit: int) -> list[tuple[AgencyCallUp, MusterCount]]:
    """The call-ups this agency holds, open ones first, then the newest, with their counts."""
    rows = session.scalars(
        select(AgencyCallUp)
        .order_by(AgencyCallUp.cancelled_at.is_not(None), AgencyCallUp.called_at.desc())
        .limit(limit)
    ).all()
    counted = {
        row.call_up_id: row
        for row in session.execute(
            select(
                MemberAnswer.call_up_id,
                func.count(MemberAnswer.acknowledged_at).label("acknowledged"),
                func.count(MemberAnswer.on_the_way_at).label("on_the_way"),
                func.count(MemberAnswer.arrived_at).label("arrived"),
                func.count(MemberAnswer.declined_at).label("declined"),
            )
            .where(MemberAnswer.call_up_id.in_([row.id for row in rows]))
            .group_by(MemberAnswer.call_up_id)
        )
    }
    result = []
    for row in rows:
        found = counted.get(row.id)
        count = MusterCount(called=len(row.members))
        if found is not None:
            count = MusterCount(
                called=len(row.members),
                acknowledged=found.acknowledged,
                on_the_way=found.on_the_way,
                arrived=found.arrived,
                declined=found.declined,
            )
        result.append((row, count))
    return result


def answers(*, session: Session, call_up_id: str) -> dict[str, MemberAnswer]:
    """Each member's recorded answers; a member who has not answered is absent."""
    rows = session.scalars(select(MemberAnswer).where(MemberAnswer.call_up_id == call_up_id))
    return {row.member_id: row for row in rows}


def member_answer(*, session: Session, call_up_id: str, member_id: str) -> MemberAnswer | None:
    return session.get(MemberAnswer, (call_up_id, member_id))


@dataclass(frozen=True)
class Responded:
    """One answer as recorded: the answer, when it was first given, whether this was the first
    time, and the member's answers so far (returned, not read again: a re-read would flush)."""

    kind: str
    at: datetime
    first: bool
    answers: MemberAnswer


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
) -> Responded:
    """Record one answer, once."""
    kind = RESPONSES.get(response)
    if kind is None:
        raise Invalid(f"response {response} is not known", allowed=sorted(RESPONSES.values()))
    row = get_call_up(session=session, profile=profile, call_up_id=call_up_id)
    if row.member(member_id) is None:
        raise NotFound(f"member {member_id} is not called by {call_up_id}", member_id=member_id)
    ensure_open(row)
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
    if kind in ACKNOWLEDGING and answer.acknowledged_at is None:
        answer.acknowledged_at = now
        announced.append("acknowledged")
    if kind == "on_the_way" and answer.on_the_way_at is None:
        answer.on_the_way_at = now
        announced.append("on_the_way")
    if kind == "arrived" and answer.arrived_at is None:
        answer.arrived_at = now
        announced.append("arrived")
    if kind == "declined" and answer.declined_at is None:
        answer.declined_at = now
        answer.reason = reason
        announced.append("declined")
    for name in announced:
        message = pb.MemberResponded(
            call_up_id=call_up_id,
            member_id=member_id,
            agency=profile.id,
            response=RESPONSE_CODES[name],
            reason=reason,
        )
        message.at.FromDatetime(now)
        announce(session=session, topic=ROSTER, key=call_up_id, message=message, source=source, clock=clock)
    first_at = {
        "acknowledged": answer.acknowledged_at,
        "on_the_way": answer.on_the_way_at,
        "arrived": answer.arrived_at,
        "declined": answer.declined_at,
    }
    return Responded(kind=kind, at=first_at[kind] or now, first=kind in announced, answers=answer)

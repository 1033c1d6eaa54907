"""The agency's response teams and their members, as the gateway last sent them.

The gateway keeps the roster (it is edited in the command room and drawn on by call-ups); each
change arrives here as the team's whole snapshot, so the duty room can show its teams, and who
is available, on leave or deployed, from its own database while the gateway is down.
"""

from datetime import datetime

from sqlalchemy import JSON, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from jcp.roster.v1 import roster_pb2 as pb
from kernel.bus.envelope import Event
from kernel.clock import utc_now
from kernel.db import Base, UtcDateTime, get_for_update
from kernel.profiles import AgencyProfile
from services.agency.callups import AgencyCallUp


class AgencyTeam(Base):
    __tablename__ = "agency_teams"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(64))
    assembly_point: Mapped[str] = mapped_column(String(500))
    # Each: member_id, name, role, phone, status, qualifications.
    members: Mapped[list[dict[str, object]]] = mapped_column(JSON)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime)


def handle_event(*, session: Session, event: Event, profile: AgencyProfile) -> None:
    message = event.message
    if not isinstance(message, pb.TeamRoster) or message.agency != profile.id:
        return
    changed_at = message.changed_at.ToDatetime(tzinfo=utc_now().tzinfo)
    members: list[dict[str, object]] = [
        {
            "member_id": m.member_id,
            "name": m.name,
            "role": m.role,
            "phone": m.phone,
            "status": m.status,
            "qualifications": list(m.qualifications),
        }
        for m in message.members
    ]
    row = get_for_update(session=session, model=AgencyTeam, key=message.team_id)
    if row is None:
        session.add(
            AgencyTeam(
                id=message.team_id,
                name=message.name,
                kind=message.kind,
                assembly_point=message.assembly_point,
                members=members,
                changed_at=changed_at,
            )
        )
    elif changed_at >= row.changed_at:
        # A snapshot re-delivered after a newer one (a replay) is older news: kept out.
        row.name, row.kind, row.assembly_point = message.name, message.kind, message.assembly_point
        row.members, row.changed_at = members, changed_at


def list_teams(*, session: Session) -> list[AgencyTeam]:
    return list(session.scalars(select(AgencyTeam).order_by(AgencyTeam.name, AgencyTeam.id)))


def open_call_ups(*, session: Session) -> dict[str, list[AgencyCallUp]]:
    """Each team's call-ups still open, newest first: a member in one is out on it."""
    rows = session.scalars(
        select(AgencyCallUp)
        .where(AgencyCallUp.cancelled_at.is_(None))
        .order_by(AgencyCallUp.called_at.desc())
    )
    found: dict[str, list[AgencyCallUp]] = {}
    for row in rows:
        found.setdefault(row.team_id, []).append(row)
    return found

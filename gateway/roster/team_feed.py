"""Each team, sent whole to its agency whenever the team or one of its members changes.

The agency's duty room shows its teams and who is available, on leave or deployed; it reads them
from its own database so it keeps working while the gateway is down. Members change in many
places (an import, a status edit, a call-up deploying them, its close freeing them, a drill), so
the snapshot is taken by a session hook at commit, whatever path made the change, rather than by
each of those paths remembering to.
"""

from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

from gateway.roster.models import Member, Team
from jcp.roster.v1 import roster_pb2 as pb
from kernel import sources
from kernel.bus.outbox import announce
from kernel.bus.topics import ROSTER
from kernel.clock import Clock, utc_now
from kernel.db import transaction

_CHANGED = "jcp.roster.teams_changed"


def snapshot(*, session: Session, team: Team, clock: Clock = utc_now) -> pb.TeamRoster:
    members = session.scalars(select(Member).where(Member.team_id == team.id).order_by(Member.id))
    message = pb.TeamRoster(
        team_id=team.id,
        agency=team.agency,
        name=team.name,
        kind=team.kind,
        assembly_point=team.assembly_point,
        members=[
            pb.TeamMember(
                member_id=m.id,
                name=m.name,
                role=m.role,
                phone=m.phone,
                status=m.status,
                qualifications=list(m.qualifications),
            )
            for m in members
        ],
    )
    message.changed_at.FromDatetime(clock())
    return message


def announce_team(*, session: Session, team: Team, clock: Clock = utc_now) -> None:
    announce(
        session=session,
        topic=ROSTER,
        source=sources.GATEWAY_ROSTER,
        key=f"team:{team.id}",
        message=snapshot(session=session, team=team, clock=clock),
        clock=clock,
    )


def announce_all(*, session: Session, clock: Clock = utc_now) -> int:
    """Every team once, at the gateway's start: an agency whose database or broker was wiped
    since the last change gets its teams back without anyone editing them."""
    teams = list(session.scalars(select(Team).order_by(Team.id)))
    for team in teams:
        announce_team(session=session, team=team, clock=clock)
    return len(teams)


def install(factory: sessionmaker[Session], *, clock: Clock = utc_now) -> None:
    """Hooks the feed into every session of the gateway's database, and sends every team once."""

    def noted(session: Session, _context: object, _instances: object) -> None:
        changed: set[str] = session.info.setdefault(_CHANGED, set())
        for row in [*session.new, *session.dirty, *session.deleted]:
            if isinstance(row, Team):
                changed.add(row.id)
            elif isinstance(row, Member):
                changed.add(row.team_id)

    def committing(session: Session) -> None:
        session.flush()  # changes not flushed yet are noted by this flush
        changed: set[str] = session.info.pop(_CHANGED, set())
        for team_id in sorted(changed):
            team = session.get(Team, team_id)
            if team is not None:
                announce_team(session=session, team=team, clock=clock)

    def rolled_back(session: Session) -> None:
        # A savepoint's rollback leaves the outer transaction's changes, and their note, in place.
        if not session.in_transaction():
            session.info.pop(_CHANGED, None)

    event.listen(factory, "before_flush", noted)
    event.listen(factory, "before_commit", committing)
    event.listen(factory, "after_commit", lambda session: session.info.pop(_CHANGED, None))
    event.listen(factory, "after_soft_rollback", lambda session, _previous: rolled_back(session))
    with transaction(factory) as session:
        announce_all(session=session, clock=clock)

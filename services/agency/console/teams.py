"""The duty room's teams: every member with their status, and the team's open call-ups, so the
duty officer sees who can still be called before calling."""

from fastapi import APIRouter

from services.agency import teams
from services.agency.console.context import Context
from services.agency.console.schemas import TeamMemberRead, TeamRead
from services.agency.console.staff import Mustering

router = APIRouter(prefix="/api/v1", tags=["teams"])

_ROLE_ORDER = {"commander": 0, "squad_leader": 1, "member": 2}


@router.get("/teams", response_model=list[TeamRead])
def list_teams(context: Context, _staff: Mustering) -> list[TeamRead]:
    with context.session_factory() as session:
        rows = teams.list_teams(session=session)
        open_by_team = teams.open_call_ups(session=session)
    result = []
    for row in rows:
        call_ups = open_by_team.get(row.id, [])
        called_in = {m["member_id"]: c.id for c in reversed(call_ups) for m in c.members}
        roster = sorted(
            (
                TeamMemberRead.model_validate({**m, "call_up_id": called_in.get(str(m["member_id"]))})
                for m in row.members
            ),
            key=lambda m: (_ROLE_ORDER.get(m.role, 9), m.member_id),
        )
        result.append(
            TeamRead(
                id=row.id,
                name=row.name,
                kind=row.kind,
                assembly_point=row.assembly_point,
                members=len(roster),
                available=sum(1 for m in roster if m.status == "available"),
                on_leave=sum(1 for m in roster if m.status == "on_leave"),
                deployed=sum(1 for m in roster if m.status == "deployed"),
                open_call_ups=[c.id for c in call_ups],
                changed_at=row.changed_at,
                roster=roster,
            )
        )
    return result

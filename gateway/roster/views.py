"""HTTP routes of the response-team roster: teams, members, duty, plans, call-ups, drills."""

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from gateway.auth.deps import Roster
from gateway.context import Context, ReadSession
from gateway.incidents.models import AgencyId
from gateway.roster import after_action, callups, drills, service
from gateway.roster.models import (
    CallUpClose,
    CallUpCreate,
    CallUpRow,
    Drill,
    DrillCreate,
    DrillRead,
    ImportResult,
    MemberRead,
    MemberUpdate,
    MusterBoard,
    PlanCreate,
    PlanRead,
    SensitivePlan,
    ShiftCreate,
    ShiftGap,
    ShiftRead,
    Team,
    TeamCreate,
    TeamRead,
)
from kernel.db import transaction
from kernel.errors import Invalid, TooLarge

router = APIRouter(prefix="/api/v1/roster", tags=["roster"])

MAX_CSV_BYTES = 1_000_000


@router.get("/teams", response_model=list[TeamRead])
def list_teams(session: ReadSession, agency: AgencyId | None = None) -> list[TeamRead]:
    query = select(Team).order_by(Team.agency, Team.id)
    if agency:
        query = query.where(Team.agency == agency)
    return [service.team_read(session=session, row=row) for row in session.scalars(query)]


@router.post("/teams", status_code=201, response_model=TeamRead)
def create_team(data: TeamCreate, ctx: Context, _actor: Roster) -> TeamRead:
    with transaction(ctx.session_factory) as session:
        return service.team_read(session=session, row=service.create_team(session=session, data=data))


@router.get("/teams/{team_id}/members", response_model=list[MemberRead])
def team_members(team_id: str, session: ReadSession) -> list[MemberRead]:
    return [MemberRead.model_validate(m) for m in service.members_of(session=session, team_id=team_id)]


@router.put(
    "/teams/{team_id}/members.csv",
    response_model=ImportResult,
    openapi_extra={
        "requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}, "required": True}
    },
    responses={422: {"description": "Every bad row and column is listed; nothing is imported"}},
)
async def import_members(team_id: str, request: Request, ctx: Context, _actor: Roster) -> ImportResult:
    """Replace the team's members with a CSV file (columns id, name, role, qualifications
    separated by ';', phone, status). A file with any bad row is refused whole."""
    body = await request.body()
    if len(body) > MAX_CSV_BYTES:
        raise TooLarge(f"the file is {len(body)} bytes; at most {MAX_CSV_BYTES}")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid("the file is not UTF-8 text") from None

    def run() -> ImportResult:
        with transaction(ctx.session_factory) as session:
            return service.import_members(session=session, team_id=team_id, text=text)

    return await run_in_threadpool(run)


@router.get("/teams/{team_id}/members.csv", response_class=PlainTextResponse)
def export_members(team_id: str, session: ReadSession) -> PlainTextResponse:
    return PlainTextResponse(
        service.export_members(session=session, team_id=team_id),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{team_id}-members.csv"'},
    )


@router.patch("/members/{member_id}", response_model=MemberRead)
def update_member(member_id: str, data: MemberUpdate, ctx: Context, _actor: Roster) -> MemberRead:
    with transaction(ctx.session_factory) as session:
        return MemberRead.model_validate(
            service.set_member_status(session=session, member_id=member_id, status=data.status)
        )


@router.post("/shifts", status_code=201, response_model=ShiftRead)
def add_shift(data: ShiftCreate, ctx: Context, _actor: Roster) -> ShiftRead:
    """Add a duty shift. 409 when someone in it is already on duty at that time."""
    with transaction(ctx.session_factory) as session:
        return ShiftRead.model_validate(service.add_shift(session=session, data=data))


@router.get("/gaps", response_model=list[ShiftGap])
def duty_gaps(
    session: ReadSession,
    start: Annotated[datetime, Query(alias="from")],
    end: Annotated[datetime, Query(alias="to")],
    agency: AgencyId | None = None,
) -> list[ShiftGap]:
    """Every shift missing its leader, its staff or its vehicle ("three in place")."""
    if end <= start:
        raise Invalid("'to' must be after 'from'", field="to")
    return service.gaps(session=session, start=_aware(start), end=_aware(end), agency=agency)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@router.post("/plans", status_code=201, response_model=PlanRead)
def add_plan(data: PlanCreate, ctx: Context, _actor: Roster) -> PlanRead:
    """A sensitive-period plan: each instability factor with its responsible unit and person
    and a watch schedule covering all 24 hours."""
    with transaction(ctx.session_factory) as session:
        row = service.add_plan(session=session, data=data)
        return PlanRead(
            id=row.id, name=row.name, starts_on=row.starts_on, ends_on=row.ends_on, factors=row.factors
        )


@router.get("/plans", response_model=list[PlanRead])
def list_plans(session: ReadSession) -> list[PlanRead]:
    return [
        PlanRead(id=r.id, name=r.name, starts_on=r.starts_on, ends_on=r.ends_on, factors=r.factors)
        for r in session.scalars(select(SensitivePlan).order_by(SensitivePlan.starts_on))
    ]


@router.post("/callups", status_code=201, response_model=MusterBoard)
def call_up(data: CallUpCreate, ctx: Context, actor: Roster) -> MusterBoard:
    """Call up a team, or N of its available members with the named qualifications. The owning
    agency notifies the members; their answers fill the muster board."""
    with transaction(ctx.session_factory) as session:
        row = callups.call_up(session=session, data=data, actor=actor, clock=ctx.clock)
        return callups.muster(session=session, call_up_id=row.id)


@router.get("/callups", response_model=list[MusterBoard])
def list_call_ups(
    session: ReadSession, status: Literal["open", "cancelled", "stood_down"] | None = None
) -> list[MusterBoard]:
    query = select(CallUpRow.id).order_by(CallUpRow.called_at.desc()).limit(100)
    if status:
        query = query.where(CallUpRow.status == status)
    return [callups.muster(session=session, call_up_id=call_up_id) for call_up_id in session.scalars(query)]


@router.get("/callups/{call_up_id}/muster", response_model=MusterBoard)
def muster_board(call_up_id: str, session: ReadSession, members: bool = False) -> MusterBoard:
    """Called, acknowledged, arrived; time to first acknowledgement, to 50 % and 90 % mustered."""
    return callups.muster(session=session, call_up_id=call_up_id, with_members=members)


@router.post("/callups/{call_up_id}/cancel", response_model=MusterBoard)
def cancel_call_up(call_up_id: str, body: CallUpClose, ctx: Context, actor: Roster) -> MusterBoard:
    """Cancel a call-up: members are free again and later answers are refused."""
    return _close(call_up_id, "cancelled", body, ctx, actor)


@router.post("/callups/{call_up_id}/stand-down", response_model=MusterBoard)
def stand_down(call_up_id: str, body: CallUpClose, ctx: Context, actor: Roster) -> MusterBoard:
    return _close(call_up_id, "stood_down", body, ctx, actor)


def _close(call_up_id: str, status: str, body: CallUpClose, ctx: Context, actor: str) -> MusterBoard:
    with transaction(ctx.session_factory) as session:
        callups.close_call_up(
            session=session,
            call_up_id=call_up_id,
            status=status,
            reason=body.reason,
            actor=actor,
            clock=ctx.clock,
        )
        return callups.muster(session=session, call_up_id=call_up_id)


@router.get("/scenarios")
def list_scenarios() -> list[dict[str, Any]]:
    return [
        {
            "id": s.id,
            "name_zh": s.name_zh,
            "name_en": s.name_en,
            "teams": s.teams,
            "incidents": len(s.incidents),
        }
        for s in drills.scenarios().values()
    ]


@router.post("/drills", status_code=201, response_model=DrillRead)
def schedule_drill(data: DrillCreate, ctx: Context, actor: Roster) -> DrillRead:
    with transaction(ctx.session_factory) as session:
        return DrillRead.model_validate(drills.schedule(session=session, data=data, actor=actor))


@router.get("/drills", response_model=list[DrillRead])
def list_drills(session: ReadSession) -> list[DrillRead]:
    return [
        DrillRead.model_validate(r)
        for r in session.scalars(select(Drill).order_by(Drill.scheduled_for.desc()))
    ]


@router.get("/drills/counts")
def drill_counts(
    session: ReadSession, year: Annotated[int | None, Query(ge=2000, le=2100)] = None
) -> dict[str, Any]:
    """Ended drills per team in a year (default: this year)."""
    year = year or datetime.now(UTC).year
    return {"year": year, "teams": drills.year_counts(session=session, year=year)}


@router.get("/drills/{drill_id}", response_model=DrillRead)
def get_drill(drill_id: str, session: ReadSession) -> DrillRead:
    return DrillRead.model_validate(drills.get(session=session, drill_id=drill_id))


@router.post("/drills/{drill_id}/start", response_model=DrillRead)
def start_drill(drill_id: str, ctx: Context, actor: Roster) -> DrillRead:
    """Create the scenario's drill-flagged incidents and orders, and call up its teams."""
    with transaction(ctx.session_factory) as session:
        row = drills.start(
            session=session,
            drill_id=drill_id,
            actor=actor,
            rules=ctx.rules,
            policy=ctx.policy,
            clock=ctx.clock,
        )
        return DrillRead.model_validate(row)


@router.post("/drills/{drill_id}/end", response_model=DrillRead)
def end_drill(drill_id: str, ctx: Context, actor: Roster) -> DrillRead:
    with transaction(ctx.session_factory) as session:
        return DrillRead.model_validate(
            drills.end(session=session, drill_id=drill_id, actor=actor, clock=ctx.clock)
        )


@router.get(
    "/drills/{drill_id}/report",
    responses={200: {"content": {"application/json": {}, "text/csv": {}, "text/html": {}}}},
)
def drill_report(
    drill_id: str,
    session: ReadSession,
    format: Literal["json", "csv", "html"] = "json",
) -> Response:
    """The after-action report: every clock (acknowledgement, muster, dispatch, on scene) and who
    missed what, as JSON, CSV or a printable HTML page."""
    data = after_action.report(session=session, drill_id=drill_id)
    if format == "csv":
        return PlainTextResponse(after_action.report_csv(data), media_type="text/csv; charset=utf-8")
    if format == "html":
        return HTMLResponse(after_action.report_html(data))
    return JSONResponse(data)

"""HTTP routes of the dispute register: cases, their sessions, outcome and follow-up, and the
mediation figures (JSON and CSV). Recording needs intake, the room that takes reported
problems in; reading needs view, with parties masked unless the reader handles cases."""

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import PlainTextResponse
from sqlalchemy.orm import Session

from gateway.auth.deps import Intake, SignedIn, signed_in
from gateway.auth.roles import Permission, allows
from gateway.centers.models import CenterId
from gateway.context import Context, ReadSession
from gateway.disputes import service
from gateway.disputes.models import (
    KIND_NAMES,
    OUTCOME_NAMES,
    DisputeCreate,
    DisputeKind,
    DisputePage,
    DisputeRead,
    FiguresTable,
    FollowUpCreate,
    OutcomeCreate,
    SessionCreate,
    Stage,
    names,
)
from kernel.db import transaction

router = APIRouter(prefix="/api/v1/disputes", tags=["disputes"])

Reader = Annotated[SignedIn, Depends(signed_in)]
Year = Annotated[int | None, Query(ge=2000, le=2100, description="Default: this year")]


@router.get("/vocabulary")
def vocabulary() -> dict[str, list[dict[str, str]]]:
    """The kinds of dispute and the outcomes, with their Chinese and English names."""
    return {"kinds": names(KIND_NAMES), "outcomes": names(OUTCOME_NAMES)}


@router.get("", response_model=DisputePage)
def list_disputes(
    session: ReadSession,
    kind: DisputeKind | None = None,
    center: CenterId | None = None,
    stage: Stage | None = None,
    mediator: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> DisputePage:
    """Newest first; parties' names, ID numbers and phones masked as partner sharing masks them."""
    return service.search(
        session=session,
        kind=kind.value if kind else None,
        center=center,
        stage=stage,
        mediator=mediator,
        limit=limit,
        offset=offset,
    )


@router.post("", status_code=201, response_model=DisputeRead)
def register(data: DisputeCreate, ctx: Context, actor: Intake) -> DisputeRead:
    with transaction(ctx.session_factory) as session:
        row = service.register(
            session=session,
            data=data,
            actor=actor,
            default_center=ctx.rules.joint_center,
            clock=ctx.clock,
            timezone=ctx.policy.timezone,
        )
        return service.read(session=session, row=row, unmasked=True)


def _year(ctx: Context, year: int | None) -> int:
    return year or service.local_date(ctx.clock(), ctx.policy.timezone).year


@router.get("/figures", response_model=FiguresTable)
def figures(
    session: ReadSession, ctx: Context, year: Year = None, center: CenterId | None = None
) -> FiguresTable:
    """Reported, mediated (an outcome dated in the period), settled and the settled rate: the
    year, by month, kind, grid cell and mediator, and every year with data."""
    return service.figures(session=session, year=_year(ctx, year), center=center)


@router.get("/figures.csv", response_class=PlainTextResponse)
def figures_csv(
    session: ReadSession, ctx: Context, year: Year = None, center: CenterId | None = None
) -> PlainTextResponse:
    table = service.figures(session=session, year=_year(ctx, year), center=center)
    return PlainTextResponse(
        service.figures_csv(table),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="disputes-{table.year}.csv"'},
    )


@router.get("/{case_id}", response_model=DisputeRead)
def get_dispute(case_id: str, session: ReadSession, who: Reader) -> DisputeRead:
    row = service.get(session=session, case_id=case_id)
    return service.read(session=session, row=row, unmasked=allows(who.role, Permission.INTAKE))


def _recorded(ctx: Context, case_id: str, step: Callable[[Session], object]) -> DisputeRead:
    """One recording step and the case as it stands after it, in one transaction."""
    with transaction(ctx.session_factory) as session:
        step(session)
        row = service.get(session=session, case_id=case_id)
        return service.read(session=session, row=row, unmasked=True)


@router.post("/{case_id}/sessions", status_code=201, response_model=DisputeRead)
def add_session(case_id: str, data: SessionCreate, ctx: Context, actor: Intake) -> DisputeRead:
    """409 once the outcome is recorded."""
    return _recorded(
        ctx,
        case_id,
        lambda session: service.add_session(
            session=session,
            case_id=case_id,
            data=data,
            actor=actor,
            clock=ctx.clock,
            timezone=ctx.policy.timezone,
        ),
    )


@router.post("/{case_id}/outcome", response_model=DisputeRead)
def record_outcome(case_id: str, data: OutcomeCreate, ctx: Context, actor: Intake) -> DisputeRead:
    """Recorded once: a second outcome is 409 naming the first."""
    return _recorded(
        ctx,
        case_id,
        lambda session: service.record_outcome(
            session=session,
            case_id=case_id,
            data=data,
            actor=actor,
            clock=ctx.clock,
            timezone=ctx.policy.timezone,
        ),
    )


@router.post("/{case_id}/follow-up", response_model=DisputeRead)
def record_follow_up(case_id: str, data: FollowUpCreate, ctx: Context, actor: Intake) -> DisputeRead:
    """Only after the outcome, and once."""
    return _recorded(
        ctx,
        case_id,
        lambda session: service.record_follow_up(
            session=session,
            case_id=case_id,
            data=data,
            actor=actor,
            clock=ctx.clock,
            timezone=ctx.policy.timezone,
        ),
    )

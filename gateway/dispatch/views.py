"""HTTP routes of dispatch: orders, tasks, units and recommendations."""

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from gateway.auth.deps import Command
from gateway.context import Context, ReadSession
from gateway.dispatch import service
from gateway.dispatch.models import (
    DispatchCreate,
    NotRecommended,
    OrderRead,
    Recommendation,
    Recommendations,
    TaskCancel,
    TaskRead,
    UnitRead,
)
from gateway.incidents.models import AgencyId
from kernel import metrics
from kernel.db import transaction
from kernel.dispatch_store import TaskRow, UnitRow
from kernel.errors import Conflict, NotFound

router = APIRouter(prefix="/api/v1", tags=["dispatch"])


@router.post(
    "/incidents/{incident_id}/dispatch",
    status_code=201,
    response_model=OrderRead,
    responses={
        409: {"description": "Stale expected_version, a unit already assigned, or an agency already tasked"}
    },
)
def dispatch_incident(incident_id: str, order: DispatchCreate, ctx: Context, actor: Command) -> OrderRead:
    """Send an incident to one lead agency and any supporting ones, optionally naming units.
    Each task carries an acknowledge deadline and an on-scene deadline."""
    try:
        with metrics.DISPATCH_SECONDS.time(), transaction(ctx.session_factory) as session:
            order_id, incident, created = service.dispatch(
                session=session,
                incident_id=incident_id,
                order=order,
                actor=actor,
                rules=ctx.rules,
                policy=ctx.policy,
                clock=ctx.clock,
            )
            return OrderRead(
                order_id=order_id,
                incident_id=incident_id,
                incident_version=incident.version,
                tasks=service.tasks_read(session=session, rows=created, now=ctx.clock()),
            )
    except IntegrityError:
        # Another commander's order took one of these units between our check and our insert.
        raise Conflict("a unit in this order was just assigned by another order; reload and retry") from None


@router.get("/incidents/{incident_id}/tasks", response_model=list[TaskRead])
def incident_tasks(incident_id: str, session: ReadSession, ctx: Context) -> list[TaskRead]:
    return service.incident_tasks(session=session, incident_id=incident_id, now=ctx.clock())


@router.get("/tasks/{task_id}", response_model=TaskRead)
def get_task(task_id: str, session: ReadSession, ctx: Context) -> TaskRead:
    row = session.get(TaskRow, task_id)
    if row is None:
        raise NotFound(f"task {task_id} does not exist", task_id=task_id)
    return service.tasks_read(session=session, rows=[row], now=ctx.clock())[0]


@router.post("/tasks/{task_id}/cancel", response_model=TaskRead)
def cancel_task(task_id: str, body: TaskCancel, ctx: Context, actor: Command) -> TaskRead:
    with transaction(ctx.session_factory) as session:
        row = service.cancel_task(
            session=session, task_id=task_id, reason=body.reason, actor=actor, clock=ctx.clock
        )
        return service.tasks_read(session=session, rows=[row], now=ctx.clock())[0]


@router.get("/units", response_model=list[UnitRead])
def list_units(
    session: ReadSession,
    agency: AgencyId | None = None,
    status: Annotated[str | None, Query(pattern="^(available|assigned|en_route|on_scene|off_duty)$")] = None,
) -> list[UnitRead]:
    query = select(UnitRow).order_by(UnitRow.agency, UnitRow.id)
    if agency is not None:
        query = query.where(UnitRow.agency == agency)
    if status is not None:
        query = query.where(UnitRow.status == status)
    return [UnitRead.from_row(row) for row in session.scalars(query)]


@router.get("/incidents/{incident_id}/recommendations", response_model=Recommendations)
def recommend_units(
    incident_id: str,
    session: ReadSession,
    ctx: Context,
    capability: Annotated[list[str], Query(max_length=10, description="Required capabilities")] = [],  # noqa: B006
    agency: Annotated[list[AgencyId], Query(max_length=4)] = [],  # noqa: B006
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> Recommendations:
    """Available units across all agencies, fastest estimated arrival first, and the units left
    out with the reason (lacking a capability, position unknown or stale)."""
    ranking = service.recommendations(
        session=session,
        incident_id=incident_id,
        required=capability,
        agencies=agency,
        limit=limit,
        stale_after=ctx.settings.unit_position_stale_after,
        clock=ctx.clock,
    )
    units = {
        row.id: row
        for row in session.scalars(select(UnitRow).where(UnitRow.id.in_([r.unit.id for r in ranking.units])))
    }
    return Recommendations(
        incident_id=incident_id,
        required_capabilities=capability,
        units=[
            Recommendation(
                unit=UnitRead.from_row(units[item.unit.id]),
                distance_km=round(item.distance_km, 3),
                eta_s=round(item.eta_s, 1),
            )
            for item in ranking.units
        ],
        excluded=[
            NotRecommended(unit_id=e.unit.id, agency=e.unit.agency, reason=e.reason) for e in ranking.excluded
        ],
        excluded_total=ranking.excluded_total,
    )

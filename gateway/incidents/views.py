"""HTTP routes of the incidents API: parse, call the service, shape the answer."""

from typing import Annotated

from fastapi import APIRouter, Header, Query, Response
from pydantic import AwareDatetime
from sqlalchemy.exc import IntegrityError

from gateway.auth.deps import Command, Intake
from gateway.context import Context, ReadSession
from gateway.incidents import flows, service
from gateway.incidents.models import (
    AgencyId,
    CategoryCode,
    Delivery,
    IncidentCreate,
    IncidentDetail,
    IncidentPage,
    IncidentRead,
    IncidentUpdate,
    Level,
    Merge,
    Status,
    StatusChange,
)
from kernel.db import MAX_BIGINT, transaction

router = APIRouter(prefix="/api/v1/incidents", tags=["incidents"])


@router.post(
    "",
    status_code=201,
    response_model=IncidentRead,
    responses={
        200: {"description": "Replay: this Idempotency-Key already created the incident"},
        409: {"description": "The Idempotency-Key was used for a different body"},
    },
)
def create_incident(
    data: IncidentCreate,
    response: Response,
    ctx: Context,
    actor: Intake,
    idempotency_key: Annotated[str | None, Header(min_length=1, max_length=200)] = None,
) -> IncidentRead:
    """Report an incident. It is stored and announced to all four agencies."""
    for attempt in (1, 2):
        try:
            with transaction(ctx.session_factory) as session:
                row, created = service.create(
                    session=session, data=data, idempotency_key=idempotency_key, actor=actor, clock=ctx.clock
                )
                result = IncidentRead.from_row(row)
            break
        except IntegrityError:
            # A concurrent request with the same key won; the retry returns its incident.
            if attempt == 2 or not idempotency_key:
                raise
    if not created:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    response.headers["Location"] = f"/api/v1/incidents/{result.id}"
    return result


@router.get("", response_model=IncidentPage)
def list_incidents(
    session: ReadSession,
    status: Status | None = None,
    category: CategoryCode | None = None,
    level: Level | None = None,
    agency: Annotated[AgencyId | None, Query(description="Reporting agency")] = None,
    since: Annotated[AwareDatetime | None, Query(description="Changed at or after")] = None,
    drill: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_BIGINT)] = 0,
) -> IncidentPage:
    rows, total = service.search(
        session=session,
        status=status,
        category=category,
        level=level,
        agency=agency,
        since=since,
        drill=drill,
        limit=limit,
        offset=offset,
    )
    return IncidentPage(
        items=[IncidentRead.from_row(row) for row in rows],
        total=total,
        limit=limit,
        offset=offset,
        next_offset=offset + limit if offset + limit < total else None,
    )


@router.get("/{incident_id}", response_model=IncidentDetail)
def get_incident(incident_id: str, ctx: Context) -> IncidentDetail:
    """One incident, with the version each agency holds (asked over gRPC, at most 1 s)."""
    with ctx.session_factory() as session:
        incident = IncidentRead.from_row(service.get(session=session, incident_id=incident_id))
    deliveries = ctx.directory.deliveries(incident.id, incident.version)
    return IncidentDetail(
        **incident.model_dump(),
        deliveries={
            agency: Delivery(state=d.state, version=d.version, error=d.error)  # type: ignore[arg-type]
            for agency, d in deliveries.items()
        },
    )


@router.patch("/{incident_id}", response_model=IncidentRead)
def update_incident(incident_id: str, changes: IncidentUpdate, ctx: Context, actor: Command) -> IncidentRead:
    """Correct an incident's facts. 409 when ``expected_version`` is not the current one."""
    with transaction(ctx.session_factory) as session:
        row = service.update(
            session=session, incident_id=incident_id, changes=changes, actor=actor, clock=ctx.clock
        )
        return IncidentRead.from_row(row)


@router.post("/{incident_id}/status", response_model=IncidentRead)
def change_status(incident_id: str, change: StatusChange, ctx: Context, actor: Command) -> IncidentRead:
    """Move an incident along its lifecycle. 409 names the allowed next states. Ending an
    incident stops its clocks; cancelling or closing it cancels its open tasks."""
    with transaction(ctx.session_factory) as session:
        row = flows.change_status(
            session=session, incident_id=incident_id, change=change, actor=actor, clock=ctx.clock
        )
        return IncidentRead.from_row(row)


@router.post("/{incident_id}/merge", response_model=IncidentRead)
def merge_incident(incident_id: str, merge: Merge, ctx: Context, actor: Command) -> IncidentRead:
    """Fold a duplicate report into the incident being worked. The duplicate keeps its own
    history and timeline; its open tasks are cancelled."""
    with transaction(ctx.session_factory) as session:
        row = flows.merge(session=session, incident_id=incident_id, merge=merge, actor=actor, clock=ctx.clock)
        return IncidentRead.from_row(row)

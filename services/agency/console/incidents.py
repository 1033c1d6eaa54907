"""Incidents at the duty room: reporting one (the same function the gRPC ``SubmitIncident``
uses, so it joins the shared picture through the agency's outbox), the list of what the agency
holds, and one incident with the agency's tasks on it and its timeline as the agency knows it:
each version as it arrived here, and where each of its tasks stands."""

from typing import Annotated

from fastapi import APIRouter, Header, Query, Response

from jcp.incidents.v1 import incident_pb2
from kernel import tasks as task_moves
from kernel.db import transaction
from kernel.incidents.models import IncidentRow
from kernel.incidents.proto import LEVEL_CODES, to_datetime
from services.agency import dispatch, incidents
from services.agency.console.context import Context
from services.agency.console.schemas import (
    IncidentDetailRead,
    IncidentRead,
    IncidentReport,
    IncidentView,
    Lang,
    ReporterRead,
    TimelineEntry,
)
from services.agency.console.staff import Reporting, SignedIn
from services.agency.console.tasks import task_read

router = APIRouter(prefix="/api/v1", tags=["incidents"])


def incident_read(row: IncidentRow, ours: bool) -> IncidentRead:
    return IncidentRead(
        id=row.id,
        title=row.title,
        category=row.category,
        level=row.level,
        status=row.status,
        source_agency=row.source_agency,
        address=row.address,
        latitude=row.latitude,
        longitude=row.longitude,
        drill=row.drill,
        version=row.version,
        reported_at=row.reported_at,
        updated_at=row.updated_at,
        ours=ours,
    )


def incident_detail(row: IncidentRow, ours: bool) -> IncidentDetailRead:
    return IncidentDetailRead(
        **incident_read(row, ours).model_dump(),
        description=row.description,
        admin_code=row.admin_code,
        reporter=ReporterRead(name=row.reporter_name, phone=row.reporter_phone, channel=row.reporter_channel),
    )


@router.post("/incidents", status_code=201, response_model=IncidentDetailRead)
def report(
    body: IncidentReport,
    response: Response,
    context: Context,
    staff: Reporting,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> IncidentDetailRead:
    """``Idempotency-Key`` makes a retry safe: the same key returns the first report (200)."""
    submitted = incident_pb2.Incident(
        category=body.category,
        level=LEVEL_CODES[body.level],
        title=body.title,
        description=body.description,
        location=incident_pb2.Location(**body.location.model_dump()),
        reporter=incident_pb2.Reporter(**body.reporter.model_dump(), channel=staff.username),
        drill=body.drill,
    )
    with transaction(context.session_factory) as session:
        incident, created = incidents.submit_incident(
            session=session,
            profile=context.profile,
            incident=submitted,
            idempotency_key=idempotency_key or "",
            clock=context.clock,
        )
        row = session.get_one(IncidentRow, incident.id)
    if not created:
        response.status_code = 200
    return incident_detail(row, ours=True)


@router.get("/incidents", response_model=list[IncidentRead])
def list_incidents(
    context: Context,
    _staff: SignedIn,
    ours: bool = Query(default=False, description="Only those the agency reported or holds a task on"),
    limit: int = Query(default=200, ge=1, le=1000),
) -> list[IncidentRead]:
    with context.session_factory() as session:
        found = incidents.list_incidents(
            session=session, profile=context.profile, ours_only=ours, limit=limit
        )
    return [incident_read(row, mine) for row, mine in found]


@router.get("/incidents/{incident_id}", response_model=IncidentView)
def incident(incident_id: str, context: Context, _staff: SignedIn, lang: Lang = "zh") -> IncidentView:
    profile = context.profile
    with context.session_factory() as session:
        row = incidents.held_incident(session=session, incident_id=incident_id)
        held = dispatch.list_tasks(
            session=session, profile=profile, include_closed=True, incident_id=incident_id
        )
        arrived = incidents.receipts(session=session, incident_id=incident_id)
    timeline = [
        TimelineEntry(
            at=receipt.received_at,
            kind="incident",
            version=receipt.version,
            event=receipt.event_type.rsplit(".", 1)[-1],
        )
        for receipt in arrived
    ] + [
        TimelineEntry(
            at=to_datetime(task.updated_at),
            kind="task",
            version=task.version,
            task_id=task.id,
            status=task_moves.STATUSES[task.status],
            status_word=profile.task_word(task_moves.STATUSES[task.status], lang),
            by=task.updated_by,
            note=task.note,
        )
        for task in held
    ]
    return IncidentView(
        incident=incident_detail(row, ours=row.source_agency == profile.id or bool(held)),
        tasks=[task_read(task, row, profile, lang) for task in held],
        timeline=sorted(timeline, key=lambda entry: entry.at),
    )

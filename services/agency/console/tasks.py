"""The tasks the command room sends this agency, and the duty room's answers to them.

Answers go through ``services/agency/dispatch.py``, the same function the gRPC API calls, so an
answer given here is stored and announced through the agency's outbox exactly like one given
from a device; ``expected_version`` refuses an answer to a task that changed meanwhile.
"""

from fastapi import APIRouter, Query
from sqlalchemy import select
from sqlalchemy.orm import Session

from jcp.dispatch.v1 import dispatch_pb2 as pb
from kernel import tasks
from kernel.db import transaction
from kernel.errors import Forbidden
from kernel.incidents.models import IncidentRow
from kernel.incidents.proto import to_datetime
from kernel.profiles import AgencyProfile
from services.agency import dispatch
from services.agency.console.context import Context
from services.agency.console.schemas import Lang, TaskAnswer, TaskRead
from services.agency.console.staff import Answering, Permission, SignedIn

router = APIRouter(prefix="/api/v1", tags=["tasks"])


def incidents_of(session: Session, task_list: list[pb.Task]) -> dict[str, IncidentRow]:
    ids = {task.incident_id for task in task_list}
    return {row.id: row for row in session.scalars(select(IncidentRow).where(IncidentRow.id.in_(ids)))}


def task_read(task: pb.Task, incident: IncidentRow | None, profile: AgencyProfile, lang: str) -> TaskRead:
    status = tasks.STATUSES[task.status]
    return TaskRead(
        id=task.id,
        order_id=task.order_id,
        incident_id=task.incident_id,
        incident_title=incident.title if incident else None,
        incident_level=incident.level if incident else None,
        role=tasks.ROLES[task.role],
        status=status,
        status_word=profile.task_word(status, lang),
        next_statuses=[tasks.MOVES[action][1] for action in tasks.allowed_actions(status)],
        version=task.version,
        instructions=task.instructions,
        note=task.note,
        unit_ids=list(task.unit_ids),
        acknowledge_by=to_datetime(task.acknowledge_by),
        on_scene_by=to_datetime(task.on_scene_by),
        updated_at=to_datetime(task.updated_at),
        updated_by=task.updated_by,
        drill=task.drill,
    )


@router.get("/tasks", response_model=list[TaskRead])
def list_tasks(
    context: Context,
    _staff: SignedIn,
    lang: Lang = "zh",
    open: bool = Query(default=False, description="Only tasks still being worked"),
    limit: int = Query(default=200, ge=1, le=1000),
) -> list[TaskRead]:
    with context.session_factory() as session:
        found = dispatch.list_tasks(
            session=session, profile=context.profile, include_closed=not open, incident_id="", limit=limit
        )
        incidents = incidents_of(session, found)
    return [task_read(task, incidents.get(task.incident_id), context.profile, lang) for task in found]


@router.post("/tasks/{task_id}/answer", response_model=TaskRead)
def answer(task_id: str, body: TaskAnswer, context: Context, staff: Answering, lang: Lang = "zh") -> TaskRead:
    if body.status == "declined" and Permission.DECLINE not in staff.permissions:
        raise Forbidden(
            "handing a task back to the command room is the duty commander's call",
            permission=Permission.DECLINE.value,
        )
    with transaction(context.session_factory) as session:
        task = dispatch.answer_task(
            session=session,
            profile=context.profile,
            task_id=task_id,
            action=tasks.ACTION_LEADING_TO[body.status],
            reason=body.note,
            operator=staff.username,
            source=context.source,
            expected_version=body.expected_version,
            clock=context.clock,
        )
        incident = session.get(IncidentRow, task.incident_id)
    return task_read(task, incident, context.profile, lang)

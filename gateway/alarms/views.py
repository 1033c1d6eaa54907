"""POST /api/v1/alarms: the networked alarm center's intake."""

from fastapi import APIRouter, Response
from sqlalchemy.exc import IntegrityError

from gateway.alarms import service
from gateway.alarms.models import AlarmAccepted, AlarmSignal
from gateway.auth.deps import Intake
from gateway.context import Context
from gateway.dispatch.clocks import of_tasks
from gateway.dispatch.models import ClockRead, TaskRead
from gateway.incidents.models import IncidentRead
from kernel.db import transaction

router = APIRouter(prefix="/api/v1", tags=["alarms"])


@router.post(
    "/alarms",
    status_code=201,
    response_model=AlarmAccepted,
    responses={
        200: {"description": "The same signal was received before; nothing new was created"},
        422: {"description": "Invalid signal, or too old to act on"},
    },
)
def receive_alarm(signal: AlarmSignal, response: Response, ctx: Context, actor: Intake) -> AlarmAccepted:
    """An alarm panel's signal: an incident dispatched at once to the nearest available alarm
    response vehicle, with on-scene clocks. A resent signal returns the first answer."""
    for attempt in (1, 2):
        try:
            with transaction(ctx.session_factory) as session:
                incident, task, created = service.receive(
                    session=session,
                    signal=signal,
                    actor=actor,
                    rules=ctx.rules,
                    policy=ctx.policy,
                    max_age=ctx.settings.alarm_max_age,
                    stale_after=ctx.settings.unit_position_stale_after,
                    clock=ctx.clock,
                )
                now = ctx.clock()
                task_read = None
                if task is not None:
                    clocks = of_tasks(session=session, task_ids=[task.id])[task.id]
                    task_read = TaskRead.from_row(task, [ClockRead.from_row(c, now) for c in clocks])
                result = AlarmAccepted(
                    incident=IncidentRead.from_row(incident),
                    task=task_read,
                    unit_id=task.unit_ids[0] if task is not None and task.unit_ids else None,
                    replayed=not created,
                    received_at=now,
                )
            break
        except IntegrityError:
            # The same signal arrived twice at once, or its vehicle was just taken: try once more.
            if attempt == 2:
                raise
    if not created:
        response.status_code = 200
    return result

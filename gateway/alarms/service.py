"""An alarm panel's signal becomes an incident dispatched at once to the alarm center's
response vehicles, with the same clocks as any task (on scene in 10 minutes by day, 5 by night).
"""

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.alarms.models import LEVELS, AlarmSignal
from gateway.centers.routing import RoutingRules
from gateway.dispatch import service as dispatch
from gateway.dispatch.deadlines import ResponsePolicy
from gateway.dispatch.models import DispatchCreate, TaskCreate
from gateway.incidents import service as incidents
from gateway.incidents.models import IncidentCreate, Reporter
from kernel.clock import Clock, utc_now
from kernel.dispatch_store import TaskRow
from kernel.errors import Invalid
from kernel.incidents.models import IncidentRow

ALARM_AGENCY = "localgov"
ALARM_CAPABILITY = "alarm_response"


def idempotency_key(signal: AlarmSignal) -> str:
    """The same panel, zone and signal time is the same alarm, however often it is resent."""
    return f"alarm:{signal.subscriber_id}:{signal.zone}:{signal.signalled_at.isoformat()}"


def receive(
    *,
    session: Session,
    signal: AlarmSignal,
    actor: str,
    rules: RoutingRules,
    policy: ResponsePolicy,
    max_age: timedelta,
    stale_after: timedelta,
    clock: Clock = utc_now,
) -> tuple[IncidentRow, TaskRow | None, bool]:
    now = clock()
    age = now - signal.signalled_at
    if age > max_age:
        raise Invalid(
            f"alarm is too old: signalled {age.total_seconds():.0f} s ago, "
            f"limit {max_age.total_seconds():.0f} s",
            field="signalled_at",
        )
    if age < -timedelta(minutes=5):
        raise Invalid("alarm signalled_at is in the future", field="signalled_at")
    report = IncidentCreate(
        source_agency=ALARM_AGENCY,
        category="networked_alarm",
        level=LEVELS[signal.alarm_type],  # type: ignore[arg-type]
        title=f"联网报警 {signal.alarm_type}: {signal.subscriber_name or signal.subscriber_id} "
        f"防区 {signal.zone}",
        description=signal.description,
        location=signal.location,
        reporter=Reporter(name=signal.subscriber_name, channel=f"alarm:{signal.subscriber_id}"),
        reported_at=signal.signalled_at,
    )
    incident, created = incidents.create(
        session=session, data=report, idempotency_key=idempotency_key(signal), actor=actor, clock=clock
    )
    if not created:
        task = session.scalars(
            select(TaskRow).where(TaskRow.incident_id == incident.id).order_by(TaskRow.updated_at).limit(1)
        ).first()
        return incident, task, False
    ranking = dispatch.recommendations(
        session=session,
        incident_id=incident.id,
        required=[ALARM_CAPABILITY],
        agencies=[ALARM_AGENCY],
        limit=1,
        stale_after=stale_after,
        clock=clock,
    )
    units = [ranking.units[0].unit.id] if ranking.units else []
    _, incident, tasks = dispatch.dispatch(
        session=session,
        incident_id=incident.id,
        order=DispatchCreate(
            tasks=[TaskCreate(agency=ALARM_AGENCY, role="lead", unit_ids=units, instructions="联网报警出警")]
        ),
        actor="alarm-center",
        rules=rules,
        policy=policy,
        clock=clock,
    )
    return incident, tasks[0], True

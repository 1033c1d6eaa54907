"""A center's board: a read model over incidents, their handling, dispatch and the roster.

It only reads; what it shows is changed by the services it reads from.
"""

from collections import Counter
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.boards.models import Board, BoardIncident, TaskBrief, UnitBrief
from gateway.centers import routing
from gateway.centers.models import CenterRead, HandlingRead, IncidentHandling
from gateway.centers.service import center_of
from gateway.dispatch.clocks import breaches_since
from gateway.dispatch.models import ClockRead, ResponseClock
from gateway.incidents.models import IncidentRead
from gateway.roster import service as roster
from kernel import tasks
from kernel.clock import Clock, utc_now
from kernel.dispatch_store import TaskRow, UnitRow
from kernel.incidents.models import IncidentRow

OPEN_INCIDENT = ("reported", "accepted", "dispatched", "on_scene", "resolved")


def board(*, session: Session, center: str, rules: routing.RoutingRules, clock: Clock = utc_now) -> Board:
    info = center_of(rules, center)
    now = clock()
    rows = session.execute(
        select(IncidentRow, IncidentHandling)
        .join(IncidentHandling, IncidentHandling.incident_id == IncidentRow.id)
        .where(IncidentHandling.center == center, IncidentRow.status.in_(OPEN_INCIDENT))
        .order_by(IncidentRow.level, IncidentRow.reported_at)
    ).all()
    ids = [incident.id for incident, _ in rows]
    task_rows: list[TaskRow] = []
    clock_rows: list[ResponseClock] = []
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        task_rows += session.scalars(
            select(TaskRow).where(TaskRow.incident_id.in_(chunk), TaskRow.status.in_(tasks.OPEN))
        )
        clock_rows += session.scalars(
            select(ResponseClock).where(
                ResponseClock.incident_id.in_(chunk), ResponseClock.status != "cancelled"
            )
        )
    unit_ids = {unit_id for task in task_rows for unit_id in task.unit_ids}
    units = {
        unit.id: unit
        for unit in (session.scalars(select(UnitRow).where(UnitRow.id.in_(unit_ids))) if unit_ids else [])
    }
    clocks_by_task: dict[str, list[ClockRead]] = {}
    for row in clock_rows:
        clocks_by_task.setdefault(row.task_id, []).append(ClockRead.from_row(row, now))
    tasks_by_incident: dict[str, list[TaskBrief]] = {}
    for task in task_rows:
        tasks_by_incident.setdefault(task.incident_id, []).append(
            TaskBrief(
                id=task.id,
                agency=task.agency,  # type: ignore[arg-type]
                role=task.role,  # type: ignore[arg-type]
                status=task.status,
                version=task.version,
                note=task.note,
                clocks=clocks_by_task.get(task.id, []),
                units=[
                    UnitBrief(
                        id=unit.id,
                        name=unit.name,
                        kind=unit.kind,
                        status=unit.status,
                        latitude=unit.latitude,
                        longitude=unit.longitude,
                    )
                    for unit_id in task.unit_ids
                    if (unit := units.get(unit_id)) is not None
                ],
            )
        )
    items = []
    for incident, handling in rows:
        incident_tasks = tasks_by_incident.get(incident.id, [])
        overdue = any(
            c.status == "breached" or (c.remaining_s is not None and c.remaining_s < 0)
            for t in incident_tasks
            for c in t.clocks
        )
        items.append(
            BoardIncident(
                incident=IncidentRead.from_row(incident),
                handling=HandlingRead(
                    center=handling.center,
                    reason=handling.reason,
                    agencies=handling.agencies,
                    routed_by=handling.routed_by,
                    routed_at=handling.routed_at,
                    merged_into=handling.merged_into,
                ),
                tasks=incident_tasks,
                overdue=overdue,
            )
        )
    return Board(
        center=CenterRead(id=info.id, name_zh=info.name_zh, name_en=info.name_en, commander=info.commander),
        generated_at=now,
        open_incidents=len(items),
        by_level=dict(Counter(item.incident.level for item in items)),
        overdue=sum(item.overdue for item in items),
        breaches_today=breaches_since(session=session, center=center, since=now - timedelta(hours=24)),
        incidents=items,
        duty_gaps=roster.gaps(session=session, start=now, end=now + timedelta(hours=24), agency=None),
    )

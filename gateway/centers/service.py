"""Which center handles which incident, re-routing, and each center's board."""

from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.activity import service as activity
from gateway.centers import routing
from gateway.centers.models import (
    Board,
    BoardIncident,
    CenterRead,
    HandlingRead,
    IncidentHandling,
    TaskBrief,
    UnitBrief,
)
from gateway.dispatch.models import ClockRead, ResponseClock
from gateway.incidents.models import IncidentRead
from gateway.roster import service as roster
from kernel import tasks
from kernel.catalog import AGENCIES
from kernel.clock import Clock, utc_now
from kernel.dispatch_store import TaskRow, UnitRow
from kernel.errors import NotFound
from kernel.incident_store import IncidentRow

OPEN_INCIDENT = ("reported", "accepted", "dispatched", "on_scene", "resolved")


def center_of(rules: routing.RoutingRules, center: str) -> routing.Center:
    if center not in rules.centers:
        raise NotFound(f"center {center!r} does not exist", known=sorted(rules.centers))
    return rules.centers[center]


def route(
    session: Session,
    *,
    incident: IncidentRow,
    agencies: set[str],
    actor: str,
    rules: routing.RoutingRules,
    clock: Clock = utc_now,
) -> IncidentHandling:
    """Route a new incident once; an incident already routed keeps its center."""
    held = session.get(IncidentHandling, incident.id)
    if held is not None:
        return held
    involved = {*agencies, incident.source_agency} & set(AGENCIES)
    decision = rules.route(category=incident.category, agencies=involved)
    handling = IncidentHandling(
        incident_id=incident.id,
        center=decision.center,
        reason=decision.reason,
        agencies=sorted(involved),
        routed_by=actor,
        routed_at=clock(),
        merged_into=None,
    )
    session.add(handling)
    activity.record(
        session,
        actor=actor,
        kind="route",
        action="routed",
        incident_id=incident.id,
        center=decision.center,
        data={"center": decision.center, "reason": decision.reason},
        clock=clock,
    )
    session.flush()
    return handling


def handling_of(session: Session, incident_id: str) -> IncidentHandling:
    """The incident's handling; an incident that arrived without one (learned by
    reconciliation) is routed now by the rules."""
    held = session.get(IncidentHandling, incident_id)
    if held is not None:
        return held
    incident = session.get(IncidentRow, incident_id)
    if incident is None:
        raise NotFound(f"incident {incident_id} does not exist", incident_id=incident_id)
    return route(session, incident=incident, agencies=set(), actor="router", rules=routing.rules())


def reroute(
    session: Session,
    *,
    incident_id: str,
    center: str,
    reason: str,
    actor: str,
    rules: routing.RoutingRules,
    clock: Clock = utc_now,
) -> IncidentHandling:
    center_of(rules, center)
    handling = handling_of(session, incident_id)
    previous = handling.center
    handling.center = center
    handling.reason = reason
    handling.routed_by = actor
    handling.routed_at = clock()
    activity.record(
        session,
        actor=actor,
        kind="route",
        action="rerouted",
        incident_id=incident_id,
        center=center,
        data={"from": previous, "center": center, "reason": reason},
        clock=clock,
    )
    return handling


def involve(
    session: Session,
    *,
    incident_id: str,
    agencies: set[str],
    actor: str,
    rules: routing.RoutingRules,
    clock: Clock = utc_now,
) -> None:
    """Record the agencies working an incident; two or more make it a joint incident."""
    handling = handling_of(session, incident_id)
    handling.agencies = sorted(set(handling.agencies) | agencies)
    if len(handling.agencies) >= 2 and handling.center != rules.joint_center:
        reroute(
            session,
            incident_id=incident_id,
            center=rules.joint_center,
            reason=f"joint response by {', '.join(handling.agencies)}",
            actor=actor,
            rules=rules,
            clock=clock,
        )


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
        breaches_today=breaches_since(session, center=center, since=now - timedelta(hours=24)),
        incidents=items,
        duty_gaps=roster.gaps(session=session, start=now, end=now + timedelta(hours=24), agency=None),
    )


def breaches_since(session: Session, *, center: str, since: datetime) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(ResponseClock)
            .join(IncidentHandling, IncidentHandling.incident_id == ResponseClock.incident_id)
            .join(IncidentRow, IncidentRow.id == ResponseClock.incident_id)
            .where(
                IncidentHandling.center == center,
                IncidentRow.drill.is_(False),  # drills stay out of the real figures
                ResponseClock.status == "breached",
                ResponseClock.settled_at >= since,
            )
        )
        or 0
    )

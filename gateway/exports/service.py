"""Gathering what each export shows. The CAP and EIDD documents are written by the partner
API's own writers (``gateway.partners.formats``), given the operator's full view of the
incident instead of a partner's masked one."""

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.activity import service as activity
from gateway.activity.models import ActivityRead
from gateway.bulletins import sections
from gateway.bulletins.models import Period, Table
from gateway.centers.models import IncidentHandling
from gateway.centers.routing import RoutingRules
from gateway.dispatch import service as dispatch
from gateway.dispatch.models import TaskRead
from gateway.incidents import service as incidents
from gateway.incidents.models import IncidentRead
from gateway.partners.formats import SENDER, cap, eidd
from gateway.roster import callups
from gateway.roster.models import CallUpRow, MusterBoard
from kernel.dispatch_store import TaskRow, UnitRow
from kernel.incidents.models import IncidentRow


def _incident(session: Session, incident_id: str) -> dict[str, Any]:
    return IncidentRead.from_row(incidents.get(session=session, incident_id=incident_id)).model_dump(
        mode="json"
    )


def incident_cap(*, session: Session, incident_id: str) -> bytes:
    return cap.incident_to_cap(_incident(session, incident_id), sender=SENDER)


def incident_eidd(*, session: Session, incident_id: str, now: datetime) -> dict[str, Any]:
    incident = _incident(session, incident_id)
    timeline = [
        ActivityRead.from_row(row).model_dump(mode="json")
        for row in activity.timeline(session=session, incident_id=incident_id)
    ]
    tasks = [
        task.model_dump(mode="json")
        for task in dispatch.incident_tasks(session=session, incident_id=incident_id, now=now)
    ]
    return eidd.incident_to_eidd(incident, timeline=timeline, tasks=tasks, sender=SENDER)


def briefing(*, session: Session, incident_id: str, rules: RoutingRules, now: datetime) -> dict[str, Any]:
    """What an ICS-201 briefing shows of one incident: its facts, who handles it, the tasks and
    units sent, the call-ups for it and every action on its timeline."""
    incident = IncidentRead.from_row(incidents.get(session=session, incident_id=incident_id))
    handling = session.get(IncidentHandling, incident_id)
    tasks: list[TaskRead] = dispatch.incident_tasks(session=session, incident_id=incident_id, now=now)
    unit_ids = sorted({unit for task in tasks for unit in task.unit_ids})
    units = list(session.scalars(select(UnitRow).where(UnitRow.id.in_(unit_ids)).order_by(UnitRow.id)))
    musters: list[MusterBoard] = [
        callups.muster(session=session, call_up_id=call_up_id)
        for call_up_id in session.scalars(
            select(CallUpRow.id).where(CallUpRow.incident_id == incident_id).order_by(CallUpRow.called_at)
        )
    ]
    center = rules.centers.get(handling.center) if handling else None
    return {
        "incident": incident,
        "handling": handling,
        "center": center,
        "tasks": tasks,
        "units": units,
        "musters": musters,
        "timeline": activity.timeline(session=session, incident_id=incident_id),
    }


def status_summary(*, session: Session, period: Period) -> dict[str, list[Table]]:
    """What an ICS-209 status summary shows of a period: the bulletin's own counts of incidents,
    clocks and call-ups (one way of counting, not two), the resources committed, and the
    incidents still open."""
    counted = {
        section.key: section
        for section in (
            sections.incidents(session=session, period=period),
            sections.clocks(session=session, period=period),
            sections.callups(session=session, period=period),
        )
    }
    pick = {table.name: table for section in counted.values() for table in section.tables}
    tasks = sections.incidents_in(
        select(TaskRow.agency, TaskRow.status, func.count(), func.count(func.distinct(TaskRow.incident_id)))
        .join(IncidentRow, IncidentRow.id == TaskRow.incident_id)
        .group_by(TaskRow.agency, TaskRow.status),
        period,
        drill=False,
    )
    committed: dict[str, list[int]] = {}
    for agency, status, n, _ in session.execute(tasks):
        figures = committed.setdefault(agency, [0, 0])
        figures[0] += n
        figures[1] += n if status not in ("completed", "cancelled", "declined") else 0
    units = sections.incidents_in(
        select(TaskRow.agency, TaskRow.unit_ids).join(IncidentRow, IncidentRow.id == TaskRow.incident_id),
        period,
        drill=False,
    )
    unit_counts: dict[str, set[str]] = {}
    for agency, unit_ids in session.execute(units):
        unit_counts.setdefault(agency, set()).update(unit_ids)
    still_open = session.execute(
        sections.incidents_in(
            select(
                IncidentRow.id,
                IncidentRow.title,
                IncidentRow.level,
                IncidentRow.status,
                IncidentRow.reported_at,
            )
            .where(IncidentRow.status.in_(sections.OPEN_STATUSES))
            .order_by(IncidentRow.reported_at)
            .limit(200),
            period,
            drill=False,
        )
    ).all()
    return {
        "incidents": [pick["incidents_summary"], pick["incidents_by_level"]],
        "resources": [
            Table(
                "resources_by_agency",
                ("投入力量（按单位）", "Resources committed by agency"),
                (("单位", "agency"), ("任务", "tasks"), ("进行中", "active"), ("出动单元", "units sent")),
                [
                    (agency, figures[0], figures[1], len(unit_counts.get(agency, ())))
                    for agency, figures in sorted(committed.items())
                ],
            ),
            pick["callups_by_agency"],
        ],
        "clocks": [pick["clocks_by_kind"], pick["breaches_by_agency"]],
        "open": [
            Table(
                "open_incidents",
                ("仍在处置的事件", "Incidents still open"),
                (
                    ("编号", "id"),
                    ("事件", "title"),
                    ("等级", "level"),
                    ("状态", "status"),
                    ("接报", "reported"),
                ),
                [
                    (row.id, row.title, row.level, row.status, sections.local_time(row.reported_at, period))
                    for row in still_open
                ],
            )
        ],
    }

"""Drills: scheduled from a scenario, started as drill-flagged incidents, orders and call-ups,
ended by standing the call-ups down and closing the incidents. What the drill showed is read
back afterwards in ``after_action.py``.

Everything a drill creates carries the drill flag, so it stays out of real figures and reaches
partners only where their agreement allows drills.
"""

import tomllib
import uuid
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.activity import service as activity
from gateway.centers.routing import RoutingRules
from gateway.dispatch import service as dispatch
from gateway.dispatch.deadlines import ResponsePolicy
from gateway.dispatch.models import DispatchCreate, TaskCreate
from gateway.incidents import flows
from gateway.incidents import service as incidents
from gateway.incidents.models import IncidentCreate, Location, Reporter, StatusChange
from gateway.roster import callups
from gateway.roster import service as roster
from gateway.roster.models import CallUpCreate, CallUpRow, Drill, DrillCreate
from kernel.clock import Clock, utc_now
from kernel.db import get_for_update
from kernel.errors import Conflict, NotFound
from kernel.incidents.models import IncidentRow

SCENARIOS_FILE = Path(__file__).with_name("scenarios.toml")


@dataclass(frozen=True)
class Scenario:
    id: str
    name_zh: str
    name_en: str
    teams: list[str]
    incidents: list[dict[str, Any]]


@cache
def scenarios(path: Path = SCENARIOS_FILE) -> dict[str, Scenario]:
    with path.open("rb") as handle:
        raw = tomllib.load(handle)["scenarios"]
    return {
        key: Scenario(
            id=key,
            name_zh=v["name_zh"],
            name_en=v["name_en"],
            teams=v["teams"],
            incidents=v.get("incidents", []),
        )
        for key, v in raw.items()
    }


def get(*, session: Session, drill_id: str) -> Drill:
    row = session.get(Drill, drill_id)
    if row is None:
        raise NotFound(f"drill {drill_id} does not exist", drill_id=drill_id)
    return row


def schedule(*, session: Session, data: DrillCreate, actor: str) -> Drill:
    scenario = scenarios().get(data.scenario)
    if scenario is None:
        raise NotFound(f"scenario {data.scenario!r} does not exist", known=sorted(scenarios()))
    team_ids = data.team_ids if data.team_ids is not None else scenario.teams
    for team_id in team_ids:
        roster.team(session=session, team_id=team_id)
    row = Drill(
        id=str(uuid.uuid4()),
        name=data.name,
        scenario=scenario.id,
        team_ids=team_ids,
        scheduled_for=data.scheduled_for,
        status="scheduled",
        started_at=None,
        ended_at=None,
        incident_ids=[],
        created_by=actor,
        year=data.scheduled_for.year,
    )
    session.add(row)
    return row


def start(
    *,
    session: Session,
    drill_id: str,
    actor: str,
    rules: RoutingRules,
    policy: ResponsePolicy,
    clock: Clock = utc_now,
) -> Drill:
    row = get_for_update(session=session, model=Drill, key=drill_id)
    if row is None:
        raise NotFound(f"drill {drill_id} does not exist", drill_id=drill_id)
    if row.status != "scheduled":
        raise Conflict(f"drill {drill_id} is {row.status}; only a scheduled drill starts", status=row.status)
    scenario = scenarios()[row.scenario]
    created: list[str] = []
    for template in scenario.incidents:
        incident, _ = incidents.create(
            session=session,
            data=IncidentCreate(
                source_agency=template["orders"][0]["agency"],
                category=template["category"],
                level=template["level"],
                title=template["title"],
                description=template.get("description", ""),
                location=Location(
                    latitude=template["latitude"],
                    longitude=template["longitude"],
                    address=template["address"],
                ),
                reporter=Reporter(name=actor, channel=f"drill:{row.id}"),
                drill=True,
            ),
            idempotency_key=f"drill:{row.id}:{len(created)}",
            actor=actor,
            clock=clock,
        )
        dispatch.dispatch(
            session=session,
            incident_id=incident.id,
            order=DispatchCreate(tasks=[TaskCreate(**order) for order in template["orders"]]),
            actor=actor,
            rules=rules,
            policy=policy,
            clock=clock,
        )
        created.append(incident.id)
    for team_id in row.team_ids:
        callups.call_up(
            session=session,
            data=CallUpCreate(team_id=team_id, incident_id=created[0] if created else None),
            actor=actor,
            drill_id=row.id,
            drill=True,
            clock=clock,
        )
    row.status, row.started_at, row.incident_ids = "running", clock(), created
    activity.record(
        session=session, actor=actor, kind="drill", action="started", data={"drill_id": row.id}, clock=clock
    )
    return row


def end(*, session: Session, drill_id: str, actor: str, clock: Clock = utc_now) -> Drill:
    row = get_for_update(session=session, model=Drill, key=drill_id)
    if row is None:
        raise NotFound(f"drill {drill_id} does not exist", drill_id=drill_id)
    if row.status != "running":
        raise Conflict(f"drill {drill_id} is {row.status}; only a running drill ends", status=row.status)
    for call_up_id in session.scalars(
        select(CallUpRow.id).where(CallUpRow.drill_id == row.id, CallUpRow.status == "open")
    ):
        callups.close_call_up(
            session=session,
            call_up_id=call_up_id,
            status="stood_down",
            reason="drill ended",
            actor=actor,
            clock=clock,
        )
    for incident_id in row.incident_ids:
        incident = session.get_one(IncidentRow, incident_id)
        steps = ["resolved", "closed"] if incident.status in ("dispatched", "on_scene") else ["cancelled"]
        if incident.status in ("closed", "cancelled", "merged"):
            steps = []
        elif incident.status == "resolved":
            steps = ["closed"]
        for status in steps:
            flows.change_status(
                session=session,
                incident_id=incident_id,
                change=StatusChange(status=status, reason="drill ended"),  # type: ignore[arg-type]
                actor=actor,
                clock=clock,
            )
    row.status, row.ended_at = "ended", clock()
    activity.record(
        session=session, actor=actor, kind="drill", action="ended", data={"drill_id": row.id}, clock=clock
    )
    return row


def year_counts(*, session: Session, year: int) -> dict[str, int]:
    """Ended drills this year per team, the figure the district reports (18 live drills a year)."""
    counts: dict[str, int] = {}
    for team_ids in session.scalars(
        select(Drill.team_ids).where(Drill.year == year, Drill.status == "ended")
    ):
        for team_id in team_ids:
            counts[team_id] = counts.get(team_id, 0) + 1
    return counts

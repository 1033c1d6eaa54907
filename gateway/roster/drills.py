"""Drills: scheduled from a scenario, started as drill-flagged incidents, orders and call-ups,
ended with an after-action report of every clock and who missed what.

Everything a drill creates carries the drill flag, so it stays out of real figures and reaches
partners only where their agreement allows drills.
"""

import csv
import html
import io
import tomllib
import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.activity import service as activity
from gateway.centers.routing import RoutingRules
from gateway.dispatch import service as dispatch
from gateway.dispatch.deadlines import ResponsePolicy
from gateway.dispatch.models import DispatchCreate, ResponseClock, TaskCreate
from gateway.incidents import flows
from gateway.incidents import service as incidents
from gateway.incidents.models import IncidentCreate, Location, Reporter, StatusChange
from gateway.roster import service as roster
from gateway.roster.models import CallUpCreate, CallUpRow, Drill, DrillCreate
from kernel.clock import Clock, utc_now
from kernel.db import get_for_update
from kernel.dispatch_store import TaskRow
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


def get(session: Session, drill_id: str) -> Drill:
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
        roster.team(session, team_id)
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
        roster.call_up(
            session=session,
            data=CallUpCreate(team_id=team_id, incident_id=created[0] if created else None),
            actor=actor,
            drill_id=row.id,
            drill=True,
            clock=clock,
        )
    row.status, row.started_at, row.incident_ids = "running", clock(), created
    activity.record(
        session, actor=actor, kind="drill", action="started", data={"drill_id": row.id}, clock=clock
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
        roster.close_call_up(
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
        session, actor=actor, kind="drill", action="ended", data={"drill_id": row.id}, clock=clock
    )
    return row


def _seconds(start: datetime, at: datetime | None) -> float | None:
    return None if at is None else round((at - start).total_seconds(), 3)


def report(*, session: Session, drill_id: str) -> dict[str, Any]:
    """The after-action report: every muster and dispatch clock, and who missed what."""
    row = get(session, drill_id)
    if row.status != "ended":
        raise Conflict(
            f"drill {drill_id} is {row.status}; the report is ready when it has ended", status=row.status
        )
    call_ups = []
    for call_up_id in session.scalars(
        select(CallUpRow.id).where(CallUpRow.drill_id == row.id).order_by(CallUpRow.called_at)
    ):
        board = roster.muster(session=session, call_up_id=call_up_id, with_members=True)
        members = board.members or []
        call_ups.append(
            {
                **board.model_dump(mode="json", exclude={"members"}),
                "not_acknowledged": [m.member_id for m in members if m.acknowledged_at is None],
                "not_arrived": [m.member_id for m in members if m.arrived_at is None],
                "members": [
                    {
                        "member_id": m.member_id,
                        "name": m.name,
                        "role": m.role,
                        "acknowledged_s": _seconds(board.called_at, m.acknowledged_at),
                        "arrived_s": _seconds(board.called_at, m.arrived_at),
                        "declined": m.declined_at is not None,
                    }
                    for m in members
                ],
            }
        )
    clocks = []
    for clock_row, task in session.execute(
        select(ResponseClock, TaskRow)
        .join(TaskRow, TaskRow.id == ResponseClock.task_id)
        .where(ResponseClock.incident_id.in_(row.incident_ids))
        .order_by(ResponseClock.started_at, TaskRow.agency, ResponseClock.kind)
    ):
        clocks.append(
            {
                "incident_id": clock_row.incident_id,
                "task_id": task.id,
                "agency": task.agency,
                "role": task.role,
                "clock": "dispatch_" + clock_row.kind,
                "limit_s": _seconds(clock_row.started_at, clock_row.deadline),
                "took_s": _seconds(clock_row.started_at, clock_row.settled_at)
                if clock_row.status == "met"
                else None,
                "outcome": clock_row.status,
            }
        )
    return {
        "drill": {
            "id": row.id,
            "name": row.name,
            "scenario": row.scenario,
            "teams": row.team_ids,
            "scheduled_for": row.scheduled_for.isoformat(),
            "started_at": row.started_at.isoformat() if row.started_at else None,
            "ended_at": row.ended_at.isoformat() if row.ended_at else None,
            "duration_s": _seconds(row.started_at, row.ended_at) if row.started_at else None,
            "incidents": row.incident_ids,
        },
        "call_ups": call_ups,
        "dispatch_clocks": clocks,
        "missed": {
            "acknowledgement": sum(len(c["not_acknowledged"]) for c in call_ups),
            "arrival": sum(len(c["not_arrived"]) for c in call_ups),
            "dispatch_clocks_breached": sum(1 for c in clocks if c["outcome"] == "breached"),
        },
    }


def report_csv(data: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["kind", "call_up_or_incident", "team_or_agency", "who", "role", "clock", "seconds", "outcome"]
    )
    for call_up in data["call_ups"]:
        for m in call_up["members"]:
            for clock_name, key in (("acknowledge", "acknowledged_s"), ("arrive", "arrived_s")):
                writer.writerow(
                    [
                        "muster",
                        call_up["call_up_id"],
                        call_up["team_id"],
                        m["member_id"],
                        m["role"],
                        clock_name,
                        "" if m[key] is None else m[key],
                        "declined" if m["declined"] else ("missed" if m[key] is None else "met"),
                    ]
                )
    for c in data["dispatch_clocks"]:
        writer.writerow(
            [
                "dispatch",
                c["incident_id"],
                c["agency"],
                c["task_id"],
                c["role"],
                c["clock"],
                "" if c["took_s"] is None else c["took_s"],
                c["outcome"],
            ]
        )
    return out.getvalue()


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} s"


def report_html(data: dict[str, Any]) -> str:
    """A printable page: no script, no external asset."""
    e = html.escape
    drill = data["drill"]
    parts = [
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>",
        f"<title>演练总结 / After-action report: {e(drill['name'])}</title>",
        "<style>body{font-family:sans-serif;margin:2em;color:#111}"
        "table{border-collapse:collapse;margin:1em 0}"
        "td,th{border:1px solid #999;padding:4px 8px;text-align:left}th{background:#eee}"
        ".missed{color:#a00;font-weight:bold}@media print{body{margin:0}}</style></head><body>",
        f"<h1>演练总结 After-action report — {e(drill['name'])}</h1>",
        f"<p>Scenario {e(drill['scenario'])} · teams {e(', '.join(drill['teams']))} · "
        f"started {e(str(drill['started_at']))} · ended {e(str(drill['ended_at']))} · "
        f"{_fmt(drill['duration_s'])}</p>",
        "<h2>Missed 未达标</h2><ul>",
        f"<li>acknowledgements missed: {data['missed']['acknowledgement']}</li>",
        f"<li>arrivals missed: {data['missed']['arrival']}</li>",
        f"<li>dispatch clocks breached: {data['missed']['dispatch_clocks_breached']}</li></ul>",
        "<h2>Muster 集结</h2><table><tr><th>team</th><th>called</th><th>acknowledged</th><th>arrived</th>"
        "<th>declined</th><th>first ack</th><th>50 % mustered</th><th>90 % mustered</th></tr>",
    ]
    for c in data["call_ups"]:
        parts.append(
            f"<tr><td>{e(c['team_id'])}</td><td>{c['called']}</td><td>{c['acknowledged']}</td><td>{c['arrived']}</td>"
            f"<td>{c['declined']}</td><td>{_fmt(c['first_acknowledgement_s'])}</td>"
            f"<td>{_fmt(c['mustered_50_s'])}</td><td>{_fmt(c['mustered_90_s'])}</td></tr>"
        )
    parts.append(
        "</table><h2>Dispatch clocks 处警时限</h2><table><tr><th>agency</th><th>role</th><th>clock</th>"
    )
    parts.append("<th>limit</th><th>took</th><th>outcome</th></tr>")
    for c in data["dispatch_clocks"]:
        css = " class='missed'" if c["outcome"] == "breached" else ""
        parts.append(
            f"<tr><td>{e(c['agency'])}</td><td>{e(c['role'])}</td><td>{e(c['clock'])}</td><td>{_fmt(c['limit_s'])}</td>"
            f"<td>{_fmt(c['took_s'])}</td><td{css}>{e(c['outcome'])}</td></tr>"
        )
    parts.append(
        "</table><h2>Who missed what 未按时人员</h2>"
        "<table><tr><th>team</th><th>member</th><th>missed</th></tr>"
    )
    for c in data["call_ups"]:
        for m in c["members"]:
            missed = [
                name
                for name, key in (("acknowledge", "acknowledged_s"), ("arrive", "arrived_s"))
                if m[key] is None
            ]
            if missed:
                parts.append(
                    f"<tr><td>{e(c['team_id'])}</td><td>{e(m['member_id'])} {e(m['name'])}</td>"
                    f"<td class='missed'>{e(', '.join(missed))}</td></tr>"
                )
    parts.append("</table></body></html>")
    return "".join(parts)


def year_counts(*, session: Session, year: int) -> dict[str, int]:
    """Ended drills this year per team, the figure the district reports (18 live drills a year)."""
    counts: dict[str, int] = {}
    for team_ids in session.scalars(
        select(Drill.team_ids).where(Drill.year == year, Drill.status == "ended")
    ):
        for team_id in team_ids:
            counts[team_id] = counts.get(team_id, 0) + 1
    return counts

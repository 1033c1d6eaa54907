"""The after-action report of an ended drill: every muster and dispatch clock, and who missed
what, as JSON, CSV or a printable page.

It only reads what an ended drill left behind (muster boards, response clocks) and changes
nothing, so it lives apart from the drill's lifecycle in ``drills.py``; its three renderings sit
side by side so a change to one is seen next to the others.
"""

import csv
import html
import io
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.dispatch.models import ResponseClock
from gateway.roster import callups, drills
from gateway.roster.models import CallUpRow
from kernel.dispatch_store import TaskRow
from kernel.errors import Conflict


def _seconds(start: datetime, at: datetime | None) -> float | None:
    return None if at is None else round((at - start).total_seconds(), 3)


def report(*, session: Session, drill_id: str) -> dict[str, Any]:
    """The after-action report: every muster and dispatch clock, and who missed what."""
    row = drills.get(session=session, drill_id=drill_id)
    if row.status != "ended":
        raise Conflict(
            f"drill {drill_id} is {row.status}; the report is ready when it has ended", status=row.status
        )
    call_ups = []
    for call_up_id in session.scalars(
        select(CallUpRow.id).where(CallUpRow.drill_id == row.id).order_by(CallUpRow.called_at)
    ):
        board = callups.muster(session=session, call_up_id=call_up_id, with_members=True)
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

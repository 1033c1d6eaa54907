"""The ICS-style pages: printable, bilingual, no script and no external asset, in the
bulletin's print style so everything the center prints looks alike."""

import json
from datetime import datetime
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from gateway.bulletins.models import Period, Table
from gateway.bulletins.render import PRINT_CSS, period_label, table_html
from kernel.catalog import CATEGORIES

LEVEL_NAMES = {"I": "特别重大 I", "II": "重大 II", "III": "较大 III", "IV": "一般 IV"}


def _when(moment: datetime | None, timezone: str) -> str:
    return "" if moment is None else moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")


def _head(title: str) -> str:
    return (
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title><style>{PRINT_CSS}</style></head><body>"
    )


def _facts(pairs: list[tuple[str, str]]) -> str:
    rows = "".join(f"<tr><th>{escape(label)}</th><td>{escape(value)}</td></tr>" for label, value in pairs)
    return f"<table class='facts'>{rows}</table>"


def _what(kind: str, action: str, data: dict[str, Any]) -> str:
    detail = json.dumps(data, ensure_ascii=False, sort_keys=True) if data else ""
    return f"{kind}.{action} {detail}".strip()


def briefing_html(facts: dict[str, Any], *, timezone: str, prepared_at: datetime) -> str:
    """ICS-201 in the center's words: 1 incident, 2 map position, 3 situation, 4 objectives,
    5 organisation, 6 resources, 7 actions so far."""
    incident = facts["incident"]
    category = CATEGORIES.get(incident.category)
    handling, center = facts["handling"], facts["center"]
    location = incident.location
    parts = [_head(f"ICS-201 事件简报 {incident.title}")]
    parts.append(f"<h1>事件简报 Incident briefing (ICS-201) · {escape(incident.title)}</h1>")
    if incident.drill:
        parts.append("<p class='meta'><strong>演练 EXERCISE</strong> — 非真实事件 · not a real incident</p>")
    parts.append(
        f"<p class='meta'>编号 Incident {escape(incident.id)} · 编制 Prepared {_when(prepared_at, timezone)}"
        f" ({escape(timezone)})</p>"
    )
    parts.append("<h2>1 事件 · Incident</h2>")
    parts.append(
        _facts(
            [
                (
                    "类别 Category",
                    f"{category.name_zh} {category.name_en}" if category else incident.category,
                ),
                ("等级 Level", LEVEL_NAMES.get(incident.level, incident.level)),
                ("状态 Status", incident.status),
                ("接报 Reported", _when(incident.reported_at, timezone)),
                ("报告单位 Reported by agency", incident.source_agency),
                ("版本 Version", str(incident.version)),
            ]
        )
    )
    parts.append("<h2>2 位置 · Map position</h2>")
    parts.append(
        _facts(
            [
                ("坐标 Coordinates (WGS-84)", f"{location.latitude:.6f}, {location.longitude:.6f}"),
                ("地址 Address", location.address),
                ("区划代码 Division code", location.admin_code),
            ]
        )
    )
    parts.append("<h2>3 态势 · Situation</h2>")
    parts.append(f"<p>{escape(incident.description) or '—'}</p>")
    parts.append("<h2>4 目标 · Objectives</h2><ul>")
    objectives = [t for t in facts["tasks"] if t.instructions] or []
    for task in objectives:
        parts.append(f"<li>{escape(task.agency)}: {escape(task.instructions)}</li>")
    for task in facts["tasks"]:
        parts.append(
            f"<li>{escape(task.agency)} 确认 acknowledge by {_when(task.acknowledge_by, timezone)} · "
            f"到场 on scene by {_when(task.on_scene_by, timezone)}</li>"
        )
    if not facts["tasks"]:
        parts.append("<li>尚未派警 · no order sent yet</li>")
    parts.append("</ul><h2>5 组织 · Organisation</h2>")
    parts.append(
        _facts(
            [
                ("指挥中心 Center", f"{center.name_zh} {center.name_en}" if center else "—"),
                ("指挥员 Commander", center.commander if center else "—"),
                ("参与单位 Agencies involved", ", ".join(handling.agencies) if handling else "—"),
                ("分派原因 Routed because", handling.reason if handling else "—"),
            ]
        )
    )
    parts.append(
        table_html(
            Table(
                "tasks",
                ("任务分派", "Agencies and units tasked"),
                (
                    ("单位", "agency"),
                    ("角色", "role"),
                    ("状态", "status"),
                    ("单元", "units"),
                    ("指令", "instructions"),
                ),
                [(t.agency, t.role, t.status, ", ".join(t.unit_ids), t.instructions) for t in facts["tasks"]],
            )
        )
    )
    parts.append("<h2>6 资源 · Resources</h2>")
    parts.append(
        table_html(
            Table(
                "units",
                ("出动单元", "Units"),
                (
                    ("编号", "unit"),
                    ("名称", "name"),
                    ("单位", "agency"),
                    ("类型", "kind"),
                    ("状态", "status"),
                ),
                [(u.id, u.name, u.agency, u.kind, u.status) for u in facts["units"]],
            )
        )
    )
    parts.append(
        table_html(
            Table(
                "callups",
                ("队伍拉动", "Call-ups"),
                (
                    ("队伍", "team"),
                    ("应召", "called"),
                    ("确认", "acknowledged"),
                    ("到达", "arrived"),
                    ("状态", "status"),
                ),
                [(m.team_id, m.called, m.acknowledged, m.arrived, m.status) for m in facts["musters"]],
            )
        )
    )
    parts.append("<h2>7 处置经过 · Actions</h2>")
    parts.append(
        table_html(
            Table(
                "actions",
                ("时间线", "Timeline"),
                (("时间", "at"), ("操作人", "actor"), ("内容", "what")),
                [
                    (_when(r.at, timezone), r.actor, _what(r.kind, r.action, r.data))
                    for r in facts["timeline"]
                ],
            )
        )
    )
    parts.append("</body></html>")
    return "".join(parts)


SUMMARY_PARTS = (
    ("incidents", "1 事件 · Incidents"),
    ("resources", "2 投入力量 · Resources committed"),
    ("clocks", "3 响应时限 · Response-time clocks"),
    ("open", "4 仍在处置 · Still open"),
)


def summary_html(
    tables: dict[str, list[Table]], *, period: Period, scope_name: tuple[str, str], prepared_at: datetime
) -> str:
    """ICS-209 for a period of the district or one center; drills are left out."""
    label = escape(period_label(period))
    parts = [_head(f"ICS-209 态势汇总 {scope_name[0]} {period_label(period)}")]
    parts.append(f"<h1>态势汇总 Incident status summary (ICS-209) · {escape(scope_name[0])}</h1>")
    parts.append(
        f"<p class='meta'>{escape(scope_name[1])} · {label} · "
        f"编制 Prepared {_when(prepared_at, period.timezone)}"
        f" ({escape(period.timezone)}) · 演练不计入 · drills left out</p>"
    )
    for key, title in SUMMARY_PARTS:
        parts.append(f"<section data-section='{key}'><h2>{escape(title)}</h2>")
        parts.extend(table_html(table) for table in tables[key])
        parts.append("</section>")
    parts.append("</body></html>")
    return "".join(parts)

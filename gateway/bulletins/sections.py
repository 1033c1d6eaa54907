"""What a bulletin holds: one builder per section, listed once in ``SECTIONS``.

A builder is ``(*, session, period) -> Section``; adding a section to every bulletin is one
function and one entry in the list. Builders count in the database (GROUP BY), never by
loading rows: a month of the district is thousands of incidents, a year twenty thousand.

Drills are reported apart everywhere: the incident, clock and call-up sections count real work
only, and the drills section counts what the drills made.
"""

from collections.abc import Callable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, Select, cast, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.elements import ColumnElement

from gateway.bulletins.models import BarChart, Period, Section, Table
from gateway.centers.models import IncidentHandling
from gateway.dispatch.models import ResponseClock
from gateway.disputes import service as mediation
from gateway.disputes.models import KIND_NAMES, DisputeKind
from gateway.factors import service as watch
from gateway.roster.models import CallUpMember, CallUpRow, Drill
from kernel.catalog import CATEGORIES
from kernel.incidents.models import IncidentRow

SectionBuilder = Callable[..., Section]

LEVELS = (
    ("I", "特别重大", "I Particularly serious"),
    ("II", "重大", "II Serious"),
    ("III", "较大", "III Major"),
    ("IV", "一般", "IV General"),
)
OPEN_STATUSES = ("reported", "accepted", "dispatched", "on_scene")
ENDED_STATUSES = ("resolved", "closed")
# An incident with no place on the grid (none yet, or no division code) is counted here.
UNPLACED = "unplaced"
CLOCK_KINDS = (("acknowledge", "接报确认", "Acknowledge"), ("on_scene", "到达现场", "On scene"))


def scoped(
    query: Select, period: Period, incident_id: InstrumentedAttribute[str] | ColumnElement[str]
) -> Select:
    """Narrowed to one center's incidents, unless the bulletin is the whole district's."""
    if period.scope == "district":
        return query
    return query.join(IncidentHandling, IncidentHandling.incident_id == incident_id).where(
        IncidentHandling.center == period.scope
    )


def incidents_in(query: Select, period: Period, *, drill: bool) -> Select:
    """Incidents reported in the period, real or drill; a merged duplicate is not counted twice."""
    return scoped(
        query.where(
            IncidentRow.reported_at >= period.start,
            IncidentRow.reported_at < period.stop,
            IncidentRow.drill.is_(drill),
            IncidentRow.status != "merged",
        ),
        period,
        IncidentRow.id,
    )


def local_hour(
    session: Session, column: InstrumentedAttribute[datetime], period: Period
) -> ColumnElement[int]:
    """The hour of the day in the district's time zone, computed by the database. SQLite knows
    no time zones: it shifts by the zone's offset at the start of the period (Asia/Shanghai
    keeps one offset all year)."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.extract("hour", func.timezone(period.timezone, column)), Integer)
    offset = period.start.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    return cast(func.strftime("%H", column, f"{minutes:+d} minutes"), Integer)


def local_time(moment: datetime | None, period: Period) -> str:
    if moment is None:
        return ""
    return moment.astimezone(ZoneInfo(period.timezone)).strftime("%Y-%m-%d %H:%M")


def _category_rows(counts: Sequence[tuple[str, int]]) -> list[tuple[str | int, ...]]:
    ordered = sorted(counts, key=lambda pair: (-pair[1], pair[0]))
    return [
        (
            code,
            CATEGORIES[code].name_zh if code in CATEGORIES else code,
            CATEGORIES[code].name_en if code in CATEGORIES else code,
            n,
        )
        for code, n in ordered
    ]


CATEGORY_COLUMNS = (
    ("代码", "code"),
    ("类别", "category"),
    ("英文名称", "category (en)"),
    ("起数", "incidents"),
)


def incidents(*, session: Session, period: Period) -> Section:
    """Real incidents reported in the period: how many and where they stand now, by category,
    level, grid cell and hour of the day."""
    by_status = dict(
        session.execute(
            incidents_in(select(IncidentRow.status, func.count()), period, drill=False).group_by(
                IncidentRow.status
            )
        ).all()
    )
    total = sum(by_status.values())
    opened = sum(by_status.get(s, 0) for s in OPEN_STATUSES)
    ended = sum(by_status.get(s, 0) for s in ENDED_STATUSES)
    summary = Table(
        "incidents_summary",
        ("事件概况", "Incidents"),
        (("项目", "item"), ("英文", "item (en)"), ("数量", "count")),
        [
            ("接报事件", "reported", total),
            ("仍在处置", "still open", opened),
            ("已处置完毕", "resolved or closed", ended),
            ("已撤销", "cancelled", by_status.get("cancelled", 0)),
        ],
    )
    categories = session.execute(
        incidents_in(select(IncidentRow.category, func.count()), period, drill=False).group_by(
            IncidentRow.category
        )
    ).all()
    levels = dict(
        session.execute(
            incidents_in(select(IncidentRow.level, func.count()), period, drill=False).group_by(
                IncidentRow.level
            )
        ).all()
    )
    grid = session.execute(
        incidents_in(select(IncidentRow.admin_code, func.count()), period, drill=False).group_by(
            IncidentRow.admin_code
        )
    ).all()
    cells: dict[str, int] = {}
    for code, n in grid:
        cells[code or UNPLACED] = cells.get(code or UNPLACED, 0) + n
    hour = local_hour(session, IncidentRow.reported_at, period)
    hours = dict(
        session.execute(incidents_in(select(hour, func.count()), period, drill=False).group_by(hour)).all()
    )
    by_hour = [hours.get(h, 0) for h in range(24)]
    return Section(
        key="incidents",
        title=("事件情况", "Incidents"),
        tables=[
            summary,
            Table(
                "incidents_by_category",
                ("按类别", "By category"),
                CATEGORY_COLUMNS,
                _category_rows(categories),
            ),
            Table(
                "incidents_by_level",
                ("按等级", "By emergency level"),
                (("等级", "level"), ("名称", "name"), ("英文名称", "name (en)"), ("起数", "incidents")),
                [(code, zh, en, levels.get(code, 0)) for code, zh, en in LEVELS],
            ),
            Table(
                "incidents_by_grid",
                ("按网格", "By grid cell"),
                (("网格/区划代码", "grid cell or division code"), ("起数", "incidents")),
                sorted(cells.items(), key=lambda pair: (-pair[1], pair[0])),
            ),
            Table(
                "incidents_by_hour",
                ("按时段", "By hour of the day"),
                (("时", "hour"), ("起数", "incidents")),
                [(f"{h:02d}", n) for h, n in enumerate(by_hour)],
            ),
        ],
        chart=BarChart(
            ("各时段接报事件", "Incidents by hour of the day"), [f"{h:02d}" for h in range(24)], by_hour
        ),
    )


def clocks_in(query: Select, period: Period, *, drill: bool) -> Select:
    """Clocks settled in the period (met or breached) on real or drill incidents."""
    return scoped(
        query.join(IncidentRow, IncidentRow.id == ResponseClock.incident_id).where(
            ResponseClock.settled_at >= period.start,
            ResponseClock.settled_at < period.stop,
            ResponseClock.status.in_(("met", "breached")),
            IncidentRow.drill.is_(drill),
        ),
        period,
        ResponseClock.incident_id,
    )


def clocks(*, session: Session, period: Period) -> Section:
    """Response-time clocks settled in the period: met or breached, by kind, and the breaches
    by agency (a breach settles its clock the moment it is raised)."""
    settled = {
        (kind, status): n
        for kind, status, n in session.execute(
            clocks_in(
                select(ResponseClock.kind, ResponseClock.status, func.count()), period, drill=False
            ).group_by(ResponseClock.kind, ResponseClock.status)
        )
    }
    by_kind = []
    for kind, zh, en in CLOCK_KINDS:
        met, breached = settled.get((kind, "met"), 0), settled.get((kind, "breached"), 0)
        rate = f"{100 * met / (met + breached):.1f}%" if met + breached else "—"
        by_kind.append((zh, en, met, breached, rate))
    agencies: dict[str, dict[str, int]] = {}
    for agency, kind, n in session.execute(
        clocks_in(select(ResponseClock.agency, ResponseClock.kind, func.count()), period, drill=False)
        .where(ResponseClock.status == "breached")
        .group_by(ResponseClock.agency, ResponseClock.kind)
    ):
        agencies.setdefault(agency, {})[kind] = n
    return Section(
        key="clocks",
        title=("响应时限", "Response-time clocks"),
        tables=[
            Table(
                "clocks_by_kind",
                ("按时限", "By clock"),
                (
                    ("时限", "clock"),
                    ("英文", "clock (en)"),
                    ("按时", "met"),
                    ("超时", "breached"),
                    ("按时率", "on time"),
                ),
                by_kind,
            ),
            Table(
                "breaches_by_agency",
                ("超时（按单位）", "Breaches by agency"),
                (
                    ("单位", "agency"),
                    ("接报确认超时", "acknowledge"),
                    ("到场超时", "on scene"),
                    ("合计", "total"),
                ),
                [
                    (agency, kinds.get("acknowledge", 0), kinds.get("on_scene", 0), sum(kinds.values()))
                    for agency, kinds in sorted(agencies.items())
                ],
            ),
        ],
    )


def _callups(session: Session, period: Period, *, drill: bool) -> list[tuple[str | int, ...]]:
    query = (
        select(
            CallUpRow.agency,
            func.count(func.distinct(CallUpRow.id)),
            func.count(CallUpMember.member_id),
            func.count(CallUpMember.acknowledged_at),
            func.count(CallUpMember.arrived_at),
            func.count(CallUpMember.declined_at),
        )
        .outerjoin(CallUpMember, CallUpMember.call_up_id == CallUpRow.id)
        .where(
            CallUpRow.called_at >= period.start, CallUpRow.called_at < period.stop, CallUpRow.drill.is_(drill)
        )
        .group_by(CallUpRow.agency)
        .order_by(CallUpRow.agency)
    )
    return [tuple(row) for row in session.execute(scoped(query, period, CallUpRow.incident_id))]


CALLUP_COLUMNS = (
    ("单位", "agency"),
    ("拉动次数", "call-ups"),
    ("应召人数", "members called"),
    ("确认", "acknowledged"),
    ("到达", "arrived"),
    ("拒绝", "declined"),
)


def callups(*, session: Session, period: Period) -> Section:
    """Real call-ups of the response teams in the period and how their members answered; a
    center's bulletin counts the call-ups for its incidents."""
    return Section(
        key="callups",
        title=("队伍拉动", "Call-ups"),
        tables=[
            Table(
                "callups_by_agency",
                ("按单位", "By agency"),
                CALLUP_COLUMNS,
                _callups(session, period, drill=False),
            )
        ],
    )


def drills(*, session: Session, period: Period) -> Section:
    """Drills started in the period, and everything they made, apart from the real figures:
    drill incidents, their clock breaches and drill call-ups."""
    held = list(
        session.scalars(
            select(Drill)
            .where(Drill.started_at >= period.start, Drill.started_at < period.stop)
            .order_by(Drill.started_at, Drill.id)
        )
    )
    if period.scope != "district":
        ids = {i for drill in held for i in drill.incident_ids}
        ours = set(
            session.scalars(
                select(IncidentHandling.incident_id).where(
                    IncidentHandling.incident_id.in_(ids), IncidentHandling.center == period.scope
                )
            )
        )
        held = [drill for drill in held if ours.intersection(drill.incident_ids)]
    categories = session.execute(
        incidents_in(select(IncidentRow.category, func.count()), period, drill=True).group_by(
            IncidentRow.category
        )
    ).all()
    breaches = session.scalar(
        clocks_in(select(func.count()).select_from(ResponseClock), period, drill=True).where(
            ResponseClock.status == "breached"
        )
    )
    called = _callups(session, period, drill=True)
    return Section(
        key="drills",
        title=("演练（单独统计）", "Drills (counted apart)"),
        tables=[
            Table(
                "drills_summary",
                ("演练概况", "Drills"),
                (("项目", "item"), ("英文", "item (en)"), ("数量", "count")),
                [
                    ("演练场次", "drills held", len(held)),
                    ("演练事件", "drill incidents", sum(n for _, n in categories)),
                    ("演练时限超时", "drill clock breaches", breaches or 0),
                    ("演练拉动", "drill call-ups", sum(int(row[1]) for row in called)),
                ],
            ),
            Table(
                "drills_held",
                ("演练列表", "Drills held"),
                (
                    ("名称", "name"),
                    ("科目", "scenario"),
                    ("开始", "started"),
                    ("结束", "ended"),
                    ("演练事件", "incidents"),
                ),
                [
                    (
                        d.name,
                        d.scenario,
                        local_time(d.started_at, period),
                        local_time(d.ended_at, period),
                        len(d.incident_ids),
                    )
                    for d in held
                ],
            ),
            Table(
                "drill_incidents_by_category",
                ("演练事件（按类别）", "Drill incidents by category"),
                CATEGORY_COLUMNS,
                _category_rows(categories),
            ),
            Table(
                "drill_callups_by_agency",
                ("演练拉动（按单位）", "Drill call-ups by agency"),
                CALLUP_COLUMNS,
                called,
            ),
        ],
    )


# Every bulletin's sections, in the order they are printed.
def disputes(*, session: Session, period: Period) -> Section:
    """Disputes reported and mediated in the period, the settled rate, and the mediated cases
    by kind; a center's bulletin counts the disputes that center holds."""
    figures = mediation.bulletin_figures(
        session=session,
        start=period.start,
        end=period.stop,
        center=None if period.scope == "district" else period.scope,
        timezone=period.timezone,
    )
    rate = "—" if figures.settled_rate is None else f"{figures.settled_rate:.1%}"
    kinds = [(*KIND_NAMES[DisputeKind(kind)], count) for kind, count in figures.by_kind.items()]
    return Section(
        key="disputes",
        title=("矛盾纠纷排查调处", "Disputes mediated"),
        tables=[
            Table(
                "disputes_summary",
                ("调处概况", "Mediation"),
                (("项目", "item"), ("英文", "item (en)"), ("数量", "count")),
                [
                    ("新排查纠纷", "reported", figures.reported),
                    ("调处完结", "mediated to an outcome", figures.mediated),
                    ("调解成功", "settled", figures.settled),
                    ("调解成功率", "settled rate", rate),
                ],
            ),
            Table(
                "disputes_by_kind",
                ("按纠纷类型（调处完结）", "Mediated, by kind"),
                (("类型", "kind"), ("英文", "kind (en)"), ("数量", "count")),
                kinds,
            ),
        ],
        chart=BarChart(
            ("调处完结纠纷（按类型）", "Mediated disputes by kind"),
            [zh for zh, _en, _count in kinds],
            [count for _zh, _en, count in kinds],
        )
        if figures.mediated
        else None,
    )


def factors(*, session: Session, period: Period) -> Section:
    """Instability factors: what happened to them in the period (from their history, so a past
    bulletin keeps what happened then), missed check-ins, and those still open at its end."""
    figures = watch.bulletin_figures(
        session=session,
        start=period.start,
        end=period.stop,
        center=None if period.scope == "district" else period.scope,
    )
    return Section(
        key="factors",
        title=("不稳定因素", "Instability factors"),
        tables=[
            Table(
                "factors_summary",
                ("不稳定因素概况", "Factors"),
                (("项目", "item"), ("英文", "item (en)"), ("数量", "count")),
                [
                    ("新排查", "opened", figures.opened),
                    ("趋于缓和", "easing", figures.eased),
                    ("已化解", "resolved", figures.resolved),
                    ("转为事件", "became incidents", figures.became_incident),
                    ("漏报（超时未报到）", "missed check-ins", figures.missed_checkins),
                    ("期末在管", "open at the end", figures.open_at_end),
                ],
            ),
            Table(
                "factors_open_by_level",
                ("期末在管（按等级）", "Open at the end, by level"),
                (("等级", "level"), ("中文", "name"), ("英文", "name (en)"), ("数量", "count")),
                [(code, zh, en, figures.by_level.get(code, 0)) for code, zh, en in LEVELS],
            ),
        ],
    )


SECTIONS: list[SectionBuilder] = [incidents, clocks, callups, drills, factors, disputes]

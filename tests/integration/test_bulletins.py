"""The bulletin on real databases: every figure against a fixture counted by hand, the archive
read back byte for byte a month later, an empty period, and the morning issue made once
whichever scheduler, restart or race gets there first."""

import csv
import io
import threading
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from gateway.bulletins import periods, render, service
from gateway.bulletins.models import Bulletin, Period, Section
from gateway.bulletins.scheduler import BulletinScheduler
from gateway.centers import routing
from gateway.centers.models import IncidentHandling
from gateway.dispatch.models import ResponseClock
from gateway.disputes.models import DisputeCase
from gateway.factors.models import Factor, FactorEvent
from gateway.roster.models import CallUpMember, CallUpRow, Drill
from gateway.schema import HISTORY
from kernel import schema
from kernel.db import make_engine, make_session_factory, transaction
from kernel.incidents.models import IncidentRow

ZONE = "Asia/Shanghai"
DAY = datetime(2026, 11, 10).date()  # a Tuesday


def local(day_offset: int, hhmm: str) -> datetime:
    """A moment on the fixture's day (or days around it), district time."""
    hour, minute = (int(part) for part in hhmm.split(":"))
    moment = datetime.combine(DAY + timedelta(days=day_offset), time(hour, minute), ZoneInfo(ZONE))
    return moment.astimezone(UTC)


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A gateway database made by its migrations, on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'gateway.db'}"
    else:
        url = request.getfixturevalue("postgres")("bulletins")
    made = make_engine(url)
    schema.upgrade(made, HISTORY)
    yield made
    made.dispose()


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


_sequence = iter(range(1, 10**6))


def incident(
    session: Session,
    key: str,
    *,
    category: str,
    level: str,
    status: str,
    at: datetime,
    center: str,
    admin_code: str = "370502",
    drill: bool = False,
) -> None:
    session.add(
        IncidentRow(
            id=key,
            source_agency="localgov",
            category=category,
            level=level,
            status=status,
            title=f"incident {key}",
            description="",
            latitude=37.45,
            longitude=118.58,
            address="东营区",
            admin_code=admin_code,
            reporter_name="",
            reporter_phone="",
            reporter_channel="test",
            drill=drill,
            version=1,
            reported_at=at,
            updated_at=at,
            received_at=at,
            sequence=next(_sequence),
        )
    )
    session.add(
        IncidentHandling(
            incident_id=key,
            center=center,
            reason="test",
            agencies=["localgov"],
            routed_by="router",
            routed_at=at,
            merged_into=None,
        )
    )


def clock_row(
    session: Session,
    key: str,
    incident_id: str,
    agency: str,
    kind: str,
    status: str,
    settled: datetime | None,
) -> None:
    session.add(
        ResponseClock(
            id=key,
            task_id=f"task-{key}",
            incident_id=incident_id,
            agency=agency,
            kind=kind,
            started_at=local(-1, "00:00"),
            deadline=local(-1, "00:10"),
            status=status,
            settled_at=settled,
        )
    )


def call_up(
    session: Session,
    key: str,
    *,
    agency: str,
    incident_id: str | None,
    drill: bool,
    at: datetime,
    members: list[str],
) -> None:
    """``members``: one letter each, a acknowledged, r arrived too, d declined, - no answer."""
    session.add(
        CallUpRow(
            id=key,
            team_id=f"team-{agency}",
            agency=agency,
            incident_id=incident_id,
            drill_id="d1" if drill else None,
            drill=drill,
            assembly_point="",
            called_at=at,
            called_by="coordinator",
            status="open",
            closed_at=None,
            reason="",
        )
    )
    for n, answer in enumerate(members):
        session.add(
            CallUpMember(
                call_up_id=key,
                member_id=f"{key}-m{n}",
                acknowledged_at=at if answer in "ar" else None,
                on_the_way_at=None,
                arrived_at=at if answer == "r" else None,
                declined_at=at if answer == "d" else None,
            )
        )


def drill(session: Session, key: str, *, started: datetime, incident_ids: list[str]) -> None:
    session.add(
        Drill(
            id=key,
            name="校园安全演练",
            scenario="campus_safety",
            team_ids=["school-guards"],
            scheduled_for=started,
            status="ended",
            started_at=started,
            ended_at=started + timedelta(minutes=30),
            incident_ids=incident_ids,
            created_by="coordinator",
            year=2026,
        )
    )


def load_fixture(factory: sessionmaker[Session]) -> None:
    """The day counted by hand in the tests below; the comments say what each row is for."""
    with transaction(factory) as session:
        incident(
            session,
            "A",
            category="pipeline_tapping",
            level="II",
            status="dispatched",
            at=local(0, "08:15"),
            center="stability",
            admin_code="370502001",
        )
        incident(
            session,
            "B",
            category="pipeline_tapping",
            level="III",
            status="closed",
            at=local(0, "08:40"),
            center="stability",
            admin_code="370502001",
        )
        incident(
            session,
            "C",
            category="wage_arrears",
            level="IV",
            status="resolved",
            at=local(0, "14:05"),
            center="construction",
            admin_code="",
        )
        incident(
            session,
            "D",
            category="police_call",
            level="IV",
            status="cancelled",
            at=local(0, "23:59"),
            center="stability",
        )
        incident(
            session,
            "F",
            category="fire",
            level="I",
            status="reported",
            at=local(0, "00:00"),
            center="population",
        )
        # A merged duplicate is counted once, as the incident it was merged into.
        incident(
            session,
            "E",
            category="civil_dispute",
            level="III",
            status="merged",
            at=local(0, "10:00"),
            center="stability",
        )
        # Just outside the day, on either side.
        incident(
            session,
            "G",
            category="police_call",
            level="IV",
            status="reported",
            at=local(-1, "23:59"),
            center="stability",
        )
        incident(
            session,
            "H",
            category="police_call",
            level="IV",
            status="reported",
            at=local(1, "00:00"),
            center="stability",
        )
        # Drill incidents: counted apart.
        incident(
            session,
            "X",
            category="campus_safety",
            level="III",
            status="closed",
            at=local(0, "09:00"),
            center="stability",
            drill=True,
        )
        incident(
            session,
            "Y",
            category="campus_safety",
            level="IV",
            status="closed",
            at=local(0, "09:05"),
            center="stability",
            drill=True,
        )
        session.flush()
        clock_row(session, "c1", "A", "oilfield", "acknowledge", "met", local(0, "08:16"))
        clock_row(session, "c2", "A", "oilfield", "on_scene", "breached", local(0, "08:30"))
        clock_row(session, "c3", "B", "localgov", "acknowledge", "breached", local(0, "08:45"))
        clock_row(session, "c4", "C", "localgov", "on_scene", "met", local(0, "14:20"))
        clock_row(session, "c5", "A", "military", "acknowledge", "running", None)
        clock_row(session, "c6", "X", "school", "acknowledge", "breached", local(0, "09:03"))
        clock_row(session, "c7", "D", "localgov", "acknowledge", "breached", local(1, "00:10"))
        call_up(
            session,
            "u1",
            agency="military",
            incident_id="A",
            drill=False,
            at=local(0, "10:00"),
            members=["r", "a", "d"],
        )
        call_up(
            session,
            "u2",
            agency="localgov",
            incident_id=None,
            drill=False,
            at=local(0, "11:00"),
            members=["r"],
        )
        call_up(
            session,
            "u3",
            agency="school",
            incident_id="X",
            drill=True,
            at=local(0, "09:01"),
            members=["a", "-"],
        )
        call_up(
            session,
            "u4",
            agency="military",
            incident_id=None,
            drill=False,
            at=local(-1, "10:00"),
            members=["r"],
        )
        drill(session, "d1", started=local(0, "09:00"), incident_ids=["X", "Y"])
        drill(session, "d2", started=local(-1, "09:00"), incident_ids=[])


def tables(sections: list[Section]) -> dict[str, list[tuple[str | int, ...]]]:
    return {table.name: table.rows for section in sections for table in section.tables}


def day(scope: str = "district", kind: str = "day", on: object = DAY) -> Period:
    return periods.period(scope=scope, kind=kind, day=on, timezone=ZONE)  # type: ignore[arg-type]


LEVELS_COUNTED = [
    ("I", "特别重大", "I Particularly serious", 1),
    ("II", "重大", "II Serious", 1),
    ("III", "较大", "III Major", 1),
    ("IV", "一般", "IV General", 2),
]


def test_every_figure_of_the_district_bulletin_matches_the_hand_counted_day(
    factory: sessionmaker[Session],
) -> None:
    load_fixture(factory)
    with factory() as session:
        got = tables(service.build(session=session, period=day()))
    assert got["incidents_summary"] == [
        ("接报事件", "reported", 5),
        ("仍在处置", "still open", 2),
        ("已处置完毕", "resolved or closed", 2),
        ("已撤销", "cancelled", 1),
    ]
    assert got["incidents_by_category"] == [
        ("pipeline_tapping", "打孔盗油", "Pipeline tapping", 2),
        ("fire", "火情", "Fire", 1),
        ("police_call", "110警情", "110 police call", 1),
        ("wage_arrears", "拖欠农民工工资", "Migrant workers' wage arrears", 1),
    ]
    assert got["incidents_by_level"] == LEVELS_COUNTED
    assert got["incidents_by_grid"] == [("370502", 2), ("370502001", 2), ("unplaced", 1)]
    hours = dict(got["incidents_by_hour"])
    assert len(hours) == 24
    assert {h: n for h, n in hours.items() if n} == {"00": 1, "08": 2, "14": 1, "23": 1}
    assert got["clocks_by_kind"] == [
        ("接报确认", "Acknowledge", 1, 1, "50.0%"),
        ("到达现场", "On scene", 1, 1, "50.0%"),
    ]
    assert got["breaches_by_agency"] == [("localgov", 1, 0, 1), ("oilfield", 0, 1, 1)]
    assert got["callups_by_agency"] == [("localgov", 1, 1, 1, 1, 0), ("military", 1, 3, 2, 1, 1)]
    assert got["drills_summary"] == [
        ("演练场次", "drills held", 1),
        ("演练事件", "drill incidents", 2),
        ("演练时限超时", "drill clock breaches", 1),
        ("演练拉动", "drill call-ups", 1),
    ]
    assert got["drills_held"] == [
        ("校园安全演练", "campus_safety", "2026-11-10 09:00", "2026-11-10 09:30", 2)
    ]
    assert got["drill_incidents_by_category"] == [("campus_safety", "校园安全", "Campus safety", 2)]
    assert got["drill_callups_by_agency"] == [("school", 1, 2, 1, 0, 0)]


def dispute(session: Session, key: str, *, kind: str, reported: datetime, outcome: str | None = None) -> None:
    """A dispute reported at ``reported``; one with an outcome was decided on the fixture's day."""
    session.add(
        DisputeCase(
            id=key,
            kind=kind,
            summary=key,
            parties=[],
            place="",
            center="stability",
            mediator="调解员",
            reported_at=reported,
            reported_on=reported.astimezone(ZoneInfo(ZONE)).date(),
            created_by="test",
            outcome=outcome,
            outcome_on=DAY if outcome else None,
        )
    )


def test_the_bulletin_counts_the_disputes_reported_and_mediated_that_day(
    factory: sessionmaker[Session],
) -> None:
    with transaction(factory) as session:
        dispute(session, "d1", kind="wage_arrears", reported=local(0, "09:00"), outcome="settled")
        dispute(session, "d2", kind="wage_arrears", reported=local(-3, "09:00"), outcome="settled")
        dispute(session, "d3", kind="neighbours", reported=local(-1, "09:00"), outcome="referred_court")
        dispute(session, "d4", kind="neighbours", reported=local(0, "23:30"))
        dispute(session, "d5", kind="neighbours", reported=local(1, "00:30"))  # the next day
    with factory() as session:
        got = tables(service.build(session=session, period=day()))
    assert got["disputes_summary"] == [
        ("新排查纠纷", "reported", 2),
        ("调处完结", "mediated to an outcome", 3),
        ("调解成功", "settled", 2),
        ("调解成功率", "settled rate", "66.7%"),
    ]
    mediated = {en: count for _zh, en, count in got["disputes_by_kind"] if count}
    assert mediated == {"Wage arrears": 2, "Neighbours": 1}


def factor(session: Session, key: str, *, level: str, opened: datetime, events: dict[str, datetime]) -> None:
    """A factor registered at ``opened`` and what its history says happened to it after."""
    session.add(
        Factor(
            id=key,
            category="land",
            description=key,
            parties=[],
            place="",
            level=level,
            center="stability",
            responsible_unit="街道",
            status="watching",
            created_at=opened,
            created_by="test",
            updated_at=opened,
        )
    )
    for action, at in {"opened": opened, **events}.items():
        session.add(FactorEvent(factor_id=key, at=at, actor="test", action=action, data={}))


def test_the_bulletin_counts_what_happened_to_instability_factors_that_day(
    factory: sessionmaker[Session],
) -> None:
    with transaction(factory) as session:
        factor(
            session, "f1", level="II", opened=local(0, "09:00"), events={"check_in_missed": local(0, "15:00")}
        )
        factor(session, "f2", level="III", opened=local(-5, "09:00"), events={"easing": local(0, "10:00")})
        factor(session, "f3", level="III", opened=local(-5, "09:00"), events={"resolved": local(0, "11:00")})
        factor(session, "f4", level="IV", opened=local(-5, "09:00"), events={"resolved": local(-1, "11:00")})
        factor(session, "f5", level="I", opened=local(1, "08:00"), events={})  # the next day
    with factory() as session:
        got = tables(service.build(session=session, period=day()))
    assert got["factors_summary"] == [
        ("新排查", "opened", 1),
        ("趋于缓和", "easing", 1),
        ("已化解", "resolved", 1),
        ("转为事件", "became incidents", 0),
        ("漏报（超时未报到）", "missed check-ins", 1),
        ("期末在管", "open at the end", 2),
    ]
    assert got["factors_open_by_level"] == [
        ("I", "特别重大", "I Particularly serious", 0),
        ("II", "重大", "II Serious", 1),
        ("III", "较大", "III Major", 1),
        ("IV", "一般", "IV General", 0),
    ]


def test_a_centers_bulletin_counts_only_its_own_incidents(factory: sessionmaker[Session]) -> None:
    load_fixture(factory)
    with factory() as session:
        stability = tables(service.build(session=session, period=day("stability")))
        population = tables(service.build(session=session, period=day("population")))
    assert [row[2] for row in stability["incidents_summary"]] == [3, 1, 1, 1]
    assert {h: n for h, n in stability["incidents_by_hour"] if n} == {"08": 2, "23": 1}
    assert stability["clocks_by_kind"] == [
        ("接报确认", "Acknowledge", 1, 1, "50.0%"),
        ("到达现场", "On scene", 0, 1, "0.0%"),
    ]
    # Call-ups belong to a center through their incident; u2 has none, so it is the district's only.
    assert stability["callups_by_agency"] == [("military", 1, 3, 2, 1, 1)]
    assert stability["drills_summary"][0] == ("演练场次", "drills held", 1)
    assert [row[2] for row in population["incidents_summary"]] == [1, 1, 0, 0]
    assert population["incidents_by_level"][0] == ("I", "特别重大", "I Particularly serious", 1)
    assert population["callups_by_agency"] == []
    assert population["drills_summary"][0] == ("演练场次", "drills held", 0)


def test_the_week_and_the_month_hold_the_day(factory: sessionmaker[Session]) -> None:
    load_fixture(factory)
    with factory() as session:
        week = tables(service.build(session=session, period=day(kind="week")))
        month = tables(service.build(session=session, period=day(kind="month")))
    # G (Monday 23:59) and H (Wednesday 00:00) fall inside the week and the month.
    assert week["incidents_summary"][0] == ("接报事件", "reported", 7)
    assert month["incidents_summary"][0] == ("接报事件", "reported", 7)
    assert week["callups_by_agency"] == [("localgov", 1, 1, 1, 1, 0), ("military", 2, 4, 3, 2, 1)]
    assert week["drills_summary"][0] == ("演练场次", "drills held", 2)


def test_the_page_and_every_csv_carry_the_figures_counted(factory: sessionmaker[Session]) -> None:
    load_fixture(factory)
    with transaction(factory) as session:
        row = service.generate(
            session=session,
            period=day(),
            rules=routing.load(),
            actor="t",
            clock=FixedClock(local(1, "08:00")),
        )
    with factory() as session:
        sections = service.build(session=session, period=day())
    with zipfile.ZipFile(io.BytesIO(row.csv_zip)) as archive:
        names = sorted(archive.namelist())
        assert names == sorted(f"{name}.csv" for name in tables(sections))
        for table in (t for s in sections for t in s.tables):
            text = archive.read(f"{table.name}.csv").decode("utf-8-sig")
            lines = list(csv.reader(io.StringIO(text)))
            assert lines[0] == [f"{zh} / {en}" for zh, en in table.columns]
            assert lines[1:] == [[str(v) for v in r] for r in table.rows], table.name
    page = row.html
    assert "维稳信息简报（日报）· 东营区" in page and "2026-11-10" in page
    assert page.count("<svg") == 1 and "<script" not in page
    assert "<td class='n'>5</td>" in page  # reported
    assert "Issued 2026-11-11 08:00" in page


def test_an_archived_bulletin_reads_back_unchanged_a_month_later(factory: sessionmaker[Session]) -> None:
    load_fixture(factory)
    clock = FixedClock(local(1, "08:00"))
    with transaction(factory) as session:
        issued = service.generate(session=session, period=day(), rules=routing.load(), actor="t", clock=clock)
    html, archive = issued.html, issued.csv_zip
    # The data moves on: a late report for the day, a correction, a closed incident.
    with transaction(factory) as session:
        incident(
            session,
            "late",
            category="fire",
            level="I",
            status="reported",
            at=local(0, "12:00"),
            center="stability",
        )
        session.get_one(IncidentRow, "A").level = "I"
        session.get_one(IncidentRow, "F").status = "closed"
    clock.now += timedelta(days=31)
    with factory() as session:
        again = service.get(session=session, bulletin_id=issued.id)
        assert again.html == html and again.csv_zip == archive
        assert again.generated_at == local(1, "08:00")
    # What counting again would say now differs, so the archive is what kept the bytes.
    with transaction(factory) as session:
        recount = service.generate(
            session=session, period=day(), rules=routing.load(), actor="t", clock=clock
        )
    assert recount.id != issued.id and recount.edition == issued.edition + 1
    assert recount.csv_zip != archive


def test_the_same_figures_at_the_same_time_give_the_same_bytes(factory: sessionmaker[Session]) -> None:
    load_fixture(factory)
    clock = FixedClock(local(1, "08:00"))
    with transaction(factory) as session:
        first = service.generate(session=session, period=day(), rules=routing.load(), actor="t", clock=clock)
    with transaction(factory) as session:
        second = service.generate(session=session, period=day(), rules=routing.load(), actor="t", clock=clock)
    assert first.id != second.id
    assert first.html.encode() == second.html.encode()
    assert first.csv_zip == second.csv_zip


def test_a_period_with_no_data_is_an_empty_bulletin(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        row = service.generate(
            session=session,
            period=day(kind="month", on=DAY.replace(month=1)),
            rules=routing.load(),
            actor="t",
        )
    with factory() as session:
        got = tables(service.build(session=session, period=day(kind="month", on=DAY.replace(month=1))))
    assert [r[2] for r in got["incidents_summary"]] == [0, 0, 0, 0]
    assert [r[3] for r in got["incidents_by_level"]] == [0, 0, 0, 0]
    assert all(n == 0 for _, n in got["incidents_by_hour"])
    for name in (
        "incidents_by_category",
        "incidents_by_grid",
        "breaches_by_agency",
        "callups_by_agency",
        "drills_held",
    ):
        assert got[name] == [], name
    assert got["clocks_by_kind"][0][4] == "—"
    assert "无 · none" in row.html and row.period_start.isoformat() == "2026-01-01"
    with zipfile.ZipFile(io.BytesIO(row.csv_zip)) as archive:
        assert len(archive.namelist()) == len(got)


def scheduler(factory: sessionmaker[Session], clock: FixedClock) -> BulletinScheduler:
    return BulletinScheduler(
        session_factory=factory,
        rules=routing.load(),
        timezone=ZONE,
        at=time(8, 0),
        interval_s=60,
        clock=clock,
    )


def scheduled(factory: sessionmaker[Session]) -> list[str]:
    with factory() as session:
        return sorted(session.scalars(select(Bulletin.id).where(Bulletin.edition == 0)))


def test_the_morning_issue_happens_once_across_a_restart_of_the_scheduler(
    factory: sessionmaker[Session],
) -> None:
    load_fixture(factory)
    clock = FixedClock(local(1, "07:59"))
    first = scheduler(factory, clock)
    # Before 08:00 the latest morning is yesterday's: it owes the day before the fixture's day.
    assert first.sweep() == 4
    assert scheduled(factory) == [
        f"{s}-day-2026-11-09-0" for s in ("construction", "district", "population", "stability")
    ]
    assert first.sweep() == 0
    clock.now = local(1, "08:00")
    assert first.sweep() == 4
    # The gateway restarts: a new scheduler on the same database owes nothing more.
    clock.now = local(1, "08:05")
    assert scheduler(factory, clock).sweep() == 0
    ids = scheduled(factory)
    assert len(ids) == 8 and "district-day-2026-11-10-0" in ids
    with factory() as session:
        issued = service.get(session=session, bulletin_id="district-day-2026-11-10-0")
        assert issued.generated_by == "schedule"
        assert "<td class='n'>5</td>" in issued.html


def test_two_schedulers_racing_at_eight_issue_each_bulletin_once(factory: sessionmaker[Session]) -> None:
    clock = FixedClock(local(1, "08:00"))
    racers = [scheduler(factory, clock) for _ in range(2)]
    start = threading.Barrier(len(racers))
    counts: list[int] = []

    def race(one: BulletinScheduler) -> None:
        start.wait()
        counts.append(one.sweep())

    threads = [threading.Thread(target=race, args=(one,)) for one in racers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(counts) == 4, counts
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Bulletin)) == 4


def test_a_gateway_down_at_eight_issues_the_morning_on_start(factory: sessionmaker[Session]) -> None:
    # Started at 15:00 on the 1st of December, a Tuesday: the day, and the month of November.
    owed = periods.owed(now=datetime(2026, 12, 1, 7, 0, tzinfo=UTC), timezone=ZONE, at=time(8, 0))
    assert {(p.kind, p.first.isoformat()) for p in owed} == {("day", "2026-11-30"), ("month", "2026-11-01")}
    # On a Monday, the week before as well.
    monday = periods.owed(now=datetime(2026, 11, 9, 1, 0, tzinfo=UTC), timezone=ZONE, at=time(8, 0))
    assert {(p.kind, p.first.isoformat(), p.end.isoformat()) for p in monday} == {
        ("day", "2026-11-08", "2026-11-09"),
        ("week", "2026-11-02", "2026-11-09"),
    }
    clock = FixedClock(datetime(2026, 12, 1, 7, 0, tzinfo=UTC))
    assert scheduler(factory, clock).sweep() == 8
    assert render.period_label(day(kind="week")) == "2026-11-09 – 2026-11-15"

"""The bulletin for a year of the district, generated in process on SQLite and PostgreSQL.

A year of the district is about 20,000 incidents (the issue's demo year), each routed to a
center with one task's two response clocks, a few hundred call-ups and 18 drills, and the demo's
generated year of 2,326 mediated disputes (infra/disputes_demo.py), inserted with Core bulk
inserts. The figure is the time to generate the whole district's year bulletin
(count every section, draw the chart, render the page and the CSV zip), and a center's and a
month's; the target is under 2 s for the year. The baseline, in the same run, counts the same
incident figures the way the bulletin must not: loading every incident of the period as an ORM
row and counting in Python.
"""

import random
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from statistics import median
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from bench import in_process
from bench.stats import Row
from gateway.bulletins import periods, service
from gateway.bulletins.models import Period
from gateway.centers import routing
from gateway.centers.models import IncidentHandling
from gateway.dispatch.models import ResponseClock
from gateway.disputes import service as disputes
from gateway.roster.models import CallUpMember, CallUpRow, Drill
from gateway.schema import HISTORY
from infra import disputes_demo
from kernel.catalog import CATEGORIES
from kernel.db import transaction
from kernel.incidents.models import IncidentRow

ZONE = "Asia/Shanghai"
YEAR = 2026
TARGET_S = 2.0
CENTERS = ("stability", "construction", "population")


@dataclass(frozen=True)
class Options:
    incidents: int
    rounds: int
    db: str


def fill(factory: sessionmaker[Session], count: int) -> float:
    """A year of incidents with their handling, clocks, call-ups and drills; seconds it took."""
    started = time.perf_counter()
    rng = random.Random(2026)
    first = datetime(YEAR, 1, 1, tzinfo=ZoneInfo(ZONE)).astimezone(UTC)
    seconds = (datetime(YEAR + 1, 1, 1, tzinfo=ZoneInfo(ZONE)).astimezone(UTC) - first).total_seconds()
    categories = sorted(CATEGORIES)
    incidents, handling, clocks = [], [], []
    for n in range(count):
        at = first + timedelta(seconds=rng.uniform(0, seconds))
        key = f"bench-{n:06d}"
        drill = rng.random() < 0.02
        incidents.append(
            {
                "id": key,
                "source_agency": rng.choice(("oilfield", "localgov", "military", "school")),
                "category": rng.choice(categories),
                "level": rng.choices(("I", "II", "III", "IV"), (1, 4, 20, 75))[0],
                "status": rng.choices(
                    ("closed", "resolved", "cancelled", "dispatched", "merged"), (80, 8, 5, 5, 2)
                )[0],
                "title": f"事件 {n}",
                "description": "",
                "latitude": 37.4 + rng.random() / 10,
                "longitude": 118.4 + rng.random() / 10,
                "address": "东营区",
                "admin_code": rng.choice(("370502", "370502001", "370502002", "370502003", "")),
                "reporter_name": "",
                "reporter_phone": "",
                "reporter_channel": "bench",
                "drill": drill,
                "version": 1,
                "reported_at": at,
                "updated_at": at,
                "received_at": at,
                "sequence": n + 1,
            }
        )
        handling.append(
            {
                "incident_id": key,
                "center": rng.choice(CENTERS),
                "reason": "bench",
                "agencies": [],
                "routed_by": "router",
                "routed_at": at,
                "merged_into": None,
            }
        )
        for kind, limit in (("acknowledge", 120), ("on_scene", 600)):
            took = rng.expovariate(1 / (limit * 0.6))
            clocks.append(
                {
                    "id": f"{key}-{kind}",
                    "task_id": f"{key}-task",
                    "incident_id": key,
                    "agency": incidents[-1]["source_agency"],
                    "kind": kind,
                    "started_at": at,
                    "deadline": at + timedelta(seconds=limit),
                    "status": "met" if took <= limit else "breached",
                    "settled_at": at + timedelta(seconds=min(took, limit)),
                }
            )
    call_ups, members = [], []
    for n in range(max(count // 80, 1)):
        at = first + timedelta(seconds=rng.uniform(0, seconds))
        key = f"bench-callup-{n}"
        call_ups.append(
            {
                "id": key,
                "team_id": "militia-emergency",
                "agency": "military",
                "incident_id": incidents[rng.randrange(count)]["id"],
                "drill_id": None,
                "drill": False,
                "assembly_point": "",
                "called_at": at,
                "called_by": "bench",
                "status": "stood_down",
                "closed_at": at + timedelta(hours=2),
                "reason": "",
            }
        )
        members.extend(
            {
                "call_up_id": key,
                "member_id": f"m{m}",
                "acknowledged_at": at,
                "on_the_way_at": None,
                "arrived_at": at if m % 5 else None,
                "declined_at": None,
            }
            for m in range(30)
        )
    drills = [
        {
            "id": f"bench-drill-{n}",
            "name": f"演练 {n}",
            "scenario": "campus_safety",
            "team_ids": [],
            "scheduled_for": first + timedelta(days=20 * n),
            "status": "ended",
            "started_at": first + timedelta(days=20 * n),
            "ended_at": first + timedelta(days=20 * n, hours=1),
            "incident_ids": [],
            "created_by": "bench",
            "year": YEAR,
        }
        for n in range(18)
    ]
    with transaction(factory) as session:
        for table, rows in (
            (IncidentRow, incidents),
            (IncidentHandling, handling),
            (ResponseClock, clocks),
            (CallUpRow, call_ups),
            (CallUpMember, members),
            (Drill, drills),
        ):
            for chunk in range(0, len(rows), 5000):
                session.execute(insert(table), rows[chunk : chunk + 5000])
        cases, mediation_sessions = disputes_demo.generate(YEAR, today=date(YEAR + 1, 1, 2))
        disputes.insert_generated(session=session, cases=cases, sessions=mediation_sessions)
    return time.perf_counter() - started


def generate(factory: sessionmaker[Session], period: Period) -> float:
    rules = routing.load()
    started = time.perf_counter()
    with transaction(factory) as session:
        service.generate(session=session, period=period, rules=rules, actor="bench")
    return time.perf_counter() - started


def counted_in_python(factory: sessionmaker[Session], period: Period) -> float:
    """The baseline: the incident section's figures from every ORM row of the period."""
    started = time.perf_counter()
    zone = ZoneInfo(period.timezone)
    with factory() as session:
        rows = session.scalars(
            select(IncidentRow).where(
                IncidentRow.reported_at >= period.start,
                IncidentRow.reported_at < period.stop,
                IncidentRow.drill.is_(False),
                IncidentRow.status != "merged",
            )
        ).all()
        figures = (
            Counter(r.status for r in rows),
            Counter(r.category for r in rows),
            Counter(r.level for r in rows),
            Counter(r.admin_code or "unplaced" for r in rows),
            Counter(r.reported_at.astimezone(zone).hour for r in rows),
        )
    assert sum(figures[0].values()) == len(rows)
    return time.perf_counter() - started


def measure(kind: str, options: Options) -> list[Row]:
    def year(scope: str = "district") -> Period:
        return periods.period(scope=scope, kind="year", day=date(YEAR, 6, 1), timezone=ZONE)

    with (
        tempfile.TemporaryDirectory() as folder,
        in_process.migrated_database(kind, Path(folder), "bulletin", HISTORY) as factory,
    ):
        filled = fill(factory, options.incidents)
        month = periods.period(scope="district", kind="month", day=date(YEAR, 6, 1), timezone=ZONE)
        # A first round warms the caches; the figures are the median of the rounds after it.
        runs: dict[str, list[float]] = {"year": [], "center": [], "month": [], "python": []}
        for round_ in range(options.rounds + 1):
            measured = {
                "year": generate(factory, year()),
                "center": generate(factory, year("stability")),
                "month": generate(factory, month),
                "python": counted_in_python(factory, year()),
            }
            if round_:
                for name, seconds in measured.items():
                    runs[name].append(seconds)
    year_s = median(runs["year"])
    stage = f"{kind}: {options.incidents} incidents in a year"
    return [
        Row(stage, "rows inserted, s (Core bulk inserts)", filled),
        Row(
            "",
            "district year bulletin, s (vs ORM rows counted in Python)",
            year_s,
            median(runs["python"]),
            ratio=True,
            target=f"< {TARGET_S:g} s",
            met=year_s < TARGET_S,
        ),
        Row("", "one center's year bulletin, s", median(runs["center"])),
        Row("", "district month bulletin, s", median(runs["month"])),
    ]


def parse_options(argv: Sequence[str] | None = None) -> Options:
    parser = in_process.options_parser("bench.bulletin", __doc__)
    parser.add_argument("--incidents", type=int, default=20_000, help="incidents in the year")
    parser.add_argument("--rounds", type=int, default=3, help="measured rounds after one warm-up")
    args = parser.parse_args(argv)
    if args.smoke:
        return Options(incidents=400, rounds=1, db=args.db)
    return Options(incidents=args.incidents, rounds=args.rounds, db=args.db)


def main(argv: Sequence[str] | None = None) -> None:
    in_process.run(measure, parse_options(argv))


if __name__ == "__main__":
    main()

"""A generated year of mediated disputes for the demo, whose totals are the district report's:
2,326 disputes mediated in the year, 2,290 of them settled (docs/domain.md).

Generated, not recorded: kinds, months, places, mediators, parties and sessions are drawn with a
fixed seed, so every run (and every test) sees the same year. The report gives only the two
totals; the 36 unsettled cases are split here between not settled, referred to court and
referred to another body. Cases are written straight into the gateway's database, one batched
INSERT per table, because thousands of API calls would slow ``make run``'s start.
"""

import random
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import select

from gateway.disputes import service
from gateway.disputes.models import DisputeCase, DisputeKind, Outcome
from infra.roster_demo import name
from kernel.db import make_engine, make_session_factory, transaction

MEDIATED = 2326
SETTLED = 2290
UNSETTLED = {Outcome.NOT_SETTLED: 14, Outcome.REFERRED_COURT: 15, Outcome.REFERRED_OTHER: 7}
assert SETTLED + sum(UNSETTLED.values()) == MEDIATED
SEED = 2010
TIMEZONE = "Asia/Shanghai"
ACTOR = "demo"

# Shares of the district's year by kind (weights, not figures from the report).
KIND_WEIGHTS: dict[DisputeKind, int] = {
    DisputeKind.NEIGHBOURS: 28,
    DisputeKind.FAMILY_MARRIAGE: 18,
    DisputeKind.LAND_COMPENSATION: 14,
    DisputeKind.WAGE_ARREARS: 12,
    DisputeKind.OIL_AREA_WORKER_FARMER: 10,
    DisputeKind.PROPERTY_MANAGEMENT: 8,
    DisputeKind.CONSTRUCTION: 6,
    DisputeKind.OTHER: 4,
}
# Construction-site disputes are the construction market center's; the rest the joint center's.
CONSTRUCTION_KINDS = {DisputeKind.CONSTRUCTION, DisputeKind.WAGE_ARREARS}
# The district's towns and streets, with a point in each (WGS-84).
PLACES = (
    ("文汇街道", 37.4612, 118.4936),
    ("黄河路街道", 37.4535, 118.5240),
    ("东城街道", 37.4420, 118.5618),
    ("辛店街道", 37.4444, 118.5555),
    ("胜利街道", 37.4698, 118.4850),
    ("胜园街道", 37.4580, 118.5032),
    ("史口镇", 37.4751, 118.3958),
    ("牛庄镇", 37.3866, 118.5412),
    ("六户镇", 37.4129, 118.4531),
    ("龙居镇", 37.5020, 118.4010),
)
MEDIATORS = tuple(f"{name(700 + n)}（调解员）" for n in range(12))
SESSION_NOTES = (
    "双方陈述诉求，调解员释法明理。",
    "现场查看，听取村（居）委会意见。",
    "再次组织双方协商，分歧缩小。",
)
AGREEMENT = "双方自愿达成调解协议，当场履行或约定期限履行，今后不再就此事发生争议。"
FOLLOW_UP = "回访当事人，协议已履行，双方无异议。"


def _id_number(rng: random.Random) -> str:
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 50))
    return f"370502{born:%Y%m%d}{rng.randrange(1000):03d}{rng.choice('0123456789X')}"


def _party(rng: random.Random) -> dict[str, str]:
    return {
        "name": name(rng.randrange(10_000)),
        "id_number": _id_number(rng),
        "phone": f"13{rng.randrange(5, 10)}{rng.randrange(10**8):08d}",
    }


def generate(year: int, *, today: date) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The year's cases and their sessions, as rows of ``dispute_cases`` and
    ``dispute_sessions``; every outcome falls inside the year, no follow-up after ``today``."""
    rng = random.Random(SEED)
    zone = ZoneInfo(TIMEZONE)
    outcomes = [Outcome.SETTLED] * SETTLED + [o for o, n in UNSETTLED.items() for _ in range(n)]
    rng.shuffle(outcomes)
    kinds, weights = list(KIND_WEIGHTS), list(KIND_WEIGHTS.values())
    first, days = date(year, 1, 1), (date(year + 1, 1, 1) - date(year, 1, 1)).days
    recorded_at = datetime(year + 1, 1, 1, tzinfo=zone).astimezone(UTC)
    cases: list[dict[str, Any]] = []
    sessions: list[dict[str, Any]] = []
    for number, outcome in enumerate(outcomes, start=1):
        kind = rng.choices(kinds, weights)[0]
        place, lat, lon = rng.choice(PLACES)
        mediator = rng.choice(MEDIATORS)
        length = rng.randint(1, 30)
        reported_on = first + timedelta(days=rng.randrange(days - length))
        outcome_on = reported_on + timedelta(days=length)
        reported_at = datetime.combine(reported_on, time(rng.randint(8, 17), rng.randrange(60)), zone)
        follow_up = outcome_on + timedelta(days=rng.randint(7, 30))
        followed = outcome == Outcome.SETTLED and rng.random() < 0.7 and follow_up <= today
        case_id = f"demo-{year}-{number:04d}"
        cases.append(
            {
                "id": case_id,
                "kind": kind.value,
                "summary": f"{place}{kind_phrase(kind)}",
                "parties": [_party(rng) for _ in range(rng.choice((2, 2, 2, 3)))],
                "latitude": round(lat + rng.uniform(-0.01, 0.01), 5),
                "longitude": round(lon + rng.uniform(-0.01, 0.01), 5),
                "place": place,
                "grid_cell": None,
                "center": "construction" if kind in CONSTRUCTION_KINDS else "stability",
                "mediator": mediator,
                "reported_at": reported_at.astimezone(UTC),
                "reported_on": reported_on,
                "created_by": ACTOR,
                "outcome": outcome.value,
                "outcome_on": outcome_on,
                "agreement": AGREEMENT if outcome == Outcome.SETTLED else None,
                "outcome_by": ACTOR,
                "follow_up_on": follow_up if followed else None,
                "follow_up_note": FOLLOW_UP if followed else None,
                "follow_up_by": ACTOR if followed else None,
            }
        )
        held = sorted(
            {reported_on + timedelta(days=rng.randint(0, length)) for _ in range(rng.randint(1, 3))}
        )
        sessions.extend(
            {
                "case_id": case_id,
                "held_on": on,
                "mediator": mediator,
                "notes": SESSION_NOTES[n % len(SESSION_NOTES)],
                "recorded_by": ACTOR,
                "recorded_at": recorded_at,
            }
            for n, on in enumerate(held)
        )
    return cases, sessions


def kind_phrase(kind: DisputeKind) -> str:
    return {
        DisputeKind.LAND_COMPENSATION: "村民就征地补偿标准发生争议",
        DisputeKind.WAGE_ARREARS: "务工人员讨要拖欠工资",
        DisputeKind.NEIGHBOURS: "两户因宅基地界址发生争执",
        DisputeKind.OIL_AREA_WORKER_FARMER: "井场施工占地与村民发生工农纠纷",
        DisputeKind.CONSTRUCTION: "工程款结算发生纠纷",
        DisputeKind.FAMILY_MARRIAGE: "夫妻因赡养老人发生家庭纠纷",
        DisputeKind.PROPERTY_MANAGEMENT: "业主与物业公司因收费发生纠纷",
        DisputeKind.OTHER: "群众反映的其他矛盾纠纷",
    }[kind]


def load(url: str, *, now: datetime) -> int:
    """Write last year's generated cases into the gateway's database at ``url``, unless they are
    there already; returns how many cases were written."""
    today = now.astimezone(ZoneInfo(TIMEZONE)).date()
    year = today.year - 1
    engine = make_engine(url)
    try:
        factory = make_session_factory(engine)
        with transaction(factory) as session:
            if session.scalar(select(DisputeCase.id).where(DisputeCase.id == f"demo-{year}-0001")):
                return 0
            cases, sessions = generate(year, today=today)
            service.insert_generated(session=session, cases=cases, sessions=sessions)
            return len(cases)
    finally:
        engine.dispose()


# Open cases of this year, registered and mediated through the API as the page would.
OPEN_CASES: tuple[dict[str, Any], ...] = (
    {
        "kind": "oil_area_worker_farmer",
        "summary": "井场扩建占用耕地，村民要求提高青苗补偿并阻工",
        "parties": [
            {"name": "刘长海", "id_number": "370502196803150317", "phone": "13954621873"},
            {"name": "胜利油田东辛采油厂", "phone": "0546-8551234"},
        ],
        "place": "六户镇东辛输油管线 K12 井场",
        "latitude": 37.4131,
        "longitude": 118.4540,
        "mediator": MEDIATORS[0],
        "sessions": ("油地双方到场，村民陈述补偿诉求。", "对照补偿标准逐项核对，分歧集中在青苗费。"),
    },
    {
        "kind": "wage_arrears",
        "summary": "建筑工地 23 名务工人员讨要拖欠工资",
        "parties": [
            {"name": "孙国强", "phone": "13605468821"},
            {"name": "东营某建筑劳务公司", "phone": "0546-7778899"},
        ],
        "place": "黄河路街道某住宅项目工地",
        "latitude": 37.4540,
        "longitude": 118.5251,
        "center": "construction",
        "mediator": MEDIATORS[1],
        "sessions": (),
    },
)


def open_cases(client: httpx.Client) -> None:
    """Register this year's open cases, each with its sessions so far."""
    for case in OPEN_CASES:
        body = {key: value for key, value in case.items() if key != "sessions"}
        made = client.post("/api/v1/disputes", json=body)
        made.raise_for_status()
        reported_at = datetime.fromisoformat(made.json()["reported_at"])
        held_on = reported_at.astimezone(ZoneInfo(TIMEZONE)).date().isoformat()
        for notes in case["sessions"]:
            client.post(
                f"/api/v1/disputes/{made.json()['id']}/sessions",
                json={"held_on": held_on, "mediator": case["mediator"], "notes": notes},
            ).raise_for_status()

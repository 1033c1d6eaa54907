"""Disputes mediated to an outcome, through the gateway's routes on SQLite and PostgreSQL: the
figures against a fixture counted by hand, the one-way state rules, masked parties, and the
bulletin's figures over the demo's generated year, read fast."""

import csv
import io
import time
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from fastapi.testclient import TestClient

from gateway.disputes import service
from infra import disputes_demo
from kernel.db import transaction
from tests.integration.conftest import InProcessGateway

SHANGHAI = timezone(timedelta(hours=8))


def local(text: str) -> str:
    """A Shanghai wall-clock time as the API takes it."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI).isoformat()


def register(client: TestClient, **fields: Any) -> dict[str, Any]:
    body = {
        "kind": "neighbours",
        "summary": "两户因宅基地界址发生争执，一方电话13905461234",
        "parties": [
            {"name": "张建国", "id_number": "370502198001011234", "phone": "13905461234"},
            {"name": "欧阳娜娜", "phone": "0546-8123456"},
        ],
        "place": "文汇街道西四路",
        "latitude": 37.4612,
        "longitude": 118.4936,
        "mediator": "王调解",
        **fields,
    }
    answer = client.post("/api/v1/disputes", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()


def mediate(client: TestClient, case: dict[str, Any], outcome: str | None, decided_on: str | None) -> None:
    """One session (on the outcome's date, or a day after the report), then the outcome."""
    held_on = decided_on or (date.fromisoformat(case["reported_at"][:10]) + timedelta(days=1)).isoformat()
    held = client.post(
        f"/api/v1/disputes/{case['id']}/sessions",
        json={"held_on": held_on, "mediator": case["mediator"], "notes": "调解"},
    )
    assert held.status_code == 201, held.text
    if outcome:
        body = {
            "outcome": outcome,
            "decided_on": decided_on,
            "agreement": "协议" if outcome == "settled" else None,
        }
        answer = client.post(f"/api/v1/disputes/{case['id']}/outcome", json=body)
        assert answer.status_code == 200, answer.text


def hand_counted_fixture(client: TestClient) -> None:
    """Seven cases. Counted by hand for 2026: reported A B C D E (5; C was reported at 00:30 on
    1 April in Shanghai, still 31 March in UTC); mediated A B C D F (5: F reported in 2025,
    settled in January 2026; G is 2025's), settled A C F (3)."""
    cases = [
        # (label, kind, mediator, grid, center, reported (Shanghai), outcome, outcome date)
        ("A", "neighbours", "王调解", "G1", None, "2026-03-02T10:00", "settled", "2026-03-05"),
        ("B", "neighbours", "王调解", "G1", None, "2026-03-20T09:00", "not_settled", "2026-04-02"),
        ("C", "wage_arrears", "李调解", None, "construction", "2026-04-01T00:30", "settled", "2026-04-10"),
        ("D", "land_compensation", "李调解", "G2", None, "2026-04-15T15:00", "referred_court", "2026-05-06"),
        ("E", "land_compensation", "王调解", "G2", None, "2026-05-01T08:00", None, None),
        ("F", "family_marriage", "王调解", None, None, "2025-12-28T11:00", "settled", "2026-01-05"),
        ("G", "other", "李调解", None, None, "2025-06-01T11:00", "settled", "2025-06-10"),
    ]
    for label, kind, mediator, grid, center, reported, outcome, decided in cases:
        fields: dict[str, Any] = {
            "kind": kind,
            "mediator": mediator,
            "grid_cell": grid,
            "reported_at": local(reported),
            "summary": f"case {label}",
        }
        if center:
            fields["center"] = center
        mediate(client, register(client, **fields), outcome, decided)


def row(rows: list[dict[str, Any]], key: str | None) -> tuple[int, int, int, float | None]:
    found = next(r for r in rows if r["key"] == key)
    return found["reported"], found["mediated"], found["settled"], found["settled_rate"]


def test_mediation_figures_match_the_hand_counted_fixture(gateway: InProcessGateway) -> None:
    operator = gateway.client("operator")
    hand_counted_fixture(operator)
    coordinator = gateway.client("coordinator")

    figures = coordinator.get("/api/v1/disputes/figures", params={"year": 2026}).json()
    assert row([figures["total"]], "2026") == (5, 5, 3, 0.6)
    months = {r["key"]: (r["reported"], r["mediated"], r["settled"]) for r in figures["by_month"]}
    assert len(months) == 12
    assert months == {
        **{f"2026-{m:02d}": (0, 0, 0) for m in range(1, 13)},
        "2026-01": (0, 1, 1),
        "2026-03": (2, 1, 1),
        "2026-04": (2, 2, 1),
        "2026-05": (1, 1, 0),
    }
    assert row(figures["by_kind"], "neighbours") == (2, 2, 1, 0.5)
    assert row(figures["by_kind"], "wage_arrears") == (1, 1, 1, 1.0)
    assert row(figures["by_kind"], "land_compensation") == (2, 1, 0, 0.0)
    assert row(figures["by_kind"], "family_marriage") == (0, 1, 1, 1.0)
    assert row(figures["by_kind"], "other") == (0, 0, 0, None)
    assert len(figures["by_kind"]) == 8
    assert row(figures["by_mediator"], "王调解") == (3, 3, 2, 0.6667)
    assert row(figures["by_mediator"], "李调解") == (2, 2, 1, 0.5)
    assert row(figures["by_grid"], "G1") == (2, 2, 1, 0.5)
    assert row(figures["by_grid"], "G2") == (2, 1, 0, 0.0)
    assert row(figures["by_grid"], None) == (1, 2, 2, 1.0)
    assert [(r["key"], r["reported"], r["mediated"], r["settled"]) for r in figures["by_year"]] == [
        ("2025", 2, 1, 1),
        ("2026", 5, 5, 3),
    ]
    construction = coordinator.get(
        "/api/v1/disputes/figures", params={"year": 2026, "center": "construction"}
    )
    assert row([construction.json()["total"]], "2026") == (1, 1, 1, 1.0)

    download = coordinator.get("/api/v1/disputes/figures.csv", params={"year": 2026})
    assert download.headers["content-type"].startswith("text/csv")
    lines = list(csv.DictReader(io.StringIO(download.text)))
    neighbours = next(line for line in lines if line["table"] == "kind" and line["key"] == "neighbours")
    assert neighbours == {
        "table": "kind",
        "key": "neighbours",
        "name_zh": "邻里纠纷",
        "name_en": "Neighbours",
        "reported": "2",
        "mediated": "2",
        "settled": "1",
        "settled_rate": "0.5000",
    }
    assert next(line for line in lines if line["table"] == "total")["settled_rate"] == "0.6000"


def test_the_bulletin_counts_reports_by_time_and_outcomes_by_their_date(gateway: InProcessGateway) -> None:
    hand_counted_fixture(gateway.client("operator"))
    april = datetime(2026, 4, 1, tzinfo=SHANGHAI), datetime(2026, 5, 1, tzinfo=SHANGHAI)
    day = datetime(2026, 4, 10, tzinfo=SHANGHAI), datetime(2026, 4, 11, tzinfo=SHANGHAI)
    with transaction(gateway.session_factory) as session:
        month = service.bulletin_figures(session=session, start=april[0], end=april[1], center=None)
        one_day = service.bulletin_figures(session=session, start=day[0], end=day[1], center=None)
        # Noon to noon: the outcome dated 10 April counts, its local midnight being inside.
        noon = service.bulletin_figures(
            session=session, start=day[0] - timedelta(hours=12), end=day[1] - timedelta(hours=12), center=None
        )
        joint = service.bulletin_figures(session=session, start=april[0], end=april[1], center="stability")
        nothing = service.bulletin_figures(
            session=session,
            start=datetime(2024, 1, 1, tzinfo=UTC),
            end=datetime(2025, 1, 1, tzinfo=UTC),
            center=None,
        )
    # April: reported C and D; mediated B (2 April, not settled) and C (10 April, settled).
    assert (month.reported, month.mediated, month.settled, month.settled_rate) == (2, 2, 1, 0.5)
    assert {kind: n for kind, n in month.by_kind.items() if n} == {"neighbours": 1, "wage_arrears": 1}
    assert len(month.by_kind) == 8
    assert (one_day.reported, one_day.mediated, one_day.settled) == (0, 1, 1)
    assert (noon.mediated, noon.settled) == (1, 1)
    # C is the construction center's.
    assert (joint.reported, joint.mediated, joint.settled) == (1, 1, 0)
    assert (nothing.reported, nothing.mediated, nothing.settled, nothing.settled_rate) == (0, 0, 0, None)


def test_an_outcome_is_recorded_once_sessions_come_before_it_and_the_follow_up_after(
    gateway: InProcessGateway,
) -> None:
    operator = gateway.client("operator")
    case = register(operator, reported_at=local("2026-11-20T09:00"))
    path = f"/api/v1/disputes/{case['id']}"
    assert case["allowed"] == ["session", "outcome"]
    assert case["center"] == "stability"

    early = operator.post(f"{path}/follow-up", json={"visited_on": "2026-11-25", "note": "回访"})
    assert early.status_code == 409
    assert "no outcome yet" in early.json()["message"]

    before = operator.post(
        f"{path}/sessions", json={"held_on": "2026-11-19", "mediator": "王调解", "notes": "x"}
    )
    assert before.status_code == 422
    assert before.json()["field"] == "held_on"
    future = operator.post(
        f"{path}/sessions", json={"held_on": "2026-12-05", "mediator": "王调解", "notes": "x"}
    )
    assert future.status_code == 422
    held = operator.post(
        f"{path}/sessions", json={"held_on": "2026-11-21", "mediator": "王调解", "notes": "首次调解"}
    )
    assert held.status_code == 201
    assert held.json()["stage"] == "in_mediation"

    bare = operator.post(f"{path}/outcome", json={"outcome": "settled", "decided_on": "2026-11-22"})
    assert bare.status_code == 422
    assert [f["field"] for f in bare.json()["fields"]] == ["agreement"]
    settled = operator.post(
        f"{path}/outcome", json={"outcome": "settled", "decided_on": "2026-11-22", "agreement": "赔偿两千元"}
    )
    assert settled.status_code == 200, settled.text
    assert (settled.json()["stage"], settled.json()["allowed"]) == ("outcome", ["follow_up"])

    again = operator.post(f"{path}/outcome", json={"outcome": "referred_court", "decided_on": "2026-11-23"})
    assert again.status_code == 409
    assert "already has its outcome (settled, 2026-11-22" in again.json()["message"]
    late = operator.post(
        f"{path}/sessions", json={"held_on": "2026-11-23", "mediator": "王调解", "notes": "x"}
    )
    assert late.status_code == 409
    assert "only before the outcome" in late.json()["message"]

    visited = operator.post(f"{path}/follow-up", json={"visited_on": "2026-11-30", "note": "协议已履行"})
    assert visited.status_code == 200
    assert (visited.json()["stage"], visited.json()["allowed"]) == ("followed_up", [])
    twice = operator.post(f"{path}/follow-up", json={"visited_on": "2026-11-30", "note": "again"})
    assert twice.status_code == 409

    after = operator.get(path).json()
    assert after["outcome"] == "settled" and after["agreement"] == "赔偿两千元"
    assert [s["notes"] for s in after["session_notes"]] == ["首次调解"]
    assert operator.get("/api/v1/disputes/nope").status_code == 404
    # Recording is intake's: a coordinator may read but not record.
    coordinator = gateway.client("coordinator")
    assert coordinator.post(f"{path}/sessions", json={}).status_code == 403


def test_parties_are_masked_in_lists_and_for_readers_who_do_not_handle_cases(
    gateway: InProcessGateway,
) -> None:
    operator = gateway.client("operator")
    case = register(operator)
    listed = gateway.client("coordinator").get("/api/v1/disputes").json()
    assert listed["total"] == 1
    item = listed["items"][0]
    assert item["parties"] == [
        {"name": "张**", "id_number": "**************1234", "phone": "139****1234"},
        {"name": "欧***", "id_number": "", "phone": "0546-****3456"},
    ]
    assert "13905461234" not in item["summary"] and "139****1234" in item["summary"]
    assert gateway.client("auditor").get(f"/api/v1/disputes/{case['id']}").json()["parties_masked"] is True
    whole = operator.get(f"/api/v1/disputes/{case['id']}").json()
    assert whole["parties_masked"] is False
    assert whole["parties"][0]["id_number"] == "370502198001011234"
    by_stage = operator.get("/api/v1/disputes", params={"stage": "registered"}).json()
    assert [c["id"] for c in by_stage["items"]] == [case["id"]]
    assert operator.get("/api/v1/disputes", params={"stage": "outcome"}).json()["total"] == 0


def test_the_demo_year_has_the_reports_totals_and_its_bulletin_reads_fast(gateway: InProcessGateway) -> None:
    started = time.perf_counter()
    assert disputes_demo.load(gateway.url, now=gateway.clock()) == 2326
    loaded_s = time.perf_counter() - started
    assert disputes_demo.load(gateway.url, now=gateway.clock()) == 0, "loading twice changes nothing"
    assert loaded_s < 5, f"the demo year took {loaded_s:.2f}s to load"

    year = gateway.clock().year - 1
    start, end = datetime(year, 1, 1, tzinfo=SHANGHAI), datetime(year + 1, 1, 1, tzinfo=SHANGHAI)
    with transaction(gateway.session_factory) as session:
        timings = []
        for _ in range(3):
            began = time.perf_counter()
            figures = service.bulletin_figures(session=session, start=start, end=end, center=None)
            timings.append(time.perf_counter() - began)
    assert (figures.reported, figures.mediated, figures.settled) == (2326, 2326, 2290)
    assert figures.settled_rate == round(2290 / 2326, 4)
    assert sum(figures.by_kind.values()) == 2326
    assert min(timings) < 0.1, f"the bulletin's dispute figures took {min(timings):.3f}s"

    table = gateway.client("commander").get("/api/v1/disputes/figures", params={"year": year}).json()
    assert (table["total"]["mediated"], table["total"]["settled"]) == (2326, 2290)
    assert sum(r["mediated"] for r in table["by_month"]) == 2326
    assert sum(r["mediated"] for r in table["by_mediator"]) == 2326
    assert all(date.fromisoformat(r["key"] + "-01").year == year for r in table["by_month"])

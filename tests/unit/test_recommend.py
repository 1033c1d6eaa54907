"""Ranking units by estimated arrival, and saying why a unit is left out."""

import random
from datetime import UTC, datetime, timedelta

import pytest

from gateway.dispatch.recommend import Candidate, distance_km, rank

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
SCENE = (37.4612, 118.4936)


def unit(
    unit_id: str, kind: str, lat: float, lon: float, *caps: str, agency: str = "localgov", age_min: float = 1
):
    return Candidate(
        id=unit_id,
        agency=agency,
        name=unit_id,
        kind=kind,
        capabilities=frozenset(caps),
        latitude=lat,
        longitude=lon,
        position_at=NOW - timedelta(minutes=age_min),
    )


def test_haversine_matches_a_known_distance() -> None:
    # One degree of latitude is about 111.2 km everywhere.
    assert distance_km(37.0, 118.0, 38.0, 118.0) == pytest.approx(111.2, abs=0.2)


def test_a_faster_unit_further_away_can_arrive_first() -> None:
    guard = unit("guard", "school_guard", 37.4700, 118.4936)  # ~1 km away on foot
    car = unit("car", "patrol_car", 37.4800, 118.4936)  # ~2 km away by car
    ranking = rank([guard, car], latitude=SCENE[0], longitude=SCENE[1], now=NOW)
    assert [r.unit.id for r in ranking.units] == ["car", "guard"]
    assert ranking.units[0].eta_s < ranking.units[1].eta_s
    assert ranking.excluded == [] and ranking.excluded_total == 0


def test_units_lacking_a_capability_or_with_a_stale_position_are_left_out_with_the_reason() -> None:
    able = unit("able", "patrol_car", 37.47, 118.49, "crowd_control")
    unable = unit("unable", "patrol_car", 37.47, 118.49, "traffic")
    stale = unit("stale", "patrol_car", 37.47, 118.49, "crowd_control", age_min=90)
    ranking = rank(
        [able, unable, stale], latitude=SCENE[0], longitude=SCENE[1], required=["crowd_control"], now=NOW
    )
    assert [r.unit.id for r in ranking.units] == ["able"]
    assert ranking.excluded_total == 2
    assert {(e.unit.id, e.reason) for e in ranking.excluded} == {
        ("unable", "lacks crowd_control"),
        ("stale", "position unknown or stale"),
    }


def test_agency_filter_and_limit() -> None:
    units = [unit(f"u{n}", "patrol_car", 37.46 + n / 1000, 118.49, agency="localgov") for n in range(5)]
    units.append(unit("m", "militia_squad", 37.4612, 118.4936, agency="military"))
    ranking = rank(units, latitude=SCENE[0], longitude=SCENE[1], agencies=["localgov"], limit=3, now=NOW)
    assert [r.unit.id for r in ranking.units] == ["u1", "u2", "u0"]
    assert all(r.unit.agency == "localgov" for r in ranking.units)


def test_the_ranking_agrees_with_the_great_circle_order() -> None:
    rng = random.Random(7)
    units = [
        unit(f"u{n}", "patrol_car", 37.35 + rng.random() * 0.2, 118.35 + rng.random() * 0.3)
        for n in range(500)
    ]
    ranking = rank(units, latitude=SCENE[0], longitude=SCENE[1], limit=20, now=NOW)
    exact = sorted(units, key=lambda u: distance_km(SCENE[0], SCENE[1], u.latitude, u.longitude))[:20]
    assert [r.unit.id for r in ranking.units] == [u.id for u in exact]

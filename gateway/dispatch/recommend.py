"""Which units should go: available units ranked by estimated arrival.

Arrival is straight-line distance over a typical speed for the unit's kind: cheap enough to rank
ten thousand units per request, and honest about being an estimate. A unit whose last position
is older than ``stale_after`` is left out with that reason rather than sent from where it was an
hour ago.
"""

import heapq
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

EARTH_RADIUS_KM = 6371.0088

# km/h on the district's roads; a squad on foot or a team that must muster first is slower.
SPEEDS_KMH: dict[str, float] = {
    "patrol_car": 40.0,
    "alarm_response_vehicle": 45.0,
    "security_team": 30.0,
    "militia_squad": 25.0,
    "school_guard": 5.0,
    "police_team": 35.0,
}
DEFAULT_SPEED_KMH = 20.0
# How many left-out units are described; the rest are only counted.
EXCLUDED_SHOWN = 50


@dataclass(frozen=True, slots=True)
class Candidate:
    id: str
    agency: str
    name: str
    kind: str
    capabilities: frozenset[str]
    latitude: float
    longitude: float
    position_at: datetime | None


@dataclass(frozen=True, slots=True)
class Ranked:
    unit: Candidate
    distance_km: float
    eta_s: float


@dataclass(frozen=True, slots=True)
class Excluded:
    unit: Candidate
    reason: str


@dataclass(frozen=True)
class Ranking:
    units: list[Ranked]
    excluded: list[Excluded]
    excluded_total: int


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance on the WGS-84 mean radius."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def rank(
    units: Iterable[Candidate],
    *,
    latitude: float,
    longitude: float,
    required: Sequence[str] = (),
    agencies: Sequence[str] = (),
    now: datetime,
    stale_after: timedelta = timedelta(minutes=30),
    limit: int = 10,
) -> Ranking:
    """The ``limit`` fastest units. Ranking uses a flat-earth travel time, which orders units
    the same way as the great circle at district scale and costs a fraction; the units kept get
    their haversine distance."""
    needed = frozenset(required)
    wanted_agencies = frozenset(agencies)
    fresh_after = now - stale_after
    scale = math.cos(math.radians(latitude))
    scored: list[tuple[float, str, Candidate]] = []
    excluded: list[Excluded] = []
    excluded_total = 0
    for unit in units:
        if wanted_agencies and unit.agency not in wanted_agencies:
            continue
        if not needed <= unit.capabilities:
            excluded_total += 1
            if len(excluded) < EXCLUDED_SHOWN:
                excluded.append(Excluded(unit, f"lacks {', '.join(sorted(needed - unit.capabilities))}"))
            continue
        if unit.position_at is None or unit.position_at < fresh_after:
            excluded_total += 1
            if len(excluded) < EXCLUDED_SHOWN:
                excluded.append(Excluded(unit, "position unknown or stale"))
            continue
        dy = unit.latitude - latitude
        dx = (unit.longitude - longitude) * scale
        speed = SPEEDS_KMH.get(unit.kind, DEFAULT_SPEED_KMH)
        scored.append(((dx * dx + dy * dy) ** 0.5 / speed, unit.id, unit))
    ranked = []
    for _, _, unit in heapq.nsmallest(limit, scored):
        km = distance_km(latitude, longitude, unit.latitude, unit.longitude)
        ranked.append(Ranked(unit, km, 3600.0 * km / SPEEDS_KMH.get(unit.kind, DEFAULT_SPEED_KMH)))
    ranked.sort(key=lambda item: (item.eta_s, item.unit.id))
    return Ranking(units=ranked, excluded=excluded, excluded_total=excluded_total)

"""Which units should go: available units ranked by estimated arrival.

Arrival is straight-line distance over a typical speed for the unit's kind: cheap enough to rank
ten thousand units per request, and honest about being an estimate. A unit whose last position
is older than ``stale_after`` is left out with that reason rather than sent from where it was an
hour ago.
"""

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


@dataclass(frozen=True)
class Candidate:
    id: str
    agency: str
    name: str
    kind: str
    capabilities: frozenset[str]
    latitude: float
    longitude: float
    position_at: datetime | None


@dataclass(frozen=True)
class Ranked:
    unit: Candidate
    distance_km: float
    eta_s: float


@dataclass(frozen=True)
class Excluded:
    unit: Candidate
    reason: str


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
) -> tuple[list[Ranked], list[Excluded]]:
    needed = frozenset(required)
    ranked: list[Ranked] = []
    excluded: list[Excluded] = []
    for unit in units:
        if agencies and unit.agency not in agencies:
            continue
        if missing := needed - unit.capabilities:
            excluded.append(Excluded(unit, f"lacks {', '.join(sorted(missing))}"))
            continue
        if unit.position_at is None or now - unit.position_at > stale_after:
            excluded.append(Excluded(unit, "position unknown or stale"))
            continue
        km = distance_km(latitude, longitude, unit.latitude, unit.longitude)
        speed = SPEEDS_KMH.get(unit.kind, DEFAULT_SPEED_KMH)
        ranked.append(Ranked(unit, km, 3600.0 * km / speed))
    ranked.sort(key=lambda item: (item.eta_s, item.unit.id))
    return ranked[:limit], excluded

from datetime import UTC, datetime

import pytest

from jcp.incidents.v1 import incident_pb2
from kernel.bus.envelope import InvalidEvent
from kernel.incidents.digest import digest_of
from kernel.incidents.proto import validate


def _incident(**overrides: object) -> incident_pb2.Incident:
    incident = incident_pb2.Incident(
        id="i-1",
        source_agency="oilfield",
        category="pipeline_tapping",
        level=incident_pb2.EMERGENCY_LEVEL_II,
        status=incident_pb2.INCIDENT_STATUS_REPORTED,
        version=1,
        location=incident_pb2.Location(latitude=37.4, longitude=118.5),
    )
    now = datetime(2026, 11, 25, tzinfo=UTC)
    incident.reported_at.FromDatetime(now)
    incident.updated_at.FromDatetime(now)
    for name, value in overrides.items():
        setattr(incident, name, value)
    return incident


def test_a_complete_incident_is_valid() -> None:
    validate(_incident())


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"id": ""}, "id"),
        ({"source_agency": ""}, "source_agency"),
        ({"category": "alien_landing"}, "unknown incident category"),
        ({"level": 0}, "not I-IV"),
        ({"status": 0}, "status"),
        ({"version": 0}, "version"),
    ],
)
def test_incomplete_or_unknown_incidents_are_refused(overrides: dict[str, object], reason: str) -> None:
    with pytest.raises(InvalidEvent, match=reason):
        validate(_incident(**overrides))


def test_incident_without_timestamps_is_refused() -> None:
    incident = _incident()
    incident.ClearField("updated_at")
    with pytest.raises(InvalidEvent, match="updated_at"):
        validate(incident)


def test_incident_outside_wgs84_bounds_is_refused() -> None:
    incident = _incident()
    incident.location.latitude = 91
    with pytest.raises(InvalidEvent, match="WGS-84"):
        validate(incident)


def test_digest_ignores_order_but_sees_every_version() -> None:
    pairs = [("a", 1), ("b", 3), ("c", 2)]
    assert digest_of(pairs) == digest_of(list(reversed(pairs)))
    assert digest_of(pairs) != digest_of([("a", 1), ("b", 2), ("c", 2)])
    assert digest_of(pairs) != digest_of(pairs[:2])
    assert digest_of([]).value == 0

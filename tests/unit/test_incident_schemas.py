from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from gateway.incidents.models import IncidentCreate, IncidentUpdate
from tests.support import incident_body


def _errors(body: dict[str, object]) -> dict[str, str]:
    with pytest.raises(ValidationError) as failed:
        IncidentCreate.model_validate(body)
    return {".".join(str(p) for p in error["loc"]): error["msg"] for error in failed.value.errors()}


def test_a_complete_report_is_accepted_with_district_defaults() -> None:
    data = IncidentCreate.model_validate(incident_body())
    assert data.location.admin_code == "370502"
    assert data.drill is False


def test_every_offending_field_is_named() -> None:
    errors = _errors(
        incident_body(
            category="alien_landing",
            level="V",
            title="",
            location={"latitude": 200, "longitude": 118.5, "address": "x"},
        )
    )
    assert set(errors) == {"category", "level", "title", "location.latitude"}
    assert "unknown category 'alien_landing'" in errors["category"]


def test_unknown_agency_and_extra_fields_are_refused() -> None:
    errors = _errors(incident_body(source_agency="navy", priority="high"))
    assert set(errors) == {"source_agency", "priority"}


def test_a_report_from_the_future_is_refused() -> None:
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert "reported_at" in _errors(incident_body(reported_at=future))


def test_a_naive_reported_time_is_refused() -> None:
    assert "reported_at" in _errors(incident_body(reported_at="2026-11-25T08:00:00"))


def test_an_update_must_name_the_version_it_was_based_on() -> None:
    with pytest.raises(ValidationError, match="expected_version"):
        IncidentUpdate.model_validate({"title": "new"})

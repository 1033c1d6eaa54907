"""The three centers' routing rules and the task lifecycle."""

from pathlib import Path

import pytest

from gateway.centers.routing import RulesError, load
from kernel import tasks


@pytest.mark.parametrize(
    ("category", "agencies", "center"),
    [
        ("construction_extortion", {"localgov"}, "construction"),
        ("wage_arrears", {"localgov"}, "construction"),
        ("rental_housing", {"localgov"}, "population"),
        ("pipeline_tapping", {"oilfield"}, "stability"),
        ("mass_incident", {"localgov"}, "stability"),
        ("construction_dispute", {"localgov", "oilfield"}, "stability"),
    ],
)
def test_incidents_go_to_the_center_the_rules_name(category: str, agencies: set[str], center: str) -> None:
    assert load().route(category=category, agencies=agencies).center == center


def test_a_joint_incident_says_why_it_went_to_the_linkage_center() -> None:
    route = load().route(category="rental_housing", agencies={"localgov", "school"})
    assert route.center == "stability"
    assert "localgov, school" in route.reason


def test_every_center_has_a_commander_for_escalations() -> None:
    rules = load()
    assert set(rules.centers) == {"stability", "construction", "population"}
    assert all(center.commander for center in rules.centers.values())


def test_a_rules_file_naming_an_unknown_center_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "routing.toml"
    bad.write_text(
        'default = "stability"\n[centers.stability]\nname_zh="a"\nname_en="b"\ncommander="c"\n'
        '[categories]\nwage_arrears = "harbour"\n'
    )
    with pytest.raises(RulesError, match="harbour"):
        load(bad)


def test_task_actions_follow_the_lifecycle() -> None:
    assert tasks.next_status("assigned", "acknowledge") == "acknowledged"
    assert tasks.next_status("acknowledged", "on_scene") == "on_scene"
    assert tasks.next_status("on_scene", "complete") == "completed"
    assert tasks.next_status("assigned", "complete") is None
    assert tasks.next_status("completed", "decline") is None
    assert tasks.allowed_actions("acknowledged") == ["decline", "en_route", "on_scene"]
    assert tasks.allowed_actions("cancelled") == []

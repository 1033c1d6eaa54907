import pytest

from gateway.incidents.lifecycle import NEXT, allowed_next
from kernel.catalog import AGENCIES
from kernel.profiles import load


def test_terminal_states_take_no_further_change() -> None:
    for terminal in ("closed", "cancelled", "merged"):
        assert allowed_next(terminal) == ()


def test_every_next_state_is_itself_a_known_state() -> None:
    for successors in NEXT.values():
        assert set(successors) <= NEXT.keys()


def test_an_incident_is_closed_only_after_it_is_resolved() -> None:
    assert [state for state, successors in NEXT.items() if "closed" in successors] == ["resolved"]


def test_each_agency_has_a_profile_with_its_own_port() -> None:
    profiles = [load(agency) for agency in AGENCIES]
    assert [p.id for p in profiles] == list(AGENCIES)
    assert len({p.grpc_port for p in profiles}) == 4
    assert "pipeline_tapping" in load("oilfield").categories


def test_an_unknown_agency_has_no_profile() -> None:
    with pytest.raises(ValueError, match="unknown agency 'navy'"):
        load("navy")

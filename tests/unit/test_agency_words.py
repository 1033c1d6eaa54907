"""Each agency's own words for the common task and unit statuses, checked when its profile is
loaded: a gap or an unknown code stops the service before it starts."""

import re

import pytest

from kernel.catalog import AGENCIES
from kernel.dispatch_store import UNIT_STATUSES
from kernel.profiles import LANGUAGES, SERVICES_DIR, load, parse
from kernel.tasks import STATUSES as TASK_STATUSES


def profile_text(agency: str) -> str:
    return (SERVICES_DIR / agency / "profile.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize("agency", AGENCIES)
def test_every_profile_has_a_word_for_every_common_status_in_both_languages(agency: str) -> None:
    profile = load(agency)
    for language in LANGUAGES:
        assert set(profile.words.task.in_language(language)) == set(TASK_STATUSES.values())
        assert set(profile.words.unit.in_language(language)) == set(UNIT_STATUSES.values())


def test_each_agency_speaks_its_own_words() -> None:
    for kind in ("task", "unit"):
        for language in LANGUAGES:
            tables = {
                agency: tuple(sorted(getattr(load(agency).words, kind).in_language(language).items()))
                for agency in AGENCIES
            }
            assert len(set(tables.values())) == len(AGENCIES), f"two agencies share {kind} words ({language})"
    assert load("localgov").task_word("en_route", "zh") == "出警途中"
    assert load("military").task_word("acknowledged", "en") == "Orders received"


def test_each_console_has_its_own_port() -> None:
    assert [load(agency).console_port for agency in AGENCIES] == [8051, 8052, 8053, 8054]


def test_a_profile_missing_a_common_status_is_refused_naming_it() -> None:
    text = re.sub(r'\ncancelled = "警情撤销"\n', "\n", profile_text("localgov"))
    with pytest.raises(ValueError, match=r"services/localgov/profile.toml.*no word for \['cancelled'\]"):
        parse("localgov", text)


def test_a_profile_naming_an_unknown_status_is_refused_naming_it() -> None:
    text = profile_text("school").replace("[words.unit.en]\n", '[words.unit.en]\nevacuating = "Evacuating"\n')
    with pytest.raises(ValueError, match=r"unknown codes \['evacuating'\]"):
        parse("school", text)


def test_a_profile_without_words_is_refused() -> None:
    text = profile_text("military").split("\n[words.task.zh]")[0]
    with pytest.raises(ValueError, match="words"):
        parse("military", text)

"""The pages' message catalogues. Every page loads two: the shared one (``kernel/web``, the
words the shared modules and both kinds of page say) and its own (the command room's in the
gateway, the duty room's in the agency service). Chinese and English say the same things in
each, every message a page asks for exists, none is left unused, none is written twice, and
every status, level and event the platform can send has its words."""

import json
import re
from pathlib import Path
from typing import get_args

import pytest

from gateway.dispatch.models import ClockKind, ClockStatus
from gateway.incidents import lifecycle
from gateway.incidents.models import Level, Status
from gateway.web.views import STATIC as COMMAND_ROOM
from kernel import tasks
from kernel.catalog import AGENCIES
from kernel.incidents.proto import EVENT_MESSAGES
from kernel.profiles import load as load_profile
from kernel.web.assets import SHARED
from services.agency.console.pages import STATIC as DUTY_ROOM

FOLDERS = {"shared": SHARED, "command room": COMMAND_ROOM, "duty room": DUTY_ROOM}
PAGES = ("command room", "duty room")
LANGS = ("zh", "en")


def _catalogue(folder: Path, lang: str) -> dict[str, str]:
    catalogue: dict[str, str] = json.loads((folder / "i18n" / f"{lang}.json").read_text())
    return catalogue


CATALOGUES = {name: {lang: _catalogue(folder, lang) for lang in LANGS} for name, folder in FOLDERS.items()}
EVERY = [(name, lang) for name in FOLDERS for lang in LANGS]

# t("key"), tOr(`key`...), data-i18n="key" and data-i18n-aria-label="key"
LITERAL = re.compile(r"""\b(?:t|tOr)\(\s*["'`]([\w.]+)["'`]\s*[,)]|data-i18n(?:-aria-label)?="([\w.]+)\"""")
# t(`prefix.${...}`), statusBadge("prefix", ...) and ownWord("prefix", ...): a family of keys
# chosen at run time
TEMPLATE = re.compile(r"""\b(?:t|tOr)\(\s*`([\w.]*)\$\{""")
FAMILY = re.compile(r"""\b(?:statusBadge|ownWord)\(\s*"(\w+)\"""")


def _sources(folder: Path) -> str:
    pages = sorted(path for path in folder.rglob("*") if path.suffix in (".js", ".html"))
    return "\n".join(path.read_text() for path in pages)


def _used(text: str) -> tuple[set[str], set[str]]:
    literal = {a or b for a, b in LITERAL.findall(text)}
    prefixes = {p for p in TEMPLATE.findall(text) if p} | {f"{p}." for p in FAMILY.findall(text)}
    return literal, prefixes


def _in(key: str, literal: set[str], prefixes: set[str]) -> bool:
    return key in literal or any(key.startswith(p) for p in prefixes)


SHARED_USES = _used(_sources(SHARED))
PAGE_USES = {page: _used(_sources(FOLDERS[page])) for page in PAGES}


def _known(page: str) -> set[str]:
    """What the page can say: the shared catalogue and its own, as the browser merges them."""
    return CATALOGUES["shared"]["en"].keys() | CATALOGUES[page]["en"].keys()


@pytest.mark.parametrize("name", FOLDERS)
def test_both_languages_have_the_same_keys(name: str) -> None:
    zh, en = CATALOGUES[name]["zh"], CATALOGUES[name]["en"]
    assert sorted(zh.keys() - en.keys()) == [], "only in zh.json"
    assert sorted(en.keys() - zh.keys()) == [], "only in en.json"


@pytest.mark.parametrize(("name", "lang"), EVERY)
def test_no_message_is_empty_and_placeholders_match(name: str, lang: str) -> None:
    catalogue = CATALOGUES[name][lang]
    assert [key for key, text in catalogue.items() if not text.strip()] == []
    other = CATALOGUES[name]["en" if lang == "zh" else "zh"]
    names = re.compile(r"\{(\w+)\}")
    differing = [
        key for key in catalogue if set(names.findall(catalogue[key])) != set(names.findall(other[key]))
    ]
    assert differing == []


@pytest.mark.parametrize("name", FOLDERS)
def test_chinese_messages_are_chinese_and_english_ones_english(name: str) -> None:
    zh, en = CATALOGUES[name]["zh"], CATALOGUES[name]["en"]
    han = re.compile(r"[\u4e00-\u9fff]")
    # A handful of messages are the same in both languages on purpose (a language's own name).
    same = {key for key in zh if zh[key] == en[key]}
    assert same <= {"lang.switch_to_en", "lang.switch_to_zh", "event.other"}
    assert [k for k, v in en.items() if han.search(v) and k != "lang.switch_to_zh"] == []
    words = [(k, re.sub(r"\{\w+\}", "", v)) for k, v in zh.items() if k not in same]
    untranslated = [k for k, v in words if re.search(r"[A-Za-z]{3,}", v) and not han.search(v)]
    assert untranslated == []


@pytest.mark.parametrize("page", PAGES)
def test_no_page_writes_a_shared_message_again(page: str) -> None:
    assert sorted(CATALOGUES[page]["en"].keys() & CATALOGUES["shared"]["en"].keys()) == []


@pytest.mark.parametrize("page", PAGES)
def test_every_key_a_page_uses_exists(page: str) -> None:
    literal, prefixes = PAGE_USES[page]
    assert literal, "the pattern found no message keys: did the page's code change shape?"
    assert sorted(literal - _known(page)) == []
    for prefix in prefixes:
        assert any(key.startswith(prefix) for key in _known(page)), prefix


def test_the_shared_modules_say_only_shared_words() -> None:
    literal, prefixes = SHARED_USES
    shared = CATALOGUES["shared"]["en"]
    assert sorted(literal - shared.keys()) == []
    for prefix in prefixes:
        assert any(key.startswith(prefix) for key in shared), prefix
        for page in PAGES:
            assert [key for key in CATALOGUES[page]["en"] if key.startswith(prefix)] == [], (page, prefix)


@pytest.mark.parametrize("page", PAGES)
def test_no_key_of_a_page_is_unused(page: str) -> None:
    literal, prefixes = PAGE_USES[page]
    assert [key for key in CATALOGUES[page]["en"] if not _in(key, literal, prefixes)] == []


def test_every_shared_key_is_used_by_a_shared_module_or_a_page() -> None:
    users = [SHARED_USES, *PAGE_USES.values()]
    unused = [key for key in CATALOGUES["shared"]["en"] if not any(_in(key, *uses) for uses in users)]
    assert unused == []


def _family(page: str, prefix: str) -> set[str]:
    return {key.removeprefix(prefix) for key in _known(page) if key.startswith(prefix)}


@pytest.mark.parametrize("page", PAGES)
def test_every_status_level_and_clock_the_platform_sends_has_its_words(page: str) -> None:
    assert set(tasks.STATUSES.values()) <= _family(page, "task_status.")
    assert set(get_args(ClockStatus)) <= _family(page, "clock_status.")
    assert set(get_args(ClockKind)) <= _family(page, "clock.")
    assert {f"{level}.name" for level in get_args(Level)} <= _family(page, "level.")
    assert {f"{level}.short" for level in get_args(Level)} <= _family(page, "level.")
    assert set(get_args(Status)) <= _family(page, "incident_status.")
    units = [unit for agency in AGENCIES for unit in load_profile(agency).units]
    assert {unit.kind for unit in units} <= _family(page, "unit_kind.")
    assert {c for unit in units for c in unit.capabilities} <= _family(page, "capability.")


def test_every_incident_move_has_its_button_in_the_command_room() -> None:
    moves = {s for targets in lifecycle.NEXT.values() for s in targets} - {"merged", "dispatched"}
    assert moves <= _family("command room", "incident.to.")


def test_every_incident_event_an_agency_records_has_its_words_in_the_duty_room() -> None:
    assert {cls.__name__ for cls in EVENT_MESSAGES} <= _family("duty room", "console.timeline.event.")


def test_every_event_of_the_activity_record_is_listened_to_and_described() -> None:
    live = (COMMAND_ROOM / "js" / "live.js").read_text()
    listened = set(re.findall(r'^\s*"(\w+\.\w+)",$', live, flags=re.MULTILINE))
    incident_moves = {f"incident.{s}" for targets in lifecycle.NEXT.values() for s in targets}
    task_moves = {f"task.{s}" for s in tasks.STATUSES.values() if s != "assigned"}
    expected = (
        incident_moves
        | task_moves
        | {"incident.reported", "incident.updated", "incident.merge_received", "task.assigned"}
        | {"route.routed", "route.rerouted", "unit.changed", "clock.breached"}
        | {"callup.issued", "callup.cancelled", "callup.stood_down", "callup.answer_refused"}
        | {"drill.started", "drill.ended"}
    )
    assert sorted(expected - listened) == []
    assert sorted(listened - _family("command room", "event.")) == []


@pytest.mark.parametrize("name", FOLDERS)
def test_no_asset_refers_to_another_host(name: str) -> None:
    folder = FOLDERS[name]
    remote = re.compile(r"""(?:https?:)?//(?!www\.w3\.org/2000/svg)[\w.-]+\.[a-z]{2,}""", re.IGNORECASE)
    found = {
        str(path.relative_to(folder)): remote.findall(path.read_text())
        for path in folder.rglob("*")
        if path.suffix in (".js", ".html", ".css", ".json", ".svg")
    }
    assert {name: hits for name, hits in found.items() if hits} == {}


def test_catalogue_files_are_where_the_pages_load_them() -> None:
    loader = (SHARED / "js" / "i18n.js").read_text()
    assert '"/shared/i18n"' in loader and '"/web/i18n"' in loader
    for folder in FOLDERS.values():
        assert (folder / "i18n" / "zh.json").is_file()

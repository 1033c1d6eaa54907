"""The command-room page's message catalogues: Chinese and English say the same things, every
message the page asks for exists, none is left unused, and every status, level and event the
platform can send has its words."""

import json
import re
from pathlib import Path
from typing import get_args

import pytest

from gateway.dispatch.models import ClockKind, ClockStatus
from gateway.incidents import lifecycle
from gateway.incidents.models import Level, Status
from gateway.web.views import STATIC
from kernel import tasks
from kernel.catalog import AGENCIES
from kernel.profiles import load as load_profile

CATALOGUES = {lang: json.loads((STATIC / "i18n" / f"{lang}.json").read_text()) for lang in ("zh", "en")}
SOURCES = [path for path in STATIC.rglob("*") if path.suffix in (".js", ".html")]

# t("key"), tOr(`key`...), data-i18n="key" and data-i18n-aria-label="key"
LITERAL = re.compile(r"""\b(?:t|tOr)\(\s*["'`]([\w.]+)["'`]\s*[,)]|data-i18n(?:-aria-label)?="([\w.]+)\"""")
# t(`prefix.${...}`) and statusBadge("prefix", ...): a family of keys chosen at run time
TEMPLATE = re.compile(r"""\b(?:t|tOr)\(\s*`([\w.]*)\$\{""")
BADGE = re.compile(r"""statusBadge\(\s*"(\w+)\"""")


def _source() -> str:
    return "\n".join(path.read_text() for path in SOURCES)


def used_keys() -> tuple[set[str], set[str]]:
    text = _source()
    literal = {a or b for a, b in LITERAL.findall(text)}
    prefixes = {p for p in TEMPLATE.findall(text) if p} | {f"{p}." for p in BADGE.findall(text)}
    return literal, prefixes


def test_both_catalogues_have_the_same_keys() -> None:
    zh, en = CATALOGUES["zh"], CATALOGUES["en"]
    assert sorted(zh.keys() - en.keys()) == [], "only in zh.json"
    assert sorted(en.keys() - zh.keys()) == [], "only in en.json"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_message_is_empty_and_placeholders_match(lang: str) -> None:
    catalogue = CATALOGUES[lang]
    assert [key for key, text in catalogue.items() if not text.strip()] == []
    other = CATALOGUES["en" if lang == "zh" else "zh"]
    names = re.compile(r"\{(\w+)\}")
    differing = [
        key for key in catalogue if set(names.findall(catalogue[key])) != set(names.findall(other[key]))
    ]
    assert differing == []


def test_chinese_messages_are_chinese_and_english_ones_english() -> None:
    han = re.compile(r"[\u4e00-\u9fff]")
    # A handful of messages are the same in both languages on purpose (a language's own name).
    same = {key for key in CATALOGUES["zh"] if CATALOGUES["zh"][key] == CATALOGUES["en"][key]}
    assert same <= {"lang.switch_to_en", "lang.switch_to_zh", "event.other"}
    assert [k for k, v in CATALOGUES["en"].items() if han.search(v) and k != "lang.switch_to_zh"] == []
    words = [(k, re.sub(r"\{\w+\}", "", v)) for k, v in CATALOGUES["zh"].items() if k not in same]
    untranslated = [k for k, v in words if re.search(r"[A-Za-z]{3,}", v) and not han.search(v)]
    assert untranslated == []


def test_every_key_the_page_uses_exists() -> None:
    literal, prefixes = used_keys()
    assert literal, "the pattern found no message keys: did the page's code change shape?"
    assert sorted(literal - CATALOGUES["en"].keys()) == []
    for prefix in prefixes:
        assert any(key.startswith(prefix) for key in CATALOGUES["en"]), prefix


def test_no_key_is_unused() -> None:
    literal, prefixes = used_keys()
    unused = [
        key for key in CATALOGUES["en"] if key not in literal and not any(key.startswith(p) for p in prefixes)
    ]
    assert unused == []


def _family(prefix: str) -> set[str]:
    return {key.removeprefix(prefix) for key in CATALOGUES["en"] if key.startswith(prefix)}


def test_every_status_level_and_clock_the_platform_sends_has_its_words() -> None:
    assert set(get_args(Status)) <= _family("incident_status.")
    assert set(tasks.STATUSES.values()) <= _family("task_status.")
    assert set(get_args(ClockStatus)) <= _family("clock_status.")
    assert set(get_args(ClockKind)) <= _family("clock.")
    assert {f"{level}.name" for level in get_args(Level)} <= _family("level.")
    assert {f"{level}.short" for level in get_args(Level)} <= _family("level.")
    assert {s for targets in lifecycle.NEXT.values() for s in targets} - {"merged", "dispatched"} <= _family(
        "incident.to."
    )
    profiles = [load_profile(agency) for agency in AGENCIES]
    assert {unit.kind for p in profiles for unit in p.units} <= _family("unit_kind.")
    assert {c for p in profiles for unit in p.units for c in unit.capabilities} <= _family("capability.")


def test_every_event_of_the_activity_record_is_listened_to_and_described() -> None:
    live = (STATIC / "js" / "live.js").read_text()
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
    assert sorted(listened - _family("event.")) == []


def test_no_asset_refers_to_another_host() -> None:
    remote = re.compile(r"""(?:https?:)?//(?!www\.w3\.org/2000/svg)[\w.-]+\.[a-z]{2,}""", re.IGNORECASE)
    found = {
        str(path.relative_to(STATIC)): remote.findall(path.read_text())
        for path in STATIC.rglob("*")
        if path.suffix in (".js", ".html", ".css", ".json", ".svg")
    }
    assert {name: hits for name, hits in found.items() if hits} == {}


def test_catalogue_files_are_where_the_page_loads_them() -> None:
    assert (Path(STATIC) / "i18n" / "zh.json").is_file()
    assert "/web/i18n/${lang}.json" in (STATIC / "js" / "i18n.js").read_text()

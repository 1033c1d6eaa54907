"""The stability views in Chromium, against a real gateway process on a real broker: disputes
and key persons worked at 1366x768, and the factors, disputes, key-persons and bulletins views
each laid out at 1920x1080 and 1366x768 in Chinese and English. The views need no agency, so
only the broker and the gateway run: the module starts in seconds rather than a whole
platform's minute."""

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from infra import disputes_demo
from infra.platform import Platform
from tests.browser.conftest import CONTRASTS, LAPTOP, OFF_SCREEN, REPO, WALL, Screen, Screens
from tests.conftest import new_platform
from tests.support import dispose_engines, incident_body

Shots = Callable[[Page, str], Path]
HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """The broker and the gateway, with the demo's generated year of disputes."""
    platform = new_platform(tmp_path_factory.mktemp("stability"))
    platform.config.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        platform.start_broker()
        platform.start_service("gateway")
        platform.wait_ready(services=["gateway"])
        disputes_demo.load(platform.config.database_url("gateway"), now=datetime.now(UTC))
        yield platform
    finally:
        platform.stop()
        dispose_engines()


def test_an_operator_reads_the_years_figures_and_mediates_a_case_to_its_follow_up(
    screens: Screens, platform: Platform, shots: Shots
) -> None:
    page = screens.open("operator", viewport=LAPTOP).page
    page.click("#nav a[href='#/disputes']")
    expect(page.locator("main h1")).to_have_text("矛盾纠纷排查调处")
    # The latest year with outcomes is the demo's: the district report's totals.
    expect(page.locator("[data-figure=mediated] b")).to_have_text("2326")
    expect(page.locator("[data-figure=settled] b")).to_have_text("2290")
    expect(page.locator("[data-figure=settled_rate] b")).to_have_text("98.5%")
    expect(page.locator("#figures-by-month tbody tr")).to_have_count(12)
    expect(page.locator("#figures-by-kind tbody tr")).to_have_count(8)
    expect(page.locator("#figures-by-kind tbody")).to_contain_text("油区工农纠纷")
    # Parties are masked in the list: a surname and stars.
    first_parties = page.locator(".dispute-table tbody tr").first.locator("td").nth(3).inner_text()
    assert re.fullmatch(r"(\w\*+、?)+", first_parties), first_parties
    assert page.evaluate("document.documentElement.scrollWidth") <= LAPTOP["width"]
    csv = httpx.get(
        platform.config.gateway_url + page.locator("#dispute-csv").get_attribute("href"),
        headers={"Authorization": f"Bearer {platform.token('operator')}"},
    )
    assert csv.status_code == 200 and "total," in csv.text
    shots(page, "disputes-zh-1366x768")

    page.click("#dispute-add")
    page.select_option("#d-kind", "neighbours")
    page.fill("#d-summary", "两户因宅基地界址发生争执")
    page.fill("#d-party1", "张建国")
    page.fill("#d-phone1", "13905461234")
    page.fill("#d-party2", "李明")
    page.fill("#d-place", "文汇街道西四路")
    page.fill("#d-mediator", "王调解")
    page.click("#dispute-form button[type=submit]")
    expect(page.locator("article.dispute")).to_have_attribute("data-stage", "registered")
    # The operator handles cases, so the parties are shown whole.
    expect(page.locator("ul.parties")).to_contain_text("张建国 13905461234")

    page.fill("#s-session-notes", "双方到场，各自陈述。")
    page.click("#dispute-session button[type=submit]")
    expect(page.locator("article.dispute")).to_have_attribute("data-stage", "in_mediation")
    expect(page.locator("article.dispute .timeline")).to_contain_text("双方到场，各自陈述。")

    page.select_option("#s-outcome-outcome", "settled")
    page.click("#dispute-outcome button[type=submit]")
    expect(page.locator("#dispute-outcome-error")).to_contain_text("agreement")
    page.fill("#s-outcome-agreement", "重新确定界址，互不追究。")
    page.click("#dispute-outcome button[type=submit]")
    expect(page.locator("article.dispute")).to_have_attribute("data-stage", "outcome")
    expect(page.locator("#dispute-session")).to_have_count(0)
    expect(page.locator("#dispute-outcome")).to_have_count(0)

    page.fill("#s-follow_up-note", "协议已履行。")
    page.click("#dispute-follow_up button[type=submit]")
    expect(page.locator("article.dispute")).to_have_attribute("data-stage", "followed_up")
    expect(page.locator("article.dispute form")).to_have_count(0)
    expect(page.locator("main h1 .badge")).to_have_text("调解成功，达成协议")
    assert page.evaluate("document.documentElement.scrollWidth") <= LAPTOP["width"]

    page.click("#lang-switch")
    expect(page.locator("main h1 .badge")).to_have_text("Settled with an agreement")
    assert not HAN.search(" ".join(page.locator("article.dispute dl.facts dt").all_inner_texts()))
    texts = page.evaluate(CONTRASTS)
    assert [(round(ratio, 2), text) for ratio, text in texts if ratio < 4.5] == []
    page.click("#lang-switch")


def test_only_those_allowed_see_key_persons_and_an_identity_needs_a_reason(
    screens: Screens, platform: Platform
) -> None:
    with platform.client("commander") as commander:
        made = commander.post(
            "/api/v1/key-persons",
            json={
                "name": "高振华",
                "id_number": "370502196505120418",
                "phone": "13905462231",
                "category": "petitioner",
                "responsible_officer": "王警官",
            },
        )
        assert made.status_code == 201, made.text
        incident = commander.post(
            "/api/v1/incidents", json=incident_body(category="key_person", title="重点人员进入辖区")
        )
        assert incident.status_code == 201, incident.text
        linked = commander.post(
            f"/api/v1/key-persons/{made.json()['id']}/links",
            json={"subject_kind": "incident", "subject_id": incident.json()["id"], "note": "车站发现"},
        )
        assert linked.status_code == 201, linked.text
    person = made.json()["id"]
    incident_page = f"{platform.config.gateway_url}/#/incident/{incident.json()['id']}"

    operator = screens.open("operator", viewport=LAPTOP).page
    expect(operator.locator("#nav a[href='#/disputes']")).to_be_visible()
    expect(operator.locator("#nav a[href='#/key-persons']")).to_have_count(0)
    operator.goto(incident_page)
    expect(operator.locator("main h1")).to_contain_text("重点人员进入辖区")
    expect(operator.locator("#incident-key-persons")).to_have_count(0)

    page = screens.open("commander", viewport=LAPTOP).page
    page.goto(incident_page)
    expect(page.locator("#incident-key-persons")).to_contain_text("高**")
    expect(page.locator("#incident-key-persons")).to_contain_text("车站发现")
    page.click("#incident-key-persons a")
    row = page.locator(f"tr[data-person-id='{person}']")
    expect(row).to_contain_text("高**")
    expect(row).to_contain_text("**************0418")
    expect(row).not_to_contain_text("高振华")
    row.locator("button[data-action=reveal]").click()
    assert row.locator("input[name=reason]").evaluate("input => input.validity.valueMissing")
    expect(row).not_to_contain_text("高振华")
    row.locator("input[name=reason]").fill("核查信访事项")
    row.locator("button[data-action=reveal]").click()
    expect(row.locator(".identity")).to_contain_text("370502196505120418")
    expect(row.locator(".identity")).to_contain_text("审计日志")
    with platform.client("auditor") as auditor:
        reads = auditor.get("/api/v1/audit", params={"action": "key_person.identity_read"}).json()["items"]
    assert [(e["actor"], e["detail"]["reason"]) for e in reads] == [("commander", "核查信访事项")]


I18N = REPO / "gateway" / "web" / "static" / "i18n"
CATALOGUES = {lang: json.loads((I18N / f"{lang}.json").read_text(encoding="utf-8")) for lang in ("zh", "en")}
LOCALES = {"zh": "zh-CN", "en": "en-GB"}


@dataclass(frozen=True)
class View:
    heading: str
    # Its main tables and forms.
    parts: tuple[str, ...]
    # (the button, what it opens): the forms are laid out too.
    opens: tuple[tuple[str, str], ...] = ()


VIEWS = {
    "factors": View(
        "factors.heading",
        (".factor-table", "#factor-form", ".factor-details"),
        (("[data-action=add-factor]", "#factor-form"), ("tbody tr [data-action=pick]", ".factor-details")),
    ),
    "disputes": View(
        "disputes.heading",
        (".dispute-table", ".figures-table", "#dispute-form"),
        (("#dispute-add", "#dispute-form"),),
    ),
    "key-persons": View(
        "key_persons.heading",
        (".key-person-table", "#key-person-form"),
        (("#key-person-add", "#key-person-form"),),
    ),
    "bulletins": View("bulletins.heading", ("table.bulletins", ".bulletin-picker")),
}
LAYOUTS = {"1920x1080": WALL, "1366x768": LAPTOP}


@pytest.fixture(scope="module")
def commander_room(browser: Browser, platform: Platform) -> Iterator[Screen]:
    """One commander's window for every layout and language: resized and switched, not reopened.
    A factor naming a key person, and a bulletin, give each view something to lay out."""
    with platform.client("commander") as commander:
        person = commander.post(
            "/api/v1/key-persons",
            json={
                "name": "欧阳振华",
                "id_number": "370502196505120426",
                "phone": "13905462299",
                "address": "东营区胜利街道某小区 12 号楼 2 单元",
                "category": "community_corrections",
                "responsible_officer": "胜利街道司法所王所长",
                "grid_cell": "37050200100102",
            },
        )
        assert person.status_code == 201, person.text
        factor = commander.post(
            "/api/v1/factors",
            json={
                "category": "land_compensation",
                "level": "II",
                "description": "西城片区征地补偿标准争议，十余户村民计划集体到区政府反映诉求",
                "location": {"place": "西城街道某村委会"},
                "responsible_unit": "西城街道综治中心",
                "responsible_person": {"name": "周红", "phone": "13905463333"},
                "parties": [{"name": "欧阳建国", "phone": "13812345678", "role": "村民代表"}],
            },
        )
        assert factor.status_code == 201, factor.text
        linked = commander.post(
            f"/api/v1/key-persons/{person.json()['id']}/links",
            json={"subject_kind": "factor", "subject_id": factor.json()["id"], "note": "村民代表之一"},
        )
        assert linked.status_code == 201, linked.text
        today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
        bulletin = commander.post(
            "/api/v1/bulletins", json={"scope": "district", "kind": "week", "day": today}
        )
        assert bulletin.status_code == 201, bulletin.text
    screens = Screens(browser=browser, platform=platform)
    screen = screens.open("commander", viewport=LAPTOP)
    yield screen
    screen.context.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("view", list(VIEWS))
def test_each_stability_view_fits_both_layouts_in_both_languages(
    commander_room: Screen, platform: Platform, view: str, layout: str, lang: str
) -> None:
    page = commander_room.page
    shown = VIEWS[view]
    viewport = LAYOUTS[layout]
    page.set_viewport_size(viewport)
    if page.evaluate("document.documentElement.lang") != LOCALES[lang]:
        page.click("#lang-switch")
        expect(page.locator("html")).to_have_attribute("lang", LOCALES[lang])
    page.goto(f"{platform.config.gateway_url}/#/{view}")
    expect(page.locator("main h1")).to_have_text(CATALOGUES[lang][shown.heading])
    # A view redrawn in the other language has its forms closed; one only resized keeps them.
    for button, opened in shown.opens:
        if not page.locator(f"main {opened}").count():
            page.locator(f"main {button}").first.click()
        expect(page.locator(f"main {opened}")).to_be_visible()
    parts = ", ".join(f"main {part}" for part in shown.parts)
    for part in shown.parts:
        expect(page.locator(f"main {part}").first).to_be_visible()
    if view == "factors":
        expect(page.locator("main #factor-key-persons li")).to_contain_text("欧***")

    if lang == "en":
        headers = " ".join(page.locator("main thead th").all_inner_texts())
        assert headers and not HAN.search(headers), headers
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    assert page.evaluate(OFF_SCREEN, parts) == []
    texts = page.evaluate(CONTRASTS)
    assert [(round(ratio, 2), text) for ratio, text in texts if ratio < 4.5] == []
    assert commander_room.errors == []

"""An agency's duty room in Chromium against a real platform: the oil field's operator answers a
task the command room dispatched and the command room's board shows it within 2 s; a member
answers a call-up on a phone-sized page from a personal link; the duty commander reads the
break-glass account's log; the console in Chinese and English at 1366x768, readable by WCAG AA
and usable from the keyboard; its API docs; and not one request leaving the machine."""

import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from gateway.roster.checks import MemberLine, members_csv
from infra import roster_demo
from infra.platform import Platform
from tests.browser.conftest import (
    BREAK_GLASS_PASSWORD,
    CONTRASTS,
    LAPTOP,
    Screen,
    Screens,
    same_origin,
    sign_in,
)
from tests.support import incident_body, wait_for

pytestmark = pytest.mark.slow

Shots = Callable[[Page, str], Path]
HAN = re.compile(r"[\u4e00-\u9fff]")
PHONE = {"width": 360, "height": 740}
AGENCY = "oilfield"


def unique(title: str) -> str:
    return f"{title}-{uuid.uuid4().hex[:6]}"


@pytest.fixture(scope="module")
def duty_officer(platform: Platform) -> tuple[str, str]:
    """An oil-field duty officer's account, made at the gateway, where accounts live."""
    return platform.credentials("agency_operator", AGENCY)


@pytest.fixture(scope="module")
def duty_commander(platform: Platform) -> tuple[str, str]:
    """The oil field's duty commander, who alone may hand a task back to the command room."""
    return platform.credentials("agency_commander", AGENCY)


@pytest.fixture(scope="module")
def console_api(platform: Platform, duty_officer: tuple[str, str]) -> Iterator[httpx.Client]:
    """The oil field's console API, signed in as its duty officer."""
    with httpx.Client(base_url=platform.config.console_url(AGENCY), timeout=10) as client:
        username, password = duty_officer
        signed = client.post("/api/v1/auth/sign-in", json={"username": username, "password": password})
        signed.raise_for_status()
        yield client


def duty_room(
    screens: Screens,
    platform: Platform,
    account: tuple[str, str] | None,
    *,
    viewport: dict[str, int] = LAPTOP,
    lang: str = "zh",
) -> Screen:
    """The oil field's console in a new window, signed in with ``account`` (or at its form)."""
    screen = screens.blank(viewport=viewport, lang=lang)
    screen.page.goto(platform.config.console_url(AGENCY) + "/")
    if account is not None:
        sign_in(screen.page, *account)
        expect(screen.page.locator("#nav a").first).to_be_visible()
    return screen


def dispatch_to_the_oil_field(api: httpx.Client, title: str) -> dict[str, Any]:
    body = incident_body(category="pipeline_tapping", source_agency=AGENCY, level="II", title=title)
    incident = api.post("/api/v1/incidents", json=body)
    assert incident.status_code == 201, incident.text
    order = api.post(
        f"/api/v1/incidents/{incident.json()['id']}/dispatch",
        json={"tasks": [{"agency": AGENCY, "role": "lead"}]},
    )
    assert order.status_code == 201, order.text
    found: dict[str, Any] = incident.json()
    return found


def test_an_oil_field_operator_acknowledges_a_task_and_the_command_room_board_shows_it_within_two_seconds(
    screens: Screens, platform: Platform, api: httpx.Client, duty_officer: tuple[str, str], shots: Shots
) -> None:
    screen = duty_room(screens, platform, None)
    page = screen.page
    expect(page.locator("h1")).to_have_text("登录胜利油田值班室")
    expect(page.locator("#agency-name")).to_have_text("胜利油田值班室")
    sign_in(page, duty_officer[0], duty_officer[1] + "-wrong")
    expect(page.locator("#sign-in-error")).to_have_text("用户名或密码错误。")
    sign_in(page, *duty_officer)
    expect(page.locator("#links [data-link=gateway]")).to_have_attribute("data-state", "up")
    expect(page.locator("#links [data-link=broker]")).to_contain_text("消息总线：正常")

    board = screens.open("commander").page
    incident = dispatch_to_the_oil_field(api, unique("输油管线打孔盗油"))
    row = page.locator(f"tr[data-incident-id='{incident['id']}']")
    expect(row).to_be_visible()
    expect(row).to_have_attribute("data-status", "assigned")
    # Counting down, or already overdue on a slow machine (the browser tests' clock is 8 s).
    expect(row.locator(".clock[data-kind=acknowledge]")).to_contain_text(re.compile("确认( 剩余|超时)"))
    expect(row.locator(".clock[data-kind=on_scene]")).to_contain_text("到场 剩余")
    shots(page, "duty-room-tasks-zh-1366x768")

    cell = board.locator(f"tr[data-incident-id='{incident['id']}'] td[data-agency={AGENCY}] .task")
    expect(cell).to_have_attribute("data-status", "assigned")
    row.locator("button[data-action=acknowledged]").click()
    expect(cell).to_have_attribute("data-status", "acknowledged", timeout=2_000)
    expect(row).to_have_attribute("data-status", "acknowledged")
    expect(row.locator(".clock[data-kind=acknowledge]")).to_have_count(0)
    expect(page.locator("#toast")).to_contain_text(incident["title"])

    # Handing a task back is the duty commander's call: the operator is not offered it.
    expect(row.locator("button[data-action=declined]")).to_have_count(0)
    assert screen.errors == []


def test_the_duty_commander_declines_with_a_reason_and_the_command_room_sees_it(
    screens: Screens, platform: Platform, api: httpx.Client, duty_commander: tuple[str, str]
) -> None:
    incident = dispatch_to_the_oil_field(api, unique("油区工农纠纷"))
    page = duty_room(screens, platform, duty_commander).page
    row = page.locator(f"tr[data-incident-id='{incident['id']}']")
    row.locator("button[data-action=declined]").click()
    dialog = page.locator("#dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#answer-note")).to_be_focused()
    dialog.locator("button[type=submit]").click()
    expect(dialog).to_be_visible()
    dialog.locator("#answer-note").fill("巡逻队正在处置另一处管线险情")
    dialog.locator("button[type=submit]").click()
    expect(dialog).to_be_hidden()
    expect(row).to_have_count(0)
    # A declined task leaves the board's cell; the incident's page in the command room keeps it.
    command_room = screens.open("commander").page
    command_room.goto(f"{platform.config.gateway_url}/#/incident/{incident['id']}")
    task = command_room.locator(f"#tasks tr[data-agency={AGENCY}]")
    expect(task).to_have_attribute("data-status", "declined")


@pytest.fixture(scope="module")
def call_up(platform: Platform) -> str:
    """The oil field's security team, called up from the command room."""
    team = next(t for t in roster_demo.TEAMS if t.agency == AGENCY)
    with platform.client("coordinator") as roster:
        created = roster.post("/api/v1/roster/teams", json=team.body())
        assert created.status_code == 201, created.text
        roster.put(
            f"/api/v1/roster/teams/{team.id}/members.csv",
            content=roster_demo.team_csv(team).encode(),
            headers={"Content-Type": "text/csv"},
        ).raise_for_status()
        called = roster.post("/api/v1/roster/callups", json={"team_id": team.id})
        assert called.status_code == 201, called.text
    call_up_id: str = called.json()["call_up_id"]
    return call_up_id


def test_a_member_answers_a_call_up_on_a_phone_sized_page(
    screens: Screens,
    platform: Platform,
    console_api: httpx.Client,
    duty_officer: tuple[str, str],
    call_up: str,
    shots: Shots,
) -> None:
    console = duty_room(screens, platform, duty_officer).page
    console.click("#nav a[href='#/callups']")
    card = console.locator(f"article[data-call-up-id='{call_up}']")
    called = wait_for(
        lambda: console_api.get(f"/api/v1/callups/{call_up}").json().get("members"),
        timeout=15,
        message="the call-up reached the oil field",
    )
    expect(card.locator("[data-count=called]")).to_have_text(str(len(called)))
    card.locator("h2 a").click()
    first, second = called[0], called[1]

    phone = screens.blank(viewport=PHONE).page
    phone.goto(first["link"])
    expect(phone.locator("h1")).to_contain_text("召集通知")
    expect(phone.locator(".greeting")).to_contain_text(first["name"])
    phone.click("button[data-answer=acknowledged]")
    expect(phone.locator("li[data-answer=acknowledged]")).to_have_attribute("data-answered", "true")
    phone.click("button[data-answer=on_the_way]")
    expect(phone.locator("li[data-answer=on_the_way]")).to_have_attribute("data-answered", "true")
    phone.click("button[data-answer=arrived]")
    expect(phone.locator("li[data-answer=arrived]")).to_have_attribute("data-answered", "true")
    expect(phone.locator("button[data-answer=arrived]")).to_be_disabled()
    # Once coming, a member can no longer say they cannot come.
    expect(phone.locator("button[data-answer=declined]")).to_be_disabled()
    shots(phone, "member-phone-zh-360x740")

    other = screens.blank(viewport=PHONE, lang="en").page
    other.goto(second["link"])
    other.click("button[data-answer=declined]")
    other.fill("#reason", "On night shift at the well site")
    other.click("form.decline button[type=submit]")
    expect(other.locator("li[data-answer=declined]")).to_have_attribute("data-answered", "true")
    expect(other.locator(".recorded")).to_contain_text("On night shift at the well site")

    board = console.locator(f"section[data-call-up-id='{call_up}']")
    arrived = board.locator(f"tr[data-member-id='{first['member_id']}'] td[data-answer=arrived]")
    expect(arrived).to_have_attribute("data-answered", "")
    declined = board.locator(f"tr[data-member-id='{second['member_id']}'] td[data-answer=declined]")
    expect(declined).to_contain_text("On night shift")
    expect(board.locator("[data-count=arrived]")).to_have_text("1")
    qr = console.locator(f".qr-card[data-member-id='{first['member_id']}'] img")
    expect(qr).to_have_js_property("complete", True)
    assert qr.evaluate("image => image.naturalWidth") > 0, "the QR code is drawn"
    shots(console, "duty-room-muster")
    console.locator(".qr-sheet").evaluate("sheet => sheet.scrollIntoView()")
    shots(console, "duty-room-qr-codes")


def test_a_forged_link_and_a_stood_down_call_up_say_so_plainly(
    screens: Screens, platform: Platform, console_api: httpx.Client, call_up: str
) -> None:
    forged = screens.blank(viewport=PHONE).page
    forged.goto(platform.config.console_url(AGENCY) + "/m/not-a-real-link")
    expect(forged.locator(".gone")).to_have_attribute("data-reason", "invalid")
    expect(forged.locator("h1")).to_have_text("链接无效")

    link = console_api.get(f"/api/v1/callups/{call_up}").json()["members"][2]["link"]
    phone = screens.blank(viewport=PHONE).page
    phone.goto(link)
    expect(phone.locator("button[data-answer=acknowledged]")).to_be_visible()
    with platform.client("coordinator") as roster:
        roster.post(
            f"/api/v1/roster/callups/{call_up}/stand-down", json={"reason": "险情已排除"}
        ).raise_for_status()
    wait_for(
        lambda: console_api.get(f"/api/v1/callups/{call_up}").json()["call_up"]["status"] == "stood_down",
        timeout=15,
        message="the stand-down reached the oil field",
    )
    phone.reload()
    expect(phone.locator(".gone")).to_have_attribute("data-reason", "stood_down")
    expect(phone.locator("h1")).to_have_text("此次召集已解除")


def test_the_duty_room_shows_its_team_and_who_is_out_on_a_call_up(
    screens: Screens, platform: Platform, duty_commander: tuple[str, str], shots: Shots
) -> None:
    # A team of its own, so the module's other call-ups leave it alone.
    team_id = unique("oil-standby")
    members = [
        MemberLine(f"{team_id}-{n}", f"队员{n}", "member", ["crowd_control"], f"1390546{n:04d}", "available")
        for n in range(4)
    ]
    with platform.client("coordinator") as roster:
        body = {
            "id": team_id,
            "agency": AGENCY,
            "name": "油田备勤分队",
            "kind": "security",
            "assembly_point": "孤岛",
        }
        roster.post("/api/v1/roster/teams", json=body).raise_for_status()
        roster.put(
            f"/api/v1/roster/teams/{team_id}/members.csv",
            content=members_csv(members).encode(),
            headers={"Content-Type": "text/csv"},
        ).raise_for_status()
        called = roster.post("/api/v1/roster/callups", json={"team_id": team_id, "count": 2})
        assert called.status_code == 201, called.text
    open_call_up = called.json()["call_up_id"]
    screen = duty_room(screens, platform, duty_commander, lang="en")
    page = screen.page
    page.click("#nav a[href='#/teams']")
    expect(page.locator("main h1")).to_have_text("Response teams")
    called = page.locator(f"main tr[data-member-id]:has(a[href='#/callup/{open_call_up}'])")
    expect(called).to_have_count(2)
    expect(called.first).to_have_attribute("data-status", "deployed")
    headers = page.locator("main thead").first.inner_text()
    assert not HAN.search(headers), f"untranslated words in the roster: {headers!r}"
    shots(page, "duty-room-teams-en-1366x768")
    called.first.locator("a").click()
    expect(page).to_have_url(re.compile(f"#/callup/{open_call_up}$"))
    expect(page.locator("main .muster-table tr[data-member-id]")).not_to_have_count(0)
    assert screen.errors == []


def test_the_console_in_chinese_and_english_at_1366x768_is_readable_and_keyboard_usable(
    screens: Screens, platform: Platform, api: httpx.Client, duty_officer: tuple[str, str], shots: Shots
) -> None:
    dispatch_to_the_oil_field(api, unique("非法收油点"))
    screen = duty_room(screens, platform, None)
    page = screen.page
    page.locator("#username").focus()
    page.keyboard.type(duty_officer[0])
    page.keyboard.press("Tab")
    page.keyboard.type(duty_officer[1])
    page.keyboard.press("Enter")
    expect(page.locator("main tr[data-task-id]").first).to_be_visible()

    for route in ("#/tasks", "#/units", "#/report", "#/picture", "#/callups", "#/teams"):
        page.goto(f"{platform.config.console_url(AGENCY)}/{route}")
        expect(page.locator("main h1")).to_be_visible()
        texts = page.evaluate(CONTRASTS)
        assert len(texts) > 5, route
        assert [(round(ratio, 2), text) for ratio, text in texts if ratio < 4.5] == [], route

    page.goto(f"{platform.config.console_url(AGENCY)}/#/tasks")
    acknowledge = page.locator("main button[data-action=acknowledged]").first
    for _ in range(60):
        page.keyboard.press("Tab")
        if acknowledge.evaluate("button => button === document.activeElement"):
            break
    assert acknowledge.evaluate("button => button === document.activeElement"), "reachable by Tab"
    outline = acknowledge.evaluate("button => getComputedStyle(button).outlineStyle")
    assert outline != "none", "focus is visible"

    page.click("#lang-switch")
    expect(page.locator("main h1")).to_have_text("Our tasks")
    expect(page.locator("#agency-name")).to_have_text("Shengli Oil Field duty room")
    for chrome in ("#nav", "#links", "#who", "#sign-out", "main thead"):
        text = page.locator(chrome).first.inner_text()
        assert not HAN.search(text), f"untranslated words in {chrome}: {text!r}"
    shots(page, "duty-room-tasks-en-1366x768")
    page.click("#nav a[href='#/units']")
    expect(page.locator("main tr[data-unit-id]")).to_have_count(3)
    page.locator("main tr[data-unit-id='oil-car-1'] button[data-action=update]").click()
    page.locator("#dialog svg.map").click(position={"x": 200, "y": 150})
    moved = float(page.locator("#unit-latitude").input_value())
    page.select_option("#unit-status", "off_duty")
    page.locator("#dialog button[type=submit]").click()
    expect(page.locator("main tr[data-unit-id='oil-car-1']")).to_have_attribute("data-status", "off_duty")
    expect(page.locator("main tr[data-unit-id='oil-car-1']")).to_contain_text(f"{moved:.4f}")
    shots(page, "duty-room-units-en-1366x768")

    origin = platform.config.console_url(AGENCY)
    every = screen.requests
    assert len(every) > 20
    assert any(url.endswith("/api/v1/changes") for url in every), "the console listens for changes"
    assert [url for url in every if not same_origin(url, origin)] == []
    assert screen.errors == []


def test_the_duty_commander_reads_the_break_glass_log_and_an_operator_is_not_offered_it(
    screens: Screens,
    platform: Platform,
    duty_officer: tuple[str, str],
    duty_commander: tuple[str, str],
    shots: Shots,
) -> None:
    console = platform.config.console_url(AGENCY)
    break_glass = {"username": f"{AGENCY}-breakglass", "password": BREAK_GLASS_PASSWORD}
    # The gateway is up, so the account is refused; the refusal is logged all the same.
    assert httpx.post(f"{console}/api/v1/auth/sign-in", json=break_glass).status_code == 403

    officer = duty_room(screens, platform, duty_officer).page
    expect(officer.locator("#nav a[href='#/break-glass']")).to_have_count(0)
    officer.goto(f"{console}/#/break-glass")
    expect(officer).to_have_url(re.compile("#/tasks$"))

    screen = duty_room(screens, platform, duty_commander)
    page = screen.page
    page.click("#nav a[href='#/break-glass']")
    expect(page.locator("main h1")).to_have_text("应急账号使用记录")
    refused = page.locator("main tr[data-action=refused]").first
    expect(refused).to_contain_text("登录被拒")
    expect(refused).to_contain_text("POST /api/v1/auth/sign-in")
    expect(refused).to_contain_text("can be reached")
    # A new use appears while the page is open, newest first.
    rows = page.locator("main tr[data-entry-id]")
    seen = rows.count()
    assert httpx.post(f"{console}/api/v1/auth/sign-in", json=break_glass).status_code == 403
    expect(rows).to_have_count(seen + 1)
    texts = page.evaluate(CONTRASTS)
    assert [(round(ratio, 2), text) for ratio, text in texts if ratio < 4.5] == []

    page.click("#lang-switch")
    expect(page.locator("main h1")).to_have_text("Break-glass account log")
    expect(refused).to_contain_text("Sign-in refused")
    assert not HAN.search(page.locator("main").inner_text())
    shots(page, "duty-room-break-glass-en")
    assert screen.errors == []


def test_the_consoles_api_docs_load_from_the_console_alone(screens: Screens, platform: Platform) -> None:
    screen = screens.blank()
    origin = platform.config.console_url(AGENCY)
    screen.page.goto(origin + "/docs")
    # Swagger UI draws each operation as an .opblock.
    expect(screen.page.locator(".opblock").first).to_be_visible(timeout=20_000)
    assert [url for url in screen.requests if not same_origin(url, origin)] == []
    assert screen.errors == []
    # FastAPI's own ReDoc page, which loads from a CDN, is not served.
    assert httpx.get(origin + "/redoc").status_code == 404

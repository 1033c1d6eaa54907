"""The command-room page in Chromium against a real platform: sign-in, a live board shared by
two browsers, dispatch and the agency's acknowledgement, a clock turning overdue, both
languages, the map, role limits, reconnection after a cut, response teams and drill mode,
the bulletins and the exports, and not one request leaving the machine."""

import io
import re
import uuid
import zipfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import grpc
import httpx
import pytest
from playwright.sync_api import Page, expect

from gateway.partners.formats.cap import parse_cap
from infra import roster_demo
from infra.platform import Platform
from jcp.dispatch.v1 import dispatch_pb2 as pb
from jcp.dispatch.v1 import dispatch_pb2_grpc
from jcp.roster.v1 import roster_pb2, roster_pb2_grpc
from tests.browser.conftest import ACKNOWLEDGE_S, CONTRASTS, LAPTOP, Screens, same_origin, sign_in
from tests.support import incident_body, wait_for

pytestmark = pytest.mark.slow

Shots = Callable[[Page, str], Path]
HAN = re.compile(r"[\u4e00-\u9fff]")


def report(api: httpx.Client, **overrides: Any) -> dict[str, Any]:
    answer = api.post("/api/v1/incidents", json=incident_body(**overrides))
    assert answer.status_code == 201, answer.text
    return answer.json()


def unique(title: str) -> str:
    return f"{title}-{uuid.uuid4().hex[:6]}"


@pytest.fixture(scope="module")
def dispatch_stub(
    platform: Platform,
) -> Iterator[Callable[[str], dispatch_pb2_grpc.AgencyDispatchServiceStub]]:
    channels: dict[str, grpc.Channel] = {}

    def stub(agency: str) -> dispatch_pb2_grpc.AgencyDispatchServiceStub:
        if agency not in channels:
            channels[agency] = platform.agency_channel(agency)
        return dispatch_pb2_grpc.AgencyDispatchServiceStub(channels[agency])

    yield stub
    for channel in channels.values():
        channel.close()


def test_sign_in_refuses_a_wrong_password_and_then_opens_the_board_in_chinese(
    screens: Screens, platform: Platform
) -> None:
    screen = screens.open(role=None)
    page = screen.page
    expect(page.locator("h1")).to_have_text("登录联合指挥室")
    username, password = platform.credentials("commander")
    sign_in(page, username, password + "-wrong")
    expect(page.locator("#sign-in-error")).to_have_text("用户名或密码错误。")
    expect(page.locator("#nav")).to_be_hidden()

    sign_in(page, username, password)
    expect(page.locator("main h1")).to_have_text("油地军校维稳联动中心")
    expect(page.locator("#who")).to_contain_text("指挥长")
    expect(page.locator("#live-status")).to_have_text("● 实时")
    expect(page.locator("#nav a[href='#/intake']")).to_be_visible()

    page.click("#sign-out")
    expect(page.locator("#username")).to_be_visible()
    assert httpx.get(f"{platform.config.gateway_url}/api/v1/auth/me").status_code == 401


def test_an_incident_reported_in_one_browser_is_on_anothers_board_within_two_seconds(
    screens: Screens,
) -> None:
    watcher = screens.open("commander").page
    expect(watcher.locator("main h1")).to_have_text("油地军校维稳联动中心")
    intake = screens.open("operator").page
    intake.click("#nav a[href='#/intake']")
    title = unique("征地补偿群体性聚集")
    intake.select_option("#source_agency", "localgov")
    intake.select_option("#category", "mass_incident")
    intake.select_option("#level", "II")
    intake.fill("#title", title)
    intake.fill("#address", "辛店街道办事处")
    intake.fill("#latitude", "37.4444")
    intake.fill("#longitude", "118.5555")
    with intake.expect_response(
        lambda r: r.url.endswith("/api/v1/incidents") and r.request.method == "POST"
    ) as created:
        intake.click("#intake-form button[type=submit]")
    assert created.value.status == 201
    incident_id = created.value.json()["id"]

    row = watcher.locator(f"tr[data-incident-id='{incident_id}']")
    expect(row).to_be_visible(timeout=2_000)
    expect(row).to_contain_text(title)
    expect(row.locator(".level")).to_have_text("Ⅱ级 橙")
    expect(intake.locator("main h1")).to_contain_text(title)


def test_a_commander_dispatches_from_the_page_and_sees_the_acknowledgement_arrive(
    screens: Screens, api: httpx.Client, dispatch_stub: Callable[[str], Any], shots: Shots
) -> None:
    incident = report(api, category="mass_incident", level="I", title=unique("油区群体性阻工"))
    page = screens.open("commander").page
    page.locator(f"tr[data-incident-id='{incident['id']}'] .title a").click()
    expect(page.locator("main h1")).to_contain_text(incident["title"])
    page.evaluate("window.notReloaded = true")

    page.select_option("#capability", "crowd_control")
    send = page.locator("button[data-action=dispatch][data-unit-id='swat-2']")
    expect(send).to_have_accessible_name(re.compile("派遣 特警二大队"))
    send.click()
    task = page.locator("#tasks tr[data-agency=localgov]")
    expect(task).to_have_attribute("data-status", "assigned")
    expect(task).to_contain_text("已派发")
    expect(task.locator(".clock").first).to_contain_text("确认 剩余")
    task_id = task.get_attribute("data-task-id")
    assert task_id

    stub = dispatch_stub("localgov")
    wait_for(
        lambda: any(t.id == task_id for t in stub.ListTasks(pb.ListTasksRequest()).tasks),
        timeout=15,
        message="the task reached the local government",
    )
    stub.AnswerTask(
        pb.AnswerTaskRequest(task_id=task_id, action=pb.TASK_ACTION_ACKNOWLEDGE, operator="duty-officer")
    )
    expect(task).to_have_attribute("data-status", "acknowledged")
    expect(task).to_contain_text("已确认")
    expect(task).to_contain_text("确认：按时")
    expect(page.locator(".timeline li[data-type='task.acknowledged']")).to_be_visible()
    assert page.evaluate("window.notReloaded") is True, "the page reloaded instead of updating live"
    shots(page, "incident-dispatch")


def test_a_clock_turns_overdue_on_the_board_with_colour_icon_and_words(
    screens: Screens, api: httpx.Client, shots: Shots
) -> None:
    incident = report(
        api,
        category="pipeline_tapping",
        source_agency="oilfield",
        level="II",
        title=unique("输油管线打孔盗油"),
    )
    order = api.post(
        f"/api/v1/incidents/{incident['id']}/dispatch",
        json={"tasks": [{"agency": "oilfield", "role": "lead", "unit_ids": ["oil-sec-1"]}]},
    )
    assert order.status_code == 201, order.text
    page = screens.open("commander").page
    row = page.locator(f"tr[data-incident-id='{incident['id']}']")
    clock = row.locator("td[data-agency=oilfield] .clock[data-kind=acknowledge]")
    expect(clock).to_contain_text("确认 剩余")
    expect(row).not_to_have_class(re.compile(r"\boverdue\b"))

    expect(clock).to_have_class(re.compile(r"\boverdue\b"), timeout=(ACKNOWLEDGE_S + 10) * 1000)
    expect(clock).to_contain_text("确认超时 +")
    expect(clock.locator("svg.icon")).to_have_count(1)
    expect(row).to_have_class(re.compile(r"\boverdue\b"))
    expect(row.locator(".overdue-flag")).to_be_visible()
    expect(row.locator(".overdue-flag")).to_have_text("超时")
    # The server's own breach reaches the page too: the overdue count on the board goes up.
    expect(page.locator(".stat[data-stat=overdue] b")).not_to_have_text("0")
    shots(page, "board-zh-1920x1080")


def test_switching_to_english_translates_the_page_and_is_remembered(screens: Screens, shots: Shots) -> None:
    page = screens.open("commander", viewport=LAPTOP).page
    expect(page.locator("#lang-switch")).to_have_text("English")
    page.click("#lang-switch")
    expect(page.locator("main h1")).to_have_text("Joint stability linkage center")
    expect(page.locator("#lang-switch")).to_have_text("中文")
    expect(page.locator("#live-status")).to_have_text("● Live")
    for chrome in (".brand", "#nav", "#who", "#sign-out", "main thead", "main .stats", "#feed h2"):
        text = page.locator(chrome).first.inner_text()
        assert not HAN.search(text), f"untranslated words in {chrome}: {text!r}"
    key_like = re.compile(r"\b[a-z]+(?:_[a-z]+)*\.[a-z_]+(?:\.[a-z_]+)*\b")
    assert not key_like.findall(page.locator("main thead").inner_text() + page.locator("#nav").inner_text())
    expect(page.locator("main .level").first).to_have_text(
        re.compile(r"^(I|II|III|IV) (red|orange|yellow|blue)$")
    )

    page.reload()
    expect(page.locator("main h1")).to_have_text("Joint stability linkage center")
    shots(page, "board-en-1366x768")
    page.click("#lang-switch")
    expect(page.locator("main h1")).to_have_text("油地军校维稳联动中心")


def test_the_map_shows_the_incident_marker_inside_the_district_and_opens_it(
    screens: Screens, api: httpx.Client, shots: Shots
) -> None:
    incident = report(
        api, level="III", title=unique("校门口可疑人员"), category="campus_safety", source_agency="school"
    )
    page = screens.open("commander").page
    page.click("#nav a[href='#/map']")
    marker = page.locator(f"svg.map a[data-incident-id='{incident['id']}']")
    expect(marker).to_be_visible()
    expect(marker).to_have_attribute("aria-label", re.compile(incident["title"]))
    district = page.locator("svg.map path.district").bounding_box()
    spot = marker.locator("circle.incident-marker").bounding_box()
    assert district and spot
    centre = (spot["x"] + spot["width"] / 2, spot["y"] + spot["height"] / 2)
    assert district["x"] < centre[0] < district["x"] + district["width"]
    assert district["y"] < centre[1] < district["y"] + district["height"]
    expect(page.locator("svg.map g.unit")).to_have_count(17)
    shots(page, "map")
    marker.focus()
    page.keyboard.press("Enter")
    expect(page.locator("main h1")).to_contain_text(incident["title"])


def test_an_operator_sees_no_dispatch_button_and_the_api_refuses_with_403(
    screens: Screens, platform: Platform, api: httpx.Client
) -> None:
    incident = report(api, title=unique("邻里纠纷"))
    page = screens.open("operator").page
    page.goto(f"{platform.config.gateway_url}/#/incident/{incident['id']}")
    expect(page.locator("main h1")).to_contain_text(incident["title"])
    expect(page.locator("#tasks")).to_be_visible()
    expect(page.locator("#dispatch")).to_have_count(0)
    expect(page.locator("button[data-action=dispatch]")).to_have_count(0)
    expect(page.locator("button[data-action^=status-]")).to_have_count(0)
    expect(page.locator("#nav a[href='#/intake']")).to_be_visible()

    with platform.client("operator") as operator:
        answer = operator.post(
            f"/api/v1/incidents/{incident['id']}/dispatch",
            json={"tasks": [{"agency": "localgov", "role": "lead"}]},
        )
    assert answer.status_code == 403
    assert answer.json()["error"] == "forbidden"

    auditor = screens.open("auditor").page
    expect(auditor.locator("#nav a[href='#/intake']")).to_have_count(0)
    expect(page.locator("#nav a[href='#/audit']")).to_have_count(0)


def test_an_auditor_pages_the_audit_log_and_verifies_its_chain(screens: Screens, api: httpx.Client) -> None:
    api.post("/api/v1/partners", json={"id": "kfq", "name": "开发区分局"}).raise_for_status()
    page = screens.open("auditor").page
    page.click("#nav a[href='#/audit']")
    rows = page.locator("main tr[data-seq]")
    # Oldest first: sign-ins are audited too, so the platform's first sign-in opens the log.
    expect(rows.first).to_contain_text("sign_in.succeeded")
    expect(rows.filter(has_text="partner.created").filter(has_text="kfq")).to_have_count(1)
    expect(rows.filter(has_text="sign_in.succeeded").filter(has_text="auditor").first).to_be_visible()
    page.click("#audit-verify")
    expect(page.locator("main .verdict")).to_contain_text("哈希链完整")

    commander = screens.open("commander").page
    expect(commander.locator("#nav a[href='#/partners']")).to_be_visible()
    expect(commander.locator("#nav a[href='#/audit']")).to_have_count(0)
    commander.goto(commander.url.split("#")[0] + "#/audit")
    expect(commander.locator("#nav a[aria-current='page']")).to_have_attribute("href", "#/board/stability")


def test_after_the_connection_is_cut_the_page_reconnects_and_catches_up(
    screens: Screens, platform: Platform, api: httpx.Client
) -> None:
    screen = screens.open("commander")
    page = screen.page
    report(api, title=unique("断线前"))
    expect(page.locator("#feed-list li[data-type='incident.reported']").first).to_be_visible()
    seen = int(page.evaluate("document.documentElement.dataset.lastEventId"))

    # Answer every new stream with 503, as a proxy in front of a restarting gateway would (the
    # browser then gives up on its own reconnection and the page must resume by itself), and
    # restart the gateway: the open stream is cut for real.
    page.route("**/api/v1/stream*", lambda route: route.fulfill(status=503, body="restarting"))
    platform.restart("gateway")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "reconnecting")
    missed = report(api, title=unique("断线期间"))
    streams_before = sum("/api/v1/stream" in url for url in screen.requests)
    page.unroute("**/api/v1/stream*")

    caught = page.locator(f"#feed-list li[data-incident='{missed['id']}'][data-type='incident.reported']")
    expect(caught).to_be_visible(timeout=15_000)
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    assert int(page.evaluate("document.documentElement.dataset.lastEventId")) > seen
    assert sum("/api/v1/stream" in url for url in screen.requests) > streams_before


def test_teams_show_readiness_live_muster_counts_and_drill_mode(
    screens: Screens, platform: Platform, shots: Shots
) -> None:
    team = next(t for t in roster_demo.TEAMS if t.id == "school-guards")
    with platform.client("coordinator") as roster:
        created = roster.post("/api/v1/roster/teams", json=team.body())
        assert created.status_code == 201, created.text
        roster.put(
            f"/api/v1/roster/teams/{team.id}/members.csv",
            content=roster_demo.team_csv(team).encode(),
            headers={"Content-Type": "text/csv"},
        ).raise_for_status()

    page = screens.open("coordinator").page
    page.click("#nav a[href='#/teams']")
    card = page.locator(f"article[data-team-id='{team.id}']")
    expect(card.locator("[data-count=available]")).to_have_text(str(team.size))
    with page.expect_response(
        lambda r: r.url.endswith("/api/v1/roster/callups") and r.request.method == "POST"
    ) as called:
        card.locator("button[data-action=callup]").click()
    call_up = called.value.json()
    muster = page.locator(f"article[data-call-up-id='{call_up['call_up_id']}']")
    expect(muster.locator("[data-count=called]")).to_have_text(str(team.size))
    expect(muster.locator("[data-count=acknowledged]")).to_have_text("0")

    members = [f"{team.prefix}-{n + 1:03d}" for n in range(5)]
    with platform.agency_channel(team.agency) as channel:
        stub = roster_pb2_grpc.AgencyRosterServiceStub(channel)
        roster_demo.wait_for_call_up(stub, call_up["call_up_id"])
        roster_demo.answer(stub, call_up["call_up_id"], members, roster_pb2.RESPONSE_ACKNOWLEDGED)
        roster_demo.answer(stub, call_up["call_up_id"], members[:3], roster_pb2.RESPONSE_ARRIVED)
    expect(muster.locator("[data-count=acknowledged]")).to_have_text("5")
    expect(muster.locator("[data-count=arrived]")).to_have_text("3")
    shots(page, "teams-muster")

    muster.get_by_role("button", name="解除召集").click()
    expect(muster).to_have_count(0)
    expect(page.locator("#drill-banner")).to_be_hidden()
    page.select_option("#scenario", "campus-safety")
    page.click("button[data-action=start-drill]")
    banner = page.locator("#drill-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("演练模式")
    page.click("#nav a[href='#/board/stability']")
    expect(page.locator("main .badge-drill").first).to_have_text("演练")
    shots(page, "drill-banner")


def test_the_partner_inbox_answers_a_request_and_every_request_stayed_on_the_platform(
    screens: Screens, platform: Platform, api: httpx.Client
) -> None:
    api.post("/api/v1/partners", json={"id": "binhai", "name": "滨海公安局"}).raise_for_status()
    key = api.post("/api/v1/partners/binhai/keys", json={}).json()["api_key"]
    due = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    asked = httpx.post(
        f"{platform.config.gateway_url}/partner/v1/aid",
        headers={"X-API-Key": key},
        json={"request_id": "BH-1", "kind": "arrest", "subject": "协助抓捕在逃人员", "due_at": due},
    )
    assert asked.status_code == 201, asked.text
    aid_id = asked.json()["id"]

    page = screens.open("commander").page
    page.click("#nav a[href='#/partners']")
    expect(page.locator("main h1")).to_have_text("协作请求（区域协作网）")
    row = page.locator(f"main tr[data-request-id='{aid_id}']")
    expect(row).to_contain_text("协助抓捕在逃人员")
    row.locator(f"[data-focus-key='aid-{aid_id}-accepted']").click()
    wait_for(
        lambda: api.get("/api/v1/aid-requests", params={"partner": "binhai"}).json()[0]["status"]
        == "accepted",
        timeout=5,
        message="the page's answer reached the platform",
    )
    expect(row.locator(f"[data-focus-key='aid-{aid_id}-in_progress']")).to_be_visible()
    expect(row.locator(f"[data-focus-key='aid-{aid_id}-accepted']")).to_have_count(0)
    page.click("#nav a[href='#/units']")
    expect(page.locator("main tr[data-unit-id]")).to_have_count(17)
    expect(page.locator("main tr[data-unit-id='swat-2']")).to_contain_text("特警二大队应急处置队")

    origin = platform.config.gateway_url
    every = [url for screen in screens.seen for url in screen.requests]
    assert len(every) > 50
    assert [url for url in every if not same_origin(url, origin)] == []
    assert [error for screen in screens.seen for error in screen.errors] == []


def test_an_admin_makes_and_disables_an_account_and_issues_and_revokes_a_partner_key(
    screens: Screens, platform: Platform, api: httpx.Client, shots: Shots
) -> None:
    page = screens.open("admin").page
    page.click("#nav a[href='#/admin']")
    page.fill("#new-username", "duty2")
    page.fill("#new-display_name", "二班值班员")
    page.select_option("#new-role", "operator")
    page.fill("#new-password", "duty2-password")
    page.click("#new-operator button[type=submit]")
    row = page.locator("main tr[data-username='duty2']")
    expect(row).to_contain_text("二班值班员")

    newcomer = screens.open(role=None).page
    sign_in(newcomer, "duty2", "duty2-password")
    expect(newcomer.locator("#nav a[href='#/intake']")).to_be_visible()
    expect(newcomer.locator("#nav a[href='#/admin']")).to_have_count(0)

    row.locator("button[data-action=disable]").click()
    expect(row).to_contain_text("已停用")
    # Without a click: the open live stream ends, its reconnection is refused, and the page
    # returns to the sign-in form.
    expect(newcomer.locator("#username")).to_be_visible(timeout=15_000)

    api.post("/api/v1/partners", json={"id": "keyed", "name": "滨海公安局"}).raise_for_status()
    page.reload()
    partner = page.locator("main tr[data-partner-id='keyed']")
    partner.locator("button[data-action=issue-key]").click()
    issued = page.locator("#issued-key")
    expect(issued).to_contain_text("keyed")
    key = issued.inner_text().rsplit("：", 1)[-1].strip()
    feed = f"{platform.config.gateway_url}/partner/v1/feed"
    assert httpx.get(feed, headers={"X-API-Key": key}).status_code == 200
    partner.locator("button[data-action=revoke]").click()
    expect(partner).to_contain_text("已吊销")
    assert httpx.get(feed, headers={"X-API-Key": key}).status_code == 401
    shots(page, "admin")


def test_an_admin_sees_an_account_locked_by_guessing_and_unlocks_it(
    screens: Screens, platform: Platform, api: httpx.Client
) -> None:
    account = {"username": "guessed", "role": "operator", "password": "guessed-password"}
    api.post("/api/v1/operators", json=account).raise_for_status()
    url = f"{platform.config.gateway_url}/api/v1/auth/sign-in"
    for _ in range(4):
        assert httpx.post(url, json={"username": "guessed", "password": "a-wrong-guess"}).status_code == 401
    locked = httpx.post(url, json={"username": "guessed", "password": "guessed-password"})
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 60

    page = screens.open("admin").page
    page.click("#nav a[href='#/admin']")
    row = page.locator("#sign-in-locks tr[data-kind='account'][data-key='guessed']")
    expect(row).to_contain_text("锁定至")
    expect(row).to_contain_text("4")
    row.locator("button").click()
    expect(row).to_have_count(0)
    assert httpx.post(url, json={"username": "guessed", "password": "guessed-password"}).status_code == 200


def test_an_admin_makes_an_agency_scoped_account_and_sees_why_a_bad_one_is_refused(
    screens: Screens, platform: Platform
) -> None:
    page = screens.open("admin").page
    page.click("#nav a[href='#/admin']")
    admin_row = page.locator("main tr[data-username='admin']")
    expect(admin_row.locator("td.agency")).to_have_text("联合指挥室")
    expect(page.locator("#new-agency-field")).to_be_hidden()
    page.fill("#new-username", "school-duty2")
    page.fill("#new-display_name", "二中值班员")
    page.select_option("#new-role", "agency_operator")
    expect(page.locator("#new-agency-field")).to_be_visible()
    page.select_option("#new-agency", "school")
    page.fill("#new-password", "school-password")
    page.click("#new-operator button[type=submit]")

    row = page.locator("main tr[data-username='school-duty2']")
    expect(row).to_have_attribute("data-agency", "school")
    expect(row.locator("td.agency")).to_have_text("东营区学校")
    # An agency's account changes role only within the agency's roles.
    expect(row.locator("select option")).to_have_text(["单位值班员", "单位值班领导"])
    expect(page.locator("#new-agency-field")).to_be_hidden()
    school = httpx.post(
        f"{platform.config.console_url('school')}/api/v1/auth/sign-in",
        json={"username": "school-duty2", "password": "school-password"},
    )
    assert school.status_code == 200, school.text
    assert school.json()["operator"]["agency"] == "school"

    # What the server refuses is said beside the form, field by field, and the form is kept.
    page.fill("#new-username", "Not A Name")
    page.locator("#new-username").evaluate("input => input.removeAttribute('pattern')")
    page.fill("#new-display_name", "错误示例")
    page.select_option("#new-role", "agency_commander")
    page.select_option("#new-agency", "military")
    page.fill("#new-password", "long-enough-password")
    page.click("#new-operator button[type=submit]")
    error = page.locator("#new-operator-error")
    expect(error).to_contain_text("账号未创建")
    expect(error.locator("li[data-field=username]")).to_contain_text("用户名")
    expect(page.locator("#new-username")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#new-display_name")).to_have_value("错误示例")
    expect(page.locator("main tr[data-username='Not A Name']")).to_have_count(0)

    page.fill("#new-username", "school-duty2")
    page.locator("#new-username").evaluate("input => input.setAttribute('pattern', '[a-z].*')")
    page.click("#new-operator button[type=submit]")
    expect(error).to_contain_text("school-duty2")
    expect(page.locator("#new-username")).not_to_have_attribute("aria-invalid", "true")


def test_the_gateways_api_docs_load_from_the_gateway_alone(screens: Screens, platform: Platform) -> None:
    screen = screens.blank()
    origin = platform.config.gateway_url
    screen.page.goto(origin + "/docs")
    # Swagger UI draws each operation as an .opblock.
    expect(screen.page.locator(".opblock").first).to_be_visible(timeout=20_000)
    assert [url for url in screen.requests if not same_origin(url, origin)] == []
    assert screen.errors == []
    # FastAPI's own ReDoc page, which loads from a CDN, is not served.
    assert httpx.get(origin + "/redoc").status_code == 404


@pytest.mark.parametrize("route", ["#/board/stability", "#/units", "#/teams", "#/partners", "#/bulletins"])
def test_every_text_on_the_main_views_is_readable_by_wcag_aa(
    screens: Screens, platform: Platform, route: str
) -> None:
    page = screens.open("admin").page
    page.goto(f"{platform.config.gateway_url}/{route}")
    expect(page.locator("main h1")).to_be_visible()
    texts = page.evaluate(CONTRASTS)
    assert len(texts) > 10
    assert [(round(ratio, 2), text) for ratio, text in texts if ratio < 4.5] == []


def test_an_operator_signs_in_and_moves_between_views_with_the_keyboard_alone(
    screens: Screens, platform: Platform
) -> None:
    page = screens.open(role=None).page
    username, password = platform.credentials("commander")
    page.locator("#username").focus()
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")

    units = page.locator("#nav a[href='#/units']")
    for _ in range(40):
        page.keyboard.press("Tab")
        if units.evaluate("link => link === document.activeElement"):
            break
    assert units.evaluate("link => link === document.activeElement"), "the units link is reachable by Tab"
    assert units.evaluate("link => getComputedStyle(link).outlineStyle") != "none", "focus is visible"
    page.keyboard.press("Enter")
    expect(page.locator("main tr[data-unit-id]").first).to_be_visible()


def test_the_bulletins_view_generates_a_bulletin_opens_it_printable_and_saves_its_csv(
    screens: Screens, api: httpx.Client, platform: Platform, shots: Shots
) -> None:
    title = unique("简报测试")
    incident = report(api, title=title)
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    page = screens.open("commander", viewport=LAPTOP).page
    page.click("#nav a[href='#/bulletins']")
    expect(page.locator("main h1")).to_have_text("维稳信息简报")
    # The gateway's schedule issued the morning's bulletins when it started.
    expect(page.locator("tr[data-kind=day]", has_text="早间定时编发").first).to_be_visible()
    expect(page.locator("#bulletin-day")).to_have_value(today)

    page.click("#bulletin-generate")
    row = page.locator(f"tr[data-bulletin-id^='district-day-{today}-']").first
    expect(row).to_contain_text("临时生成第")
    assert page.evaluate("document.documentElement.scrollWidth") <= LAPTOP["width"]
    shots(page, "bulletins-zh-1366x768")

    with page.expect_popup() as opened:
        row.locator("[data-action=open]").click()
    printable = opened.value
    expect(printable.locator("h1")).to_contain_text("维稳信息简报（日报）· 东营区")
    expect(printable.locator("table[data-table=incidents_by_category]")).to_contain_text("civil_dispute")
    expect(printable.locator("svg.chart")).to_be_visible()
    with page.expect_download() as saved:
        row.locator("[data-action=csv]").click()
    with zipfile.ZipFile(io.BytesIO(Path(saved.value.path()).read_bytes())) as archive:
        assert "civil_dispute" in archive.read("incidents_by_category.csv").decode("utf-8-sig")

    page.goto(f"{platform.config.gateway_url}/#/incident/{incident['id']}")
    expect(page.locator("#exports")).to_be_visible()
    with page.expect_download() as cap:
        page.click("[data-action=export-cap]")
    assert parse_cap(Path(cap.value.path()).read_bytes()).headline == title
    with page.expect_popup() as briefing:
        page.click("[data-action=export-ics201]")
    expect(briefing.value.locator("h1")).to_contain_text(title)

"""The factor board in the command room at 1366x768, and a responsible person's check-in from a
360x740 phone page, in Debian's Chromium.

Only the gateway and the broker run (factors never leave the gateway), with a fast check-in
sweep, so a watch whose check-in was due an hour ago is raised at once and the board shows it
overdue the way an overdue response clock is shown.
"""

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from infra.platform import Platform
from tests.browser.conftest import LAPTOP, Screens
from tests.conftest import new_platform
from tests.support import dispose_engines, wait_for

PHONE = {"width": 360, "height": 740}


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """This module's own: the gateway and the broker only."""
    platform = new_platform(tmp_path_factory.mktemp("factor-board"), env={"JCP_FACTOR_SWEEP_S": "0.2"})
    platform.config.data_dir.mkdir(parents=True, exist_ok=True)
    platform.start_broker()
    try:
        platform.start_service("gateway")
        wait_for(lambda: answers(f"{platform.config.gateway_url}/healthz"), timeout=60, message="the gateway")
        yield platform
    finally:
        platform.stop()
        dispose_engines()


def answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def watched_factor(api: httpx.Client, description: str, *, due_hours_ago: float) -> dict[str, Any]:
    made = api.post(
        "/api/v1/factors",
        json={
            "category": "petition",
            "level": "II",
            "description": description,
            "location": {"place": "东城某安置小区"},
            "responsible_unit": "东城街道信访办",
            "responsible_person": {"name": "周红", "phone": "13905463333"},
            "parties": [{"name": "陈秀兰", "phone": "13812345678"}],
        },
    )
    assert made.status_code == 201, made.text
    starts = datetime.now(UTC) - timedelta(hours=1 + due_hours_ago)
    watched = api.post(
        f"/api/v1/factors/{made.json()['id']}/watch",
        json={
            "name": "敏感期",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(days=2)).isoformat(),
            "interval_minutes": 60,
        },
    )
    assert watched.status_code == 201, watched.text
    return watched.json()  # type: ignore[no-any-return]


def test_the_factor_board_highlights_an_overdue_check_in_and_a_check_in_clears_it(
    platform: Platform, screens: Screens, shots: Any
) -> None:
    with platform.client("coordinator") as api:
        late = watched_factor(api, "安置户计划赴省上访（逾期）", due_hours_ago=1)
        on_time = watched_factor(api, "安置户情绪平稳（按时）", due_hours_ago=-0.5)
        wait_for(lambda: api.get("/api/v1/factors").json()["overdue"] == 1, timeout=10, message="raised")

    english = screens.open("coordinator", viewport=LAPTOP, lang="en")
    english.page.goto(platform.config.gateway_url + "/#/factors")
    expect(english.page.locator("h1")).to_have_text("Instability factors")
    expect(english.page.locator(f"tr[data-factor-id='{late['id']}'] .overdue-flag")).to_have_text(
        "CHECK-IN OVERDUE"
    )
    # A coordinator works factors but does not turn them into incidents.
    english.page.locator(f"tr[data-factor-id='{late['id']}'] button[data-action=pick]").click()
    expect(english.page.locator("#check-in-form")).to_be_visible()
    expect(english.page.locator("#escalate-form")).to_have_count(0)
    shots(english.page, "factors-en-1366x768")
    assert english.errors == []

    screen = screens.open("commander", viewport=LAPTOP)
    page = screen.page
    page.goto(platform.config.gateway_url + "/#/factors")
    late_row = page.locator(f"tr[data-factor-id='{late['id']}']")
    on_time_row = page.locator(f"tr[data-factor-id='{on_time['id']}']")
    expect(late_row).to_have_class(re.compile(r"\boverdue\b"))
    expect(late_row.locator(".overdue-flag")).to_be_visible()
    expect(late_row.locator(".overdue-flag")).to_contain_text("报到超时")
    expect(on_time_row.locator(".overdue-flag")).to_be_hidden()
    expect(page.locator("[data-stat=overdue] b")).to_have_text("1")
    expect(page.locator("[data-stat=overdue]")).to_have_class(re.compile(r"\balarm\b"))
    # The overdue one first; parties masked on the board.
    expect(page.locator("tbody tr").first).to_have_attribute("data-factor-id", late["id"])
    expect(late_row).to_contain_text("陈**")
    assert page.evaluate("document.documentElement.scrollWidth") <= LAPTOP["width"]
    shots(page, "factors-zh-1366x768")
    page.goto(platform.config.gateway_url + "/#/board/stability")
    expect(page.locator("[data-stat=overdue-check-ins] b")).to_have_text("1")
    page.click("a.stat-link")

    late_row.locator("button[data-action=pick]").click()
    page.fill("#c-status", "已电话联系，安置户在家")
    page.click("button[data-action=check-in]")
    expect(late_row.locator(".overdue-flag")).to_be_hidden()
    expect(page.locator("[data-stat=overdue] b")).to_have_text("0")
    expect(page.locator(".factor-history li[data-action=check_in_missed]")).to_have_count(1)
    expect(page.locator(".factor-history li[data-action=checked_in]")).to_have_count(1)
    page.goto(platform.config.gateway_url + "/#/board/stability")
    expect(page.locator("[data-stat=overdue-check-ins] b")).to_have_text("0")
    assert screen.errors == []


def test_a_commander_names_a_key_person_in_a_factor_which_an_operator_does_not_see(
    platform: Platform, screens: Screens
) -> None:
    with platform.client("commander") as api:
        factor = watched_factor(api, "村民代表约见区领导", due_hours_ago=-0.5)
        person = api.post(
            "/api/v1/key-persons",
            json={
                "name": "高振华",
                "id_number": "370502196505120418",
                "category": "petitioner",
                "responsible_officer": "王警官",
            },
        )
        assert person.status_code == 201, person.text
    person_id = person.json()["id"]

    page = screens.open("commander", viewport=LAPTOP).page
    page.goto(platform.config.gateway_url + "/#/factors")
    page.locator(f"tr[data-factor-id='{factor['id']}'] button[data-action=pick]").click()
    panel = page.locator("#factor-key-persons")
    expect(panel).to_contain_text("本因素未涉及重点人员")
    panel.locator("#k-person").select_option(person_id)
    panel.locator("#k-note").fill("村民代表")
    panel.locator("button[data-action=link-person]").click()
    linked = panel.locator(f"li[data-person-id='{person_id}']")
    expect(linked).to_contain_text("高**")
    expect(linked).to_contain_text("**************0418")
    expect(linked).to_contain_text("村民代表")
    expect(panel).not_to_contain_text("高振华")

    operator = screens.open("operator", viewport=LAPTOP).page
    operator.goto(platform.config.gateway_url + "/#/factors")
    operator.locator(f"tr[data-factor-id='{factor['id']}'] button[data-action=pick]").click()
    expect(operator.locator(f".factor-details[data-factor-id='{factor['id']}']")).to_be_visible()
    expect(operator.locator("#factor-key-persons")).to_have_count(0)


def test_a_responsible_person_checks_in_from_a_phone_sized_page(
    platform: Platform, screens: Screens, shots: Any
) -> None:
    with platform.client("coordinator") as api:
        factor = watched_factor(api, "征地补偿纠纷，村民代表约见", due_hours_ago=-0.5)
        link = api.get(f"/api/v1/factors/{factor['id']}/link").json()

    phone = screens.blank(viewport=PHONE).page
    opened = phone.goto(link["url"])
    assert opened is not None and opened.status == 200
    expect(phone.locator("h1")).to_have_text("不稳定因素报到")
    phone.fill("#status", "村民代表已返回，现场平稳")
    phone.click("button.check-in-send")
    expect(phone.locator(".check-in-done")).to_have_text("报到已记录，谢谢。")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shots(phone, "factor-check-in-zh-360x740")

    with platform.client("coordinator") as api:
        watch = api.get(f"/api/v1/factors/{factor['id']}").json()["watch"]
    assert watch["last_status"] == "村民代表已返回，现场平稳"

    forged = phone.goto(link["url"][:-3] + "abc?lang=en")
    assert forged is not None and forged.status == 401
    expect(phone.locator("h1")).to_have_text("This check-in link is not valid")

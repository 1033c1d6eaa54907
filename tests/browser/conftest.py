"""Fixtures of the browser tests: one real platform per module, Debian's Chromium driven by
Playwright (never a downloaded browser), and signed-in pages that remember every request
they made so a test can prove none left the machine."""

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

from infra.platform import Platform
from kernel.passwords import hash_password
from tests.conftest import running_platform

CHROMIUM = "/usr/bin/chromium"
# Chromium's own background connections are refused on the closed network; keep them off.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WALL = {"width": 1920, "height": 1080}
LAPTOP = {"width": 1366, "height": 768}
# Short enough to watch a clock turn overdue, long enough to acknowledge in time.
ACKNOWLEDGE_S = 8
# Every agency's break-glass account is configured; with the gateway up it is always refused,
# and each refusal is a line of the log its duty commander reads.
BREAK_GLASS_PASSWORD = "glass-2026-pane"
REPO = Path(__file__).resolve().parents[2]

expect.set_options(timeout=10_000)


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    env = {
        "JCP_CLOCK_ACKNOWLEDGE_S": str(ACKNOWLEDGE_S),
        "JCP_CLOCK_ON_SCENE_DAY_S": "900",
        "JCP_CLOCK_ON_SCENE_NIGHT_S": "900",
        "JCP_CLOCK_SWEEP_S": "0.2",
        "JCP_BREAK_GLASS_PASSWORD_HASH": hash_password(BREAK_GLASS_PASSWORD),
        # An account locks at its fourth failure, so a test need not wait out the slowdown.
        "JCP_SIGN_IN_LOCK_AFTER": "4",
    }
    with running_platform(tmp_path_factory.mktemp("browser"), env, with_units=True) as platform:
        yield platform


@pytest.fixture(scope="module")
def api(platform: Platform) -> Iterator[httpx.Client]:
    with platform.client("admin") as client:
        yield client


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@dataclass
class Screen:
    """One operator's browser window: its page and every URL it asked for."""

    context: BrowserContext
    page: Page
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass
class Screens:
    browser: Browser
    platform: Platform
    opened: list[Screen] = field(default_factory=list)
    # Every window of the module's tests, closed or not: what they asked for stays checkable.
    seen: list[Screen] = field(default_factory=list)

    def blank(self, *, viewport: dict[str, int] = WALL, lang: str = "zh") -> Screen:
        """A new browser window that remembers every request it makes and every script error."""
        context = self.browser.new_context(viewport=viewport, locale="zh-CN")
        page = context.new_page()
        screen = Screen(context=context, page=page)
        page.on("request", lambda request: screen.requests.append(request.url))
        page.on("pageerror", lambda error: screen.errors.append(str(error)))
        self.opened.append(screen)
        self.seen.append(screen)
        if lang == "en":
            context.add_init_script("localStorage.setItem('jcp.lang', 'en')")
        return screen

    def open(
        self, role: str | None = "commander", *, viewport: dict[str, int] = WALL, lang: str = "zh"
    ) -> Screen:
        """The command room, signed in with ``role`` (or at its sign-in form)."""
        screen = self.blank(viewport=viewport, lang=lang)
        page = screen.page
        page.goto(self.platform.config.gateway_url + "/")
        if role is not None:
            sign_in(page, *self.platform.credentials(role))
            expect(page.locator("#nav a").first).to_be_visible()
            expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
        return screen


def sign_in(page: Page, username: str, password: str) -> None:
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("form button[type=submit]")


@pytest.fixture(scope="module")
def seen_screens() -> list[Screen]:
    return []


@pytest.fixture
def screens(browser: Browser, platform: Platform, seen_screens: list[Screen]) -> Iterator[Screens]:
    """Windows closed when each test ends: an open page keeps polling, streaming and ticking its
    clocks, and a module's worth of them loads the machine enough to slow the tests after it.
    ``seen`` keeps every window of the module, for the checks that no request left it."""
    opened = Screens(browser=browser, platform=platform, seen=seen_screens)
    yield opened
    for screen in opened.opened:
        screen.context.close()


@pytest.fixture(scope="session")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Page, str], Path]:
    """Saves a screenshot; into docs/screenshots/ when JCP_SCREENSHOTS=1 (to refresh the
    README's pictures), otherwise into a temporary folder so a test run leaves the tree alone."""
    folder = (
        REPO / "docs" / "screenshots"
        if os.environ.get("JCP_SCREENSHOTS") == "1"
        else tmp_path_factory.mktemp("screenshots")
    )
    folder.mkdir(parents=True, exist_ok=True)

    def take(page: Page, name: str) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path))
        assert path.stat().st_size > 10_000, f"{name}.png looks blank"
        return path

    return take


def same_origin(url: str, origin: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    return f"{parts.scheme}://{parts.netloc}" == origin


# Every visible piece of text, with the WCAG 2 contrast ratio of its colour against the first
# opaque background behind it.
CONTRASTS = """
() => {
  const rgb = (value) => (value.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const c = [r, g, b].map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const background = (node) => {
    for (let n = node; n; n = n.parentElement) {
      const c = rgb(getComputedStyle(n).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] === 1)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const found = [];
  for (const node of document.querySelectorAll("body *")) {
    const own = [...node.childNodes].some((c) => c.nodeType === 3 && c.textContent.trim());
    if (!own || !node.checkVisibility()) continue;
    const fg = lum(rgb(getComputedStyle(node).color).slice(0, 3));
    const bg = lum(background(node));
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    found.push([ratio, node.tagName + "." + node.className + ": " + node.textContent.trim().slice(0, 30)]);
  }
  return found;
}
"""


# Every visible element under the elements ``selector`` finds that is cut off sideways: past the
# viewport's left or right edge, or past the edge of an ancestor that clips or scrolls it.
OFF_SCREEN = """
(selector) => {
  const found = [];
  for (const root of document.querySelectorAll(selector)) {
    for (const node of [root, ...root.querySelectorAll("*")]) {
      if (node.tagName === "OPTION" || !node.checkVisibility()) continue;
      const box = node.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) continue;
      let left = 0;
      let right = document.documentElement.clientWidth;
      for (let up = node.parentElement; up; up = up.parentElement) {
        if (getComputedStyle(up).overflowX === "visible") continue;
        const edge = up.getBoundingClientRect();
        left = Math.max(left, edge.left);
        right = Math.min(right, edge.right);
      }
      if (box.left < left - 1 || box.right > right + 1) {
        const at = (a, b) => `[${Math.round(a)}, ${Math.round(b)}]`;
        const text = node.textContent.trim().slice(0, 30);
        const name = `${node.tagName}#${node.id}.${node.className}`;
        found.push(`${name} ${at(box.left, box.right)} in ${at(left, right)}: ${text}`);
      }
    }
  }
  return found;
}
"""

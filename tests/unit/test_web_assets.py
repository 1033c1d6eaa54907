"""Serving pages' files (kernel/web/assets.py), as the gateway and every agency do: exact names
found at start, nothing outside the folder, pages only at their own addresses, and the
same-origin security headers on every answer; and the duty room's pages as an agency serves
them."""

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from fastapi import APIRouter, FastAPI

from kernel.profiles import load as load_profile
from kernel.web import assets
from kernel.web.vocabulary import shared_vocabulary
from services.agency.console import pages


class _Client:
    """Requests straight into the app, no server: the routers are all that is under test."""

    def __init__(self, *routers: APIRouter) -> None:
        self.app = FastAPI()
        for router in routers:
            self.app.include_router(router)

    def get(self, path: str) -> httpx.Response:
        async def get() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://pages") as client:
                return await client.get(path)

        # On a thread of its own: in a full run the browser tests' driver holds this thread's loop.
        with ThreadPoolExecutor(max_workers=1) as thread:
            return thread.submit(asyncio.run, get()).result()


def _folder(folder: Path) -> _Client:
    """A process serving ``folder`` as its page's own files, beside the shared ones."""
    return _Client(assets.folder_router(folder, prefix="/web"), assets.shared_router())


def test_a_folder_serves_its_files_by_exact_name_with_the_security_headers(tmp_path: Path) -> None:
    (tmp_path / "js").mkdir()
    (tmp_path / "js" / "page.js").write_text("export const x = 1;\n")
    answer = _folder(tmp_path).get("/web/js/page.js")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/javascript; charset=utf-8"
    assert "default-src 'self'" in answer.headers["content-security-policy"]
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "no-referrer"


def test_nothing_outside_the_folder_nor_a_page_nor_a_file_added_later_is_served(tmp_path: Path) -> None:
    folder = tmp_path / "static"
    folder.mkdir()
    (folder / "index.html").write_text("<!doctype html>")
    (tmp_path / "secret.txt").write_text("top-secret-words")
    client = _folder(folder)
    (folder / "late.js").write_text("")
    for path in ("/web/index.html", "/web/../secret.txt", "/web/%2e%2e/secret.txt", "/web/late.js", "/web/"):
        answer = client.get(path)
        assert answer.status_code == 404, path
        assert "top-secret-words" not in answer.text


def test_every_process_serves_the_shared_modules_look_and_map(tmp_path: Path) -> None:
    client = _folder(tmp_path)
    for path in ("js/i18n.js", "js/api.js", "app.css", "icon.svg", "map/dongying.json", "i18n/zh.json"):
        answer = client.get(f"{assets.SHARED_PREFIX}/{path}")
        assert answer.status_code == 200, path
        assert "content-security-policy" in answer.headers


def test_the_shared_vocabulary_says_in_which_task_statuses_each_clock_runs() -> None:
    vocabulary = shared_vocabulary()
    assert vocabulary["levels"] == ["I", "II", "III", "IV"]
    assert vocabulary["task_clocks"] == {
        "acknowledge": ["assigned"],
        "on_scene": ["acknowledged", "assigned", "en_route"],
    }
    assert {"id": "oilfield", "name_zh": "胜利油田", "name_en": "Shengli Oil Field"} in vocabulary["agencies"]


def test_an_agency_serves_its_duty_room_and_the_members_page_with_the_shared_modules() -> None:
    client = _Client(pages.router(load_profile("oilfield")))
    console = client.get("/")
    assert console.status_code == 200
    assert '<script type="module" src="/web/js/console.js">' in console.text
    assert "default-src 'self'" in console.headers["content-security-policy"]
    member = client.get("/m/eyJhbGciOi.some.token")
    assert '<script type="module" src="/web/js/member.js">' in member.text
    assert member.headers["cache-control"] == "no-store"
    assert member.headers["referrer-policy"] == "no-referrer"
    vocabulary = client.get("/web/vocabulary.json").json()
    assert vocabulary["agency"] == "oilfield"
    assert vocabulary["task_clocks"]["acknowledge"] == ["assigned"]
    for path in ("/web/js/console.js", "/web/i18n/en.json", "/shared/js/map.js", "/shared/app.css"):
        assert client.get(path).status_code == 200, path
    assert client.get("/web/member.html").status_code == 404

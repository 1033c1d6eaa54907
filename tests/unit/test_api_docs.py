"""The OpenAPI page (kernel/web/api_docs.py) works on a closed network: ``/docs`` names no
other host, and every script, style and icon it loads is served by the process itself. The
console's page is checked over HTTP in tests/integration/test_agency_console.py, and the
gateway's and the console's in Chromium in tests/browser."""

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor

import httpx
from fastapi import FastAPI

from kernel.web import api_docs, assets

# Any address with a host: scheme-relative or absolute.
REMOTE = re.compile(r"""(?:https?:)?//[\w.-]+\.[a-z]{2,}""", re.IGNORECASE)
# What the page loads: src="...", href="..." and Swagger UI's url: '...'.
LOADED = re.compile(r"""(?:src|href)="([^"]+)"|\burl: '([^']+)'""")


def get(app: FastAPI, *paths: str) -> list[httpx.Response]:
    async def fetch() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://docs") as client:
            return [await client.get(path) for path in paths]

    # On a thread of its own: in a full run the browser tests' driver holds this thread's loop.
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, fetch()).result()


def app_with_docs() -> FastAPI:
    app = FastAPI(title="Duty room", docs_url=None, redoc_url=None)
    api_docs.install(app)
    app.include_router(assets.shared_router())
    return app


def loaded(page: str) -> list[str]:
    return [a or b for a, b in LOADED.findall(page)]


def test_the_docs_page_names_no_other_host_and_everything_it_loads_is_served_here() -> None:
    app = app_with_docs()
    [answer] = get(app, "/docs")

    assert answer.status_code == 200
    assert REMOTE.findall(answer.text) == []
    addresses = loaded(answer.text)
    assert "/openapi.json" in addresses
    assert any(address.endswith(".js") for address in addresses)
    for address, file in zip(addresses, get(app, *addresses), strict=True):
        assert address.startswith("/"), address
        assert file.status_code == 200, address
        assert file.content, address


def test_swagger_ui_asks_no_online_validator() -> None:
    [answer] = get(app_with_docs(), "/docs")
    assert '"validatorUrl": null' in answer.text


def test_the_check_would_catch_fastapis_own_pages_which_load_from_a_cdn() -> None:
    for page in ("/docs", "/redoc"):
        [default] = get(FastAPI(), page)
        assert REMOTE.findall(default.text), page
    [redoc] = get(app_with_docs(), "/redoc")
    assert redoc.status_code == 404

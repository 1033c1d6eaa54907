"""The duty room's page and its files, and the console's health check.

The page is plain files under ``static/`` (``index.html`` at ``/``, the member's phone page
``member.html`` at ``/m/<token>``, everything else under ``/static/``), so it needs no build
step, like the command-room page.
"""

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).with_name("static")
# A member's token is in the page's address: it must not leak to other sites or stay in caches.
PRIVATE = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}

router = APIRouter(include_in_schema=False)


@router.get("/")
def duty_room() -> FileResponse:
    return FileResponse(STATIC / "index.html", media_type="text/html", headers={"Cache-Control": "no-cache"})


@router.get("/m/{token}")
def member_page(token: str) -> FileResponse:
    """The page reads and answers through ``/api/v1/m/<token>``, which judges the link."""
    return FileResponse(STATIC / "member.html", media_type="text/html", headers=PRIVATE)


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


def mount(app: FastAPI) -> None:
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

"""The duty room's pages, served by the agency process beside its console API: ``/`` is the
console, ``/m/<token>`` a member's phone page, ``/web/`` what only these pages use and
``/shared/`` the look and modules they share with the command room (``kernel/web/``); and the
console's health check.

The pages hold no data of their own: they read the console API on this same origin, so a duty
room works while the gateway or the broker is down.
"""

from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse, JSONResponse

from kernel.profiles import AgencyProfile
from kernel.web import assets
from kernel.web.vocabulary import shared_vocabulary

STATIC = Path(__file__).resolve().parent / "static"


def router(profile: AgencyProfile) -> APIRouter:
    """The pages of ``profile``'s duty room."""
    pages = APIRouter(include_in_schema=False)

    @pages.get("/")
    def console() -> FileResponse:
        """The console; it signs in and reads everything else from the API."""
        return assets.page(STATIC / "index.html")

    @pages.get("/m/{token}")
    def member(token: str) -> FileResponse:
        """A member's personal call-up link: the page reads the token from its own address,
        and the API, not this route, judges it."""
        return assets.page(STATIC / "member.html", private=True)

    @pages.get("/web/vocabulary.json")
    def vocabulary() -> JSONResponse:
        """The platform's shared names, and which agency this duty room belongs to, so the
        page can name it before anyone signs in."""
        body: dict[str, Any] = {**shared_vocabulary(), "agency": profile.id}
        return JSONResponse(body, headers={"Cache-Control": "no-cache"})

    @pages.get("/healthz")
    def healthz() -> dict[str, str]:
        """Liveness: the launcher and the tests wait for it before they use the console."""
        return {"status": "ok"}

    pages.include_router(assets.folder_router(STATIC, prefix="/web"))
    pages.include_router(assets.shared_router())
    return pages


def mount(app: FastAPI, profile: AgencyProfile) -> None:
    app.include_router(router(profile))

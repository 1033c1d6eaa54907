"""The command-room page: served by the gateway itself, every asset from this folder.

The page is plain HTML, CSS and ES modules (no build step). Only the files present when the
gateway starts are served, by exact name, so a request can never reach outside ``static/``.
The Content-Security-Policy limits the page to this origin: a script or stylesheet that tried
to load anything from another host would be refused by the browser, as a closed network needs.
"""

import mimetypes
from pathlib import Path
from typing import Any, get_args

from fastapi import APIRouter
from fastapi.responses import FileResponse, JSONResponse, Response

from gateway.context import Context
from gateway.incidents import lifecycle
from gateway.incidents.models import Level
from kernel.catalog import AGENCIES, CATEGORIES
from kernel.profiles import load as load_profile

STATIC = Path(__file__).resolve().parent / "static"

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".svg": "image/svg+xml",
    ".html": "text/html; charset=utf-8",
}

router = APIRouter(include_in_schema=False)


def _assets() -> dict[str, Path]:
    return {
        path.relative_to(STATIC).as_posix(): path
        for path in STATIC.rglob("*")
        if path.is_file() and path.name != "index.html"
    }


ASSETS = _assets()


def _media_type(path: Path) -> str:
    return MEDIA_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


@router.get("/")
def command_room() -> FileResponse:
    """The page; it signs in and reads everything else from the API."""
    return FileResponse(
        STATIC / "index.html",
        media_type=MEDIA_TYPES[".html"],
        headers={**SECURITY_HEADERS, "Cache-Control": "no-cache"},
    )


@router.get("/web/vocabulary.json")
def vocabulary(ctx: Context) -> JSONResponse:
    """The names the page shows for agencies, categories, centers and unit capabilities, and
    which incident status may follow which: from the platform's own catalogue, profiles,
    routing rules and lifecycle, so the page keeps no second copy that could drift."""
    profiles = [load_profile(agency) for agency in AGENCIES]
    body: dict[str, Any] = {
        "agencies": [{"id": p.id, "name_zh": p.name_zh, "name_en": p.name_en} for p in profiles],
        "categories": [
            {"id": c.code, "name_zh": c.name_zh, "name_en": c.name_en} for c in CATEGORIES.values()
        ],
        "centers": [
            {"id": c.id, "name_zh": c.name_zh, "name_en": c.name_en} for c in ctx.rules.centers.values()
        ],
        "capabilities": sorted({c for p in profiles for unit in p.units for c in unit.capabilities}),
        "levels": list(get_args(Level)),
        "incident_next": lifecycle.NEXT,
    }
    return JSONResponse(body, headers={"Cache-Control": "no-cache"})


@router.get("/web/{asset:path}")
def static_asset(asset: str) -> Response:
    path = ASSETS.get(asset)
    if path is None:
        return JSONResponse(status_code=404, content={"error": "notfound", "message": f"no asset {asset!r}"})
    return FileResponse(
        path, media_type=_media_type(path), headers={**SECURITY_HEADERS, "Cache-Control": "no-cache"}
    )

"""The command-room page, served by the gateway: ``/`` is the page, ``/web/`` holds what only
the command room uses, and ``/shared/`` the look and modules it shares with the agencies' duty
rooms (``kernel/web/``); both are served by the rules in ``kernel.web.assets``."""

from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import FileResponse, JSONResponse

from gateway.context import Context
from gateway.incidents import lifecycle
from kernel.web import assets
from kernel.web.vocabulary import shared_vocabulary

STATIC = Path(__file__).resolve().parent / "static"

router = APIRouter(include_in_schema=False)


@router.get("/")
def command_room() -> FileResponse:
    """The page; it signs in and reads everything else from the API."""
    return assets.page(STATIC / "index.html")


@router.get("/web/vocabulary.json")
def vocabulary(ctx: Context) -> JSONResponse:
    """The platform's shared names, and what only the gateway knows: its centers (from the
    routing rules), which incident status may follow which, and the district's time zone (a
    bulletin's day is the district's, whatever the browser's)."""
    body: dict[str, Any] = {
        **shared_vocabulary(),
        "centers": [
            {"id": c.id, "name_zh": c.name_zh, "name_en": c.name_en} for c in ctx.rules.centers.values()
        ],
        "incident_next": lifecycle.NEXT,
        "timezone": ctx.settings.clock_timezone,
    }
    return JSONResponse(body, headers={"Cache-Control": "no-cache"})


router.include_router(assets.folder_router(STATIC, prefix="/web"))
router.include_router(assets.shared_router())

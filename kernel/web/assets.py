"""Serving a page's files: the command room (gateway) and the agencies' duty rooms share one
look and one set of ES modules, so the rules for serving them are written once, here.

Only the files present when the process starts are served, by exact name, so a request can
never reach outside its folder. Pages (``*.html``) are not assets: each is served at its own
address by the process that owns it. Every response carries a Content-Security-Policy that
limits the page to its own origin: a script or stylesheet that tried to load anything from
another host would be refused by the browser, as a closed network needs. No build step: the
files go out as they are in the repository.
"""

import mimetypes
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, JSONResponse, Response

SHARED = Path(__file__).resolve().parent / "static"
# Where the shared files are served in every process: pages import them as /shared/js/...
SHARED_PREFIX = "/shared"

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    # A member's personal link carries its token in the path; no page may pass it on.
    "Referrer-Policy": "no-referrer",
    # Pages change with every deployment and there is no build step to fingerprint names.
    "Cache-Control": "no-cache",
}
MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".svg": "image/svg+xml",
    ".html": "text/html; charset=utf-8",
}


def media_type(path: Path) -> str:
    return MEDIA_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def page(path: Path, *, private: bool = False) -> FileResponse:
    """An HTML page with the security headers; it reads everything else from its own origin.
    A ``private`` page (its address is a credential, as a member's personal link is) is kept in
    no cache at all."""
    headers = {**SECURITY_HEADERS, "Cache-Control": "no-store"} if private else SECURITY_HEADERS
    return FileResponse(path, media_type=MEDIA_TYPES[".html"], headers=headers)


def files_of(folder: Path) -> dict[str, Path]:
    """The assets of ``folder`` by their path inside it, pages left out."""
    return {
        path.relative_to(folder).as_posix(): path
        for path in folder.rglob("*")
        if path.is_file() and path.suffix != ".html"
    }


def folder_router(folder: Path, *, prefix: str) -> APIRouter:
    """``<prefix>/<asset>`` for each asset of ``folder`` found now; anything else is a 404."""
    assets = files_of(folder)
    router = APIRouter(include_in_schema=False)

    @router.get(prefix + "/{asset:path}")
    def asset(asset: str) -> Response:
        path = assets.get(asset)
        if path is None:
            missing = {"error": "notfound", "message": f"no asset {asset!r}"}
            return JSONResponse(status_code=404, content=missing)
        return FileResponse(path, media_type=media_type(path), headers=SECURITY_HEADERS)

    return router


def shared_router() -> APIRouter:
    """The look and the modules every page shares, at ``/shared/``."""
    return folder_router(SHARED, prefix=SHARED_PREFIX)

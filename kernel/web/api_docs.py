"""The OpenAPI page of every process that serves HTTP (the gateway, each agency's console):
``/docs`` (Swagger UI), with every script, style and icon it loads served by the process itself.

FastAPI's own pages load Swagger UI and ReDoc from a CDN and the favicon from FastAPI's site;
on the closed network the platform runs on, none of that answers and the pages stay blank. The
files come from the ``fastapi-offline`` package (pinned in requirements.txt, so ``make install``
brings them; no build step), served by the same rules as the pages' own assets
(``assets.folder_router``). Swagger UI's online validator, which would send the document's
address to another host, is turned off. There is no ``/redoc``: ReDoc draws its maker's logo
from another host, and ``/docs`` with ``/openapi.json`` say the same.
"""

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

from kernel.web import assets

DOCS_ASSETS = Path(fastapi_offline.__file__).resolve().parent / "static"
# Where the processes serve them.
DOCS_ASSETS_PREFIX = "/docs-assets"
ICON = f"{assets.SHARED_PREFIX}/icon.svg"


def install(app: FastAPI) -> None:
    """``/docs`` for ``app``, built with ``docs_url=None, redoc_url=None``."""
    assert app.docs_url is None and app.redoc_url is None, "FastAPI's own pages load from a CDN"
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{DOCS_ASSETS_PREFIX}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS_PREFIX}/swagger-ui.css",
            swagger_favicon_url=ICON,
            swagger_ui_parameters={"validatorUrl": None},
        )

    app.include_router(assets.folder_router(DOCS_ASSETS, prefix=DOCS_ASSETS_PREFIX))

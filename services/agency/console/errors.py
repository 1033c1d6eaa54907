"""Refusals on the console's door, in one shape: the kernel's errors and bad bodies as every
HTTP door maps them (``kernel/http_errors.py``), and Starlette's own refusals (no such path, a
wrong method) turned into the same ``{"error", "message"}`` body, so the duty room's page and
the members' phones read every refusal alike.
"""

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from kernel import http_errors


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    code = {404: "notfound", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return JSONResponse(
        status_code=exc.status_code, content={"error": code, "message": str(exc.detail)}, headers=exc.headers
    )


def install(app: FastAPI) -> None:
    http_errors.install(app)
    app.add_exception_handler(HTTPException, _http_error)

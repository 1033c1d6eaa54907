"""The kernel's error vocabulary on an HTTP door, mapped once for every process that serves
HTTP (the gateway, each agency's console): a status per error, and one body shape,
``{"error": code, "message": text, ...details}``, so a page or a program acts on any refusal
alike. A bad body names every bad field.
"""

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from kernel.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Gone,
    Invalid,
    NotFound,
    TooLarge,
    TooMany,
    Unauthorized,
    Unavailable,
)

STATUS: dict[type[DomainError], int] = {
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    Gone: 410,
    TooLarge: 413,
    Invalid: 422,
    TooMany: 429,
    Unavailable: 503,
}


def _field_name(location: tuple[object, ...]) -> str:
    parts = [str(part) for part in location]
    if parts and parts[0] in ("body", "query", "header", "path"):
        parts = parts[1:] or parts
    return ".".join(parts)


async def validation_failed(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    fields = [{"field": _field_name(tuple(error["loc"])), "message": error["msg"]} for error in exc.errors()]
    names = ", ".join(sorted({item["field"] for item in fields}))
    return JSONResponse(
        status_code=422,
        content={"error": "validation_failed", "message": f"invalid fields: {names}", "fields": fields},
    )


async def domain_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    headers = {}
    if isinstance(exc, Unauthorized):
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(exc, TooMany):
        headers["Retry-After"] = str(exc.retry_after_s)
    return JSONResponse(
        status_code=STATUS.get(type(exc), 400),
        content={"error": type(exc).__name__.lower(), "message": exc.message, **exc.details},
        headers=headers,
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, validation_failed)
    app.add_exception_handler(DomainError, domain_error)

"""Reading back the break-glass account's log, and writing a line to it for every request made
with a break-glass session.

A request is logged after it is answered, so the line says what came of it (its status),
refusals included; it is written in a transaction of its own, since the routes own theirs.
Anything that presents a token claiming to be a break-glass session is logged, genuine or not.
"""

from collections.abc import Awaitable, Callable
from datetime import datetime

from fastapi import APIRouter, FastAPI, Query, Request, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from kernel.db import transaction
from services.agency.console import break_glass
from services.agency.console.context import ConsoleContext, Context
from services.agency.console.sessions import client_address
from services.agency.console.staff import Auditing, presented_token

router = APIRouter(prefix="/api/v1/break-glass", tags=["break-glass"])


class BreakGlassEntryRead(BaseModel):
    id: int
    at: datetime
    action: str
    method: str
    path: str
    status: int | None
    client: str
    detail: str


@router.get("/log", response_model=list[BreakGlassEntryRead])
def read_log(
    context: Context, _staff: Auditing, limit: int = Query(200, ge=1, le=1000)
) -> list[BreakGlassEntryRead]:
    with context.session_factory() as session:
        return [
            BreakGlassEntryRead.model_validate(entry, from_attributes=True)
            for entry in break_glass.entries(session=session, limit=limit)
        ]


def _record_request(context: ConsoleContext, request: Request, status: int) -> None:
    with transaction(context.session_factory) as session:
        break_glass.record(
            session=session,
            at=context.clock(),
            action=break_glass.Action.REQUEST,
            method=request.method,
            path=request.url.path,
            client=client_address(request),
            status=status,
        )


def install(app: FastAPI) -> None:
    """Logs every request made with a break-glass session (nothing when the account is off)."""

    @app.middleware("http")
    async def log_break_glass_requests(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        context: ConsoleContext = request.app.state.console
        if context.break_glass is not None:
            token = presented_token(request, context.profile.id)
            if token and context.break_glass.issued(token):
                await run_in_threadpool(_record_request, context, request, response.status_code)
        return response

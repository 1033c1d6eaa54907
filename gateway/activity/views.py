"""The incident timeline and the live stream (Server-Sent Events, resumable by Last-Event-ID)."""

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from gateway.activity import service
from gateway.activity.models import ActivityRead
from gateway.auth import service as auth
from gateway.auth.deps import SignedIn, signed_in
from gateway.centers.models import CenterId
from gateway.context import Context, ReadSession
from gateway.incidents import service as incidents
from kernel.db import MAX_BIGINT

router = APIRouter(prefix="/api/v1", tags=["activity"])

POLL_S = 0.2
HEARTBEAT_S = 15.0
# How often an open stream asks whether its operator may still see it.
RECHECK_S = 5.0


@router.get("/incidents/{incident_id}/timeline", response_model=list[ActivityRead])
def incident_timeline(incident_id: str, session: ReadSession) -> list[ActivityRead]:
    """Every action on one incident, oldest first: who, what and when."""
    incidents.get(session=session, incident_id=incident_id)
    return [ActivityRead.from_row(row) for row in service.timeline(session=session, incident_id=incident_id)]


def _frame(item: ActivityRead) -> str:
    return f"id: {item.id}\nevent: {item.kind}.{item.action}\ndata: {item.model_dump_json()}\n\n"


@router.get(
    "/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "Server-Sent Events"}},
)
async def stream(
    request: Request,
    ctx: Context,
    who: Annotated[SignedIn, Depends(signed_in)],
    center: Annotated[CenterId | None, Query(description="Only this center's changes")] = None,
    last_event_id: Annotated[int | None, Header(ge=0, le=MAX_BIGINT)] = None,
    after: Annotated[int | None, Query(ge=0, le=MAX_BIGINT, description="Resume after this event id")] = None,
) -> StreamingResponse:
    """Every incident, task, unit, clock and routing change as it commits. A client that
    reconnects with Last-Event-ID (or ``after``) gets everything it missed, in order. The
    stream ends within RECHECK_S of its operator's account being disabled."""
    start = last_event_id if last_event_id is not None else after

    def read(last: int) -> list[ActivityRead]:
        with ctx.session_factory() as session:
            return [
                ActivityRead.from_row(row)
                for row in service.after(session=session, last_id=last, center=center)
            ]

    def newest() -> int:
        with ctx.session_factory() as session:
            return service.newest_id(session=session)

    def still_enabled() -> bool:
        with ctx.session_factory() as session:
            return auth.enabled(session=session, username=who.username)

    async def events() -> AsyncIterator[str]:
        last = start if start is not None else await run_in_threadpool(newest)
        yield f"retry: 1000\n: stream from {last}\n\n"
        idle = 0.0
        checked = time.monotonic()
        while not await request.is_disconnected():
            if time.monotonic() - checked >= RECHECK_S:
                if not await run_in_threadpool(still_enabled):
                    return
                checked = time.monotonic()
            items = await run_in_threadpool(read, last)
            for item in items:
                yield _frame(item)
                last = item.id
            if items:
                idle = 0.0
                continue
            await asyncio.sleep(POLL_S)
            idle += POLL_S
            if idle >= HEARTBEAT_S:
                idle = 0.0
                yield ": heartbeat\n\n"

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )

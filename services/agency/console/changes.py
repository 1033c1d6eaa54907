"""The duty room's live signal: a Server-Sent Events stream that says "something changed" as soon
as the agency's database commits a change (a task arriving from the command room, a member's
answer, a colleague's report), so an open console reads its view again at once instead of on
its next poll.

The signal carries no data: the page reads its own API, which already applies the reader's
permissions and the agency's words. Commits that write only the bus's bookkeeping (an event
taken and found to be none of this agency's business) are not changes anyone sees, so they stay
quiet.
"""

import time
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from kernel.bus.inbox import ProcessedEvent
from kernel.bus.outbox import OutboxRecord
from kernel.change_signal import ChangeSignal
from services.agency.console.context import Context
from services.agency.console.staff import SignedIn

router = APIRouter(prefix="/api/v1", tags=["changes"])

_CHANGED = "jcp.console.changed"
_BOOKKEEPING = (OutboxRecord, ProcessedEvent)
HEARTBEAT_S = 15.0
# A stream ends after this long and the browser opens a new one, which checks the session again.
STREAM_S = 600.0


def install(factory: sessionmaker[Session]) -> ChangeSignal:
    """Hooks the signal into every session of the agency's database."""
    changes = ChangeSignal()

    def noted(session: Session, _context: object, _instances: object) -> None:
        rows = [*session.new, *session.dirty, *session.deleted]
        if any(not isinstance(row, _BOOKKEEPING) for row in rows):
            session.info[_CHANGED] = True

    def committed(session: Session) -> None:
        if session.info.pop(_CHANGED, False):
            changes.notify()

    def rolled_back(session: Session) -> None:
        if not session.in_transaction():
            session.info.pop(_CHANGED, None)

    event.listen(factory, "before_flush", noted)
    event.listen(factory, "after_commit", committed)
    event.listen(factory, "after_soft_rollback", lambda session, _previous: rolled_back(session))
    return changes


@router.get(
    "/changes",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "Server-Sent Events"}},
)
async def changes_stream(request: Request, context: Context, _staff: SignedIn) -> StreamingResponse:
    """``event: changed`` whenever the agency's data changes; read your view again. A comment
    every 15 s keeps proxies from closing an idle stream; the stream ends after ten minutes and
    the browser reconnects, showing its session again."""
    changes = context.changes

    async def frames() -> AsyncIterator[str]:
        seen = changes.generation
        yield f"retry: 1000\n: changes from {seen}\n\n"
        ends = time.monotonic() + STREAM_S
        while time.monotonic() < ends and not await request.is_disconnected():
            now = await changes.changed(seen, HEARTBEAT_S)
            if now == seen:
                yield ": heartbeat\n\n"
                continue
            seen = now
            yield f"event: changed\ndata: {now}\n\n"

    return StreamingResponse(
        frames(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )

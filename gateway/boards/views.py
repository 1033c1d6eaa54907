"""HTTP route of the centers' boards."""

from fastapi import APIRouter

from gateway.boards import service
from gateway.boards.models import Board
from gateway.centers.models import CenterId
from gateway.context import Context, ReadSession

router = APIRouter(prefix="/api/v1", tags=["boards"])


@router.get("/centers/{center}/board", response_model=Board)
def center_board(center: CenterId, session: ReadSession, ctx: Context) -> Board:
    """Open incidents of one center, most severe first, with their tasks per agency, the
    clocks remaining and the assigned units' status."""
    return service.board(session=session, center=center, rules=ctx.rules, clock=ctx.clock)

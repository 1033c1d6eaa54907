"""HTTP routes of the bulletins: the archive, one bulletin as a printable page or CSV, and a
bulletin on demand."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.exc import IntegrityError

from gateway.auth.deps import Command
from gateway.bulletins import periods, service
from gateway.bulletins.models import BulletinCreate, BulletinRead, PeriodKind, Scope
from gateway.bulletins.render import PRINTABLE_HEADERS
from gateway.context import Context, ReadSession
from kernel.db import transaction
from kernel.errors import Conflict

# Requests for the same period at once all take its next edition; each one that loses counts
# again and takes the one after (one more attempt than commanders plausibly click at once).
ATTEMPTS = 5

router = APIRouter(prefix="/api/v1/bulletins", tags=["bulletins"])


def _attachment(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{filename}"'}


@router.get("", response_model=list[BulletinRead])
def list_bulletins(
    session: ReadSession,
    scope: Scope | None = None,
    kind: PeriodKind | None = None,
    since: Annotated[date | None, Query(description="Periods starting on or after this day")] = None,
    until: Annotated[date | None, Query(description="Periods starting on or before this day")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[BulletinRead]:
    """The archive, newest period first."""
    rows = service.search(session=session, scope=scope, kind=kind, since=since, until=until, limit=limit)
    return [BulletinRead.from_row(row) for row in rows]


@router.post("", status_code=201, response_model=BulletinRead)
def generate(data: BulletinCreate, ctx: Context, actor: Command) -> BulletinRead:
    """A bulletin now, for the day, week, month or year holding ``day``; archived as a new edition.
    A period with nothing in it gives an empty bulletin."""
    period = periods.period(
        scope=data.scope, kind=data.kind, day=data.day, timezone=ctx.settings.clock_timezone
    )
    for _attempt in range(ATTEMPTS):
        try:
            with transaction(ctx.session_factory) as session:
                row = service.generate(
                    session=session, period=period, rules=ctx.rules, actor=actor, clock=ctx.clock
                )
                return BulletinRead.from_row(row)
        except IntegrityError:
            continue
    raise Conflict("other bulletins of this period were being generated at the same moment; try again")


@router.get("/{bulletin_id}", response_model=BulletinRead)
def get_bulletin(bulletin_id: str, session: ReadSession) -> BulletinRead:
    return BulletinRead.from_row(service.get(session=session, bulletin_id=bulletin_id))


@router.get("/{bulletin_id}/html", response_class=HTMLResponse)
def bulletin_page(bulletin_id: str, session: ReadSession, download: bool = False) -> HTMLResponse:
    """The printable page as it was issued; ``download`` asks the browser to save it."""
    row = service.get(session=session, bulletin_id=bulletin_id)
    saved = _attachment(f"bulletin-{row.id}.html") if download else {}
    return HTMLResponse(row.html, headers={**PRINTABLE_HEADERS, **saved})


@router.get(
    "/{bulletin_id}/csv", response_class=Response, responses={200: {"content": {"application/zip": {}}}}
)
def bulletin_csv(bulletin_id: str, session: ReadSession) -> Response:
    """Every table of the bulletin, one CSV each (UTF-8), in one zip, as it was issued."""
    row = service.get(session=session, bulletin_id=bulletin_id)
    return Response(row.csv_zip, media_type="application/zip", headers=_attachment(f"bulletin-{row.id}.zip"))


@router.get(
    "/{bulletin_id}/tables/{table}.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
def bulletin_table(bulletin_id: str, table: str, session: ReadSession) -> Response:
    body = service.table_csv(session=session, bulletin_id=bulletin_id, table=table)
    return Response(
        body, media_type="text/csv; charset=utf-8", headers=_attachment(f"bulletin-{bulletin_id}-{table}.csv")
    )

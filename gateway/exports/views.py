"""HTTP routes of the exports: each answers a download (``Content-Disposition: attachment``)
the page offers as one click."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, JSONResponse, Response

from gateway.bulletins import periods
from gateway.bulletins import service as bulletins
from gateway.bulletins.models import PeriodKind, Scope
from gateway.bulletins.render import PRINTABLE_HEADERS
from gateway.context import Context, ReadSession
from gateway.exports import ics, service

router = APIRouter(prefix="/api/v1", tags=["exports"])


def _attachment(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{filename}"'}


def _printable(page: str, filename: str, *, download: bool) -> HTMLResponse:
    """A printable page, opened in the browser or, with ``download``, saved as ``filename``."""
    return HTMLResponse(page, headers={**PRINTABLE_HEADERS, **(_attachment(filename) if download else {})})


@router.get(
    "/incidents/{incident_id}/export/cap",
    response_class=Response,
    responses={200: {"content": {"application/cap+xml": {}}}},
)
def incident_cap(incident_id: str, session: ReadSession) -> Response:
    """The incident as an OASIS CAP 1.2 alert, as partners receive it but unmasked."""
    body = service.incident_cap(session=session, incident_id=incident_id)
    return Response(
        body, media_type="application/cap+xml", headers=_attachment(f"incident-{incident_id}.cap.xml")
    )


@router.get("/incidents/{incident_id}/export/eidd")
def incident_eidd(incident_id: str, session: ReadSession, ctx: Context) -> JSONResponse:
    """The incident as a NENA EIDD-style JSON document, with its tasks and whole timeline."""
    document = service.incident_eidd(session=session, incident_id=incident_id, now=ctx.clock())
    return JSONResponse(document, headers=_attachment(f"incident-{incident_id}.eidd.json"))


@router.get("/incidents/{incident_id}/export/ics-201", response_class=HTMLResponse)
def incident_briefing(
    incident_id: str, session: ReadSession, ctx: Context, download: bool = False
) -> HTMLResponse:
    """An ICS-201-style incident briefing, a printable page: situation, position, objectives,
    organisation, resources and the actions so far."""
    now = ctx.clock()
    facts = service.briefing(session=session, incident_id=incident_id, rules=ctx.rules, now=now)
    page = ics.briefing_html(facts, timezone=ctx.settings.clock_timezone, prepared_at=now)
    return _printable(page, f"incident-{incident_id}-ics201.html", download=download)


@router.get("/exports/ics-209", response_class=HTMLResponse)
def status_summary(
    session: ReadSession,
    ctx: Context,
    day: Annotated[date, Query(description="Any day inside the period")],
    scope: Scope = "district",
    kind: PeriodKind = "day",
    download: bool = False,
) -> HTMLResponse:
    """An ICS-209-style status summary of a period, a printable page: incidents open and
    closed, by level, resources committed, clock breaches, the incidents still open."""
    now = ctx.clock()
    period = periods.period(scope=scope, kind=kind, day=day, timezone=ctx.settings.clock_timezone)
    page = ics.summary_html(
        service.status_summary(session=session, period=period),
        period=period,
        scope_name=bulletins.scope_name(rules=ctx.rules, scope=scope),
        prepared_at=now,
    )
    filename = f"ics209-{scope}-{kind}-{period.first.isoformat()}.html"
    return _printable(page, filename, download=download)

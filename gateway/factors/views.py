"""HTTP routes of the instability-factor register, and the responsible person's check-in page.

The API is under ``/api/v1/factors`` (viewing needs view; changing, watching, checking in and
handing out links need factors; turning a factor into an incident needs command, as any
dispatch does). The check-in page (``/f/{factor_id}/{token}``) needs no account: the signed
link is the credential, and a link that is forged, expired or another factor's gets a page
saying so, with its 4xx status.
"""

from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic_core import to_json

from gateway.auth.deps import Command, Factors, SignedIn, signed_in
from gateway.auth.roles import Permission, allows
from gateway.centers.models import CenterId
from gateway.context import Context, ReadSession
from gateway.factors import checkin_page, flows, service
from gateway.factors.models import (
    CheckInCreate,
    CheckInLink,
    Escalation,
    FactorBoard,
    FactorCreate,
    FactorEventRead,
    FactorRead,
    FactorStatus,
    FactorUpdate,
    OverdueCount,
    StatusChange,
    WatchCreate,
)
from gateway.incidents.models import IncidentRead
from kernel.db import transaction
from kernel.errors import DomainError

router = APIRouter(prefix="/api/v1/factors", tags=["factors"])
page = APIRouter(include_in_schema=False)

Reader = Annotated[SignedIn, Depends(signed_in)]
MAX_FORM_BYTES = 8192


def _masked(who: SignedIn) -> bool:
    """Parties' personal data is shown whole only to those who work factors."""
    return not allows(who.role, Permission.FACTORS)


@router.get("", response_model=FactorBoard)
def factor_board(
    session: ReadSession,
    ctx: Context,
    center: CenterId | None = None,
    status: Annotated[FactorStatus | None, Query(description="Default: every open factor")] = None,
    overdue: Annotated[bool, Query(description="Only watches whose check-in is past due")] = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    """The factor board: overdue check-ins first. Parties are masked in every list. Written
    out as the service built it: the page reads hundreds of factors every few seconds, and
    validating each would cost more than reading it."""
    board = service.board(
        session=session,
        now=ctx.clock(),
        center=center,
        status=status,
        overdue_only=overdue,
        limit=limit,
        offset=offset,
    )
    return Response(to_json(board), media_type="application/json")


@router.get("/overdue", response_model=OverdueCount)
def overdue_count(session: ReadSession, ctx: Context, center: CenterId | None = None) -> OverdueCount:
    """How many watched factors' check-ins are past due: what a center's board shows."""
    return OverdueCount(
        center=center, overdue=service.overdue_count(session=session, center=center, now=ctx.clock())
    )


@router.post("", status_code=201, response_model=FactorRead)
def register_factor(data: FactorCreate, ctx: Context, actor: Factors) -> FactorRead:
    with transaction(ctx.session_factory) as session:
        row = service.create(session=session, data=data, actor=actor, clock=ctx.clock)
        return service.read(row, None, masked=False, now=ctx.clock())


@router.get("/{factor_id}", response_model=FactorRead)
def get_factor(factor_id: str, session: ReadSession, ctx: Context, who: Reader) -> FactorRead:
    """One factor, its parties unmasked for those who work factors."""
    return service.detail(session=session, factor_id=factor_id, masked=_masked(who), now=ctx.clock())


@router.patch("/{factor_id}", response_model=FactorRead)
def update_factor(factor_id: str, changes: FactorUpdate, ctx: Context, actor: Factors) -> FactorRead:
    with transaction(ctx.session_factory) as session:
        service.update(session=session, factor_id=factor_id, changes=changes, actor=actor, clock=ctx.clock)
        return service.detail(session=session, factor_id=factor_id, masked=False, now=ctx.clock())


@router.post("/{factor_id}/status", response_model=FactorRead)
def change_status(factor_id: str, change: StatusChange, ctx: Context, actor: Factors) -> FactorRead:
    with transaction(ctx.session_factory) as session:
        service.change_status(
            session=session, factor_id=factor_id, change=change, actor=actor, clock=ctx.clock
        )
        return service.detail(session=session, factor_id=factor_id, masked=False, now=ctx.clock())


@router.post(
    "/{factor_id}/watch",
    status_code=201,
    response_model=FactorRead,
    responses={422: {"description": "The factor has no responsible person (names the field)"}},
)
def start_watch(factor_id: str, data: WatchCreate, ctx: Context, actor: Factors) -> FactorRead:
    """Watch the factor for a sensitive period; its responsible person checks in every interval."""
    with transaction(ctx.session_factory) as session:
        service.start_watch(session=session, factor_id=factor_id, data=data, actor=actor, clock=ctx.clock)
        return service.detail(session=session, factor_id=factor_id, masked=False, now=ctx.clock())


@router.post("/{factor_id}/watch/end", response_model=FactorRead)
def end_watch(factor_id: str, ctx: Context, actor: Factors) -> FactorRead:
    with transaction(ctx.session_factory) as session:
        service.end_watch(session=session, factor_id=factor_id, actor=actor, clock=ctx.clock)
        return service.detail(session=session, factor_id=factor_id, masked=False, now=ctx.clock())


@router.post("/{factor_id}/check-ins", status_code=201, response_model=FactorRead)
def check_in(factor_id: str, data: CheckInCreate, ctx: Context, actor: Factors) -> FactorRead:
    """A check-in taken in the command room (the person rang in, or is in the room)."""
    with transaction(ctx.session_factory) as session:
        service.check_in(
            session=session, factor_id=factor_id, data=data, actor=actor, via="command_room", clock=ctx.clock
        )
        return service.detail(session=session, factor_id=factor_id, masked=False, now=ctx.clock())


@router.get("/{factor_id}/link", response_model=CheckInLink)
def check_in_link(factor_id: str, request: Request, ctx: Context, actor: Factors) -> CheckInLink:
    """The responsible person's personal link for the factor's current watch, good until the
    watch's period ends: a credential, so handed out only to those who work factors, and each
    handing out is in the audit log."""
    with transaction(ctx.session_factory) as session:
        return service.issue_link(
            session=session,
            factor_id=factor_id,
            links=ctx.factor_links,
            base_url=str(request.base_url),
            actor=actor,
            now=ctx.clock(),
        )


@router.get("/{factor_id}/history", response_model=list[FactorEventRead])
def factor_history(factor_id: str, session: ReadSession) -> list[FactorEventRead]:
    """Every change of the factor, oldest first: who, when, what."""
    return [
        FactorEventRead.model_validate(row) for row in service.history(session=session, factor_id=factor_id)
    ]


@router.post("/{factor_id}/escalate", status_code=201, response_model=IncidentRead)
def escalate(factor_id: str, data: Escalation, ctx: Context, actor: Command) -> IncidentRead:
    """The factor becomes an incident in one step: reported, announced to every agency, handled
    by the factor's center; the factor names the incident and the incident's timeline the factor."""
    with transaction(ctx.session_factory) as session:
        _, incident = flows.escalate(
            session=session, factor_id=factor_id, data=data, actor=actor, rules=ctx.rules, clock=ctx.clock
        )
        return IncidentRead.from_row(incident)


# -- the responsible person's phone page ----------------------------------------------------


@page.get("/f/{factor_id}/{token}", response_class=HTMLResponse)
def check_in_page(
    factor_id: str, token: str, ctx: Context, lang: str | None = None, done: bool = False
) -> HTMLResponse:
    language = checkin_page.language(lang)
    try:
        link = ctx.factor_links.read(token, factor_id=factor_id, now=ctx.clock())
        with ctx.session_factory() as session:
            factor = service.for_link(
                session=session, factor_id=factor_id, watch_id=link.watch_id, now=ctx.clock()
            )
    except DomainError as refusal:
        return checkin_page.refused(refusal, lang=language)
    return checkin_page.form(factor, link, lang=language, done=done)


async def _form_status(request: Request) -> str:
    """The form's one field, read by hand: the page posts a plain urlencoded form."""
    body = (await request.body())[:MAX_FORM_BYTES].decode("utf-8", errors="replace")
    return parse_qs(body).get("status", [""])[0].strip()[:500]


@page.post("/f/{factor_id}/{token}", response_class=HTMLResponse, response_model=None)
def check_in_from_link(
    factor_id: str,
    token: str,
    ctx: Context,
    status: Annotated[str, Depends(_form_status)],
    lang: str | None = None,
) -> HTMLResponse | RedirectResponse:
    """The form's answer; after it, the page again (post, redirect, get), saying it was recorded."""
    language = checkin_page.language(lang)
    try:
        link = ctx.factor_links.read(token, factor_id=factor_id, now=ctx.clock())
        with transaction(ctx.session_factory) as session:
            service.check_in_by_link(
                session=session, factor_id=factor_id, watch_id=link.watch_id, status=status, clock=ctx.clock
            )
    except DomainError as refusal:
        return checkin_page.refused(refusal, lang=language)
    return RedirectResponse(f"/f/{factor_id}/{token}?done=true&lang={language}", status_code=303)

"""The partner API (``/partner/v1``): what neighbouring bureaus' systems call.

Every read and write is written to the audit log with the partner as actor. An incident the
agreement does not share answers 404, exactly like one that does not exist.
"""

from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Query, Request, Response
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from gateway.activity import service as activity
from gateway.activity.models import ActivityRead
from gateway.audit import service as audit
from gateway.context import Context, GatewayContext
from gateway.dispatch import service as dispatch
from gateway.incidents.models import IncidentRead
from gateway.partners.access import credentials
from gateway.partners.access.credentials import Caller
from gateway.partners.access.deps import AidReader, AidWriter, CaseWriter, FeedReader, IncidentReader
from gateway.partners.formats import SENDER, cap, eidd
from gateway.partners.inbound import aid, cases
from gateway.partners.models import (
    AidRead,
    AidStatusChange,
    CaseAccepted,
    CaseShare,
    FeedPage,
    Partner,
    PartnerAidCreate,
    TokenIssued,
)
from gateway.partners.outbound import changes
from gateway.partners.outbound.sharing import shared_view
from kernel.db import MAX_BIGINT, transaction
from kernel.errors import Forbidden, Invalid, NotFound, Unauthorized
from kernel.incidents.models import IncidentRow

router = APIRouter(prefix="/partner/v1", tags=["partner"])

CAP_TYPES = ("application/cap+xml", "application/xml", "text/xml")


def _record(ctx: GatewayContext, who: Caller, action: str, subject: str, detail: dict[str, Any]) -> None:
    with transaction(ctx.session_factory) as session:
        audit.append(
            session=session, actor=who.actor, action=action, subject=subject, at=ctx.clock(), detail=detail
        )


@router.post(
    "/token",
    response_model=TokenIssued,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "required": ["grant_type", "client_id", "client_secret"],
                        "properties": {
                            "grant_type": {"type": "string", "enum": ["client_credentials"]},
                            "client_id": {"type": "string"},
                            "client_secret": {"type": "string"},
                            "scope": {"type": "string"},
                        },
                    }
                }
            },
        }
    },
    responses={400: {"description": "RFC 6749 error"}, 401: {"description": "invalid_client"}},
)
async def token(request: Request, ctx: Context) -> Response:
    """OAuth2 client credentials (RFC 6749 section 4.4): a 15-minute bearer token."""
    form = {
        key: values[0] for key, values in parse_qs((await request.body()).decode(errors="replace")).items()
    }
    if form.get("grant_type") != "client_credentials":
        return JSONResponse(
            {"error": "unsupported_grant_type", "message": "use grant_type=client_credentials"}, 400
        )
    client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
    if not client_id or not secret:
        return JSONResponse(
            {"error": "invalid_request", "message": "client_id and client_secret are required"}, 400
        )

    def issue() -> Response:
        now = ctx.clock()
        with ctx.session_factory() as session:
            try:
                key = credentials.check_secret(session=session, client_id=client_id, secret=secret)
            except Unauthorized as exc:
                return JSONResponse(
                    {"error": "invalid_client", "message": exc.message},
                    401,
                    headers={"WWW-Authenticate": "Basic"},
                )
            try:
                token, granted = credentials.issue_token(ctx.signer, key, form.get("scope"), now)
            except Forbidden as exc:
                return JSONResponse({"error": "invalid_scope", "message": exc.message}, 400)
            partner_id = key.partner_id
        with transaction(ctx.session_factory) as session:
            audit.append(
                session=session,
                actor=f"partner:{partner_id}",
                action="token.issued",
                subject=f"key:{client_id}",
                at=now,
                detail={"scope": granted},
            )
        issued = TokenIssued(
            access_token=token, expires_in=int(credentials.TOKEN_TTL.total_seconds()), scope=" ".join(granted)
        )
        return JSONResponse(issued.model_dump(), headers={"Cache-Control": "no-store"})

    return await run_in_threadpool(issue)


@router.get("/feed", response_model=FeedPage)
def feed(
    who: FeedReader,
    ctx: Context,
    cursor: Annotated[
        int, Query(ge=0, le=MAX_BIGINT, description="next_cursor of the previous page; 0 from the start")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> FeedPage:
    """Changes this partner's agreement shares, oldest first, already redacted. Reading again
    from the same cursor gives the same items with the same ids."""
    with ctx.session_factory() as session:
        partner = session.get_one(Partner, who.partner_id)
        items, next_cursor = changes.read(session=session, partner=partner, after=cursor, limit=limit)
    _record(
        ctx,
        who,
        "feed.read",
        "feed",
        {"cursor": cursor, "next_cursor": next_cursor, "items": [item.id for item in items]},
    )
    return FeedPage(items=items, next_cursor=next_cursor)


def _shared_incident(ctx: GatewayContext, who: Caller, incident_id: str) -> dict[str, Any]:
    with ctx.session_factory() as session:
        partner = session.get_one(Partner, who.partner_id)
        row = session.get(IncidentRow, incident_id)
        view = None
        if row is not None:
            view = shared_view(partner, "incident", None, IncidentRead.from_row(row).model_dump(mode="json"))
    if view is None:
        raise NotFound(f"no incident {incident_id} shared with {who.partner_id}")
    return view


@router.get(
    "/incidents/{incident_id}",
    responses={
        200: {
            "content": {"application/json": {}, "application/cap+xml": {}},
            "description": "JSON by default; CAP 1.2 when the Accept header asks for it",
        }
    },
)
def incident(incident_id: str, request: Request, who: IncidentReader, ctx: Context) -> Response:
    view = _shared_incident(ctx, who, incident_id)
    as_cap = any(kind in request.headers.get("accept", "") for kind in CAP_TYPES)
    _record(
        ctx,
        who,
        "incident.read",
        f"incident:{incident_id}",
        {"format": "cap" if as_cap else "json", "version": view.get("version")},
    )
    if as_cap:
        return Response(cap.incident_to_cap(view, sender=SENDER), media_type="application/cap+xml")
    return JSONResponse(view)


@router.get("/incidents/{incident_id}/eidd")
def incident_eidd(incident_id: str, who: IncidentReader, ctx: Context) -> dict[str, Any]:
    """The incident as a NENA EIDD-style document, with its timeline and tasks."""
    view = _shared_incident(ctx, who, incident_id)
    with ctx.session_factory() as session:
        timeline = [
            ActivityRead.from_row(row).model_dump(mode="json")
            for row in activity.timeline(session=session, incident_id=incident_id)
            if row.kind != "aid"
        ]
        tasks = [
            task.model_dump(mode="json")
            for task in dispatch.incident_tasks(session=session, incident_id=incident_id, now=ctx.clock())
        ]
    _record(
        ctx,
        who,
        "incident.read",
        f"incident:{incident_id}",
        {"format": "eidd", "version": view.get("version")},
    )
    return eidd.incident_to_eidd(view, timeline=timeline, tasks=tasks, sender=SENDER)


def _store_case(ctx: GatewayContext, who: Caller, case: CaseShare, response: Response) -> CaseAccepted:
    now = ctx.clock()
    with transaction(ctx.session_factory) as session:
        accepted = cases.share(session=session, partner_id=who.partner_id, case=case, now=now)
        audit.append(
            session=session,
            actor=who.actor,
            action="case.shared",
            subject=f"incident:{accepted.incident_id}",
            at=now,
            detail={"case_id": case.case_id, "created": accepted.created},
        )
    if not accepted.created:
        response.status_code = 200
    return accepted


@router.post(
    "/cases",
    status_code=201,
    response_model=CaseAccepted,
    responses={200: {"description": "Sent before: the same incident"}},
)
def share_case(case: CaseShare, response: Response, who: CaseWriter, ctx: Context) -> CaseAccepted:
    """A partner shares a case: it becomes an incident with the partner as its source, routed to
    a center. The same case id again changes nothing and answers 200 with the same incident."""
    return _store_case(ctx, who, case, response)


@router.post(
    "/cases/cap",
    status_code=201,
    response_model=CaseAccepted,
    openapi_extra={
        "requestBody": {"required": True, "content": {"application/cap+xml": {"schema": {"type": "string"}}}}
    },
    responses={
        200: {"description": "Sent before: the same incident"},
        422: {"description": "Not a valid CAP 1.2 alert; ``element`` names the offending element"},
    },
)
async def share_cap_alert(
    request: Request, response: Response, who: CaseWriter, ctx: Context
) -> CaseAccepted:
    """A case as an OASIS CAP 1.2 alert, checked against the CAP 1.2 schema. Its identifier and
    sender make the case id."""
    body = await request.body()
    try:
        alert = await run_in_threadpool(cap.parse_cap, body)
        case = cases.from_cap(alert)
    except cap.CapError as exc:
        raise Invalid(exc.message, element=exc.element) from None
    except ValidationError as exc:
        problem = exc.errors()[0]
        raise Invalid(f"the alert does not make a case: {problem['msg']}", element="info") from None
    return await run_in_threadpool(_store_case, ctx, who, case, response)


@router.get("/aid", response_model=list[AidRead])
def list_aid(who: AidReader, ctx: Context) -> list[AidRead]:
    """Mutual-aid requests between this partner and us, both directions."""
    with ctx.session_factory() as session:
        items = aid.listing(session=session, now=ctx.clock(), partner_id=who.partner_id)
    _record(ctx, who, "aid.read", "aid", {"count": len(items)})
    return items


@router.post("/aid", status_code=201, response_model=AidRead, responses={200: {"description": "Sent before"}})
def request_aid(body: PartnerAidCreate, response: Response, who: AidWriter, ctx: Context) -> AidRead:
    """Ask us for investigation or arrest assistance, or support in a sudden mass incident."""
    now = ctx.clock()
    with transaction(ctx.session_factory) as session:
        created, new = aid.create(
            session=session,
            partner_id=who.partner_id,
            direction="inbound",
            data=body,
            partner_ref=body.request_id,
            actor=who.actor,
            now=now,
        )
        audit.append(
            session=session,
            actor=who.actor,
            action="aid.requested",
            subject=f"aid:{created.id}",
            at=now,
            detail={"kind": body.kind, "request_id": body.request_id, "created": new},
        )
    if not new:
        response.status_code = 200
    return created


@router.get("/aid/{aid_id}", response_model=AidRead)
def get_aid(aid_id: str, who: AidReader, ctx: Context) -> AidRead:
    with ctx.session_factory() as session:
        found = aid.get(session=session, aid_id=aid_id, now=ctx.clock(), partner_id=who.partner_id)
    _record(ctx, who, "aid.read", f"aid:{aid_id}", {})
    return found


@router.post("/aid/{aid_id}/status", response_model=AidRead)
def answer_aid(aid_id: str, change: AidStatusChange, who: AidWriter, ctx: Context) -> AidRead:
    """Answer a request we sent: accepted or declined, then in progress, then completed."""
    now = ctx.clock()
    with transaction(ctx.session_factory) as session:
        changed = aid.change_status(
            session=session,
            aid_id=aid_id,
            answering_side="partner",
            change=change,
            actor=who.actor,
            now=now,
            partner_id=who.partner_id,
        )
        audit.append(
            session=session,
            actor=who.actor,
            action="aid.answered",
            subject=f"aid:{aid_id}",
            at=now,
            detail={"status": change.status, "note": change.note},
        )
    return changed


def openapi_document(title: str, version: str) -> dict[str, Any]:
    """The partner API alone, for partners' developers and their code generators."""
    document = get_openapi(
        title=f"{title}: partner API",
        version=version,
        routes=router.routes,
        description="For neighbouring bureaus. Authenticate with POST /partner/v1/token or X-API-Key.",
    )
    document.setdefault("components", {})["securitySchemes"] = {
        "bearer": {"type": "http", "scheme": "bearer"},
        "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
    }
    document["security"] = [{"bearer": []}, {"apiKey": []}]
    return document

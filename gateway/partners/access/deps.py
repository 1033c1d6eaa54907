"""Who a partner request speaks for, and whether it may: credentials, scope and rate, checked
before any handler runs."""

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from gateway.auth.deps import bearer
from gateway.context import Context
from gateway.partners.access import credentials
from gateway.partners.access.credentials import Caller
from gateway.partners.models import Scope
from kernel import metrics
from kernel.errors import Forbidden, TooMany, Unauthorized


def caller(request: Request, ctx: Context) -> Caller:
    api_key = request.headers.get("x-api-key")
    token = bearer(request)
    try:
        with ctx.session_factory() as session:
            if api_key:
                who = credentials.from_api_key(session=session, api_key=api_key)
            elif token:
                who = credentials.from_token(session=session, signer=ctx.signer, token=token, now=ctx.clock())
            else:
                raise Unauthorized("send a bearer token (POST /partner/v1/token) or an X-API-Key")
    except Unauthorized:
        metrics.PARTNER_REQUESTS.labels("unknown", "unauthorized").inc()
        raise
    try:
        ctx.limiter.take(who.partner_id)
    except TooMany:
        metrics.PARTNER_REQUESTS.labels(who.partner_id, "limited").inc()
        raise
    return who


def scoped(scope: Scope) -> Callable[..., Caller]:
    def check(who: Annotated[Caller, Depends(caller)]) -> Caller:
        if scope not in who.scopes:
            metrics.PARTNER_REQUESTS.labels(who.partner_id, "forbidden").inc()
            raise Forbidden(f"this credential lacks the scope {scope}", scope=scope)
        metrics.PARTNER_REQUESTS.labels(who.partner_id, "served").inc()
        return who

    return check


FeedReader = Annotated[Caller, Depends(scoped("feed:read"))]
IncidentReader = Annotated[Caller, Depends(scoped("incidents:read"))]
CaseWriter = Annotated[Caller, Depends(scoped("cases:write"))]
AidReader = Annotated[Caller, Depends(scoped("aid:read"))]
AidWriter = Annotated[Caller, Depends(scoped("aid:write"))]

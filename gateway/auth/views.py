"""Sign-in, and the administrators' list of operator accounts."""

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from gateway.auth import service
from gateway.auth.deps import COOKIE, Admin, SignedIn, signed_in
from gateway.auth.models import (
    OperatorAccount,
    OperatorChange,
    OperatorCreate,
    OperatorRead,
    SessionRead,
    SignIn,
)
from gateway.context import Context, ReadSession

router = APIRouter(prefix="/api/v1", tags=["auth"])


@router.post("/auth/sign-in", response_model=SessionRead)
def sign_in(body: SignIn, response: Response, ctx: Context, session: ReadSession) -> SessionRead:
    """A token for programs, and the same token as an HttpOnly cookie for the page."""
    opened = service.sign_in(
        session=session, signer=ctx.signer, username=body.username, password=body.password, now=ctx.clock()
    )
    response.set_cookie(
        COOKIE,
        opened.token,
        max_age=int(service.SESSION_TTL.total_seconds()),
        httponly=True,
        samesite="strict",
        path="/",
    )
    return opened


@router.post("/auth/sign-out", status_code=204)
def sign_out(response: Response) -> Response:
    response.delete_cookie(COOKIE, path="/")
    response.status_code = 204
    return response


@router.get("/auth/me", response_model=OperatorRead)
def me(who: Annotated[SignedIn, Depends(signed_in)], session: ReadSession) -> OperatorRead:
    row = session.get(OperatorAccount, who.username)
    assert row is not None
    return OperatorRead.from_row(row)


@router.get("/operators", response_model=list[OperatorRead])
def list_operators(_admin: Admin, session: ReadSession) -> list[OperatorRead]:
    return service.list_operators(session=session)


@router.post("/operators", status_code=201, response_model=OperatorRead)
def create_operator(body: OperatorCreate, _admin: Admin, ctx: Context) -> OperatorRead:
    return service.create(ctx.session_factory, body, ctx.clock())


@router.patch("/operators/{username}", response_model=OperatorRead)
def change_operator(username: str, body: OperatorChange, _admin: Admin, ctx: Context) -> OperatorRead:
    """Disabling an account refuses its next request, whatever its token says."""
    return service.change(ctx.session_factory, username, body)

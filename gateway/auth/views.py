"""Sign-in, the published token keys and their rotation, and the administrators' list of
operator accounts."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from gateway.auth import lockout, service
from gateway.auth.deps import COOKIE, Admin, SignedIn, signed_in
from gateway.auth.models import (
    KeyRotated,
    OperatorAccount,
    OperatorChange,
    OperatorCreate,
    OperatorRead,
    SessionRead,
    SignIn,
    SignInLockRead,
)
from gateway.context import Context, ReadSession

router = APIRouter(prefix="/api/v1", tags=["auth"])
# Open to anyone: agencies (and anyone checking a token) read the public keys here.
published = APIRouter(tags=["auth"])


@published.get("/.well-known/jwks.json")
def jwks(ctx: Context) -> dict[str, Any]:
    """Every public key a live token may be signed with (JWKS, ES256, by kid)."""
    return ctx.signer.jwks


@router.post("/auth/keys/rotate", response_model=KeyRotated)
def rotate_key(_admin: Admin, ctx: Context) -> KeyRotated:
    """A new key signs from now on; tokens signed by the old one stay good until they expire."""
    return KeyRotated(kid=ctx.signer.rotate(), published=[key["kid"] for key in ctx.signer.jwks["keys"]])


@router.post(
    "/auth/sign-in",
    response_model=SessionRead,
    responses={429: {"description": "too many failed sign-ins for the account or the address"}},
)
def sign_in(body: SignIn, request: Request, response: Response, ctx: Context) -> SessionRead:
    """A token for programs, and the same token as an HttpOnly cookie for the page. Failed
    attempts slow the account and the client address down and then lock them (429 with
    Retry-After); an administrator can unlock."""
    opened = service.sign_in(
        factory=ctx.session_factory,
        signer=ctx.signer,
        username=body.username,
        password=body.password,
        address=request.client.host if request.client else "unknown",
        now=ctx.clock(),
        policy=ctx.sign_in_policy,
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


@router.get("/sign-in-locks", response_model=list[SignInLockRead])
def sign_in_locks(_admin: Admin, ctx: Context, session: ReadSession) -> list[SignInLockRead]:
    """Accounts and client addresses whose failed sign-ins still count, locked ones first."""
    return lockout.active(session=session, now=ctx.clock(), policy=ctx.sign_in_policy)


@router.delete("/sign-in-locks/{kind}/{key}", status_code=204)
def unlock(kind: str, key: str, admin: Admin, ctx: Context) -> Response:
    """Forgives an account's (``kind`` account) or a client address's failed sign-ins now."""
    service.unlock(factory=ctx.session_factory, kind=kind, key=key, actor=admin, now=ctx.clock())
    return Response(status_code=204)


@router.get("/operators", response_model=list[OperatorRead])
def list_operators(_admin: Admin, session: ReadSession) -> list[OperatorRead]:
    return service.list_operators(session=session)


@router.post("/operators", status_code=201, response_model=OperatorRead)
def create_operator(body: OperatorCreate, _admin: Admin, ctx: Context) -> OperatorRead:
    return service.create(ctx.session_factory, body, ctx.clock(), allow_demo=ctx.settings.allow_demo_password)


@router.patch("/operators/{username}", response_model=OperatorRead)
def change_operator(username: str, body: OperatorChange, _admin: Admin, ctx: Context) -> OperatorRead:
    """Disabling an account refuses its next request, whatever its token says."""
    return service.change(ctx.session_factory, username, body, allow_demo=ctx.settings.allow_demo_password)

"""Signing in at the duty room: the gateway checks the password (accounts live there), the
console checks the token it gets back with the gateway's published keys and admits only its own
agency's staff, then keeps the token in an HttpOnly cookie for the page.

Signing in is the one thing that needs the gateway; when it cannot be reached the console says
so (503), and whoever is already signed in keeps working. The one exception is the agency's
break-glass account (``break_glass.py``), when configured: it signs in here, and only while the
gateway cannot be reached; each attempt is logged in the agency's database.
"""

import httpx
from fastapi import APIRouter, Request, Response

from kernel.db import transaction
from kernel.errors import DomainError, Forbidden, TooMany, Unauthorized, Unavailable
from services.agency.console import break_glass
from services.agency.console.break_glass import BreakGlass
from services.agency.console.context import ConsoleContext, Context
from services.agency.console.schemas import SessionRead, SignIn, StaffRead
from services.agency.console.staff import SignedIn, Staff, admit, cookie_name, verify

router = APIRouter(prefix="/api/v1/auth", tags=["sign-in"])

_TIMEOUT_S = 5.0


def staff_read(staff: Staff) -> StaffRead:
    return StaffRead(
        username=staff.username,
        role=staff.operator.role,
        agency=staff.operator.agency or "",
        permissions=sorted(staff.permissions),
    )


def _gateway_message(answer: httpx.Response) -> str:
    try:
        body = answer.json()
    except ValueError:
        return answer.text[:200]
    return str(body.get("message") or body.get("detail") or "") if isinstance(body, dict) else ""


def _refusal(answer: httpx.Response, gateway: str) -> DomainError:
    message = _gateway_message(answer)
    if answer.status_code == 401:
        return Unauthorized(message or "wrong user name or password")
    if answer.status_code == 403:
        return Forbidden(message or "the gateway refused this account")
    if answer.status_code == 429:
        return TooMany(
            message or "too many sign-ins", retry_after_s=int(answer.headers.get("retry-after", "5"))
        )
    return Unavailable(f"the gateway at {gateway} could not sign you in ({answer.status_code}): {message}")


def ask_gateway(context: ConsoleContext, body: SignIn) -> str:
    """The gateway's token for these credentials."""
    gateway = context.gateway_url.rstrip("/")
    try:
        answer = httpx.post(f"{gateway}/api/v1/auth/sign-in", json=body.model_dump(), timeout=_TIMEOUT_S)
    except httpx.HTTPError as exc:
        raise Unavailable(
            f"the gateway at {gateway} cannot be reached, so nobody can sign in now "
            f"({exc.__class__.__name__}); whoever is signed in keeps working",
            gateway=gateway,
        ) from None
    if answer.status_code != 200:
        raise _refusal(answer, gateway)
    token = answer.json().get("token")
    if not isinstance(token, str):
        raise Unavailable(f"the gateway at {gateway} signed you in but sent no token")
    return token


def client_address(request: Request) -> str:
    return request.client.host if request.client else ""


def break_the_glass(context: ConsoleContext, glass: BreakGlass, body: SignIn, request: Request) -> str:
    """A local session for the break-glass account, only while the gateway cannot be reached;
    the attempt is logged whatever its outcome, in its own transaction since it changes nothing
    else."""
    now = context.clock()
    refusal: DomainError | None = None
    if context.links.check_gateway():
        refusal = Forbidden(
            f"the gateway at {context.gateway_url} can be reached: sign in with your own account; "
            f"{glass.username} is only for when the gateway cannot be reached"
        )
    elif not glass.password_ok(body.password):
        refusal = Unauthorized("wrong user name or password")
    with transaction(context.session_factory) as session:
        break_glass.record(
            session=session,
            at=now,
            action=break_glass.Action.REFUSED if refusal else break_glass.Action.SIGNED_IN,
            method=request.method,
            path=request.url.path,
            client=client_address(request),
            detail=str(refusal) if refusal else "the gateway cannot be reached",
        )
    if refusal is not None:
        raise refusal
    token, _ = glass.token(now=now)
    return token


def _session_token(context: ConsoleContext, body: SignIn, request: Request) -> str:
    glass = context.break_glass
    if glass is not None and body.username == glass.username:
        return break_the_glass(context, glass, body, request)
    return ask_gateway(context, body)


@router.post("/sign-in", response_model=SessionRead)
def sign_in(body: SignIn, request: Request, response: Response, context: Context) -> SessionRead:
    token = _session_token(context, body, request)
    operator, expires_at = verify(context, token)
    staff = admit(operator, context.profile)
    response.set_cookie(
        cookie_name(context.profile.id),
        token,
        max_age=max(0, int((expires_at - context.clock()).total_seconds())),
        httponly=True,
        samesite="strict",
        path="/",
    )
    return SessionRead(token=token, expires_at=expires_at, operator=staff_read(staff))


@router.post("/sign-out", status_code=204)
def sign_out(response: Response, context: Context) -> Response:
    response.delete_cookie(cookie_name(context.profile.id), path="/", httponly=True, samesite="strict")
    response.status_code = 204
    return response


@router.get("/me", response_model=StaffRead)
def me(staff: SignedIn) -> StaffRead:
    return staff_read(staff)

"""Signing in at the duty room: the gateway checks the password (accounts live there), the
console checks the token it gets back with the gateway's published keys and admits only its own
agency's staff, then keeps the token in an HttpOnly cookie for the page.

Signing in is the one thing that needs the gateway; when it cannot be reached the console says
so (503), and whoever is already signed in keeps working.
"""

import httpx
from fastapi import APIRouter, Response

from kernel.errors import DomainError, Forbidden, TooMany, Unauthorized, Unavailable
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


@router.post("/sign-in", response_model=SessionRead)
def sign_in(body: SignIn, response: Response, context: Context) -> SessionRead:
    token = ask_gateway(context, body)
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

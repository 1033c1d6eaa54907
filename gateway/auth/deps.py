"""The checks every ``/api/v1`` route runs: who is signed in, and whether the role allows it.

Operators sign in once; the page keeps the token in an HttpOnly cookie (``EventSource`` cannot
send headers), programs send ``Authorization: Bearer``.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from gateway.auth import service
from gateway.auth.roles import Permission, allows
from gateway.context import Context
from kernel.errors import Forbidden, Unauthorized

COOKIE = "jcp_session"


@dataclass(frozen=True)
class SignedIn:
    username: str
    role: str


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def signed_in(request: Request, ctx: Context) -> SignedIn:
    """Checked once per request: FastAPI shares this dependency's answer between the router's
    view check and the route's own permission."""
    token = bearer(request) or request.cookies.get(COOKIE)
    if not token:
        raise Unauthorized("sign in first")
    with ctx.session_factory() as session:
        row = service.signed_in(session=session, signer=ctx.signer, token=token, now=ctx.clock())
        return SignedIn(username=row.username, role=row.role)


def require(permission: Permission) -> Callable[..., SignedIn]:
    def check(who: Annotated[SignedIn, Depends(signed_in)]) -> SignedIn:
        if not allows(who.role, permission):
            raise Forbidden(f"role {who.role} may not {permission.value}", permission=permission.value)
        return who

    return check


def _actor(permission: Permission) -> Callable[..., str]:
    def name(who: Annotated[SignedIn, Depends(require(permission))]) -> str:
        return who.username

    return name


# The acting operator's name, for the timeline, once the role is checked.
Intake = Annotated[str, Depends(_actor(Permission.INTAKE))]
Command = Annotated[str, Depends(_actor(Permission.COMMAND))]
Roster = Annotated[str, Depends(_actor(Permission.ROSTER))]
Factors = Annotated[str, Depends(_actor(Permission.FACTORS))]
Audit = Annotated[str, Depends(_actor(Permission.AUDIT))]
Admin = Annotated[str, Depends(_actor(Permission.ADMIN))]
KeyPersons = Annotated[str, Depends(_actor(Permission.KEY_PERSONS))]
Viewer = Depends(require(Permission.VIEW))

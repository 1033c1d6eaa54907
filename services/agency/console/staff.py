"""Who is at the duty room's console, and what they may do.

Accounts live at the gateway; the console never asks it whether a token is good. It checks the
signature with the gateway's published keys (kept beside the agency's database), so staff keep
working while the gateway is down. A token comes as ``Authorization: Bearer`` (programs) or as
the page's HttpOnly, SameSite=Strict cookie. The cookie's name carries the agency: browsers
share cookies between ports of one host, and the four consoles of the embedded default are
four ports of 127.0.0.1.

When the gateway cannot be reached and the agency has configured it, its break-glass account's
locally signed session is taken too (``break_glass.py``); it is a commander's.

Only the agency's own staff get in: no token, or a forged or expired one, is 401; a good token
of another agency, or of a command-room role, is 403. Declining a task sent by the command room
is a commander's call; everything else on the console is every duty officer's work.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

from fastapi import Depends, Request

from kernel.errors import Forbidden, Unauthorized
from kernel.identity import AGENCY_ROLES, OPERATOR_AUDIENCE, BadToken, Operator
from kernel.profiles import AgencyProfile
from services.agency.console.context import ConsoleContext, Context

COOKIE = "jcp_agency_session"


def cookie_name(agency: str) -> str:
    return f"{COOKIE}_{agency}"


class Permission(StrEnum):
    VIEW = "view"
    # Acknowledge a task, set out, report on scene, complete it.
    ANSWER = "answer"
    # Hand a task back to the command room.
    DECLINE = "decline"
    # A unit's status and position.
    UNITS = "units"
    # Report an incident.
    REPORT = "report"
    # Call-ups: the muster board and members' personal links.
    MUSTER = "muster"
    # Read the break-glass account's log.
    AUDIT = "audit"


PERMISSIONS: dict[str, frozenset[Permission]] = {
    "agency_operator": frozenset(Permission) - {Permission.DECLINE, Permission.AUDIT},
    "agency_commander": frozenset(Permission),
}
assert PERMISSIONS.keys() == AGENCY_ROLES


@dataclass(frozen=True)
class Staff:
    operator: Operator
    permissions: frozenset[Permission]

    @property
    def username(self) -> str:
        return self.operator.username


def admit(operator: Operator, profile: AgencyProfile) -> Staff:
    """The agency's own staff, with their permissions; Forbidden for anyone else."""
    if operator.agency != profile.id:
        whose = f"the {operator.agency} agency" if operator.agency else "the command room"
        raise Forbidden(
            f"account {operator.username} belongs to {whose}; this is the {profile.id} duty room "
            f"({profile.name_en}): sign in at your own console",
            agency=profile.id,
        )
    if operator.role not in AGENCY_ROLES:
        raise Forbidden(
            f"role {operator.role!r} does not work in an agency duty room", allowed_roles=sorted(AGENCY_ROLES)
        )
    return Staff(operator=operator, permissions=PERMISSIONS[operator.role])


def verify(context: ConsoleContext, token: str) -> tuple[Operator, datetime]:
    """Who the token names and until when; Unauthorized for a forged or expired one."""
    if context.break_glass is not None and context.break_glass.issued(token):
        claims, expires_at = context.break_glass.read(token, now=context.clock())
        return Operator.from_claims(claims), expires_at
    try:
        claims = context.keys.verify(token, audience=OPERATOR_AUDIENCE, now=context.clock())
    except BadToken as exc:
        raise Unauthorized(f"sign in again: {exc}") from None
    return Operator.from_claims(claims), datetime.fromtimestamp(claims["exp"], tz=UTC)


def presented_token(request: Request, agency: str) -> str | None:
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials:
        return credentials.strip()
    return request.cookies.get(cookie_name(agency))


def signed_in(request: Request, context: Context) -> Staff:
    token = presented_token(request, context.profile.id)
    if not token:
        raise Unauthorized("sign in first")
    operator, _ = verify(context, token)
    return admit(operator, context.profile)


SignedIn = Annotated[Staff, Depends(signed_in)]


def needs(permission: Permission) -> object:
    def check(staff: SignedIn) -> Staff:
        if permission not in staff.permissions:
            raise Forbidden(
                f"{staff.operator.role} may not {permission.value} here", permission=permission.value
            )
        return staff

    return Depends(check)


Answering = Annotated[Staff, needs(Permission.ANSWER)]
Reporting = Annotated[Staff, needs(Permission.REPORT)]
MovingUnits = Annotated[Staff, needs(Permission.UNITS)]
Mustering = Annotated[Staff, needs(Permission.MUSTER)]
Auditing = Annotated[Staff, needs(Permission.AUDIT)]

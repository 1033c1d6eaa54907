"""Who may do what. One table, read by the server's checks and shown to the page, so the page
hides exactly the actions the server would refuse."""

from enum import StrEnum


class Permission(StrEnum):
    VIEW = "view"
    # Take incidents and alarm signals in.
    INTAKE = "intake"
    # Dispatch, re-route, change status, merge, edit incidents, cancel tasks, ask partners for aid.
    COMMAND = "command"
    # Teams, duty, sensitive-period plans, call-ups and drills.
    ROSTER = "roster"
    # Instability factors: register and change them, watch them in sensitive periods, check in,
    # hand out check-in links, and read the parties' personal data unmasked.
    FACTORS = "factors"
    # Read and verify the audit log.
    AUDIT = "audit"
    # Operator accounts, partners, their credentials and sharing agreements.
    ADMIN = "admin"
    # Read a key person's identity (with a reason, audited), keep the register and its links.
    # Everyone who may view sees the register with masked identities.
    KEY_PERSONS = "key_persons"


class Role(StrEnum):
    OPERATOR = "operator"
    COMMANDER = "commander"
    COORDINATOR = "coordinator"
    AUDITOR = "auditor"
    ADMIN = "admin"
    # An agency's own duty room: they work in their agency's console, not the command room.
    AGENCY_OPERATOR = "agency_operator"
    AGENCY_COMMANDER = "agency_commander"


AGENCY_ROLES = frozenset({Role.AGENCY_OPERATOR, Role.AGENCY_COMMANDER})


PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OPERATOR: frozenset({Permission.VIEW, Permission.INTAKE}),
    # The center's commander answers for its key persons; operators, coordinators and auditors
    # do not need to know who they are (PIPL: only what the duty needs).
    Role.COMMANDER: frozenset(
        {Permission.VIEW, Permission.INTAKE, Permission.COMMAND, Permission.KEY_PERSONS, Permission.FACTORS}
    ),
    Role.COORDINATOR: frozenset({Permission.VIEW, Permission.ROSTER, Permission.FACTORS}),
    Role.AUDITOR: frozenset({Permission.VIEW, Permission.AUDIT}),
    Role.ADMIN: frozenset(Permission),
    # Nothing in the command room: their permissions are their agency console's.
    Role.AGENCY_OPERATOR: frozenset(),
    Role.AGENCY_COMMANDER: frozenset(),
}


def allows(role: str, permission: Permission) -> bool:
    try:
        return permission in PERMISSIONS[Role(role)]
    except ValueError:
        return False

"""A task's lifecycle, shared by the gateway (which mirrors it) and the agencies (which drive
it), so both refuse the same illegal moves."""

from jcp.dispatch.v1 import dispatch_pb2 as pb

STATUSES = {
    value.number: value.name.removeprefix("TASK_STATUS_").lower()
    for value in pb.TaskStatus.DESCRIPTOR.values
    if value.number != 0
}
STATUS_CODES = {name: code for code, name in STATUSES.items()}
ROLES = {pb.TASK_ROLE_LEAD: "lead", pb.TASK_ROLE_SUPPORTING: "supporting"}
ROLE_CODES = {name: code for code, name in ROLES.items()}
ACTIONS = {
    value.number: value.name.removeprefix("TASK_ACTION_").lower()
    for value in pb.TaskAction.DESCRIPTOR.values
    if value.number != 0
}
ACTION_CODES = {name: code for code, name in ACTIONS.items()}

# action -> (statuses it may follow, status it leads to)
MOVES: dict[str, tuple[frozenset[str], str]] = {
    "acknowledge": (frozenset({"assigned"}), "acknowledged"),
    "decline": (frozenset({"assigned", "acknowledged"}), "declined"),
    "en_route": (frozenset({"assigned", "acknowledged"}), "en_route"),
    "on_scene": (frozenset({"assigned", "acknowledged", "en_route"}), "on_scene"),
    "complete": (frozenset({"on_scene"}), "completed"),
}

# status -> the action that leads to it (a duty room answers with the status it reached).
ACTION_LEADING_TO = {target: action for action, (_, target) in MOVES.items()}

OPEN = frozenset({"assigned", "acknowledged", "en_route", "on_scene"})
# An assigned task that skips "acknowledge" and goes straight on its way has acknowledged it.
ACKNOWLEDGED = frozenset({"acknowledged", "en_route", "on_scene", "completed"})


def allowed_actions(status: str) -> list[str]:
    return [action for action, (sources, _) in MOVES.items() if status in sources]


def next_status(status: str, action: str) -> str | None:
    """The status ``action`` leads to from ``status``, or None when it is not allowed."""
    sources, target = MOVES[action]
    return target if status in sources else None

"""Which status may follow which. A merged or cancelled incident keeps its history but takes
no further changes."""

NEXT: dict[str, tuple[str, ...]] = {
    "reported": ("accepted", "cancelled", "merged"),
    "accepted": ("dispatched", "resolved", "cancelled", "merged"),
    "dispatched": ("on_scene", "resolved", "cancelled"),
    "on_scene": ("resolved",),
    "resolved": ("closed", "on_scene"),
    "closed": (),
    "cancelled": (),
    "merged": (),
}


def allowed_next(status: str) -> tuple[str, ...]:
    return NEXT[status]

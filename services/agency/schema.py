"""An agency service's own schema: the shared picture, its tasks and units, the call-ups its
members answer, its teams as the gateway last sent them, the keys its members' links and
break-glass sessions are signed with, the break-glass log, and the outbox and inbox; nothing of
the gateway's."""

from pathlib import Path

from kernel.schema import KERNEL_MODEL_MODULES, History

HISTORY = History(
    name="agency",
    migrations=Path(__file__).with_name("migrations"),
    model_modules=(
        *KERNEL_MODEL_MODULES,
        "services.agency.callups",
        "services.agency.teams",
        "kernel.signed_links",
        "services.agency.console.break_glass",
    ),
)

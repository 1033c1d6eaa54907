"""The gateway's own schema: the modules that declare its tables, and its migration history."""

from pathlib import Path

from kernel.schema import History

HISTORY = History(
    name="gateway",
    migrations=Path(__file__).with_name("migrations"),
    model_modules=(
        "kernel.incidents.models",
        "kernel.dispatch_store",
        "kernel.bus.outbox",
        "kernel.bus.inbox",
        "gateway.activity.models",
        "gateway.auth.models",
        "gateway.auth.tokens",
        "gateway.audit.models",
        "gateway.partners.models",
        "gateway.centers.models",
        "gateway.dispatch.models",
        "gateway.roster.models",
    ),
)

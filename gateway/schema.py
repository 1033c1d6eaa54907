"""The gateway's own schema: the modules that declare its tables, and its migration history."""

from pathlib import Path

from kernel.schema import KERNEL_MODEL_MODULES, History

HISTORY = History(
    name="gateway",
    migrations=Path(__file__).with_name("migrations"),
    model_modules=(
        *KERNEL_MODEL_MODULES,
        "gateway.activity.models",
        "gateway.auth.models",
        "gateway.auth.tokens",
        "gateway.audit.models",
        "gateway.partners.models",
        "gateway.centers.models",
        "gateway.dispatch.models",
        "gateway.roster.models",
        "gateway.disputes.models",
        "gateway.keypersons.models",
        "gateway.bulletins.models",
        "gateway.factors.models",
        "kernel.signed_links",
    ),
)

"""The names every page shows for agencies, categories, levels and unit capabilities, and in
which task statuses each response clock runs: built from the platform's own catalogue,
profiles, levels and task moves, so no page keeps a second copy that could drift.

Each process serves it at ``/web/vocabulary.json`` and may add what only it knows (the
gateway: its centers and the incident lifecycle; an agency: which agency it is).
"""

from typing import Any

from kernel import tasks
from kernel.catalog import AGENCIES, CATEGORIES
from kernel.incidents.proto import LEVELS
from kernel.profiles import load as load_profile


def shared_vocabulary() -> dict[str, Any]:
    profiles = [load_profile(agency) for agency in AGENCIES]
    return {
        "agencies": [{"id": p.id, "name_zh": p.name_zh, "name_en": p.name_en} for p in profiles],
        "categories": [
            {"id": c.code, "name_zh": c.name_zh, "name_en": c.name_en} for c in CATEGORIES.values()
        ],
        "capabilities": sorted({c for p in profiles for unit in p.units for c in unit.capabilities}),
        "levels": [LEVELS[code] for code in sorted(LEVELS)],
        "task_clocks": {
            "acknowledge": sorted(tasks.OPEN - tasks.ACKNOWLEDGED),
            "on_scene": sorted(tasks.OPEN - {"on_scene"}),
        },
    }

"""Pure checks of the roster: member files, muster figures, watch schedules.

No database here, so each rule is tested on its own.
"""

import csv
import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from gateway.roster.models import ROLE_ORDER, RowError

CSV_COLUMNS = ("id", "name", "role", "qualifications", "phone", "status")
STATUSES = ("available", "on_leave", "deployed")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_PHONE = re.compile(r"^[0-9+\- ]{0,40}$")
MAX_ROWS = 5000


@dataclass(frozen=True)
class MemberLine:
    id: str
    name: str
    role: str
    qualifications: list[str]
    phone: str
    status: str


def parse_members_csv(text: str) -> tuple[list[MemberLine], list[RowError]]:
    """Every member line, or every problem with every line: a file is taken whole or not at all."""
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [name for name in CSV_COLUMNS if name not in header]
    if missing:
        return [], [
            RowError(row=1, column=name, message="column missing from the header") for name in missing
        ]
    lines: list[MemberLine] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(reader, start=2):
        if number - 1 > MAX_ROWS:
            errors.append(RowError(row=number, column="-", message=f"more than {MAX_ROWS} rows"))
            break
        row = {key.strip(): (value or "").strip() for key, value in raw.items() if key is not None}
        before = len(errors)
        if not _ID.match(row["id"]):
            errors.append(RowError(row=number, column="id", message="letters, digits, . _ - only, 1-64 long"))
        elif row["id"] in seen:
            errors.append(RowError(row=number, column="id", message=f"duplicate of row {seen[row['id']]}"))
        else:
            seen[row["id"]] = number
        if not row["name"] or len(row["name"]) > 100:
            errors.append(RowError(row=number, column="name", message="required, at most 100 characters"))
        if row["role"] not in ROLE_ORDER:
            errors.append(RowError(row=number, column="role", message=f"one of {', '.join(ROLE_ORDER)}"))
        if not _PHONE.match(row["phone"]):
            errors.append(RowError(row=number, column="phone", message="digits, +, - and spaces only"))
        status = row["status"] or "available"
        if status not in STATUSES:
            errors.append(RowError(row=number, column="status", message=f"one of {', '.join(STATUSES)}"))
        if len(errors) == before:
            qualifications = sorted({q.strip() for q in row["qualifications"].split(";") if q.strip()})
            lines.append(
                MemberLine(row["id"], row["name"], row["role"], qualifications, row["phone"], status)
            )
    if not lines and not errors:
        errors.append(RowError(row=2, column="-", message="the file holds no members"))
    return (lines if not errors else []), errors


def members_csv(rows: Sequence[MemberLine]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([row.id, row.name, row.role, ";".join(row.qualifications), row.phone, row.status])
    return out.getvalue()


@dataclass(frozen=True)
class MusterFigures:
    called: int
    acknowledged: int
    arrived: int
    declined: int
    first_acknowledgement_s: float | None
    mustered_50_s: float | None
    mustered_90_s: float | None


def _share_reached(called_at: datetime, times: list[datetime], called: int, share: float) -> float | None:
    """Seconds until ``share`` of the called had arrived (at least one person), or None."""
    needed = max(1, math.ceil(round(called * share, 6)))
    if len(times) < needed:
        return None
    return (sorted(times)[needed - 1] - called_at).total_seconds()


def muster_figures(
    called_at: datetime,
    called: int,
    acknowledged: Sequence[datetime],
    arrived: Sequence[datetime],
    declined: int,
) -> MusterFigures:
    arrivals = list(arrived)
    return MusterFigures(
        called=called,
        acknowledged=len(acknowledged),
        arrived=len(arrivals),
        declined=declined,
        first_acknowledgement_s=(min(acknowledged) - called_at).total_seconds() if acknowledged else None,
        mustered_50_s=_share_reached(called_at, arrivals, called, 0.5),
        mustered_90_s=_share_reached(called_at, arrivals, called, 0.9),
    )


def uncovered_hours(watch: Sequence[tuple[int, int]]) -> list[int]:
    """Hours of the day (0-23) no watch covers."""
    covered = set()
    for start, end in watch:
        covered.update(range(start, end))
    return [hour for hour in range(24) if hour not in covered]

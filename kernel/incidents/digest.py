"""A digest of the incident picture, for reconciliation: the gateway compares its digest with
each agency's to learn cheaply whether their pictures differ, and lists (id, version) pairs only
when they do.

The digest combines one hash per (id, version) pair with XOR, so it ignores the order rows come
in and changes whenever any incident is missing or held at another version.
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from kernel.incidents.models import IncidentRow


@dataclass(frozen=True)
class Digest:
    count: int
    value: int


def version_hash(incident_id: str, version: int) -> int:
    return int.from_bytes(hashlib.blake2b(f"{incident_id}:{version}".encode(), digest_size=8).digest(), "big")


def digest_of(pairs: Sequence[tuple[str, int]]) -> Digest:
    value = 0
    for incident_id, version in pairs:
        value ^= version_hash(incident_id, version)
    return Digest(count=len(pairs), value=value)


def inventory(*, session: Session) -> list[tuple[str, int]]:
    return [tuple(row) for row in session.execute(select(IncidentRow.id, IncidentRow.version))]  # type: ignore[misc]

"""The gateway's record of everything that happened: the incident timeline and the live stream.

One append-only table serves both: the timeline is its rows for one incident, the stream is its
rows after a given id. Rows are written in the same transaction as the change they describe, so
the record never claims a change that did not commit, and a stream resumed with Last-Event-ID
misses nothing.
"""

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import JSON, BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import Base, UtcDateTime


class ActivityRow(Base):
    __tablename__ = "activity"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(200))
    # incident | task | unit | clock | route
    kind: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(64))
    incident_id: Mapped[str | None] = mapped_column(String(64), index=True)
    center: Mapped[str | None] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class ActivityRead(BaseModel):
    id: int
    at: datetime
    actor: str
    kind: str
    action: str
    incident_id: str | None
    center: str | None
    data: dict[str, Any]

    @classmethod
    def from_row(cls, row: ActivityRow) -> "ActivityRead":
        return cls(
            id=row.id,
            at=row.at,
            actor=row.actor,
            kind=row.kind,
            action=row.action,
            incident_id=row.incident_id,
            center=row.center,
            data=row.data,
        )

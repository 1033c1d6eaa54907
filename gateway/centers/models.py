"""Which center handles an incident, and the board schemas."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import Base, UtcDateTime

CenterId = Literal["stability", "construction", "population"]


class IncidentHandling(Base):
    """The gateway's command-room facts about one incident: its center, why, the agencies it
    involves, and what it was merged into."""

    __tablename__ = "incident_handling"

    incident_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    center: Mapped[str] = mapped_column(String(32), index=True)
    reason: Mapped[str] = mapped_column(Text)
    agencies: Mapped[list[str]] = mapped_column(JSON)
    routed_by: Mapped[str] = mapped_column(String(200))
    routed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    merged_into: Mapped[str | None] = mapped_column(String(64))


class CenterRead(BaseModel):
    id: str
    name_zh: str
    name_en: str
    commander: str


class Reroute(BaseModel):
    model_config = ConfigDict(extra="forbid")

    center: CenterId
    reason: Annotated[str, Field(min_length=1, max_length=1000)]


class HandlingRead(BaseModel):
    center: str
    reason: str
    agencies: list[str]
    routed_by: str
    routed_at: datetime
    merged_into: str | None

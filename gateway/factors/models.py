"""Instability factors (不稳定因素): the register, each factor's sensitive-period watch with its
check-in deadline, the factor's history, and their schemas.

A watch's next check-in is a deadline kept in its row, as a response clock is, so a restarted
gateway judges it where the last one stopped; a missed check-in is the one update that moves
the watch from ``on_time`` to ``overdue``, so it escalates once. The history is append-only:
who did what to a factor and when, and what the daily bulletin counts.
"""

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import JSON, BigInteger, Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gateway.centers.models import CenterId
from gateway.incidents.models import AgencyId, CategoryCode, Level
from kernel.db import Base, UtcDateTime

FactorStatus = Literal["watching", "easing", "resolved", "became_incident"]
# A factor in one of these is closed: nothing more is watched or changed.
CLOSED: tuple[FactorStatus, ...] = ("resolved", "became_incident")
FactorCategory = Literal[
    "land_compensation",
    "wage_arrears",
    "demolition",
    "worker_farmer",
    "pipeline",
    "petition",
    "campus",
    "other",
]
CheckInState = Literal["on_time", "overdue"]
# Where the default center comes from: the joint stability linkage center takes what spans
# the agencies before it is an incident, as it takes joint incidents.
DEFAULT_CENTER: CenterId = "stability"


class Factor(Base):
    __tablename__ = "instability_factors"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    category: Mapped[str] = mapped_column(String(32), index=True)
    description: Mapped[str] = mapped_column(Text)
    # [{"name", "id_number", "phone", "role"}]: personal data, masked wherever factors are listed.
    parties: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    place: Mapped[str] = mapped_column(String(500))
    # The grid cell (CJ/T 349 code) once the district's grid is kept here.
    grid_cell: Mapped[str | None] = mapped_column(String(32), index=True)
    level: Mapped[str] = mapped_column(String(4))
    center: Mapped[str] = mapped_column(String(32), index=True)
    responsible_unit: Mapped[str] = mapped_column(String(200))
    responsible_name: Mapped[str | None] = mapped_column(String(100))
    responsible_phone: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16), index=True)
    incident_id: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    created_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class FactorWatch(Base):
    """One sensitive-period watch of one factor: check in every ``interval_s`` between
    ``starts_at`` and ``ends_at``."""

    __tablename__ = "factor_watches"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    factor_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime)
    interval_s: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    missed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_check_in_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_status: Mapped[str | None] = mapped_column(String(500))
    started_by: Mapped[str] = mapped_column(String(200))
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)


class FactorEvent(Base):
    """One change of one factor: the factor's history, and what the bulletin counts."""

    __tablename__ = "factor_history"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    factor_id: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(200))
    # opened | updated | watching | easing | resolved | became_incident | watch_started |
    # watch_ended | checked_in | check_in_missed
    action: Mapped[str] = mapped_column(String(32), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


# -- schemas --------------------------------------------------------------------------------


class Party(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    id_number: str = Field(default="", max_length=18, pattern=r"^(\d{15}|\d{17}[\dXx])?$")
    phone: str = Field(default="", max_length=40, pattern=r"^[0-9+\- ]*$")
    role: str = Field(default="", max_length=100, description="e.g. 上访代表, 业主, 包工头")


class Place(BaseModel):
    model_config = ConfigDict(extra="forbid")

    latitude: float | None = Field(default=None, ge=-90, le=90, description="WGS-84")
    longitude: float | None = Field(default=None, ge=-180, le=180, description="WGS-84")
    place: str = Field(default="", max_length=500, description="Free text: village, street, site")

    @model_validator(mode="after")
    def _both_or_neither(self) -> "Place":
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("give latitude and longitude together")
        return self


class Responsible(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    phone: str = Field(default="", max_length=40, pattern=r"^[0-9+\- ]*$")


class FactorCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: FactorCategory
    description: str = Field(min_length=1, max_length=4000)
    parties: list[Party] = Field(default_factory=list, max_length=50)
    location: Place = Field(default_factory=Place)
    grid_cell: str | None = Field(default=None, max_length=32, pattern=r"^\d{6,32}$")
    level: Level = "IV"
    center: CenterId = DEFAULT_CENTER
    responsible_unit: str = Field(min_length=1, max_length=200)
    responsible_person: Responsible | None = None


class FactorUpdate(BaseModel):
    """Fields left out stay as they are; ``responsible_person`` null takes the person off."""

    model_config = ConfigDict(extra="forbid")

    category: FactorCategory | None = None
    description: str | None = Field(default=None, min_length=1, max_length=4000)
    parties: list[Party] | None = Field(default=None, max_length=50)
    location: Place | None = None
    grid_cell: str | None = Field(default=None, max_length=32, pattern=r"^\d{6,32}$")
    level: Level | None = None
    center: CenterId | None = None
    responsible_unit: str | None = Field(default=None, min_length=1, max_length=200)
    responsible_person: Responsible | None = None


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["watching", "easing", "resolved"]
    note: str = Field(default="", max_length=1000)


class WatchCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="", max_length=200, description="The sensitive period, e.g. 国庆期间")
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    interval_minutes: int = Field(ge=5, le=7 * 24 * 60, description="How often the person checks in")

    @model_validator(mode="after")
    def _ends_after_start(self) -> "WatchCreate":
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class CheckInCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: str = Field(min_length=1, max_length=500, description="A short status: what the person sees")


class Escalation(BaseModel):
    """What the incident the factor becomes says; the rest comes from the factor."""

    model_config = ConfigDict(extra="forbid")

    source_agency: AgencyId
    category: CategoryCode
    title: str = Field(min_length=1, max_length=200)
    level: Level | None = Field(default=None, description="Default: the factor's level")
    involved_agencies: list[AgencyId] = Field(default_factory=list, max_length=4)
    note: str = Field(default="", max_length=1000)


class PartyRead(BaseModel):
    name: str
    id_number: str
    phone: str
    role: str


class WatchRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    starts_at: datetime
    ends_at: datetime
    interval_s: int
    due_at: datetime
    state: CheckInState
    overdue: bool = Field(description="The check-in is past due, escalated or about to be")
    missed_at: datetime | None
    last_check_in_at: datetime | None
    last_status: str | None


class FactorRead(BaseModel):
    id: str
    category: str
    description: str
    parties: list[PartyRead]
    latitude: float | None
    longitude: float | None
    place: str
    grid_cell: str | None
    level: str
    center: str
    responsible_unit: str
    responsible_name: str | None
    responsible_phone: str | None
    status: FactorStatus
    incident_id: str | None
    created_at: datetime
    created_by: str
    updated_at: datetime
    watch: WatchRead | None


class FactorBoard(BaseModel):
    items: list[FactorRead]
    total: int
    overdue: int = Field(description="Watches whose check-in is past due, among all listed")
    limit: int
    offset: int


class FactorEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor: str
    action: str
    data: dict[str, Any]


class CheckInLink(BaseModel):
    url: str
    path: str
    expires_at: datetime


class OverdueCount(BaseModel):
    center: str | None
    overdue: int

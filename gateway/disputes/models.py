"""Disputes screened and mediated to an outcome (矛盾纠纷排查调处): the case register, its
mediation sessions, and the schemas of the disputes API.

A case moves one way: registered, mediated in sessions, one outcome, then at most one follow-up
visit. Dates the mediator records (a session, the outcome, the visit) are calendar dates in the
district's time zone; ``reported_on`` is ``reported_at``'s date there, kept so the monthly
figures group by a plain date on every database.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from sqlalchemy import JSON, BigInteger, Date, Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gateway.centers.models import CenterId
from kernel.db import Base, UtcDateTime


class DisputeKind(StrEnum):
    LAND_COMPENSATION = "land_compensation"
    WAGE_ARREARS = "wage_arrears"
    NEIGHBOURS = "neighbours"
    OIL_AREA_WORKER_FARMER = "oil_area_worker_farmer"
    CONSTRUCTION = "construction"
    FAMILY_MARRIAGE = "family_marriage"
    PROPERTY_MANAGEMENT = "property_management"
    OTHER = "other"


KIND_NAMES: dict[DisputeKind, tuple[str, str]] = {
    DisputeKind.LAND_COMPENSATION: ("征地拆迁补偿纠纷", "Land compensation"),
    DisputeKind.WAGE_ARREARS: ("拖欠工资纠纷", "Wage arrears"),
    DisputeKind.NEIGHBOURS: ("邻里纠纷", "Neighbours"),
    DisputeKind.OIL_AREA_WORKER_FARMER: ("油区工农纠纷", "Oil-area worker–farmer"),
    DisputeKind.CONSTRUCTION: ("建设工程纠纷", "Construction"),
    DisputeKind.FAMILY_MARRIAGE: ("婚姻家庭纠纷", "Family and marriage"),
    DisputeKind.PROPERTY_MANAGEMENT: ("物业管理纠纷", "Property management"),
    DisputeKind.OTHER: ("其他纠纷", "Other"),
}


class Outcome(StrEnum):
    SETTLED = "settled"
    NOT_SETTLED = "not_settled"
    REFERRED_COURT = "referred_court"
    REFERRED_OTHER = "referred_other"


OUTCOME_NAMES: dict[Outcome, tuple[str, str]] = {
    Outcome.SETTLED: ("调解成功，达成协议", "Settled with an agreement"),
    Outcome.NOT_SETTLED: ("调解未成功", "Not settled"),
    Outcome.REFERRED_COURT: ("引导诉讼", "Referred to court"),
    Outcome.REFERRED_OTHER: ("移交其他部门", "Referred to another body"),
}

Stage = Literal["registered", "in_mediation", "outcome", "followed_up"]


class DisputeCase(Base):
    __tablename__ = "dispute_cases"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    summary: Mapped[str] = mapped_column(Text)
    # [{"name", "id_number", "phone"}]: personal data, masked wherever a list shows it.
    parties: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    place: Mapped[str] = mapped_column(String(500))
    # A grid cell's code (CJ/T 349 practice) once the grid exists; nothing refers to it yet.
    grid_cell: Mapped[str | None] = mapped_column(String(32), index=True)
    center: Mapped[str] = mapped_column(String(32), index=True)
    mediator: Mapped[str] = mapped_column(String(100), index=True)
    reported_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    reported_on: Mapped[date] = mapped_column(Date, index=True)
    created_by: Mapped[str] = mapped_column(String(200))
    outcome: Mapped[str | None] = mapped_column(String(32))
    outcome_on: Mapped[date | None] = mapped_column(Date, index=True)
    agreement: Mapped[str | None] = mapped_column(Text)
    outcome_by: Mapped[str | None] = mapped_column(String(200))
    follow_up_on: Mapped[date | None] = mapped_column(Date)
    follow_up_note: Mapped[str | None] = mapped_column(Text)
    follow_up_by: Mapped[str | None] = mapped_column(String(200))


class MediationSession(Base):
    __tablename__ = "dispute_sessions"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    case_id: Mapped[str] = mapped_column(String(64), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    mediator: Mapped[str] = mapped_column(String(100))
    notes: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


# -- schemas --------------------------------------------------------------------------------


class Party(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    id_number: str = Field(
        default="", pattern=r"^(\d{17}[\dXx]|\d{15})?$", description="PRC resident ID number"
    )
    phone: str = Field(default="", max_length=40, pattern=r"^[0-9+\- ]*$")


class PartyRead(BaseModel):
    """A party as shown: masked in lists, so no format is promised."""

    name: str
    id_number: str
    phone: str


class DisputeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: DisputeKind
    summary: str = Field(min_length=1, max_length=2000)
    parties: list[Party] = Field(min_length=1, max_length=50)
    latitude: float | None = Field(default=None, ge=-90, le=90, description="WGS-84")
    longitude: float | None = Field(default=None, ge=-180, le=180, description="WGS-84")
    place: str = Field(min_length=1, max_length=500)
    grid_cell: str | None = Field(default=None, pattern=r"^[0-9A-Za-z-]{1,32}$")
    center: CenterId | None = Field(default=None, description="Default: the joint stability linkage center")
    mediator: str = Field(min_length=1, max_length=100)
    reported_at: AwareDatetime | None = Field(default=None, description="Default: now")

    @model_validator(mode="after")
    def _both_coordinates_or_neither(self) -> "DisputeCreate":
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("give both latitude and longitude, or neither")
        return self


class SessionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    held_on: date
    mediator: str = Field(min_length=1, max_length=100)
    notes: str = Field(min_length=1, max_length=4000)


class OutcomeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Outcome
    decided_on: date
    agreement: str | None = Field(default=None, max_length=4000, validate_default=True)

    @field_validator("agreement")
    @classmethod
    def _settled_needs_its_agreement(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("outcome") == Outcome.SETTLED and not (value or "").strip():
            raise ValueError("a dispute settled with an agreement needs the agreement's text")
        return value


class FollowUpCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    visited_on: date
    note: str = Field(min_length=1, max_length=2000)


class SessionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    held_on: date
    mediator: str
    notes: str
    recorded_by: str
    recorded_at: datetime


class DisputeSummary(BaseModel):
    """A case as lists show it: parties masked, the summary's ID and phone numbers masked."""

    id: str
    kind: str
    summary: str
    parties: list[PartyRead]
    place: str
    grid_cell: str | None
    center: str
    mediator: str
    reported_at: datetime
    sessions: int
    stage: Stage
    outcome: str | None
    outcome_on: date | None
    follow_up_on: date | None


class DisputeRead(DisputeSummary):
    """One case whole. Parties are shown unmasked only to those who handle cases (intake)."""

    parties_masked: bool
    latitude: float | None
    longitude: float | None
    created_by: str
    agreement: str | None
    outcome_by: str | None
    follow_up_note: str | None
    follow_up_by: str | None
    session_notes: list[SessionRead]
    allowed: list[Literal["session", "outcome", "follow_up"]] = Field(
        description="What may be recorded next, by the case's state alone"
    )


class DisputePage(BaseModel):
    items: list[DisputeSummary]
    total: int


class FiguresRow(BaseModel):
    key: str | None = Field(description="Month (YYYY-MM), year, kind, grid cell or mediator; null: none")
    reported: int
    mediated: int = Field(description="Cases whose outcome is dated in the period, whatever it is")
    settled: int = Field(description="Of those, settled with an agreement")
    settled_rate: float | None = Field(description="settled / mediated; null when nothing was mediated")


class FiguresTable(BaseModel):
    year: int
    center: str | None
    total: FiguresRow
    by_month: list[FiguresRow]
    by_year: list[FiguresRow] = Field(description="Every year with data, not only this one")
    by_kind: list[FiguresRow]
    by_grid: list[FiguresRow]
    by_mediator: list[FiguresRow]


@dataclass(frozen=True)
class DisputeFigures:
    """What the daily bulletin shows of mediation in a window: ``by_kind`` counts the mediated
    cases (an outcome in the window) per kind, every kind present, zeros included."""

    reported: int
    mediated: int
    settled: int
    settled_rate: float | None
    by_kind: dict[str, int] = field(default_factory=dict)


def names(table: dict[Any, tuple[str, str]]) -> list[dict[str, str]]:
    return [{"id": str(key), "name_zh": zh, "name_en": en} for key, (zh, en) in table.items()]

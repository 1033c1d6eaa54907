"""The response teams: members, duty, call-ups and drills, and their schemas."""

from datetime import date, datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import JSON, Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gateway.incidents.models import AgencyId
from kernel.db import Base, UtcDateTime

Role = Literal["commander", "squad_leader", "member"]
MemberStatus = Literal["available", "on_leave", "deployed"]
ROLE_ORDER: dict[str, int] = {"commander": 0, "squad_leader": 1, "member": 2}


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    agency: Mapped[str] = mapped_column(String(32), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(64))
    assembly_point: Mapped[str] = mapped_column(String(500))


class Member(Base):
    __tablename__ = "members"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    qualifications: Mapped[list[str]] = mapped_column(JSON)
    phone: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16), index=True)


class DutyShift(Base):
    """One shift of one agency's duty roster: "three in place" needs a leader, staff and a
    vehicle on duty."""

    __tablename__ = "duty_shifts"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    agency: Mapped[str] = mapped_column(String(32), index=True)
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    leader_id: Mapped[str | None] = mapped_column(String(64))
    staff_ids: Mapped[list[str]] = mapped_column(JSON)
    vehicle_unit_id: Mapped[str | None] = mapped_column(String(64))


class SensitivePlan(Base):
    __tablename__ = "sensitive_plans"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[str] = mapped_column(String(10))
    ends_on: Mapped[str] = mapped_column(String(10))
    factors: Mapped[list[dict[str, Any]]] = mapped_column(JSON)


class CallUpRow(Base):
    __tablename__ = "call_ups"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    team_id: Mapped[str] = mapped_column(String(64), index=True)
    agency: Mapped[str] = mapped_column(String(32))
    incident_id: Mapped[str | None] = mapped_column(String(64), index=True)
    drill_id: Mapped[str | None] = mapped_column(String(64), index=True)
    drill: Mapped[bool] = mapped_column(Boolean)
    assembly_point: Mapped[str] = mapped_column(String(500))
    called_at: Mapped[datetime] = mapped_column(UtcDateTime)
    called_by: Mapped[str] = mapped_column(String(100))
    # open | cancelled | stood_down
    status: Mapped[str] = mapped_column(String(16))
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reason: Mapped[str] = mapped_column(Text)


class CallUpMember(Base):
    __tablename__ = "call_up_members"

    call_up_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    on_the_way_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    arrived_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    declined_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Drill(Base):
    __tablename__ = "drills"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    scenario: Mapped[str] = mapped_column(String(64))
    team_ids: Mapped[list[str]] = mapped_column(JSON)
    scheduled_for: Mapped[datetime] = mapped_column(UtcDateTime)
    # scheduled | running | ended
    status: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    incident_ids: Mapped[list[str]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(100))
    year: Mapped[int] = mapped_column(Integer, index=True)


# -- schemas --------------------------------------------------------------------------------


class TeamCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")
    agency: AgencyId
    name: str = Field(min_length=1, max_length=200)
    kind: str = Field(default="response_team", max_length=64)
    assembly_point: str = Field(default="", max_length=500)


class TeamRead(BaseModel):
    id: str
    agency: str
    name: str
    kind: str
    assembly_point: str
    members: int
    available: int
    by_role: dict[str, int]


class MemberRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    team_id: str
    name: str
    role: str
    qualifications: list[str]
    phone: str
    status: str


class MemberUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: MemberStatus


class RowError(BaseModel):
    row: int = Field(description="1-based line number in the file, the header being line 1")
    column: str
    message: str


class ImportResult(BaseModel):
    team_id: str
    imported: int
    replaced: int


class ShiftCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agency: AgencyId
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    leader_id: str | None = None
    staff_ids: list[str] = Field(default_factory=list, max_length=50)
    vehicle_unit_id: str | None = None

    @model_validator(mode="after")
    def _ends_after_start(self) -> "ShiftCreate":
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        if self.ends_at - self.starts_at > _DAY:
            raise ValueError("a shift lasts at most 24 hours")
        return self


class ShiftRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    agency: str
    starts_at: datetime
    ends_at: datetime
    leader_id: str | None
    staff_ids: list[str]
    vehicle_unit_id: str | None


class ShiftGap(BaseModel):
    shift: ShiftRead
    missing: list[Literal["leader", "staff", "vehicle"]]


class Watch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    from_hour: int = Field(ge=0, le=23)
    to_hour: int = Field(ge=1, le=24)
    member_id: str = Field(min_length=1, max_length=64)


class InstabilityFactor(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str = Field(min_length=1, max_length=1000)
    responsible_unit: str = Field(min_length=1, max_length=200)
    responsible_person: str = Field(min_length=1, max_length=100)
    watch: list[Watch] = Field(min_length=1, max_length=48, description="Must cover all 24 hours")


class PlanCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    starts_on: date
    ends_on: date
    factors: list[InstabilityFactor] = Field(min_length=1, max_length=200)


class PlanRead(BaseModel):
    id: str
    name: str
    starts_on: str
    ends_on: str
    factors: list[dict[str, Any]]


class CallUpCreate(BaseModel):
    """A whole team, or ``count`` of its available members holding every qualification named."""

    model_config = ConfigDict(extra="forbid")

    team_id: str = Field(min_length=1, max_length=64)
    count: int | None = Field(default=None, ge=1, le=1000)
    qualifications: list[str] = Field(default_factory=list, max_length=10)
    incident_id: str | None = None
    assembly_point: str | None = Field(default=None, max_length=500)


class CallUpClose(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=1000)


class MusterMember(BaseModel):
    member_id: str
    name: str
    role: str
    acknowledged_at: datetime | None
    on_the_way_at: datetime | None = Field(description="When the member said they had set out")
    arrived_at: datetime | None
    declined_at: datetime | None


class MusterBoard(BaseModel):
    call_up_id: str
    team_id: str
    agency: str
    incident_id: str | None
    drill: bool
    status: str
    called_at: datetime
    called: int
    acknowledged: int
    on_the_way: int = Field(description="Members who said they had set out")
    arrived: int
    declined: int
    first_acknowledgement_s: float | None
    mustered_50_s: float | None = Field(description="Seconds from call-up until half the called had arrived")
    mustered_90_s: float | None
    members: list[MusterMember] | None = None


class DrillCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    scenario: str = Field(min_length=1, max_length=64)
    scheduled_for: AwareDatetime
    team_ids: list[str] | None = Field(
        default=None, max_length=10, description="Default: the scenario's teams"
    )


class DrillRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    scenario: str
    team_ids: list[str]
    scheduled_for: datetime
    status: str
    started_at: datetime | None
    ended_at: datetime | None
    incident_ids: list[str]


_DAY = datetime(2000, 1, 2) - datetime(2000, 1, 1)

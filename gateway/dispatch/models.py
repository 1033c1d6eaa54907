"""Dispatch orders, response-time clocks and unit assignments at the gateway, and their schemas."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from gateway.incidents.models import AgencyId
from kernel.db import Base, UtcDateTime
from kernel.dispatch_store import TaskRow, UnitRow

ClockKind = Literal["acknowledge", "on_scene"]
ClockStatus = Literal["running", "met", "breached", "cancelled"]


class ResponseClock(Base):
    """One deadline of one task. Kept in the database so a restart neither loses a breach nor
    raises it twice: a breach is the one update that moves a clock from running to breached."""

    __tablename__ = "response_clocks"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    task_id: Mapped[str] = mapped_column(String(64), index=True)
    incident_id: Mapped[str] = mapped_column(String(64), index=True)
    agency: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    deadline: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    settled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class UnitAssignment(Base):
    """A unit busy with a task. The primary key is the unit, so two commanders sending the
    same unit at once cannot both succeed."""

    __tablename__ = "unit_assignments"

    unit_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    task_id: Mapped[str] = mapped_column(String(64), index=True)
    incident_id: Mapped[str] = mapped_column(String(64))
    assigned_at: Mapped[datetime] = mapped_column(UtcDateTime)


UnitId = Annotated[str, Field(min_length=1, max_length=64)]


class TaskCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agency: AgencyId
    role: Literal["lead", "supporting"] = "supporting"
    unit_ids: list[UnitId] = Field(default_factory=list, max_length=50)
    instructions: str = Field(default="", max_length=2000)


class DispatchCreate(BaseModel):
    """One order: one lead agency and any supporting ones ("shared responsibility")."""

    model_config = ConfigDict(extra="forbid")

    tasks: list[TaskCreate] = Field(min_length=1, max_length=4)
    expected_version: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _one_task_per_agency(self) -> "DispatchCreate":
        agencies = [task.agency for task in self.tasks]
        if len(set(agencies)) != len(agencies):
            raise ValueError("each agency may appear once in an order")
        if sum(task.role == "lead" for task in self.tasks) > 1:
            raise ValueError("an order has at most one lead agency")
        return self


class TaskCancel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=1000)


class ClockRead(BaseModel):
    id: str
    kind: ClockKind
    deadline: datetime
    status: ClockStatus
    remaining_s: float | None = Field(description="Seconds left while running; negative when overdue")

    @classmethod
    def from_row(cls, row: ResponseClock, now: datetime) -> "ClockRead":
        return cls(
            id=row.id,
            kind=row.kind,  # type: ignore[arg-type]
            deadline=row.deadline,
            status=row.status,  # type: ignore[arg-type]
            remaining_s=(row.deadline - now).total_seconds() if row.status == "running" else None,
        )


class UnitRead(BaseModel):
    id: str
    agency: str
    name: str
    kind: str
    capabilities: list[str]
    status: str
    latitude: float
    longitude: float
    position_at: datetime | None
    version: int
    task_id: str | None

    @classmethod
    def from_row(cls, row: UnitRow) -> "UnitRead":
        return cls(
            id=row.id,
            agency=row.agency,
            name=row.name,
            kind=row.kind,
            capabilities=row.capabilities,
            status=row.status,
            latitude=row.latitude,
            longitude=row.longitude,
            position_at=row.position_at,
            version=row.version,
            task_id=row.task_id or None,
        )


class TaskRead(BaseModel):
    id: str
    order_id: str
    incident_id: str
    agency: str
    role: Literal["lead", "supporting"]
    status: str
    version: int
    unit_ids: list[str]
    instructions: str
    note: str
    acknowledge_by: datetime
    on_scene_by: datetime
    updated_at: datetime
    updated_by: str
    clocks: list[ClockRead] = Field(default_factory=list)

    @classmethod
    def from_row(cls, row: TaskRow, clocks: list[ClockRead] | None = None) -> "TaskRead":
        return cls(
            id=row.id,
            order_id=row.order_id,
            incident_id=row.incident_id,
            agency=row.agency,
            role=row.role,  # type: ignore[arg-type]
            status=row.status,
            version=row.version,
            unit_ids=row.unit_ids,
            instructions=row.instructions,
            note=row.note,
            acknowledge_by=row.acknowledge_by,
            on_scene_by=row.on_scene_by,
            updated_at=row.updated_at,
            updated_by=row.updated_by,
            clocks=clocks or [],
        )


class OrderRead(BaseModel):
    order_id: str
    incident_id: str
    incident_version: int
    tasks: list[TaskRead]


class Recommendation(BaseModel):
    unit: UnitRead
    distance_km: float
    eta_s: float


class NotRecommended(BaseModel):
    unit_id: str
    agency: str
    reason: str


class Recommendations(BaseModel):
    incident_id: str
    required_capabilities: list[str]
    units: list[Recommendation]
    excluded: list[NotRecommended] = Field(description="Up to 50 units left out, with the reason")
    excluded_total: int

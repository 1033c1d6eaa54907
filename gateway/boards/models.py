"""What a center's board shows: its open incidents, each agency's task with its clocks and
units, and the duty gaps of the next 24 hours."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from gateway.centers.models import CenterRead, HandlingRead
from gateway.dispatch.models import ClockRead
from gateway.incidents.models import AgencyId, IncidentRead
from gateway.roster.models import ShiftGap


class UnitBrief(BaseModel):
    id: str
    name: str
    kind: str
    status: str
    latitude: float
    longitude: float


class TaskBrief(BaseModel):
    id: str
    agency: AgencyId
    role: Literal["lead", "supporting"]
    status: str
    version: int
    units: list[UnitBrief]
    clocks: list[ClockRead]
    note: str


class BoardIncident(BaseModel):
    incident: IncidentRead
    handling: HandlingRead
    tasks: list[TaskBrief]
    overdue: bool


class Board(BaseModel):
    center: CenterRead
    generated_at: datetime
    open_incidents: int
    by_level: dict[str, int]
    overdue: int
    breaches_today: int
    incidents: list[BoardIncident]
    duty_gaps: list[ShiftGap] = Field(
        description="Shifts of the next 24 hours missing a leader, staff or vehicle"
    )

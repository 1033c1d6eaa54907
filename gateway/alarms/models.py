"""Signals from the networked alarm center's 1,100 subscribers' panels."""

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from gateway.dispatch.models import TaskRead
from gateway.incidents.models import IncidentRead, Location

AlarmType = Literal["intrusion", "fire", "panic", "medical", "tamper"]

# How an alarm type maps to an emergency level: a panic button or fire is worse than a door.
LEVELS: dict[str, str] = {"fire": "II", "panic": "II", "medical": "III", "intrusion": "III", "tamper": "IV"}


class AlarmSignal(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subscriber_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    subscriber_name: str = Field(default="", max_length=200)
    zone: str = Field(min_length=1, max_length=32, description="The panel's zone that raised the alarm")
    alarm_type: AlarmType
    signalled_at: AwareDatetime
    location: Location
    description: str = Field(default="", max_length=2000)


class AlarmAccepted(BaseModel):
    incident: IncidentRead
    task: TaskRead | None
    unit_id: str | None = Field(description="The response vehicle sent, if one was available")
    replayed: bool
    received_at: datetime

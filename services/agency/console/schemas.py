"""What the console's routes take and give: request bodies checked field by field (a bad one is
refused whole, naming every bad field), and responses shaped for the duty room's page and the
members' phones. Statuses travel as the common codes with the agency's own word beside them."""

from datetime import datetime
from typing import Annotated, Literal, Self

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field, model_validator

from kernel.catalog import DISTRICT_ADMIN_CODE
from kernel.dispatch_store import UNIT_STATUSES
from kernel.profiles import LANGUAGES
from kernel.tasks import ACTION_LEADING_TO
from services.agency.callups import RESPONSES

Language = Literal["zh", "en"]
assert set(Language.__args__) == set(LANGUAGES)  # type: ignore[attr-defined]
Lang = Annotated[Language, Query(description="The language of `status_word`")]
LinkState = Literal["up", "down"]
# The statuses a duty room answers a task with; each is where one task action leads.
TaskAnswerStatus = Literal["acknowledged", "declined", "en_route", "on_scene", "completed"]
assert set(TaskAnswerStatus.__args__) == set(ACTION_LEADING_TO)  # type: ignore[attr-defined]
UnitStatus = Literal["available", "assigned", "en_route", "on_scene", "off_duty"]
assert set(UnitStatus.__args__) == set(UNIT_STATUSES.values())  # type: ignore[attr-defined]
MemberAnswerKind = Literal["acknowledged", "on_the_way", "arrived", "declined"]
assert set(MemberAnswerKind.__args__) == set(RESPONSES.values())  # type: ignore[attr-defined]


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=200)


class StaffRead(BaseModel):
    username: str
    role: str
    agency: str
    permissions: list[str]


class SessionRead(BaseModel):
    token: str
    expires_at: datetime
    operator: StaffRead


class Links(BaseModel):
    gateway: LinkState
    broker: LinkState


class CategoryRead(BaseModel):
    code: str
    name_zh: str
    name_en: str


class AgencyRead(BaseModel):
    id: str
    name_zh: str
    name_en: str
    categories: list[CategoryRead]
    words: dict[str, dict[str, dict[str, str]]] = Field(
        description="words.task.zh, words.task.en, words.unit.zh, words.unit.en: common code -> word"
    )
    links: Links


class TaskRead(BaseModel):
    id: str
    order_id: str
    incident_id: str
    incident_title: str | None
    incident_level: str | None
    role: str
    status: str
    status_word: str
    next_statuses: list[str] = Field(description="The answers this task takes now")
    version: int
    instructions: str
    note: str
    unit_ids: list[str]
    acknowledge_by: datetime
    on_scene_by: datetime
    updated_at: datetime
    updated_by: str
    drill: bool


class TaskAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: TaskAnswerStatus
    note: str = Field(default="", max_length=1000, description="Required when declining")
    expected_version: int = Field(ge=1, description="The version the operator answered")


class PositionRead(BaseModel):
    latitude: float
    longitude: float
    at: datetime | None


class UnitRead(BaseModel):
    id: str
    name: str
    kind: str
    capabilities: list[str]
    status: str
    status_word: str
    position: PositionRead
    task_id: str
    version: int


class UnitChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: UnitStatus | None = None
    latitude: float | None = Field(default=None, ge=-90, le=90, description="WGS-84")
    longitude: float | None = Field(default=None, ge=-180, le=180, description="WGS-84")

    @model_validator(mode="after")
    def _something_whole(self) -> Self:
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("a position needs both latitude and longitude")
        if self.status is None and self.latitude is None:
            raise ValueError("give a status, a position, or both")
        return self


class LocationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    latitude: float = Field(ge=-90, le=90, description="WGS-84")
    longitude: float = Field(ge=-180, le=180, description="WGS-84")
    address: str = Field(min_length=1, max_length=500)
    admin_code: str = Field(default=DISTRICT_ADMIN_CODE, pattern=r"^\d{6}(\d{3})?$", description="GB/T 2260")


class ReporterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="", max_length=100)
    phone: str = Field(default="", max_length=40, pattern=r"^[0-9+\- ]*$")


class IncidentReport(BaseModel):
    """An incident the agency's own staff report; the category must be one the agency reports."""

    model_config = ConfigDict(extra="forbid")

    category: str = Field(min_length=1, max_length=64)
    level: Literal["I", "II", "III", "IV"]
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=4000)
    location: LocationIn
    reporter: ReporterIn = Field(default_factory=ReporterIn)
    drill: bool = False


class ReporterRead(BaseModel):
    name: str
    phone: str
    channel: str


class IncidentRead(BaseModel):
    id: str
    title: str
    category: str
    level: str
    status: str
    source_agency: str
    address: str
    latitude: float
    longitude: float
    drill: bool
    version: int
    reported_at: datetime
    updated_at: datetime
    ours: bool = Field(description="Reported by this agency or holding one of its tasks")


class IncidentDetailRead(IncidentRead):
    description: str
    admin_code: str
    reporter: ReporterRead


class TimelineEntry(BaseModel):
    at: datetime
    kind: Literal["incident", "task"]
    version: int
    # incident: the event that brought this version here.
    event: str | None = None
    # task: which task, and what it became.
    task_id: str | None = None
    status: str | None = None
    status_word: str | None = None
    by: str | None = None
    note: str | None = None


class IncidentView(BaseModel):
    incident: IncidentDetailRead
    tasks: list[TaskRead]
    timeline: list[TimelineEntry]


class CallUpRead(BaseModel):
    id: str
    team_id: str
    incident_id: str | None
    drill: bool
    assembly_point: str
    called_at: datetime
    status: Literal["open", "cancelled", "stood_down"]
    closed_at: datetime | None
    close_reason: str
    called: int
    acknowledged: int
    on_the_way: int
    arrived: int
    declined: int


class TeamMemberRead(BaseModel):
    member_id: str
    name: str
    role: Literal["commander", "squad_leader", "member"]
    phone: str
    status: Literal["available", "on_leave", "deployed"]
    qualifications: list[str]
    call_up_id: str | None = Field(description="The open call-up the member is called in, if any")


class TeamRead(BaseModel):
    """A team as the gateway last sent it: the duty room reads it while the gateway is down."""

    id: str
    name: str
    kind: str
    assembly_point: str
    members: int
    available: int
    on_leave: int
    deployed: int
    open_call_ups: list[str] = Field(description="Ids of the team's open call-ups, newest first")
    changed_at: datetime = Field(description="When the gateway last changed the team")
    roster: list[TeamMemberRead]


class MemberAnswers(BaseModel):
    acknowledged_at: datetime | None = None
    on_the_way_at: datetime | None = None
    arrived_at: datetime | None = None
    declined_at: datetime | None = None
    reason: str = ""


class MusterMember(MemberAnswers):
    member_id: str
    name: str
    role: str
    phone: str
    link: str = Field(description="The member's personal link, to send to the member's phone")
    qr: str = Field(description="Path of the link as a QR code (SVG)")


class MusterBoardRead(BaseModel):
    call_up: CallUpRead
    members: list[MusterMember]


class MemberIncident(BaseModel):
    title: str
    level: str
    address: str


class MemberRead(BaseModel):
    member_id: str
    name: str
    role: str


class MemberCallUpRead(BaseModel):
    """A call-up as the called member's phone shows it: nothing about the other members."""

    agency: str
    agency_name_zh: str
    agency_name_en: str
    call_up_id: str
    drill: bool
    assembly_point: str
    called_at: datetime
    incident: MemberIncident | None
    member: MemberRead
    answers: MemberAnswers
    expires_at: datetime


class MemberAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answer: MemberAnswerKind
    reason: str = Field(default="", max_length=500, description="Why the member cannot come")

    @model_validator(mode="after")
    def _decline_says_why(self) -> Self:
        if self.answer == "declined" and not self.reason.strip():
            raise ValueError("say why you cannot come")
        return self


class MemberAnswerRead(BaseModel):
    answer: MemberAnswerKind
    at: datetime = Field(description="When this answer was first given")
    first: bool = Field(description="False when this answer had been given before")
    answers: MemberAnswers

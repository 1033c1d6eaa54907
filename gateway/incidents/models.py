"""Request and response schemas of the incidents API."""

from datetime import datetime, timedelta
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from kernel.catalog import AGENCIES, CATEGORIES, DISTRICT_ADMIN_CODE
from kernel.clock import utc_now
from kernel.incidents.models import IncidentRow

Level = Literal["I", "II", "III", "IV"]
Status = Literal[
    "reported", "accepted", "dispatched", "on_scene", "resolved", "closed", "cancelled", "merged"
]
AgencyId = Literal["oilfield", "localgov", "military", "school"]
assert set(AgencyId.__args__) == set(AGENCIES)  # type: ignore[attr-defined]


def _known_category(value: str) -> str:
    if value not in CATEGORIES:
        raise ValueError(f"unknown category {value!r}; known: {', '.join(sorted(CATEGORIES))}")
    return value


CategoryCode = Annotated[
    str, AfterValidator(_known_category), Field(description="A code from the category catalogue")
]

# A reported time this far ahead of the server's clock is a client error, not clock skew.
MAX_CLOCK_SKEW = timedelta(minutes=5)


class Location(BaseModel):
    model_config = ConfigDict(extra="forbid")

    latitude: float = Field(ge=-90, le=90, description="WGS-84")
    longitude: float = Field(ge=-180, le=180, description="WGS-84")
    address: str = Field(min_length=1, max_length=500)
    admin_code: str = Field(
        default=DISTRICT_ADMIN_CODE, pattern=r"^\d{6}(\d{3})?$", description="GB/T 2260 code"
    )


class Reporter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="", max_length=100)
    phone: str = Field(default="", max_length=40, pattern=r"^[0-9+\- ]*$")
    channel: str = Field(default="gateway", max_length=100)


class IncidentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source_agency: AgencyId
    category: CategoryCode
    level: Level
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=4000)
    location: Location
    reporter: Reporter = Field(default_factory=Reporter)
    reported_at: AwareDatetime | None = None
    drill: bool = False
    involved_agencies: list[AgencyId] = Field(
        default_factory=list,
        max_length=4,
        description="Other agencies the incident involves; two or more make it a joint incident",
    )

    @field_validator("reported_at")
    @classmethod
    def _not_in_future(cls, value: datetime | None) -> datetime | None:
        if value is not None and value > utc_now() + MAX_CLOCK_SKEW:
            raise ValueError("reported_at is in the future")
        return value


class IncidentUpdate(BaseModel):
    """A correction of an incident's facts; ``expected_version`` guards against lost updates."""

    model_config = ConfigDict(extra="forbid")

    expected_version: int = Field(ge=1)
    category: CategoryCode | None = None
    level: Level | None = None
    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=4000)
    location: Location | None = None


class Merge(BaseModel):
    """A duplicate report folded into the incident already being worked; it keeps its history."""

    model_config = ConfigDict(extra="forbid")

    into: str = Field(min_length=1, max_length=64)
    reason: str = Field(default="duplicate report", max_length=1000)
    expected_version: int | None = Field(default=None, ge=1)


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Status
    reason: str = Field(default="", max_length=1000)
    expected_version: int | None = Field(default=None, ge=1)


class IncidentRead(BaseModel):
    id: str
    source_agency: str
    category: str
    level: Level
    status: Status
    title: str
    description: str
    location: Location
    reporter: Reporter
    reported_at: datetime
    updated_at: datetime
    drill: bool
    version: int

    @classmethod
    def from_row(cls, row: IncidentRow) -> "IncidentRead":
        return cls(
            id=row.id,
            source_agency=row.source_agency,
            category=row.category,
            level=row.level,  # type: ignore[arg-type]
            status=row.status,  # type: ignore[arg-type]
            title=row.title,
            description=row.description,
            location=Location(
                latitude=row.latitude,
                longitude=row.longitude,
                address=row.address or "-",
                admin_code=row.admin_code or DISTRICT_ADMIN_CODE,
            ),
            reporter=Reporter.model_construct(
                name=row.reporter_name, phone=row.reporter_phone, channel=row.reporter_channel
            ),
            reported_at=row.reported_at,
            updated_at=row.updated_at,
            drill=row.drill,
            version=row.version,
        )


class Delivery(BaseModel):
    state: Literal["current", "behind", "missing", "unreachable"]
    version: int | None = None
    error: str | None = None


class IncidentDetail(IncidentRead):
    deliveries: dict[str, Delivery] = Field(
        description="For each agency, the version it holds, as it answers over gRPC"
    )


class IncidentPage(BaseModel):
    items: list[IncidentRead]
    total: int
    limit: int
    offset: int
    next_offset: int | None

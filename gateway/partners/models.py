"""Partner bureaus, their credentials and sharing agreements, what they are sent, and mutual aid."""

from datetime import datetime
from typing import Any, Literal

from pydantic import AnyHttpUrl, AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy import JSON, BigInteger, Boolean, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gateway.incidents.models import CategoryCode, Level, Location
from kernel.db import Base, UtcDateTime

Scope = Literal["feed:read", "incidents:read", "cases:write", "aid:read", "aid:write"]
ALL_SCOPES: tuple[str, ...] = Scope.__args__  # type: ignore[attr-defined]
AidKind = Literal["investigation", "arrest", "mass_incident"]
AidStatus = Literal["requested", "accepted", "declined", "in_progress", "completed"]
# Incident fields an agreement may share; id, version, category, level and updated_at always go.
SHAREABLE = (
    "title",
    "description",
    "location",
    "reporter",
    "status",
    "source_agency",
    "reported_at",
    "drill",
)
PARTNER_ID = r"^[a-z][a-z0-9_-]{1,31}$"


class Partner(Base):
    __tablename__ = "partners"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Sharing agreement.
    categories: Mapped[list[str]] = mapped_column(JSON)
    levels: Mapped[list[str]] = mapped_column(JSON)
    fields: Mapped[list[str]] = mapped_column(JSON)
    mask_names: Mapped[bool] = mapped_column(Boolean)
    mask_id_numbers: Mapped[bool] = mapped_column(Boolean)
    mask_phones: Mapped[bool] = mapped_column(Boolean)
    share_drills: Mapped[bool] = mapped_column(Boolean)
    agreement_version: Mapped[int] = mapped_column(Integer)
    # Webhook delivery; the secret signs every delivery (HMAC-SHA256).
    webhook_url: Mapped[str | None] = mapped_column(String(500))
    webhook_secret: Mapped[str | None] = mapped_column(String(100))


class PartnerKey(Base):
    """A partner's credential: the secret is shown once and kept only as its SHA-256 hash (it is
    random and long, so a slow hash would add nothing)."""

    __tablename__ = "partner_keys"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    partner_id: Mapped[str] = mapped_column(String(32), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class SharedChange(Base):
    """The one ordered log every outbound channel reads: the feed, webhooks and the gRPC stream.
    An agreement is applied when an item is read, the same way on every channel."""

    __tablename__ = "shared_changes"

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    item_id: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[str] = mapped_column(String(64), index=True)
    # Only this partner sees the item (mutual aid); every partner its agreement allows when null.
    partner_id: Mapped[str | None] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    # What agreements filter on, as columns, so a partner's read fetches only what it may see.
    category: Mapped[str | None] = mapped_column(String(64))
    level: Mapped[str | None] = mapped_column(String(4))
    drill: Mapped[bool] = mapped_column(Boolean)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)


class WebhookState(Base):
    __tablename__ = "webhook_states"

    partner_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    # The last change delivered or dead-lettered.
    cursor: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


class WebhookDeadLetter(Base):
    __tablename__ = "webhook_dead_letters"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    partner_id: Mapped[str] = mapped_column(String(32), index=True)
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"))
    item_id: Mapped[str] = mapped_column(String(120))
    attempts: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    redelivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class PartnerCase(Base):
    """A case a partner shared, by the partner's own id: sending it again changes nothing."""

    __tablename__ = "partner_cases"
    __table_args__ = (UniqueConstraint("partner_id", "case_id"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    partner_id: Mapped[str] = mapped_column(String(32))
    case_id: Mapped[str] = mapped_column(String(100))
    incident_id: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AidRequest(Base):
    __tablename__ = "aid_requests"
    __table_args__ = (UniqueConstraint("partner_id", "partner_ref"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    partner_id: Mapped[str] = mapped_column(String(32), index=True)
    # inbound: the partner asks us; outbound: we ask the partner.
    direction: Mapped[str] = mapped_column(String(8))
    # The partner's own id of an inbound request.
    partner_ref: Mapped[str | None] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(200))
    details: Mapped[str] = mapped_column(Text)
    incident_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer)
    history: Mapped[list[dict[str, Any]]] = mapped_column(JSON)


# -- schemas ---------------------------------------------------------------------------------


class Agreement(BaseModel):
    """What one partner may receive. Categories and levels it lists are shared; the rest never."""

    model_config = ConfigDict(extra="forbid")

    categories: list[CategoryCode] = Field(default_factory=list, max_length=50)
    levels: list[Level] = Field(default_factory=lambda: ["I", "II", "III", "IV"])
    fields: list[Literal[SHAREABLE]] = Field(  # type: ignore[valid-type]
        default_factory=lambda: ["title", "description", "location", "status", "reported_at"]
    )
    mask_names: bool = True
    mask_id_numbers: bool = True
    mask_phones: bool = True
    share_drills: bool = False


class AgreementRead(Agreement):
    version: int


class PartnerCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=PARTNER_ID)
    name: str = Field(min_length=1, max_length=200)
    agreement: Agreement = Field(default_factory=Agreement)


class PartnerRead(BaseModel):
    id: str
    name: str
    agreement: AgreementRead
    webhook_url: str | None


class KeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scopes: list[Scope] = Field(default_factory=lambda: list(ALL_SCOPES), min_length=1)


class KeyRead(BaseModel):
    id: str
    partner_id: str
    scopes: list[str]
    created_at: datetime
    revoked_at: datetime | None


class KeyIssued(KeyRead):
    api_key: str = Field(description="Shown once: send as X-API-Key, or as client_id.secret")
    client_id: str
    client_secret: str


class WebhookSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: AnyHttpUrl


class WebhookIssued(BaseModel):
    url: str
    secret: str = Field(description="Shown once: verifies X-JCP-Signature")


class DeadLetterRead(BaseModel):
    id: int
    partner_id: str
    item_id: str
    attempts: int
    reason: str
    at: datetime
    redelivered_at: datetime | None


class FeedItem(BaseModel):
    id: str = Field(description="Stable: the same change always has the same id")
    cursor: int
    kind: Literal["incident", "aid"]
    at: datetime
    data: dict[str, Any]


class FeedPage(BaseModel):
    items: list[FeedItem]
    next_cursor: int = Field(description="Pass as cursor to read on; unchanged when nothing is new")


class CaseShare(BaseModel):
    """A case a partner shares with us."""

    model_config = ConfigDict(extra="forbid")

    case_id: str = Field(min_length=1, max_length=100, description="The partner's own id")
    category: CategoryCode
    level: Level
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=4000)
    location: Location
    occurred_at: AwareDatetime | None = None
    drill: bool = False


class CaseAccepted(BaseModel):
    case_id: str
    incident_id: str
    created: bool


class AidCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: AidKind
    subject: str = Field(min_length=1, max_length=200)
    details: str = Field(default="", max_length=4000)
    incident_id: str | None = Field(default=None, max_length=64)
    due_at: AwareDatetime


class PartnerAidCreate(AidCreate):
    request_id: str = Field(min_length=1, max_length=100, description="The partner's own id")


class OutboundAidCreate(AidCreate):
    partner: str = Field(pattern=PARTNER_ID)


class AidStatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: AidStatus
    note: str = Field(default="", max_length=1000)


class AidRead(BaseModel):
    id: str
    partner: str
    direction: Literal["inbound", "outbound"]
    partner_ref: str | None
    kind: AidKind
    subject: str
    details: str
    incident_id: str | None
    status: AidStatus
    allowed_next: list[AidStatus] = Field(description="What the side that was asked may answer next")
    due_at: datetime
    overdue: bool
    created_at: datetime
    updated_at: datetime
    version: int
    history: list[dict[str, Any]]


class TokenIssued(BaseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int
    scope: str

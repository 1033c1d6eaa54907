"""Key persons under management (重点人员): the register, its links to incidents and
instability factors, and the schemas of its API.

Identities are sensitive personal data (PIPL): everyone who may view sees the register masked;
an identity is read only with the key-persons permission and a reason, and every read and every
refusal is in the audit log.
"""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import BigInteger, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import Base, UtcDateTime


class KeyPersonCategory(StrEnum):
    """The special groups of GB/T 31000 the stability center manages, and petitioners."""

    PETITIONER = "petitioner"
    RELEASED_PRISONER = "released_prisoner"
    COMMUNITY_CORRECTIONS = "community_corrections"
    MENTAL_HEALTH_RISK = "mental_health_risk"
    DRUG_RELATED = "drug_related"
    KEY_YOUTH = "key_youth"
    OTHER = "other"


CATEGORY_NAMES: dict[KeyPersonCategory, tuple[str, str]] = {
    KeyPersonCategory.PETITIONER: ("重点信访人员", "Petitioner"),
    KeyPersonCategory.RELEASED_PRISONER: ("刑满释放人员", "Released prisoner"),
    KeyPersonCategory.COMMUNITY_CORRECTIONS: ("社区矫正对象", "Under community corrections"),
    KeyPersonCategory.MENTAL_HEALTH_RISK: ("严重精神障碍患者", "Mental-health risk"),
    KeyPersonCategory.DRUG_RELATED: ("吸毒人员", "Drug-related"),
    KeyPersonCategory.KEY_YOUTH: ("重点青少年", "Key youth"),
    KeyPersonCategory.OTHER: ("其他", "Other"),
}

# What a key person can be linked to; the incident or factor must exist when the link is made.
SubjectKind = Literal["incident", "factor"]


class KeyPerson(Base):
    __tablename__ = "key_persons"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    id_number: Mapped[str] = mapped_column(String(18))
    phone: Mapped[str] = mapped_column(String(40))
    address: Mapped[str] = mapped_column(String(500))
    category: Mapped[str] = mapped_column(String(32), index=True)
    responsible_officer: Mapped[str] = mapped_column(String(100))
    notes: Mapped[str] = mapped_column(Text)
    grid_cell: Mapped[str | None] = mapped_column(String(32), index=True)
    registered_at: Mapped[datetime] = mapped_column(UtcDateTime)
    registered_by: Mapped[str] = mapped_column(String(200))


class KeyPersonLink(Base):
    __tablename__ = "key_person_links"
    __table_args__ = (UniqueConstraint("person_id", "subject_kind", "subject_id"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    person_id: Mapped[str] = mapped_column(String(64), index=True)
    subject_kind: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[str] = mapped_column(String(64), index=True)
    note: Mapped[str] = mapped_column(Text)
    linked_at: Mapped[datetime] = mapped_column(UtcDateTime)
    linked_by: Mapped[str] = mapped_column(String(200))


# -- schemas --------------------------------------------------------------------------------


class KeyPersonCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    id_number: str = Field(pattern=r"^(\d{17}[\dXx]|\d{15})$", description="PRC resident ID number")
    phone: str = Field(default="", max_length=40, pattern=r"^[0-9+\- ]*$")
    address: str = Field(default="", max_length=500)
    category: KeyPersonCategory
    responsible_officer: str = Field(min_length=1, max_length=100)
    notes: str = Field(default="", max_length=4000)
    grid_cell: str | None = Field(default=None, pattern=r"^[0-9A-Za-z-]{1,32}$")


class KeyPersonMasked(BaseModel):
    """A key person as the register lists them: no address or notes, the rest masked."""

    id: str
    name: str
    id_number: str
    phone: str
    category: str
    responsible_officer: str
    grid_cell: str | None
    links: int


class LinkRead(BaseModel):
    id: int
    person: KeyPersonMasked
    subject_kind: str
    subject_id: str
    note: str
    linked_at: datetime
    linked_by: str


class KeyPersonIdentity(BaseModel):
    """Everything the register holds on one person: read with a reason, and audited."""

    id: str
    name: str
    id_number: str
    phone: str
    address: str
    category: str
    responsible_officer: str
    notes: str
    grid_cell: str | None
    registered_at: datetime
    registered_by: str
    linked: list[LinkRead]
    audit_seq: int = Field(description="The audit-log entry that records this read")


Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class IdentityRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason = Field(description="Why the identity is read; kept in the audit log")


class LinkCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject_kind: SubjectKind
    subject_id: str = Field(min_length=1, max_length=64)
    note: str = Field(default="", max_length=1000)

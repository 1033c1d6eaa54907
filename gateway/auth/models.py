"""Operator accounts and the sign-in schemas."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from gateway.auth.roles import AGENCY_ROLES, PERMISSIONS, Permission, Role
from kernel.catalog import AGENCIES
from kernel.db import Base, UtcDateTime

USERNAME = r"^[a-z][a-z0-9_.-]{1,63}$"
# Printed in the README for `make run`'s demo, so it guards nothing anywhere else.
DEMO_PASSWORD = "jcp-demo-2026"
MIN_PASSWORD = 8


class OperatorAccount(Base):
    __tablename__ = "operator_accounts"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    # Set for an agency's own staff: the one agency whose console they may use.
    agency: Mapped[str | None] = mapped_column(String(32))
    password_hash: Mapped[str] = mapped_column(String(200))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SignInLock(Base):
    """Failed sign-ins counted against one account or one client address: what slows and then
    locks a guessing attack. A row, not a counter in memory, so every gateway process sees it
    and a restart does not forgive."""

    __tablename__ = "sign_in_locks"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failure_at: Mapped[datetime] = mapped_column(UtcDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)


class SignInLockRead(BaseModel):
    kind: str
    key: str
    failures: int
    last_failure_at: datetime
    locked_until: datetime | None


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


class OperatorCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(pattern=USERNAME)
    display_name: str = Field(default="", max_length=100)
    role: Role
    # Checked even when left out, and against the role: a refusal names this field, so a form
    # can say which of its fields is wrong.
    agency: str | None = Field(default=None, validate_default=True)
    password: str = Field(min_length=MIN_PASSWORD, max_length=200)

    @field_validator("agency")
    @classmethod
    def _agency_matches_role(cls, agency: str | None, info: ValidationInfo) -> str | None:
        role = info.data.get("role")
        if role is not None:  # a bad role is refused on its own
            check_scope(role, agency)
        return agency


def check_scope(role: Role, agency: str | None) -> None:
    """Agency roles belong to exactly one agency; command-room roles to none."""
    if role in AGENCY_ROLES and agency not in AGENCIES:
        raise ValueError(f"role {role} needs an agency, one of {', '.join(AGENCIES)}")
    if role not in AGENCY_ROLES and agency is not None:
        raise ValueError(f"role {role} is a command-room role and takes no agency")


class OperatorChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role | None = None
    disabled: bool | None = None
    password: str | None = Field(default=None, min_length=MIN_PASSWORD, max_length=200)


class OperatorRead(BaseModel):
    username: str
    display_name: str
    role: Role
    agency: str | None = None
    permissions: list[Permission]
    disabled: bool = False

    @classmethod
    def from_row(cls, row: OperatorAccount) -> "OperatorRead":
        role = Role(row.role)
        return cls(
            username=row.username,
            display_name=row.display_name,
            role=role,
            agency=row.agency,
            permissions=sorted(PERMISSIONS[role]),
            disabled=row.disabled,
        )


class KeyRotated(BaseModel):
    kid: str
    published: list[str]


class SessionRead(BaseModel):
    token: str
    expires_at: datetime
    operator: OperatorRead

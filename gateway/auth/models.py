"""Operator accounts and the sign-in schemas."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from gateway.auth.roles import PERMISSIONS, Permission, Role
from kernel.db import Base, UtcDateTime

USERNAME = r"^[a-z][a-z0-9_.-]{1,63}$"


class OperatorAccount(Base):
    __tablename__ = "operator_accounts"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(200))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


class OperatorCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(pattern=USERNAME)
    display_name: str = Field(default="", max_length=100)
    role: Role
    password: str = Field(min_length=8, max_length=200)


class OperatorChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role | None = None
    disabled: bool | None = None
    password: str | None = Field(default=None, min_length=8, max_length=200)


class OperatorRead(BaseModel):
    username: str
    display_name: str
    role: Role
    permissions: list[Permission]
    disabled: bool = False

    @classmethod
    def from_row(cls, row: OperatorAccount) -> "OperatorRead":
        role = Role(row.role)
        return cls(
            username=row.username,
            display_name=row.display_name,
            role=role,
            permissions=sorted(PERMISSIONS[role]),
            disabled=row.disabled,
        )


class SessionRead(BaseModel):
    token: str
    expires_at: datetime
    operator: OperatorRead

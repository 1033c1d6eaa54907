"""The bulletin archive and the shapes a bulletin is built from.

A bulletin is archived as the bytes it was issued with (its page and its tables' CSV), not as
figures to draw again: the data under it keeps changing (incidents are corrected, closed,
merged) and last month's bulletin must still read as it did when it went out.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Date, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import Base, UtcDateTime

PeriodKind = Literal["day", "week", "month", "year"]
Scope = Literal["district", "stability", "construction", "population"]
SCOPES: tuple[str, ...] = Scope.__args__  # type: ignore[attr-defined]
# The edition of the bulletin the scheduler issues in the morning; on-demand ones count from 1.
SCHEDULED_EDITION = 0


class Bulletin(Base):
    """One issued bulletin. The id is ``{scope}-{kind}-{start}-{edition}``, so the morning's
    bulletin of a period (edition 0) can be inserted once only, whichever gateway process or
    restart tries first."""

    __tablename__ = "bulletins"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    scope: Mapped[str] = mapped_column(String(32), index=True)
    period_kind: Mapped[str] = mapped_column(String(8))
    period_start: Mapped[date] = mapped_column(Date, index=True)
    period_end: Mapped[date] = mapped_column(Date)
    edition: Mapped[int] = mapped_column(Integer)
    generated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    generated_by: Mapped[str] = mapped_column(String(100))
    html: Mapped[str] = mapped_column(Text)
    csv_zip: Mapped[bytes] = mapped_column(LargeBinary)
    tables: Mapped[str] = mapped_column(Text, doc="The names of its tables, comma-separated")


@dataclass(frozen=True)
class Period:
    """What one bulletin covers: a scope (the district or one center) and the local days
    [first, end) in ``timezone``; ``start``/``stop`` are the same bounds in UTC."""

    scope: str
    kind: str
    first: date
    end: date
    timezone: str
    start: datetime
    stop: datetime


@dataclass(frozen=True)
class Table:
    """A table of a section: ``name`` is its CSV file's name; each column titled in both
    languages."""

    name: str
    title: tuple[str, str]
    columns: tuple[tuple[str, str], ...]
    rows: list[tuple[str | int, ...]]


@dataclass(frozen=True)
class BarChart:
    title: tuple[str, str]
    labels: list[str]
    values: list[int]


@dataclass(frozen=True)
class Section:
    """One part of a bulletin: a title in both languages, its tables, perhaps a chart, and a
    note (such as why a figure is missing)."""

    key: str
    title: tuple[str, str]
    tables: list[Table] = field(default_factory=list)
    chart: BarChart | None = None
    note: tuple[str, str] | None = None


class BulletinCreate(BaseModel):
    """A bulletin on demand: ``day`` is any day inside the period wanted (its week starts on a
    Monday, its month on the 1st, its year on 1 January)."""

    model_config = ConfigDict(extra="forbid")

    scope: Scope = "district"
    kind: PeriodKind = "day"
    day: date


class BulletinRead(BaseModel):
    id: str
    scope: str
    kind: str
    period_start: date
    period_end: date = Field(description="The day after the period's last day")
    edition: int = Field(description="0: issued by the morning schedule; 1, 2, ...: on demand")
    generated_at: datetime
    generated_by: str
    tables: list[str]

    @classmethod
    def from_row(cls, row: Bulletin) -> "BulletinRead":
        return cls(
            id=row.id,
            scope=row.scope,
            kind=row.period_kind,
            period_start=row.period_start,
            period_end=row.period_end,
            edition=row.edition,
            generated_at=row.generated_at,
            generated_by=row.generated_by,
            tables=[name for name in row.tables.split(",") if name],
        )

"""Tasks and units as every service keeps them: each at its latest version.

The gateway creates tasks and mirrors what agencies do with them; an agency keeps the tasks sent
to it and drives them. Units belong to their agency; the gateway mirrors them. Both sides store
with the same rule as incidents: keep a record only if its version is newer.
"""

from datetime import UTC, datetime
from typing import Any, TypeVar

from google.protobuf.message import Message
from sqlalchemy import JSON, Boolean, Float, Integer, String, Text
from sqlalchemy.orm import Mapped, Session, mapped_column

from jcp.dispatch.v1 import dispatch_pb2 as pb
from kernel.bus.envelope import InvalidEvent
from kernel.db import Base, UtcDateTime, get_for_update
from kernel.tasks import ROLE_CODES, ROLES, STATUS_CODES, STATUSES

UNIT_STATUSES = {
    value.number: value.name.removeprefix("UNIT_STATUS_").lower()
    for value in pb.UnitStatus.DESCRIPTOR.values
    if value.number != 0
}
UNIT_STATUS_CODES = {name: code for code, name in UNIT_STATUSES.items()}


class TaskRow(Base):
    __tablename__ = "tasks"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    order_id: Mapped[str] = mapped_column(String(64), index=True)
    incident_id: Mapped[str] = mapped_column(String(64), index=True)
    agency: Mapped[str] = mapped_column(String(32), index=True)
    role: Mapped[str] = mapped_column(String(16))
    unit_ids: Mapped[list[str]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), index=True)
    version: Mapped[int] = mapped_column(Integer)
    instructions: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text)
    acknowledge_by: Mapped[datetime] = mapped_column(UtcDateTime)
    on_scene_by: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[str] = mapped_column(String(100))
    drill: Mapped[bool] = mapped_column(Boolean)


class UnitRow(Base):
    __tablename__ = "units"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    agency: Mapped[str] = mapped_column(String(32), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(64), index=True)
    capabilities: Mapped[list[str]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), index=True)
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    position_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer)
    task_id: Mapped[str] = mapped_column(String(64))


def _ts(value: object) -> datetime:
    return value.ToDatetime(tzinfo=UTC)  # type: ignore[attr-defined]


def task_to_proto(row: TaskRow) -> pb.Task:
    task = pb.Task(
        id=row.id,
        order_id=row.order_id,
        incident_id=row.incident_id,
        agency=row.agency,
        role=ROLE_CODES[row.role],
        unit_ids=row.unit_ids,
        status=STATUS_CODES[row.status],
        version=row.version,
        instructions=row.instructions,
        note=row.note,
        updated_by=row.updated_by,
        drill=row.drill,
    )
    task.acknowledge_by.FromDatetime(row.acknowledge_by)
    task.on_scene_by.FromDatetime(row.on_scene_by)
    task.updated_at.FromDatetime(row.updated_at)
    return task


def validate_task(task: pb.Task) -> None:
    if not task.id or not task.incident_id or not task.agency:
        raise InvalidEvent("task id, incident_id and agency are required")
    if task.role not in ROLES:
        raise InvalidEvent(f"task role {task.role} is not known")
    if task.status not in STATUSES:
        raise InvalidEvent(f"task status {task.status} is not known")
    if task.version < 1:
        raise InvalidEvent(f"task version {task.version} is below 1")
    for field in ("acknowledge_by", "on_scene_by", "updated_at"):
        if not task.HasField(field):
            raise InvalidEvent(f"task {field} is required")


def store_task(*, session: Session, task: pb.Task) -> TaskRow | None:
    """Keep ``task`` if it is newer than what is held; the stored row, or None if not kept."""
    validate_task(task)
    values = {
        "order_id": task.order_id,
        "incident_id": task.incident_id,
        "agency": task.agency,
        "role": ROLES[task.role],
        "unit_ids": list(task.unit_ids),
        "status": STATUSES[task.status],
        "version": task.version,
        "instructions": task.instructions,
        "note": task.note,
        "acknowledge_by": _ts(task.acknowledge_by),
        "on_scene_by": _ts(task.on_scene_by),
        "updated_at": _ts(task.updated_at),
        "updated_by": task.updated_by,
        "drill": task.drill,
    }
    return _keep_if_newer(session, TaskRow, task.id, values)


_Stored = TypeVar("_Stored", TaskRow, UnitRow)


def _keep_if_newer(
    session: Session, model: type[_Stored], key: str, values: dict[str, Any]
) -> _Stored | None:
    row = get_for_update(session=session, model=model, key=key)
    if row is not None and row.version >= values["version"]:
        return None
    if row is None:
        row = model(id=key, **values)
        session.add(row)
    else:
        for name, value in values.items():
            setattr(row, name, value)
    session.flush()
    return row


def unit_to_proto(row: UnitRow) -> pb.Unit:
    unit = pb.Unit(
        id=row.id,
        agency=row.agency,
        name=row.name,
        kind=row.kind,
        capabilities=row.capabilities,
        status=UNIT_STATUS_CODES[row.status],
        version=row.version,
        task_id=row.task_id,
        position=pb.Position(latitude=row.latitude, longitude=row.longitude),
    )
    if row.position_at is not None:
        unit.position.at.FromDatetime(row.position_at)
    return unit


def store_unit(*, session: Session, unit: pb.Unit) -> UnitRow | None:
    if not unit.id or not unit.agency:
        raise InvalidEvent("unit id and agency are required")
    if unit.status not in UNIT_STATUSES:
        raise InvalidEvent(f"unit status {unit.status} is not known")
    if not (-90 <= unit.position.latitude <= 90 and -180 <= unit.position.longitude <= 180):
        raise InvalidEvent("unit position is outside WGS-84 bounds")
    values = {
        "agency": unit.agency,
        "name": unit.name,
        "kind": unit.kind,
        "capabilities": list(unit.capabilities),
        "status": UNIT_STATUSES[unit.status],
        "latitude": unit.position.latitude,
        "longitude": unit.position.longitude,
        "position_at": _ts(unit.position.at) if unit.position.HasField("at") else None,
        "version": unit.version,
        "task_id": unit.task_id,
    }
    return _keep_if_newer(session, UnitRow, unit.id, values)


DISPATCH_EVENTS: tuple[type[Message], ...] = (
    pb.TaskAssigned,
    pb.TaskUpdated,
    pb.TaskCancelled,
    pb.ClockBreached,
)
UNIT_EVENTS: tuple[type[Message], ...] = (pb.UnitChanged,)

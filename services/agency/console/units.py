"""The agency's units: their status and position, changed by the duty room through the same
function the gRPC API uses, so each change is announced on ``units.v1`` through the outbox."""

from fastapi import APIRouter

from jcp.dispatch.v1 import dispatch_pb2 as pb
from kernel.db import transaction
from kernel.dispatch_store import UNIT_STATUS_CODES, UNIT_STATUSES
from kernel.incidents.proto import to_datetime
from kernel.profiles import AgencyProfile
from services.agency import dispatch
from services.agency.console.context import Context
from services.agency.console.schemas import Lang, PositionRead, UnitChange, UnitRead
from services.agency.console.staff import MovingUnits, SignedIn

router = APIRouter(prefix="/api/v1", tags=["units"])


def unit_read(unit: pb.Unit, profile: AgencyProfile, lang: str) -> UnitRead:
    status = UNIT_STATUSES[unit.status]
    return UnitRead(
        id=unit.id,
        name=unit.name,
        kind=unit.kind,
        capabilities=list(unit.capabilities),
        status=status,
        status_word=profile.unit_word(status, lang),
        position=PositionRead(
            latitude=unit.position.latitude,
            longitude=unit.position.longitude,
            at=to_datetime(unit.position.at) if unit.position.HasField("at") else None,
        ),
        task_id=unit.task_id,
        version=unit.version,
    )


@router.get("/units", response_model=list[UnitRead])
def list_units(context: Context, _staff: SignedIn, lang: Lang = "zh") -> list[UnitRead]:
    with context.session_factory() as session:
        units = dispatch.list_units(session=session, profile=context.profile)
    return [unit_read(unit, context.profile, lang) for unit in units]


@router.post("/units/{unit_id}", response_model=UnitRead)
def change_unit(
    unit_id: str, body: UnitChange, context: Context, _staff: MovingUnits, lang: Lang = "zh"
) -> UnitRead:
    position = None
    if body.latitude is not None and body.longitude is not None:
        position = pb.Position(latitude=body.latitude, longitude=body.longitude)
    with transaction(context.session_factory) as session:
        unit = dispatch.update_unit(
            session=session,
            profile=context.profile,
            unit_id=unit_id,
            status=UNIT_STATUS_CODES[body.status] if body.status else 0,
            position=position,
            source=context.source,
            clock=context.clock,
        )
    return unit_read(unit, context.profile, lang)

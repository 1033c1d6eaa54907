"""HTTP routes of the three centers: who they are, and which center handles an incident."""

from fastapi import APIRouter

from gateway.auth.deps import Command
from gateway.centers import service
from gateway.centers.models import CenterRead, HandlingRead, Reroute
from gateway.context import Context
from gateway.incidents import service as incidents
from kernel.db import transaction

router = APIRouter(prefix="/api/v1", tags=["centers"])


@router.get("/centers", response_model=list[CenterRead])
def list_centers(ctx: Context) -> list[CenterRead]:
    return [
        CenterRead(id=c.id, name_zh=c.name_zh, name_en=c.name_en, commander=c.commander)
        for c in ctx.rules.centers.values()
    ]


def _read(handling: object) -> HandlingRead:
    return HandlingRead.model_validate(handling, from_attributes=True)


@router.get("/incidents/{incident_id}/handling", response_model=HandlingRead)
def incident_handling(incident_id: str, ctx: Context) -> HandlingRead:
    with transaction(ctx.session_factory) as session:
        incidents.get(session=session, incident_id=incident_id)
        return _read(service.handling_of(session=session, incident_id=incident_id))


@router.post("/incidents/{incident_id}/route", response_model=HandlingRead)
def reroute_incident(incident_id: str, body: Reroute, ctx: Context, actor: Command) -> HandlingRead:
    """Hand an incident to another center, with the reason on its timeline."""
    with transaction(ctx.session_factory) as session:
        incidents.get(session=session, incident_id=incident_id)
        handling = service.reroute(
            session=session,
            incident_id=incident_id,
            center=body.center,
            reason=body.reason,
            actor=actor,
            rules=ctx.rules,
            clock=ctx.clock,
        )
        return _read(handling)

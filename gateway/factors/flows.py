"""Factor changes that reach beyond the register: a factor becoming an incident."""

from sqlalchemy.orm import Session

from gateway.centers import routing
from gateway.centers import service as centers
from gateway.factors import service
from gateway.factors.models import Escalation, Factor
from gateway.incidents import service as incidents
from gateway.incidents.models import IncidentCreate
from kernel.clock import Clock, utc_now
from kernel.incidents.models import IncidentRow


def escalate(
    *,
    session: Session,
    factor_id: str,
    data: Escalation,
    actor: str,
    rules: routing.RoutingRules,
    clock: Clock = utc_now,
) -> tuple[Factor, IncidentRow]:
    """The factor became an incident, in one transaction: reported through the incident service
    (stored, announced to every agency, routed like any report), handled by the factor's own
    center, and linked both ways."""
    row, where = service.to_escalate(session=session, factor_id=factor_id)
    incident, _ = incidents.create(
        session=session,
        data=IncidentCreate(
            source_agency=data.source_agency,
            category=data.category,
            level=data.level or row.level,  # type: ignore[arg-type]
            title=data.title,
            description=row.description,
            location=where,
            involved_agencies=data.involved_agencies,
        ),
        idempotency_key=None,
        actor=actor,
        clock=clock,
    )
    if centers.handling_of(session=session, incident_id=incident.id).center != row.center:
        centers.reroute(
            session=session,
            incident_id=incident.id,
            center=row.center,
            reason=f"instability factor {row.id} of this center became the incident",
            actor=actor,
            rules=rules,
            clock=clock,
        )
    service.became_incident(
        session=session, row=row, incident=incident, note=data.note, actor=actor, clock=clock
    )
    return row, incident

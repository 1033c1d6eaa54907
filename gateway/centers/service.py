"""Which center handles which incident, re-routing, and each center's board."""

from sqlalchemy.orm import Session

from gateway.activity import service as activity
from gateway.centers import routing
from gateway.centers.models import (
    IncidentHandling,
)
from kernel.catalog import AGENCIES
from kernel.clock import Clock, utc_now
from kernel.errors import NotFound
from kernel.incidents.models import IncidentRow


def center_of(rules: routing.RoutingRules, center: str) -> routing.Center:
    if center not in rules.centers:
        raise NotFound(f"center {center!r} does not exist", known=sorted(rules.centers))
    return rules.centers[center]


def route(
    *,
    session: Session,
    incident: IncidentRow,
    agencies: set[str],
    actor: str,
    rules: routing.RoutingRules,
    clock: Clock = utc_now,
) -> IncidentHandling:
    """Route a new incident once; an incident already routed keeps its center."""
    held = session.get(IncidentHandling, incident.id)
    if held is not None:
        return held
    involved = {*agencies, incident.source_agency} & set(AGENCIES)
    decision = rules.route(category=incident.category, agencies=involved)
    handling = IncidentHandling(
        incident_id=incident.id,
        center=decision.center,
        reason=decision.reason,
        agencies=sorted(involved),
        routed_by=actor,
        routed_at=clock(),
        merged_into=None,
    )
    session.add(handling)
    activity.record(
        session=session,
        actor=actor,
        kind="route",
        action="routed",
        incident_id=incident.id,
        center=decision.center,
        data={"center": decision.center, "reason": decision.reason},
        clock=clock,
    )
    session.flush()
    return handling


def handling_of(*, session: Session, incident_id: str) -> IncidentHandling:
    """The incident's handling; an incident that arrived without one (learned by
    reconciliation) is routed now by the rules."""
    held = session.get(IncidentHandling, incident_id)
    if held is not None:
        return held
    incident = session.get(IncidentRow, incident_id)
    if incident is None:
        raise NotFound(f"incident {incident_id} does not exist", incident_id=incident_id)
    return route(session=session, incident=incident, agencies=set(), actor="router", rules=routing.rules())


def reroute(
    *,
    session: Session,
    incident_id: str,
    center: str,
    reason: str,
    actor: str,
    rules: routing.RoutingRules,
    clock: Clock = utc_now,
) -> IncidentHandling:
    center_of(rules, center)
    handling = handling_of(session=session, incident_id=incident_id)
    previous = handling.center
    handling.center = center
    handling.reason = reason
    handling.routed_by = actor
    handling.routed_at = clock()
    activity.record(
        session=session,
        actor=actor,
        kind="route",
        action="rerouted",
        incident_id=incident_id,
        center=center,
        data={"from": previous, "center": center, "reason": reason},
        clock=clock,
    )
    return handling


def involve(
    *,
    session: Session,
    incident_id: str,
    agencies: set[str],
    actor: str,
    rules: routing.RoutingRules,
    clock: Clock = utc_now,
) -> None:
    """Record the agencies working an incident; two or more make it a joint incident."""
    handling = handling_of(session=session, incident_id=incident_id)
    handling.agencies = sorted(set(handling.agencies) | agencies)
    if len(handling.agencies) >= 2 and handling.center != rules.joint_center:
        reroute(
            session=session,
            incident_id=incident_id,
            center=rules.joint_center,
            reason=f"joint response by {', '.join(handling.agencies)}",
            actor=actor,
            rules=rules,
            clock=clock,
        )

"""Cases partners share with us: each becomes an incident whose source is the partner, routed to
a center like any other, once per partner case id."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.incidents import service as incidents
from gateway.incidents.models import IncidentCreate, Location, Reporter
from gateway.partners.formats.cap import CapAlert
from gateway.partners.models import CaseAccepted, CaseShare, PartnerCase


def from_cap(alert: CapAlert) -> CaseShare:
    return CaseShare(
        case_id=f"cap:{alert.sender}:{alert.identifier}"[:100],
        category=alert.category,
        level=alert.level,  # type: ignore[arg-type]
        title=(alert.headline or alert.event)[:200],
        description=alert.description[:4000],
        location=Location(
            latitude=alert.latitude, longitude=alert.longitude, address=alert.area_desc[:500] or "-"
        ),
        occurred_at=alert.sent,
        drill=alert.drill,
    )


def share(*, session: Session, partner_id: str, case: CaseShare, now: datetime) -> CaseAccepted:
    known = session.scalar(
        select(PartnerCase).where(PartnerCase.partner_id == partner_id, PartnerCase.case_id == case.case_id)
    )
    if known is not None:
        return CaseAccepted(case_id=case.case_id, incident_id=known.incident_id, created=False)
    # The partner is the source; partner ids are not agency ids, so the request model's check
    # of source_agency does not apply here (the case itself was validated as CaseShare).
    data = IncidentCreate.model_construct(
        source_agency=partner_id,
        category=case.category,
        level=case.level,
        title=case.title,
        description=case.description,
        location=case.location,
        reporter=Reporter(name="", phone="", channel=f"partner:{partner_id}"),
        reported_at=case.occurred_at if case.occurred_at and case.occurred_at <= now else None,
        drill=case.drill,
        involved_agencies=[],
    )
    row, _ = incidents.create(
        session=session,
        data=data,
        idempotency_key=f"partner:{partner_id}:{case.case_id}",
        actor=f"partner:{partner_id}",
        clock=lambda: now,
    )
    session.add(PartnerCase(partner_id=partner_id, case_id=case.case_id, incident_id=row.id, received_at=now))
    return CaseAccepted(case_id=case.case_id, incident_id=row.id, created=True)

"""A called member's phone: the personal link opens a page without an account, reads the
call-up as the member sees it, and answers (acknowledged, on the way, arrived, cannot come).

The link itself is the credential (``member_links.py``): it answers for one member of one
call-up, so another call-up's link cannot answer this one. Answers go through
``services/agency/callups.py``, the same function the gRPC API uses, so each counts once and
is announced through the agency's outbox. A cancelled or stood-down call-up says so (410).
"""

from fastapi import APIRouter
from sqlalchemy.orm import Session

from kernel.errors import NotFound
from kernel.incidents.models import IncidentRow
from services.agency import callups
from services.agency.callups import RESPONSE_CODES, AgencyCallUp
from services.agency.console.callups import answers_read
from services.agency.console.context import Context
from services.agency.console.member_links import MemberLink
from services.agency.console.schemas import (
    MemberAnswer,
    MemberAnswerRead,
    MemberCallUpRead,
    MemberIncident,
    MemberRead,
)

router = APIRouter(tags=["members"])


def _called(link: MemberLink, row: AgencyCallUp) -> dict[str, str]:
    member = row.member(link.member_id)
    if member is None:
        raise NotFound(f"member {link.member_id} is not called by {row.id}", member_id=link.member_id)
    return member


@router.get("/api/v1/m/{token}", response_model=MemberCallUpRead)
def member_call_up(token: str, context: Context) -> MemberCallUpRead:
    link = context.member_links.read(token, now=context.clock())
    profile = context.profile
    with context.session_factory() as session:
        row = callups.get_call_up(session=session, profile=profile, call_up_id=link.call_up_id)
        member = _called(link, row)
        callups.ensure_open(row)
        answer = callups.member_answer(session=session, call_up_id=row.id, member_id=link.member_id)
        incident = session.get(IncidentRow, row.incident_id) if row.incident_id else None
    return MemberCallUpRead(
        agency=profile.id,
        agency_name_zh=profile.name_zh,
        agency_name_en=profile.name_en,
        call_up_id=row.id,
        drill=row.drill,
        assembly_point=row.assembly_point,
        called_at=row.called_at,
        incident=(
            MemberIncident(title=incident.title, level=incident.level, address=incident.address)
            if incident is not None
            else None
        ),
        member=MemberRead(member_id=member["member_id"], name=member["name"], role=member["role"]),
        answers=answers_read(answer),
        expires_at=link.expires_at,
    )


@router.post("/api/v1/m/{token}/answer", response_model=MemberAnswerRead)
def member_answer(token: str, body: MemberAnswer, context: Context) -> MemberAnswerRead:
    link = context.member_links.read(token, now=context.clock())

    def answered(session: Session) -> MemberAnswerRead:
        done = callups.respond(
            session=session,
            profile=context.profile,
            call_up_id=link.call_up_id,
            member_id=link.member_id,
            response=RESPONSE_CODES[body.answer],
            reason=body.reason,
            source=context.source,
            clock=context.clock,
        )
        return MemberAnswerRead(
            answer=done.kind, at=done.at, first=done.first, answers=answers_read(done.answers)
        )

    # A call-up's members answer in bursts: written together with the others waiting.
    return context.writer.write(answered)

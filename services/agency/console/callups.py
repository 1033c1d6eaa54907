"""Call-ups at the duty room: each with its muster counts, and the muster board with every
called member's answers and personal link, to send to the member's phone or show as a QR code.

The counts come from the answers recorded by ``services/agency/callups.py``, the same ones the
gateway's muster board mirrors.
"""

import io

import segno
from fastapi import APIRouter, Query, Request, Response

from kernel.errors import NotFound
from services.agency import callups
from services.agency.callups import AgencyCallUp, MemberAnswer, MusterCount
from services.agency.console.context import ConsoleContext, Context
from services.agency.console.schemas import CallUpRead, MemberAnswers, MusterBoardRead, MusterMember
from services.agency.console.staff import Mustering

router = APIRouter(prefix="/api/v1", tags=["call-ups"])


def call_up_read(row: AgencyCallUp, count: MusterCount) -> CallUpRead:
    return CallUpRead(
        id=row.id,
        team_id=row.team_id,
        incident_id=row.incident_id or None,
        drill=row.drill,
        assembly_point=row.assembly_point,
        called_at=row.called_at,
        status=row.status,  # type: ignore[arg-type]
        closed_at=row.cancelled_at,
        close_reason=row.cancel_reason,
        called=count.called,
        acknowledged=count.acknowledged,
        on_the_way=count.on_the_way,
        arrived=count.arrived,
        declined=count.declined,
    )


def answers_read(answer: MemberAnswer | None) -> MemberAnswers:
    if answer is None:
        return MemberAnswers()
    return MemberAnswers(
        acknowledged_at=answer.acknowledged_at,
        on_the_way_at=answer.on_the_way_at,
        arrived_at=answer.arrived_at,
        declined_at=answer.declined_at,
        reason=answer.reason,
    )


def member_link(context: ConsoleContext, request: Request, row: AgencyCallUp, member_id: str) -> str:
    token = context.member_links.token(call_up_id=row.id, member_id=member_id, called_at=row.called_at)
    return f"{context.base_url(request)}/m/{token}"


@router.get("/callups", response_model=list[CallUpRead])
def list_call_ups(
    context: Context, _staff: Mustering, limit: int = Query(default=100, ge=1, le=1000)
) -> list[CallUpRead]:
    with context.session_factory() as session:
        found = callups.list_call_ups(session=session, limit=limit)
    return [call_up_read(row, count) for row, count in found]


@router.get("/callups/{call_up_id}", response_model=MusterBoardRead)
def muster_board(call_up_id: str, request: Request, context: Context, _staff: Mustering) -> MusterBoardRead:
    with context.session_factory() as session:
        row = callups.get_call_up(session=session, profile=context.profile, call_up_id=call_up_id)
        given = callups.answers(session=session, call_up_id=call_up_id)
    members = [
        MusterMember(
            member_id=member["member_id"],
            name=member["name"],
            role=member["role"],
            phone=member["phone"],
            link=member_link(context, request, row, member["member_id"]),
            qr=f"/api/v1/callups/{row.id}/members/{member['member_id']}/qr.svg",
            **answers_read(given.get(member["member_id"])).model_dump(),
        )
        for member in row.members
    ]
    count = MusterCount(
        called=len(members),
        acknowledged=sum(1 for m in members if m.acknowledged_at),
        on_the_way=sum(1 for m in members if m.on_the_way_at),
        arrived=sum(1 for m in members if m.arrived_at),
        declined=sum(1 for m in members if m.declined_at),
    )
    return MusterBoardRead(call_up=call_up_read(row, count), members=members)


@router.get(
    "/callups/{call_up_id}/members/{member_id}/qr.svg",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}}},
)
def member_qr(
    call_up_id: str, member_id: str, request: Request, context: Context, _staff: Mustering
) -> Response:
    with context.session_factory() as session:
        row = callups.get_call_up(session=session, profile=context.profile, call_up_id=call_up_id)
    if row.member(member_id) is None:
        raise NotFound(f"member {member_id} is not called by {call_up_id}", member_id=member_id)
    svg = io.BytesIO()
    segno.make(member_link(context, request, row, member_id), error="m").save(
        svg, kind="svg", scale=4, border=2, xmldecl=False
    )
    return Response(svg.getvalue(), media_type="image/svg+xml", headers={"Cache-Control": "no-store"})

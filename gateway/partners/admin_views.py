"""The operators' side of partner sharing: administrators manage partners, agreements, keys and
webhooks; commanders ask partners for aid and answer their requests."""

from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy import select

from gateway.audit import service as audit
from gateway.auth.deps import Admin, Command
from gateway.context import Context, ReadSession
from gateway.partners import registry
from gateway.partners.inbound import aid
from gateway.partners.models import (
    Agreement,
    AgreementRead,
    AidRead,
    AidStatus,
    AidStatusChange,
    DeadLetterRead,
    KeyCreate,
    KeyIssued,
    KeyRead,
    OutboundAidCreate,
    PartnerCreate,
    PartnerRead,
    WebhookDeadLetter,
    WebhookIssued,
    WebhookSet,
)
from gateway.partners.outbound import webhooks
from kernel.db import transaction

router = APIRouter(prefix="/api/v1", tags=["partners"])


@router.get("/partners", response_model=list[PartnerRead])
def list_partners(session: ReadSession) -> list[PartnerRead]:
    return registry.listing(session=session)


@router.post("/partners", status_code=201, response_model=PartnerRead)
def create_partner(body: PartnerCreate, actor: Admin, ctx: Context) -> PartnerRead:
    with transaction(ctx.session_factory) as session:
        return registry.create(session=session, data=body, actor=actor, now=ctx.clock())


@router.get("/partners/{partner_id}/agreement", response_model=AgreementRead)
def get_agreement(partner_id: str, session: ReadSession) -> AgreementRead:
    return registry.agreement_of(registry.get(session=session, partner_id=partner_id))


@router.put("/partners/{partner_id}/agreement", response_model=AgreementRead)
def set_agreement(partner_id: str, body: Agreement, actor: Admin, ctx: Context) -> AgreementRead:
    """Takes effect on the next read of every channel, including changes already logged."""
    with transaction(ctx.session_factory) as session:
        return registry.set_agreement(
            session=session, partner_id=partner_id, agreement=body, actor=actor, now=ctx.clock()
        )


@router.get("/partners/{partner_id}/keys", response_model=list[KeyRead])
def list_keys(partner_id: str, _actor: Admin, session: ReadSession) -> list[KeyRead]:
    return registry.keys(session=session, partner_id=partner_id)


@router.post("/partners/{partner_id}/keys", status_code=201, response_model=KeyIssued)
def issue_key(partner_id: str, body: KeyCreate, actor: Admin, ctx: Context) -> KeyIssued:
    """The secret is in this answer only; the platform keeps its hash."""
    with transaction(ctx.session_factory) as session:
        return registry.issue_key(
            session=session, partner_id=partner_id, data=body, actor=actor, now=ctx.clock()
        )


@router.post("/partners/{partner_id}/keys/{key_id}/revoke", response_model=KeyRead)
def revoke_key(partner_id: str, key_id: str, actor: Admin, ctx: Context) -> KeyRead:
    with transaction(ctx.session_factory) as session:
        return registry.revoke_key(
            session=session, partner_id=partner_id, key_id=key_id, actor=actor, now=ctx.clock()
        )


@router.put("/partners/{partner_id}/webhook", response_model=WebhookIssued)
def set_webhook(partner_id: str, body: WebhookSet, actor: Admin, ctx: Context) -> WebhookIssued:
    """Deliveries start with the next change; the secret is in this answer only."""
    with transaction(ctx.session_factory) as session:
        return registry.set_webhook(
            session=session, partner_id=partner_id, data=body, actor=actor, now=ctx.clock()
        )


@router.delete("/partners/{partner_id}/webhook", status_code=204)
def remove_webhook(partner_id: str, actor: Admin, ctx: Context) -> Response:
    with transaction(ctx.session_factory) as session:
        registry.remove_webhook(session=session, partner_id=partner_id, actor=actor, now=ctx.clock())
    return Response(status_code=204)


@router.get("/partners/{partner_id}/webhook/dead-letters", response_model=list[DeadLetterRead])
def dead_letters(partner_id: str, _actor: Admin, session: ReadSession) -> list[DeadLetterRead]:
    registry.get(session=session, partner_id=partner_id)
    rows = session.scalars(
        select(WebhookDeadLetter)
        .where(WebhookDeadLetter.partner_id == partner_id)
        .order_by(WebhookDeadLetter.id)
    )
    return [DeadLetterRead.model_validate(row, from_attributes=True) for row in rows]


@router.post(
    "/partners/{partner_id}/webhook/dead-letters/{letter_id}/redeliver", response_model=DeadLetterRead
)
def redeliver(partner_id: str, letter_id: int, actor: Admin, ctx: Context) -> DeadLetterRead:
    """Sends the change once more, now; ``redelivered_at`` is set when the partner took it."""
    letter = webhooks.redeliver(ctx.session_factory, partner_id, letter_id, ctx.clock())
    with transaction(ctx.session_factory) as session:
        audit.append(
            session=session,
            actor=actor,
            action="webhook.redelivered",
            subject=f"partner:{partner_id}",
            at=ctx.clock(),
            detail={"dead_letter": letter_id, "delivered": letter.redelivered_at is not None},
        )
    return DeadLetterRead.model_validate(letter, from_attributes=True)


@router.get("/aid-requests", response_model=list[AidRead])
def list_aid_requests(
    ctx: Context,
    session: ReadSession,
    partner: Annotated[str | None, Query(max_length=32)] = None,
    status: AidStatus | None = None,
) -> list[AidRead]:
    """The partner requests inbox: both directions, newest first."""
    return aid.listing(session=session, now=ctx.clock(), partner_id=partner, status=status)


@router.post("/aid-requests", status_code=201, response_model=AidRead)
def ask_partner(body: OutboundAidCreate, actor: Command, ctx: Context) -> AidRead:
    """Ask a partner bureau for aid; it sees the request on its feed and answers there."""
    now = ctx.clock()
    with transaction(ctx.session_factory) as session:
        created, _ = aid.create(
            session=session,
            partner_id=body.partner,
            direction="outbound",
            data=body,
            partner_ref=None,
            actor=actor,
            now=now,
        )
        return created


@router.post("/aid-requests/{aid_id}/status", response_model=AidRead)
def answer_partner(aid_id: str, change: AidStatusChange, actor: Command, ctx: Context) -> AidRead:
    """Answer a partner's request: accepted or declined, then in progress, then completed."""
    with transaction(ctx.session_factory) as session:
        return aid.change_status(
            session=session, aid_id=aid_id, answering_side="us", change=change, actor=actor, now=ctx.clock()
        )

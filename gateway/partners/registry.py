"""Administrators' side: partners, their agreements, keys and webhooks. Every change here is
written to the audit log in the same unit of work."""

import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.audit import service as audit
from gateway.partners.access import credentials
from gateway.partners.models import (
    Agreement,
    AgreementRead,
    KeyCreate,
    KeyIssued,
    KeyRead,
    Partner,
    PartnerCreate,
    PartnerKey,
    PartnerRead,
    WebhookIssued,
    WebhookSet,
    WebhookState,
)
from gateway.partners.outbound import changes
from kernel.db import get_for_update
from kernel.errors import Conflict, NotFound


def agreement_of(row: Partner) -> AgreementRead:
    return AgreementRead(
        categories=row.categories,
        levels=row.levels,  # type: ignore[arg-type]
        fields=row.fields,
        mask_names=row.mask_names,
        mask_id_numbers=row.mask_id_numbers,
        mask_phones=row.mask_phones,
        share_drills=row.share_drills,
        version=row.agreement_version,
    )


def partner_read(row: Partner) -> PartnerRead:
    return PartnerRead(id=row.id, name=row.name, agreement=agreement_of(row), webhook_url=row.webhook_url)


def _apply(row: Partner, agreement: Agreement) -> None:
    row.categories = list(dict.fromkeys(agreement.categories))
    row.levels = list(dict.fromkeys(agreement.levels))
    row.fields = list(dict.fromkeys(agreement.fields))
    row.mask_names = agreement.mask_names
    row.mask_id_numbers = agreement.mask_id_numbers
    row.mask_phones = agreement.mask_phones
    row.share_drills = agreement.share_drills


def get(*, session: Session, partner_id: str, for_update: bool = False) -> Partner:
    row = (
        get_for_update(session=session, model=Partner, key=partner_id)
        if for_update
        else session.get(Partner, partner_id)
    )
    if row is None:
        raise NotFound(f"no partner {partner_id!r}")
    return row


def listing(*, session: Session) -> list[PartnerRead]:
    return [partner_read(row) for row in session.scalars(select(Partner).order_by(Partner.id))]


def create(*, session: Session, data: PartnerCreate, actor: str, now: datetime) -> PartnerRead:
    if session.get(Partner, data.id) is not None:
        raise Conflict(f"partner {data.id!r} exists")
    row = Partner(
        id=data.id, name=data.name, created_at=now, agreement_version=1, webhook_url=None, webhook_secret=None
    )
    _apply(row, data.agreement)
    session.add(row)
    audit.append(
        session=session,
        actor=actor,
        action="partner.created",
        subject=f"partner:{data.id}",
        at=now,
        detail={"name": data.name, "agreement": data.agreement.model_dump(mode="json")},
    )
    return partner_read(row)


def set_agreement(
    *, session: Session, partner_id: str, agreement: Agreement, actor: str, now: datetime
) -> AgreementRead:
    row = get(session=session, partner_id=partner_id, for_update=True)
    before = agreement_of(row).model_dump(mode="json")
    _apply(row, agreement)
    row.agreement_version += 1
    after = agreement_of(row)
    audit.append(
        session=session,
        actor=actor,
        action="agreement.changed",
        subject=f"partner:{partner_id}",
        at=now,
        detail={"before": before, "after": after.model_dump(mode="json")},
    )
    return after


def issue_key(*, session: Session, partner_id: str, data: KeyCreate, actor: str, now: datetime) -> KeyIssued:
    get(session=session, partner_id=partner_id)
    row, secret = credentials.new_key(partner_id, list(dict.fromkeys(data.scopes)), now)
    session.add(row)
    audit.append(
        session=session,
        actor=actor,
        action="key.issued",
        subject=f"partner:{partner_id}",
        at=now,
        detail={"key_id": row.id, "scopes": row.scopes},
    )
    return KeyIssued(
        id=row.id,
        partner_id=partner_id,
        scopes=row.scopes,
        created_at=now,
        revoked_at=None,
        api_key=f"{row.id}.{secret}",
        client_id=row.id,
        client_secret=secret,
    )


def keys(*, session: Session, partner_id: str) -> list[KeyRead]:
    get(session=session, partner_id=partner_id)
    rows = session.scalars(
        select(PartnerKey).where(PartnerKey.partner_id == partner_id).order_by(PartnerKey.created_at)
    )
    return [KeyRead.model_validate(row, from_attributes=True) for row in rows]


def revoke_key(*, session: Session, partner_id: str, key_id: str, actor: str, now: datetime) -> KeyRead:
    """Refuses the key, and every token made from it, from the next request on."""
    row = get_for_update(session=session, model=PartnerKey, key=key_id)
    if row is None or row.partner_id != partner_id:
        raise NotFound(f"no key {key_id} for partner {partner_id}")
    if row.revoked_at is None:
        row.revoked_at = now
        audit.append(
            session=session,
            actor=actor,
            action="key.revoked",
            subject=f"partner:{partner_id}",
            at=now,
            detail={"key_id": key_id},
        )
    return KeyRead.model_validate(row, from_attributes=True)


def remove_webhook(*, session: Session, partner_id: str, actor: str, now: datetime) -> None:
    row = get(session=session, partner_id=partner_id, for_update=True)
    row.webhook_url = row.webhook_secret = None
    audit.append(
        session=session, actor=actor, action="webhook.removed", subject=f"partner:{partner_id}", at=now
    )


def set_webhook(
    *, session: Session, partner_id: str, data: WebhookSet, actor: str, now: datetime
) -> WebhookIssued:
    """A new secret with every new address, and deliveries from the next change on."""
    row = get(session=session, partner_id=partner_id, for_update=True)
    row.webhook_url = str(data.url)
    row.webhook_secret = secrets.token_urlsafe(32)
    newest = changes.newest(session=session)
    state = get_for_update(session=session, model=WebhookState, key=partner_id)
    if state is None:
        session.add(WebhookState(partner_id=partner_id, cursor=newest, attempts=0, last_error=None))
    else:
        state.cursor, state.attempts, state.last_error = newest, 0, None
    audit.append(
        session=session,
        actor=actor,
        action="webhook.set",
        subject=f"partner:{partner_id}",
        at=now,
        detail={"url": row.webhook_url},
    )
    return WebhookIssued(url=row.webhook_url, secret=row.webhook_secret)

"""The key-person register: masked reads for everyone, identity reads with a reason, links to
incidents and factors, and the audit trail of all of it.

Every identity read, and every refused one, is an audit-log entry written in the same
transaction as the read (who, when, why), so a read the log does not show did not happen.
"""

import uuid
from collections import Counter
from collections.abc import Iterable

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway.audit import service as audit
from gateway.factors import service as factors
from gateway.incidents import service as incidents
from gateway.keypersons.models import (
    KeyPerson,
    KeyPersonCreate,
    KeyPersonIdentity,
    KeyPersonLink,
    KeyPersonMasked,
    LinkCreate,
    LinkRead,
)
from gateway.partners.outbound import redaction
from kernel.clock import Clock
from kernel.errors import Conflict, NotFound

READ = "key_person.identity_read"
REFUSED = "key_person.identity_refused"


def _subject(person_id: str) -> str:
    return f"key_person:{person_id}"


def get(*, session: Session, person_id: str) -> KeyPerson:
    row = session.get(KeyPerson, person_id)
    if row is None:
        raise NotFound(f"key person {person_id} does not exist", person_id=person_id)
    return row


def register(*, session: Session, data: KeyPersonCreate, actor: str, clock: Clock) -> KeyPerson:
    row = KeyPerson(
        id=str(uuid.uuid4()),
        **data.model_dump(exclude={"category"}),
        category=data.category.value,
        registered_at=clock(),
        registered_by=actor,
    )
    session.add(row)
    session.flush()
    audit.append(
        session=session,
        actor=actor,
        action="key_person.registered",
        subject=_subject(row.id),
        at=clock(),
        detail={"category": row.category},
    )
    return row


def masked(row: KeyPerson, links: int) -> KeyPersonMasked:
    return KeyPersonMasked(
        id=row.id,
        name=redaction.mask_name(row.name),
        id_number=redaction.mask_id_numbers(row.id_number),
        phone=redaction.mask_phones(row.phone),
        category=row.category,
        responsible_officer=row.responsible_officer,
        grid_cell=row.grid_cell,
        links=links,
    )


def _link_counts(session: Session, person_ids: Iterable[str]) -> Counter[str]:
    return Counter(
        dict(
            session.execute(  # type: ignore[arg-type]
                select(KeyPersonLink.person_id, func.count())
                .where(KeyPersonLink.person_id.in_(list(person_ids)))
                .group_by(KeyPersonLink.person_id)
            ).all()
        )
    )


def listing(*, session: Session, category: str | None, grid_cell: str | None) -> list[KeyPersonMasked]:
    query = select(KeyPerson).order_by(KeyPerson.category, KeyPerson.registered_at, KeyPerson.id)
    if category:
        query = query.where(KeyPerson.category == category)
    if grid_cell:
        query = query.where(KeyPerson.grid_cell == grid_cell)
    rows = list(session.scalars(query))
    counts = _link_counts(session, [row.id for row in rows])
    return [masked(row, counts[row.id]) for row in rows]


def _links(session: Session, where: ColumnElement[bool]) -> list[LinkRead]:
    pairs = session.execute(
        select(KeyPersonLink, KeyPerson)
        .join(KeyPerson, KeyPerson.id == KeyPersonLink.person_id)
        .where(where)
        .order_by(KeyPersonLink.linked_at, KeyPersonLink.id)
    ).all()
    counts = _link_counts(session, {person.id for _, person in pairs})
    return [
        LinkRead(
            id=link.id,
            person=masked(person, counts[person.id]),
            subject_kind=link.subject_kind,
            subject_id=link.subject_id,
            note=link.note,
            linked_at=link.linked_at,
            linked_by=link.linked_by,
        )
        for link, person in pairs
    ]


def reveal(
    *, session: Session, person_id: str, actor: str, role: str, reason: str, clock: Clock
) -> KeyPersonIdentity:
    row = get(session=session, person_id=person_id)
    entry = audit.append(
        session=session,
        actor=actor,
        action=READ,
        subject=_subject(person_id),
        at=clock(),
        detail={"reason": reason, "role": role},
    )
    return KeyPersonIdentity(
        id=row.id,
        name=row.name,
        id_number=row.id_number,
        phone=row.phone,
        address=row.address,
        category=row.category,
        responsible_officer=row.responsible_officer,
        notes=row.notes,
        grid_cell=row.grid_cell,
        registered_at=row.registered_at,
        registered_by=row.registered_by,
        linked=_links(session, KeyPersonLink.person_id == person_id),
        audit_seq=entry.seq,
    )


def refuse(
    *, session: Session, person_id: str, actor: str, role: str, reason: str | None, clock: Clock
) -> None:
    """Records an identity read the role may not make, before it is refused."""
    audit.append(
        session=session,
        actor=actor,
        action=REFUSED,
        subject=_subject(person_id),
        at=clock(),
        detail={"reason": reason, "role": role},
    )


def _subject_exists(*, session: Session, subject_kind: str, subject_id: str) -> None:
    """A link to nothing would show a key person in no incident and no factor: refused as 404,
    naming what is missing."""
    if subject_kind == "incident":
        incidents.get(session=session, incident_id=subject_id)
    elif subject_kind == "factor":
        factors.get(session=session, factor_id=subject_id)


def link(*, session: Session, person_id: str, data: LinkCreate, actor: str, clock: Clock) -> LinkRead:
    get(session=session, person_id=person_id)
    _subject_exists(session=session, subject_kind=data.subject_kind, subject_id=data.subject_id)
    row = KeyPersonLink(
        person_id=person_id,
        subject_kind=data.subject_kind,
        subject_id=data.subject_id,
        note=data.note,
        linked_at=clock(),
        linked_by=actor,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        raise Conflict(
            f"key person {person_id} is already linked to {data.subject_kind} {data.subject_id}",
            person_id=person_id,
        ) from None
    audit.append(
        session=session,
        actor=actor,
        action="key_person.linked",
        subject=_subject(person_id),
        at=clock(),
        detail={"subject_kind": data.subject_kind, "subject_id": data.subject_id},
    )
    return _links(session, KeyPersonLink.id == row.id)[0]


def unlink(*, session: Session, person_id: str, link_id: int, actor: str, clock: Clock) -> None:
    row = session.get(KeyPersonLink, link_id)
    if row is None or row.person_id != person_id:
        raise NotFound(f"key person {person_id} has no link {link_id}", link_id=link_id)
    session.delete(row)
    audit.append(
        session=session,
        actor=actor,
        action="key_person.unlinked",
        subject=_subject(person_id),
        at=clock(),
        detail={"subject_kind": row.subject_kind, "subject_id": row.subject_id},
    )


def links_to(*, session: Session, subject_kind: str, subject_id: str) -> list[LinkRead]:
    """The key persons an incident or a factor names, masked."""
    _subject_exists(session=session, subject_kind=subject_kind, subject_id=subject_id)
    return _links(
        session, (KeyPersonLink.subject_kind == subject_kind) & (KeyPersonLink.subject_id == subject_id)
    )

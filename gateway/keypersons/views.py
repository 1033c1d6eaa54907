"""HTTP routes of the key-person register.

Who sees what: everyone who may view lists the register masked; keeping it, linking people to
incidents and factors, reading the links and reading an identity need ``key_persons``. An
identity read also needs a reason (422 without one) and is audited; a read without the
permission is refused (403) and audited as refused, with the reason if one was given.
"""

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from gateway.auth.deps import KeyPersons, SignedIn, signed_in
from gateway.auth.roles import Permission, allows
from gateway.context import Context, ReadSession
from gateway.keypersons import service
from gateway.keypersons.models import (
    CATEGORY_NAMES,
    IdentityRequest,
    KeyPersonCategory,
    KeyPersonCreate,
    KeyPersonIdentity,
    KeyPersonMasked,
    LinkCreate,
    LinkRead,
    SubjectKind,
)
from kernel.db import transaction
from kernel.errors import Forbidden

router = APIRouter(prefix="/api/v1", tags=["key persons"])


async def _given_reason(request: Request) -> str | None:
    """The reason a refused caller gave, for the audit entry; the body has been read already."""
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        return None
    reason = body.get("reason") if isinstance(body, dict) else None
    return reason[:500] if isinstance(reason, str) else None


async def identity_reader(
    person_id: str, request: Request, ctx: Context, who: Annotated[SignedIn, Depends(signed_in)]
) -> SignedIn:
    """Runs before the body is checked, so a caller without the permission is refused (and the
    refusal audited) whatever they sent."""
    if allows(who.role, Permission.KEY_PERSONS):
        return who
    reason = await _given_reason(request)

    def audited() -> None:
        with transaction(ctx.session_factory) as session:
            service.refuse(
                session=session,
                person_id=person_id,
                actor=who.username,
                role=who.role,
                reason=reason,
                clock=ctx.clock,
            )

    await run_in_threadpool(audited)
    raise Forbidden(
        f"role {who.role} may not {Permission.KEY_PERSONS.value}: the refusal is in the audit log",
        permission=Permission.KEY_PERSONS.value,
    )


@router.get("/key-persons/categories")
def categories() -> list[dict[str, str]]:
    return [{"id": str(key), "name_zh": zh, "name_en": en} for key, (zh, en) in CATEGORY_NAMES.items()]


@router.get("/key-persons", response_model=list[KeyPersonMasked])
def list_key_persons(
    session: ReadSession, category: KeyPersonCategory | None = None, grid_cell: str | None = None
) -> list[KeyPersonMasked]:
    """The register with names, ID numbers and phones masked, whoever asks."""
    return service.listing(
        session=session, category=category.value if category else None, grid_cell=grid_cell
    )


@router.post("/key-persons", status_code=201, response_model=KeyPersonMasked)
def register(data: KeyPersonCreate, ctx: Context, actor: KeyPersons) -> KeyPersonMasked:
    with transaction(ctx.session_factory) as session:
        return service.masked(service.register(session=session, data=data, actor=actor, clock=ctx.clock), 0)


@router.post(
    "/key-persons/{person_id}/identity",
    response_model=KeyPersonIdentity,
    responses={403: {"description": "The role may not read identities; the refusal is audited"}},
)
def read_identity(
    person_id: str,
    data: IdentityRequest,
    ctx: Context,
    who: Annotated[SignedIn, Depends(identity_reader)],
) -> KeyPersonIdentity:
    """Who the person is, with every link; the read and its reason go into the audit log."""
    with transaction(ctx.session_factory) as session:
        return service.reveal(
            session=session,
            person_id=person_id,
            actor=who.username,
            role=who.role,
            reason=data.reason,
            clock=ctx.clock,
        )


@router.post("/key-persons/{person_id}/links", status_code=201, response_model=LinkRead)
def link(person_id: str, data: LinkCreate, ctx: Context, actor: KeyPersons) -> LinkRead:
    """Name a key person in an incident or an instability factor (404 if it does not exist)."""
    with transaction(ctx.session_factory) as session:
        return service.link(session=session, person_id=person_id, data=data, actor=actor, clock=ctx.clock)


@router.delete("/key-persons/{person_id}/links/{link_id}", status_code=204)
def unlink(person_id: str, link_id: int, ctx: Context, actor: KeyPersons) -> Response:
    with transaction(ctx.session_factory) as session:
        service.unlink(session=session, person_id=person_id, link_id=link_id, actor=actor, clock=ctx.clock)
    return Response(status_code=204)


@router.get("/key-persons/links", response_model=list[LinkRead])
def links_to(
    subject_kind: SubjectKind, subject_id: str, session: ReadSession, _reader: KeyPersons
) -> list[LinkRead]:
    """The key persons an incident or a factor names (masked), for those allowed to know."""
    return service.links_to(session=session, subject_kind=subject_kind, subject_id=subject_id)


@router.get("/incidents/{incident_id}/key-persons", response_model=list[LinkRead])
def incident_key_persons(incident_id: str, session: ReadSession, _reader: KeyPersons) -> list[LinkRead]:
    """The key persons this incident names (masked); 403 for roles without key_persons."""
    return service.links_to(session=session, subject_kind="incident", subject_id=incident_id)


@router.get("/factors/{factor_id}/key-persons", response_model=list[LinkRead])
def factor_key_persons(factor_id: str, session: ReadSession, _reader: KeyPersons) -> list[LinkRead]:
    """The key persons this instability factor names (masked); 403 for roles without key_persons."""
    return service.links_to(session=session, subject_kind="factor", subject_id=factor_id)

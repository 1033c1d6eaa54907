"""The auditors' view of the audit log."""

from typing import Annotated

from fastapi import APIRouter, Query

from gateway.audit import service
from gateway.audit.models import AuditPage, Verification
from gateway.auth.deps import Audit
from gateway.context import ReadSession
from kernel.db import MAX_BIGINT

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


@router.get("", response_model=AuditPage)
def audit_log(
    _auditor: Audit,
    session: ReadSession,
    after: Annotated[int, Query(ge=0, le=MAX_BIGINT, description="Entries after this sequence number")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    actor: str | None = None,
    action: str | None = None,
) -> AuditPage:
    return service.page(session=session, after=after, limit=limit, actor=actor, action=action)


@router.get("/verify", response_model=Verification)
def verify(_auditor: Audit, session: ReadSession) -> Verification:
    """Recomputes every hash in order and names the first broken link."""
    return service.verify(session=session)

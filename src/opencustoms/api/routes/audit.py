"""The audit trail, for the administration (DESIGN.md C8): every state change, decision,
profile change and security event, in chain order, with the hashes that chain them.

Traders get 403: the trail spans every trader. ``after`` is a keyset cursor (the last ``seq``
seen); ``next_after`` in the answer is the value to send for the next page.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from opencustoms.api.deps import CurrentParty, Services
from opencustoms.api.schemas import Problem
from opencustoms.services import audit_trail

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])

ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "content": {"application/problem+json": {}}}
    for status in (400, 401, 403)
}


class AuditEntryOut(BaseModel):
    seq: int
    at: datetime
    actor: str
    kind: str
    subject: str
    event: str
    data: dict[str, Any]
    prev_hash: str
    hash: str


class AuditPage(BaseModel):
    items: list[AuditEntryOut]
    next_after: int | None


@router.get("", response_model=AuditPage, responses=ERRORS,
            summary="Audit log entries in chain order (administration only)")
def list_audit_entries(
    services: Services, party: CurrentParty,
    kind: Annotated[str | None, Query(max_length=32, examples=["risk_profile"])] = None,
    subject: Annotated[str | None, Query(max_length=64)] = None,
    after: Annotated[int | None, Query(ge=0, description="last seq already read")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> AuditPage:
    found = audit_trail.list_entries(services, party, kind=kind, subject=subject, after=after,
                                     limit=limit)
    items = [AuditEntryOut(seq=e.seq, at=e.record.at, actor=e.record.actor, kind=e.record.kind,
                           subject=e.record.subject, event=e.record.event, data=e.record.data,
                           prev_hash=e.prev_hash, hash=e.hash) for e in found.entries]
    return AuditPage(items=items, next_after=found.next_after)

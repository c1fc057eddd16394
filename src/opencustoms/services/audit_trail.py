"""Reading the audit trail (DESIGN.md C8): the administration's view of what happened, by whom.

The trail names parties, key ids, risk profile versions and decisions across all traders, so only
the administration's own staff read it; traders learn about their declarations from the
declaration history and notifications instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from opencustoms.domain.errors import PermissionDenied
from opencustoms.domain.parties import Party
from opencustoms.services.context import ServiceContext
from opencustoms.services.ports import AuditEntry

MAX_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class AuditTrailPage:
    """One page of entries; ``next_after`` is the cursor for the next page (None at the end)."""

    entries: Sequence[AuditEntry]
    next_after: int | None


def require_administration(actor: Party) -> None:
    if not actor.is_administration:
        raise PermissionDenied("the audit trail is for the customs administration only",
                               code="auth.administration-only")


def list_entries(ctx: ServiceContext, actor: Party, *, kind: str | None = None,
                 subject: str | None = None, after: int | None = None,
                 limit: int = 100) -> AuditTrailPage:
    """Entries in chain order after sequence number ``after`` (a keyset cursor), of one
    ``kind`` and ``subject`` when given; at most ``limit`` (1 to 1000)."""
    require_administration(actor)
    limit = max(1, min(limit, MAX_LIMIT))
    with ctx.reader() as uow:
        found = uow.audit.entries(kind=kind, subject=subject, after_seq=after, limit=limit + 1)
    page = found[:limit]
    return AuditTrailPage(page, page[-1].seq if len(found) > limit else None)

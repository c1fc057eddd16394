"""Read-side use cases: one declaration, a filtered list, its history and versions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from opencustoms.domain.declaration import Declaration
from opencustoms.domain.mrn import MRN
from opencustoms.domain.parties import Party
from opencustoms.services.access import require_visible
from opencustoms.services.context import ServiceContext
from opencustoms.services.ports import DeclarationQuery, HistoryEntry


def get_declaration(ctx: ServiceContext, mrn: MRN, actor: Party) -> Declaration:
    with ctx.reader() as uow:
        return require_visible(actor, uow.declarations.get(mrn), mrn)


def list_declarations(ctx: ServiceContext, query: DeclarationQuery,
                      actor: Party) -> Sequence[Declaration]:
    """Declarations matching ``query`` that ``actor`` may see (tenant filter applied here)."""
    visible_to = None if actor.is_administration else actor.id
    with ctx.reader() as uow:
        return uow.declarations.list(replace(query, visible_to=visible_to))


def declaration_history(
    ctx: ServiceContext, mrn: MRN, actor: Party
) -> tuple[Sequence[HistoryEntry], Sequence[tuple[int, datetime, dict[str, Any]]]]:
    """State changes and content versions of ``mrn``, oldest first."""
    with ctx.reader() as uow:
        require_visible(actor, uow.declarations.get(mrn), mrn)
        return uow.declarations.history(mrn), uow.declarations.versions(mrn)

"""SQL store of registered declarations, their versions and their history.

The declaration row holds the current content as a JSON document (``content_to_json`` of the
aggregate's content, so the aggregate always rebuilds exactly); ``declaration_versions`` keeps
each document as it was submitted. Writes use optimistic locking on ``version``; history rows
come from the aggregate's pending events and are written in the caller's transaction.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import and_, delete, exists, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from opencustoms.adapters.db.tables import (
    UQ_DECLARATION_LRN,
    DeclarationHistoryRow,
    DeclarationItemRow,
    DeclarationPartyRow,
    DeclarationRow,
    DeclarationVersionRow,
)
from opencustoms.adapters.formats.declaration_json import content_from_json, content_to_json
from opencustoms.domain.declaration import LRN, Declaration, DeclarationContent
from opencustoms.domain.errors import StaleVersion
from opencustoms.domain.events import Event
from opencustoms.domain.mrn import MRN
from opencustoms.domain.parties import PartyId
from opencustoms.domain.workflow import Status
from opencustoms.services.ports import DeclarationQuery, DuplicateDeclaration, HistoryEntry

_EVENT_BASE_FIELDS = frozenset(f.name for f in dataclasses.fields(Event))


class SqlDeclarationRepository:
    """:class:`~opencustoms.services.ports.DeclarationRepository` on SQLAlchemy.

    Every method executes its statements at once (no deferred ORM flush): when ``add`` returns,
    the rows are in the transaction, and a duplicate has already raised.
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    # --- writes ---------------------------------------------------------------------------

    def add(self, declaration: Declaration, *, content_sha256: str,
            document: dict[str, Any]) -> None:
        """Insert the declaration, its items and parties, version 1 and its history entries.

        A taken MRN or (declarant, LRN) raises :class:`DuplicateDeclaration`; the transaction
        is then unusable (PostgreSQL aborts it) and the unit of work must be rolled back.
        """
        content = declaration.content
        row = {
            "mrn": declaration.mrn, "lrn": content.lrn, "declarant": content.declarant,
            "type": content.type.value, "additional_type": content.additional_type.value,
            "status": declaration.status.value, "version": declaration.version,
            "office_of_declaration": content.office_of_declaration,
            "received_at": declaration.received_at, "accepted_at": declaration.accepted_at,
            "updated_at": declaration.accepted_at,
            "payload_sha256": declaration.payload_sha256, "content_sha256": content_sha256,
            "document": content_to_json(content),
        }
        try:
            declaration_id = self._session.execute(
                insert(DeclarationRow).values(row).returning(DeclarationRow.id)).scalar_one()
        except IntegrityError as error:
            duplicate = _duplicate(error, declaration)
            if duplicate is None:
                raise
            raise duplicate from error
        self._write_lookup_rows(declaration_id, content)
        self._write_version(declaration_id, declaration, declaration.accepted_at, document)
        self._write_history(declaration_id, declaration, first_sequence=1)

    def save(self, declaration: Declaration, *, expected_version: int,
             content_sha256: str | None = None, document: dict[str, Any] | None = None) -> None:
        """Write back status, version and content, guarded by ``expected_version``.

        With ``document`` a new version snapshot is kept and the item and party lookup rows are
        rewritten. Raises :class:`StaleVersion` when the stored version moved on (or the MRN
        is unknown): nothing is written then.
        """
        at = max((event.at for event in declaration.events), default=datetime.now(UTC))
        values: dict[str, Any] = {
            "status": declaration.status.value, "version": declaration.version,
            "updated_at": at, "payload_sha256": declaration.payload_sha256,
            "document": content_to_json(declaration.content),
        }
        if content_sha256 is not None:
            values["content_sha256"] = content_sha256
        statement = (
            update(DeclarationRow)
            .where(DeclarationRow.mrn == declaration.mrn,
                   DeclarationRow.version == expected_version)
            .values(values)
            .returning(DeclarationRow.id)
            .execution_options(synchronize_session=False)
        )
        declaration_id = self._session.execute(statement).scalar_one_or_none()
        if declaration_id is None:
            raise StaleVersion(
                f"declaration {declaration.mrn} is no longer at version {expected_version}")
        if document is not None:
            for table in (DeclarationItemRow, DeclarationPartyRow):
                self._session.execute(delete(table).where(table.declaration_id == declaration_id))
            self._write_lookup_rows(declaration_id, declaration.content)
            self._write_version(declaration_id, declaration, at, document)
        last = self._session.execute(
            select(func.max(DeclarationHistoryRow.sequence))
            .where(DeclarationHistoryRow.declaration_id == declaration_id)).scalar_one()
        self._write_history(declaration_id, declaration, first_sequence=(last or 0) + 1)

    def _write_lookup_rows(self, declaration_id: int, content: DeclarationContent) -> None:
        items = [{"declaration_id": declaration_id, "sequence": item.sequence,
                  "commodity_code": item.commodity_code} for item in content.items]
        if items:
            self._session.execute(insert(DeclarationItemRow), items)
        parties = [{"declaration_id": declaration_id, "party_id": party}
                   for party in sorted(content.party_ids())]
        self._session.execute(insert(DeclarationPartyRow), parties)

    def _write_version(self, declaration_id: int, declaration: Declaration, at: datetime,
                       document: dict[str, Any]) -> None:
        self._session.execute(insert(DeclarationVersionRow).values(
            declaration_id=declaration_id, version=declaration.version, created_at=at,
            payload_sha256=declaration.payload_sha256, document=document))

    def _write_history(self, declaration_id: int, declaration: Declaration, *,
                       first_sequence: int) -> None:
        rows = [
            {"declaration_id": declaration_id, "sequence": first_sequence + offset,
             "event": event.name, "version": event.version, "status": declaration.status.value,
             "actor": event.actor, "at": event.at, "detail": event_detail(event)}
            for offset, event in enumerate(declaration.events)
        ]
        if rows:
            self._session.execute(insert(DeclarationHistoryRow), rows)
        declaration.events.clear()

    # --- reads ----------------------------------------------------------------------------

    def get(self, mrn: MRN) -> Declaration | None:
        row = self._one(DeclarationRow.mrn == mrn)
        return None if row is None else to_declaration(row)

    def find_by_lrn(self, declarant: PartyId, lrn: LRN) -> tuple[Declaration, str] | None:
        row = self._one(DeclarationRow.declarant == declarant, DeclarationRow.lrn == lrn)
        return None if row is None else (to_declaration(row), row.content_sha256)

    def list(self, query: DeclarationQuery) -> Sequence[Declaration]:
        """Matching declarations ordered by (accepted_at, MRN), after the keyset cursor.

        ``accepted_from`` is inclusive, ``accepted_to`` exclusive; ``commodity_code`` matches
        any goods item whose code starts with it (a chapter, heading or full code).
        """
        if query.limit <= 0:
            return []
        statement = (
            select(DeclarationRow)
            .where(*_conditions(query))
            .order_by(DeclarationRow.accepted_at, DeclarationRow.mrn)
            .limit(query.limit)
            .execution_options(populate_existing=True)
        )
        rows = self._session.scalars(statement)
        return [to_declaration(row) for row in rows]

    def history(self, mrn: MRN) -> Sequence[HistoryEntry]:
        rows = self._session.scalars(
            select(DeclarationHistoryRow)
            .join(DeclarationRow, DeclarationRow.id == DeclarationHistoryRow.declaration_id)
            .where(DeclarationRow.mrn == mrn)
            .order_by(DeclarationHistoryRow.sequence))
        return [HistoryEntry(r.sequence, r.event, r.version, r.status, r.actor, r.at,
                             dict(r.detail)) for r in rows]

    def versions(self, mrn: MRN) -> Sequence[tuple[int, datetime, dict[str, Any]]]:
        rows = self._session.execute(
            select(DeclarationVersionRow.version, DeclarationVersionRow.created_at,
                   DeclarationVersionRow.document)
            .join(DeclarationRow, DeclarationRow.id == DeclarationVersionRow.declaration_id)
            .where(DeclarationRow.mrn == mrn)
            .order_by(DeclarationVersionRow.version))
        return [(version, created_at, document) for version, created_at, document in rows]

    def _one(self, *conditions: ColumnElement[bool]) -> DeclarationRow | None:
        # populate_existing: rows changed by UPDATE statements in this session must not be
        # served stale from the identity map.
        statement = select(DeclarationRow).where(*conditions)
        return self._session.scalars(
            statement.execution_options(populate_existing=True)).one_or_none()


def _conditions(query: DeclarationQuery) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if query.visible_to is not None:
        conditions.append(DeclarationRow.id.in_(
            select(DeclarationPartyRow.declaration_id)
            .where(DeclarationPartyRow.party_id == query.visible_to)))
    if query.status is not None:
        conditions.append(DeclarationRow.status == query.status.value)
    if query.type is not None:
        conditions.append(DeclarationRow.type == query.type.value)
    if query.accepted_from is not None:
        conditions.append(DeclarationRow.accepted_at >= query.accepted_from)
    if query.accepted_to is not None:
        conditions.append(DeclarationRow.accepted_at < query.accepted_to)
    if query.commodity_code:
        conditions.append(exists().where(
            DeclarationItemRow.declaration_id == DeclarationRow.id,
            DeclarationItemRow.commodity_code.startswith(query.commodity_code, autoescape=True)))
    if query.after is not None:
        accepted_at, mrn = query.after
        conditions.append(or_(
            DeclarationRow.accepted_at > accepted_at,
            and_(DeclarationRow.accepted_at == accepted_at, DeclarationRow.mrn > mrn)))
    return conditions


def to_declaration(row: DeclarationRow) -> Declaration:
    """Rebuild the aggregate from its row; it has no pending events."""
    return Declaration(
        mrn=MRN(row.mrn),
        content=content_from_json(row.document),
        status=Status(row.status),
        version=row.version,
        received_at=row.received_at,
        accepted_at=row.accepted_at,
        payload_sha256=row.payload_sha256,
    )


def event_detail(event: Event) -> dict[str, Any]:
    """What an event says beyond MRN, time, actor and version, as JSON values."""
    return {f.name: _json_value(getattr(event, f.name)) for f in dataclasses.fields(event)
            if f.name not in _EVENT_BASE_FIELDS}


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple | frozenset | set):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    return str(value)


def _duplicate(error: IntegrityError, declaration: Declaration) -> DuplicateDeclaration | None:
    """The duplicate a unique violation stands for; None for any other integrity error."""
    text = str(error.orig)
    unique = getattr(error.orig, "sqlstate", None) == "23505" or "UNIQUE constraint" in text
    if not unique:
        return None
    if UQ_DECLARATION_LRN in text or "declarations.lrn" in text:
        return DuplicateDeclaration(
            f"declarant {declaration.content.declarant} already used LRN "
            f"{declaration.content.lrn}")
    return DuplicateDeclaration(f"MRN {declaration.mrn} is already registered")

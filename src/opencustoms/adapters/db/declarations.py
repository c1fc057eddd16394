"""SQL store of registered declarations, their versions and their history.

The declaration row holds the current content as the JSON document it was submitted as (the
aggregate rebuilds from it with ``content_from_json``, exactly as lodgement parsed it).
``declaration_versions`` keeps the documents the amendments replaced: the first amendment
copies version 1 there from the row before overwriting it, so a declaration that is never
amended — nearly all of them — stores its document once. (Declarations stored before that rule
have every version there already.) Writes use optimistic locking on ``version``; history rows
come from the aggregate's pending events and are written in the caller's transaction.

Lodgement is the hot path: its rows go in through :class:`~.prepared.Prepared` statements
(compiled once, run on the driver's cursor in the session's transaction).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Result,
    Row,
    and_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement, Executable

from opencustoms.adapters.db.prepared import Prepared, connection_of
from opencustoms.adapters.db.tables import (
    UQ_DECLARATION_LRN,
    DeclarationHistoryRow,
    DeclarationItemRow,
    DeclarationPartyRow,
    DeclarationRow,
    DeclarationTaxLineRow,
    DeclarationVersionRow,
    table_of,
)
from opencustoms.adapters.formats.assessment_json import assessment_from_json, assessment_to_json
from opencustoms.adapters.formats.declaration_json import content_from_json
from opencustoms.adapters.formats.risk_json import risk_from_json, risk_to_json
from opencustoms.domain.declaration import LRN, Declaration, DeclarationContent
from opencustoms.domain.errors import StaleVersion
from opencustoms.domain.mrn import MRN
from opencustoms.domain.parties import PartyId
from opencustoms.domain.workflow import Status
from opencustoms.services.ports import (
    DeclarationQuery,
    DuplicateDeclaration,
    HistoryEntry,
    Staged,
)

DECLARATIONS = table_of(DeclarationRow)
ITEMS = table_of(DeclarationItemRow)
PARTIES = table_of(DeclarationPartyRow)
VERSIONS = table_of(DeclarationVersionRow)
HISTORY = table_of(DeclarationHistoryRow)
TAX_LINES = table_of(DeclarationTaxLineRow)
D = DECLARATIONS.c

_CLEARANCE_KEYS = ("amount_secured", "extra_duty", "secured_by", "claimed_by", "claimed_at",
                   "control_started_at", "control_ended_at", "released_at", "decided_at",
                   "release_note")
_INSERT_DECLARATION = Prepared(insert(DECLARATIONS).returning(D.id), (
    "mrn", "lrn", "declarant", "type", "additional_type", "status", "version",
    "office_of_declaration", "received_at", "accepted_at", "updated_at", "payload_sha256",
    "content_sha256", "document", "assessment", "channel", "risk", *_CLEARANCE_KEYS))
_INSERT_ITEMS = Prepared(insert(ITEMS), ("declaration_id", "sequence", "commodity_code"))
_INSERT_PARTIES = Prepared(insert(PARTIES), ("declaration_id", "party_id"))
_INSERT_VERSION = Prepared(insert(VERSIONS), (
    "declaration_id", "version", "created_at", "payload_sha256", "document"))
_INSERT_HISTORY = Prepared(insert(HISTORY), (
    "declaration_id", "sequence", "event", "version", "status", "actor", "at", "detail"))
_INSERT_TAX_LINES = Prepared(insert(TAX_LINES), (
    "declaration_id", "line", "item", "tax_type", "base", "base_unit", "rate", "amount",
    "measure", "measure_type"))
_BY_MRN = select(DECLARATIONS).where(D.mrn == bindparam("mrn"))
_BY_LRN = select(DECLARATIONS).where(D.declarant == bindparam("declarant"),
                                     D.lrn == bindparam("lrn"))
_FIRST_VERSION = (
    select(D.id, D.version, D.accepted_at, D.payload_sha256, D.document,
           select(VERSIONS.c.version).where(VERSIONS.c.declaration_id == D.id).limit(1)
           .scalar_subquery().label("kept"))
    .where(D.mrn == bindparam("mrn")).with_for_update(of=DECLARATIONS))
_LAST_SEQUENCE = select(func.max(HISTORY.c.sequence)).where(
    HISTORY.c.declaration_id == bindparam("declaration_id"))


class SqlDeclarationRepository:
    """:class:`~opencustoms.services.ports.DeclarationRepository` on SQLAlchemy.

    Every method executes its statements at once: when ``add`` returns, the rows are in the
    transaction, and a duplicate has already raised.
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    def _execute(self, statement: Executable, parameters: Any = None) -> Result[Any]:
        """Run a Core statement on the session's connection (same transaction), without the
        ORM session's per-statement bookkeeping: lodgement runs six of them."""
        return connection_of(self._session).execute(statement, parameters)

    # --- writes ---------------------------------------------------------------------------

    def add(self, declaration: Declaration, *, content_sha256: str,
            document: dict[str, Any]) -> None:
        """Insert the declaration (``document`` as its content), its items, parties and tax
        lines and its history entries.

        A taken MRN or (declarant, LRN) raises :class:`DuplicateDeclaration`; the transaction
        is then unusable (PostgreSQL aborts it) and the unit of work must be rolled back.
        """
        self.add_staged(self.stage(declaration, content_sha256=content_sha256,
                                   document=document))

    def stage(self, declaration: Declaration, *, content_sha256: str,
              document: dict[str, Any]) -> _StagedDeclaration:
        """The rows of :meth:`add`, converted for the driver (documents serialised) without a
        statement; the declaration's key goes in when the row is inserted."""
        dialect = self._session.get_bind().dialect
        content = declaration.content
        row = {
            "mrn": declaration.mrn, "lrn": content.lrn, "declarant": content.declarant,
            "type": content.type.value, "additional_type": content.additional_type.value,
            "status": declaration.status.value, "version": declaration.version,
            "office_of_declaration": content.office_of_declaration,
            "received_at": declaration.received_at, "accepted_at": declaration.accepted_at,
            "updated_at": declaration.accepted_at,
            "payload_sha256": declaration.payload_sha256, "content_sha256": content_sha256,
            "document": document,
            "assessment": _assessment_document(declaration),
            "channel": None if declaration.risk is None else declaration.risk.channel.value,
            "risk": None if declaration.risk is None else risk_to_json(declaration.risk),
            **_clearance_values(declaration),
        }
        return _StagedDeclaration(
            declaration, len(declaration.events), declaration.version,
            _INSERT_DECLARATION.bind(dialect, [row])[0],
            _INSERT_ITEMS.bind(dialect, _item_rows(0, content)),
            _INSERT_PARTIES.bind(dialect, _party_rows(0, content)),
            _INSERT_TAX_LINES.bind(dialect, _tax_line_rows(0, declaration)),
            _INSERT_HISTORY.bind(dialect, _history_rows(0, declaration, first_sequence=1)))

    def add_staged(self, staged: Staged) -> None:
        if not isinstance(staged, _StagedDeclaration):
            raise TypeError("rows staged by another repository")
        declaration = staged.declaration
        if (len(declaration.events), declaration.version) != (staged.events, staged.version):
            raise RuntimeError(f"declaration {declaration.mrn} changed after it was staged")
        connection = connection_of(self._session)
        try:
            declaration_id = _INSERT_DECLARATION.scalar_bound(connection, staged.row)
        except IntegrityError as error:
            duplicate = _duplicate(error, declaration)
            if duplicate is None:
                raise
            raise duplicate from error
        key = {"declaration_id": declaration_id}
        for statement, rows in ((_INSERT_ITEMS, staged.items), (_INSERT_PARTIES, staged.parties),
                                (_INSERT_TAX_LINES, staged.tax_lines),
                                (_INSERT_HISTORY, staged.history)):
            statement.run_bound(connection, rows, [key] * len(rows))
        declaration.stored()

    def save(self, declaration: Declaration, *, expected_version: int,
             content_sha256: str | None = None, document: dict[str, Any] | None = None) -> None:
        """Write back status, version and content, guarded by ``expected_version``.

        With ``document`` (an amendment) the content is replaced: the version-1 document is
        kept in ``declaration_versions`` if it is not there yet, the new one too, and the item,
        party and tax-line rows are rewritten. Raises :class:`StaleVersion` when the stored
        version moved on (or the MRN is unknown): nothing is written then.
        """
        at = max((event.at for event in declaration.events), default=None) or datetime.now(UTC)
        values: dict[str, Any] = {
            "status": declaration.status.value, "version": declaration.version,
            "updated_at": at, "payload_sha256": declaration.payload_sha256,
            "assessment": _assessment_document(declaration),
            **_clearance_values(declaration),
        }
        if content_sha256 is not None:
            values["content_sha256"] = content_sha256
        if document is not None:
            values["document"] = document
            self._keep_first_version(declaration.mrn, expected_version)
        statement = (update(DECLARATIONS)
                     .where(D.mrn == declaration.mrn, D.version == expected_version)
                     .values(values).returning(D.id))
        declaration_id = self._execute(statement).scalar_one_or_none()
        if declaration_id is None:
            raise StaleVersion(
                f"declaration {declaration.mrn} is no longer at version {expected_version}")
        if document is not None:
            for table in (ITEMS, PARTIES, TAX_LINES):
                self._execute(delete(table).where(table.c.declaration_id ==
                                                          declaration_id))
            self._write_lookup_rows(declaration_id, declaration.content)
            self._write_tax_lines(declaration_id, declaration)
            self._write_version(declaration_id, declaration, at, document)
        last = self._execute(
            _LAST_SEQUENCE, {"declaration_id": declaration_id}).scalar_one()
        self._write_history(declaration_id, declaration, first_sequence=(last or 0) + 1)

    def _keep_first_version(self, mrn: MRN, expected_version: int) -> None:
        """Before an amendment overwrites the row's document, copy it to
        ``declaration_versions`` as version 1 unless it is there. The row is read with a lock
        (PostgreSQL; SQLite's writer holds the database), so of two amendments racing on the
        same version the second waits, finds the version moved on and changes nothing."""
        row = self._execute(_FIRST_VERSION, {"mrn": mrn}).one_or_none()
        if row is None or row.version != expected_version:
            raise StaleVersion(f"declaration {mrn} is no longer at version {expected_version}")
        if row.kept is None:
            _INSERT_VERSION.execute_many(connection_of(self._session), [{
                "declaration_id": row.id, "version": 1, "created_at": row.accepted_at,
                "payload_sha256": row.payload_sha256, "document": row.document}])

    def _write_lookup_rows(self, declaration_id: int, content: DeclarationContent) -> None:
        connection = connection_of(self._session)
        _INSERT_ITEMS.execute_many(connection, _item_rows(declaration_id, content))
        _INSERT_PARTIES.execute_many(connection, _party_rows(declaration_id, content))

    def _write_tax_lines(self, declaration_id: int, declaration: Declaration) -> None:
        _INSERT_TAX_LINES.execute_many(connection_of(self._session),
                                       _tax_line_rows(declaration_id, declaration))

    def _write_version(self, declaration_id: int, declaration: Declaration, at: datetime,
                       document: dict[str, Any]) -> None:
        _INSERT_VERSION.execute_many(connection_of(self._session), [{
            "declaration_id": declaration_id, "version": declaration.version,
            "created_at": at, "payload_sha256": declaration.payload_sha256,
            "document": document}])

    def _write_history(self, declaration_id: int, declaration: Declaration, *,
                       first_sequence: int) -> None:
        _INSERT_HISTORY.execute_many(
            connection_of(self._session),
            _history_rows(declaration_id, declaration, first_sequence=first_sequence))
        declaration.stored()

    # --- reads ----------------------------------------------------------------------------

    def get(self, mrn: MRN) -> Declaration | None:
        row = self._execute(_BY_MRN, {"mrn": mrn}).one_or_none()
        return None if row is None else to_declaration(row)

    def find_by_lrn(self, declarant: PartyId, lrn: LRN) -> tuple[Declaration, str] | None:
        row = self._execute(_BY_LRN, {"declarant": declarant, "lrn": lrn}).one_or_none()
        return None if row is None else (to_declaration(row), row.content_sha256)

    def list(self, query: DeclarationQuery) -> Sequence[Declaration]:
        """Matching declarations ordered by (accepted_at, MRN), after the keyset cursor.

        ``accepted_from`` is inclusive, ``accepted_to`` exclusive; ``commodity_code`` matches
        any goods item whose code starts with it (a chapter, heading or full code).
        """
        if query.limit <= 0:
            return []
        statement = (select(DECLARATIONS).where(*_conditions(query))
                     .order_by(D.accepted_at, D.mrn).limit(query.limit))
        return [to_declaration(row) for row in self._execute(statement)]

    def history(self, mrn: MRN) -> Sequence[HistoryEntry]:
        h = HISTORY.c
        rows = self._execute(
            select(h.sequence, h.event, h.version, h.status, h.actor, h.at, h.detail)
            .join_from(HISTORY, DECLARATIONS, D.id == h.declaration_id)
            .where(D.mrn == mrn).order_by(h.sequence))
        return [HistoryEntry(r.sequence, r.event, r.version, r.status, r.actor, r.at,
                             dict(r.detail)) for r in rows]

    def versions(self, mrn: MRN) -> Sequence[tuple[int, datetime, dict[str, Any]]]:
        v = VERSIONS.c
        rows = self._execute(
            select(v.version, v.created_at, v.document)
            .join_from(VERSIONS, DECLARATIONS, D.id == v.declaration_id)
            .where(D.mrn == mrn).order_by(v.version)).all()
        if rows:
            return [(r.version, r.created_at, r.document) for r in rows]
        # Never amended: version 1 is the row's own document.
        first = self._execute(select(D.accepted_at, D.document).where(D.mrn == mrn)).first()
        return [] if first is None else [(1, first.accepted_at, first.document)]


@dataclass(frozen=True, slots=True)
class _StagedDeclaration:
    """A declaration's rows made ready by :meth:`SqlDeclarationRepository.stage`."""

    declaration: Declaration
    events: int
    version: int
    row: Any
    items: list[Any]
    parties: list[Any]
    tax_lines: list[Any]
    history: list[Any]


def _item_rows(declaration_id: int, content: DeclarationContent) -> list[dict[str, Any]]:
    return [{"declaration_id": declaration_id, "sequence": item.sequence,
             "commodity_code": item.commodity_code} for item in content.items]


def _party_rows(declaration_id: int, content: DeclarationContent) -> list[dict[str, Any]]:
    return [{"declaration_id": declaration_id, "party_id": party}
            for party in sorted(content.party_ids())]


def _tax_line_rows(declaration_id: int, declaration: Declaration) -> list[dict[str, Any]]:
    if declaration.assessment is None:
        return []
    return [{"declaration_id": declaration_id, "line": number, "item": line.item,
             "tax_type": line.tax_type, "base": line.base, "base_unit": line.base_unit,
             "rate": line.rate, "amount": line.amount, "measure": line.measure,
             "measure_type": line.measure_type}
            for number, line in enumerate(declaration.assessment.lines, start=1)]


def _history_rows(declaration_id: int, declaration: Declaration, *,
                  first_sequence: int) -> list[dict[str, Any]]:
    return [{"declaration_id": declaration_id, "sequence": first_sequence + offset,
             "event": event.name, "version": event.version, "status": declaration.status.value,
             "actor": event.actor, "at": event.at, "detail": event.detail()}
            for offset, event in enumerate(declaration.events)]


def _conditions(query: DeclarationQuery) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if query.visible_to is not None:
        conditions.append(D.id.in_(select(PARTIES.c.declaration_id)
                                   .where(PARTIES.c.party_id == query.visible_to)))
    if query.status is not None:
        conditions.append(D.status == query.status.value)
    if query.statuses:
        conditions.append(D.status.in_([s.value for s in query.statuses]))
    if query.office is not None:
        conditions.append(D.office_of_declaration == query.office)
    if query.declarant is not None:
        conditions.append(D.declarant == query.declarant)
    if query.type is not None:
        conditions.append(D.type == query.type.value)
    if query.accepted_from is not None:
        conditions.append(D.accepted_at >= query.accepted_from)
    if query.accepted_to is not None:
        conditions.append(D.accepted_at < query.accepted_to)
    if query.commodity_code:
        conditions.append(exists().where(
            ITEMS.c.declaration_id == D.id,
            ITEMS.c.commodity_code.startswith(query.commodity_code, autoescape=True)))
    if query.after is not None:
        accepted_at, mrn = query.after
        conditions.append(or_(D.accepted_at > accepted_at,
                              and_(D.accepted_at == accepted_at, D.mrn > mrn)))
    return conditions


def to_declaration(row: Row[Any]) -> Declaration:
    """Rebuild the aggregate from a ``declarations`` row; it has no pending events."""
    return Declaration(
        mrn=MRN(row.mrn),
        content=content_from_json(row.document),
        status=Status(row.status),
        version=row.version,
        received_at=row.received_at,
        accepted_at=row.accepted_at,
        payload_sha256=row.payload_sha256,
        assessment=None if row.assessment is None else assessment_from_json(row.assessment),
        risk=None if row.risk is None else risk_from_json(row.risk),
        amount_secured=row.amount_secured or Decimal(0),
        extra_duty=row.extra_duty or Decimal(0),
        secured_by=row.secured_by,
        claimed_by=None if row.claimed_by is None else PartyId(row.claimed_by),
        claimed_at=row.claimed_at,
        control_started_at=row.control_started_at,
        control_ended_at=row.control_ended_at,
        released_at=row.released_at,
        decided_at=row.decided_at,
        release_note=row.release_note,
    )


def _clearance_values(declaration: Declaration) -> dict[str, Any]:
    return {
        "amount_secured": declaration.amount_secured, "extra_duty": declaration.extra_duty,
        "secured_by": declaration.secured_by, "claimed_by": declaration.claimed_by,
        "claimed_at": declaration.claimed_at,
        "control_started_at": declaration.control_started_at,
        "control_ended_at": declaration.control_ended_at,
        "released_at": declaration.released_at, "decided_at": declaration.decided_at,
        "release_note": declaration.release_note,
    }


def _assessment_document(declaration: Declaration) -> dict[str, Any] | None:
    return None if declaration.assessment is None else assessment_to_json(declaration.assessment)


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

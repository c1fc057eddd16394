"""The hash-chained audit log on SQL (DESIGN.md C8).

A use case appends records as it goes; they are checked at once (anything canonical JSON
refuses raises there) and written when its unit of work commits (:meth:`SqlAuditLog.flush`):
one read of the chain's tail and one insert per transaction, however many appends it made, each
record with the SHA-256 of the previous entry and of its own canonical JSON. Writers are
serialised so the chain never forks: on SQLite the writer's ``BEGIN IMMEDIATE`` already holds
the database's write lock; on PostgreSQL a transaction-scoped advisory lock is taken at the
flush, just before the commit, so it is held only for the end of the transaction. The unique
``prev_hash`` is the last line of defence: a second entry after the same tail could never
commit.

Reading: :meth:`SqlAuditLog.entries` lists entries for the API; :func:`verify_chain` walks the
whole chain in one streamed query (bounded memory, one consistent snapshot) and reports the
first broken link.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import Connection, Row, insert, select, text
from sqlalchemy.orm import Session

from opencustoms.adapters.db.clearance_tables import AuditEntryRow
from opencustoms.adapters.db.prepared import Prepared, connection_of
from opencustoms.adapters.db.tables import table_of
from opencustoms.adapters.formats.json_text import canonical_json_bytes
from opencustoms.domain.audit import (
    GENESIS,
    AuditRecord,
    chained_hash,
    entry_hash,
    entry_pieces,
    require_canonical,
)
from opencustoms.services.ports import AuditEntry, Staged

AUDIT = table_of(AuditEntryRow)
A = AUDIT.c

AUDIT_LOCK_KEY: Final = 0x0C_A0D17
"""PostgreSQL advisory lock key that serialises audit appenders."""

_TAIL = Prepared(select(A.seq, A.hash).order_by(A.seq.desc()).limit(1))
_INSERT = Prepared(insert(AUDIT), (
    "seq", "at", "actor", "kind", "subject", "event", "data", "prev_hash", "hash"))
_CHAIN = select(AUDIT).order_by(A.seq)
MAX_PAGE: Final = 5000
VERIFY_BATCH: Final = 2000


@dataclass(frozen=True, slots=True)
class _StagedRecords:
    """Audit records made ready by :meth:`SqlAuditLog.stage`: their canonical JSON around the
    chain fields, and their rows without them."""

    pieces: list[tuple[bytes, bytes]]
    rows: list[Any]


class SqlAuditLog:
    """:class:`~opencustoms.services.ports.AuditLog` in the caller's transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._pending: list[_StagedRecords] = []

    def stage(self, records: Sequence[AuditRecord]) -> _StagedRecords:
        """Check ``records`` and make their rows ready: everything but the chain fields, and
        the canonical JSON around them (``entry_pieces``), so that chaining at the flush is
        only hashing."""
        dialect = self._session.get_bind().dialect
        try:
            pieces = [entry_pieces(record, canonical_json_bytes)  # checks every field
                      for record in records]
        except ValueError:
            for record in records:
                require_canonical(record.data)  # names the offence within the data
            raise
        rows = _INSERT.bind(dialect, [
            {"seq": 0, "at": record.at, "actor": record.actor, "kind": record.kind,
             "subject": record.subject, "event": record.event, "data": record.data,
             "prev_hash": GENESIS, "hash": GENESIS} for record in records])
        return _StagedRecords(pieces, rows)

    def append_staged(self, staged: Staged) -> None:
        """Keep what :meth:`stage` made ready for :meth:`flush`, in order."""
        if not isinstance(staged, _StagedRecords):
            raise TypeError("records staged by another audit log")
        self._pending.append(staged)

    def append(self, records: Sequence[AuditRecord]) -> None:
        """Check ``records`` now and keep them for :meth:`flush`, in order."""
        self.append_staged(self.stage(records))

    def flush(self) -> None:
        """Chain and insert the pending records (the unit of work calls it before committing,
        and before reading the log)."""
        if not self._pending:
            return
        staged, self._pending = self._pending, []
        connection = connection_of(self._session)
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                               {"key": AUDIT_LOCK_KEY})
        tail = _TAIL.first(connection)
        seq, prev = (0, GENESIS) if tail is None else (tail[0], tail[1])
        rows, chain = [], []
        for batch in staged:
            for pieces, row in zip(batch.pieces, batch.rows, strict=True):
                seq += 1
                digest = chained_hash(pieces, seq, prev)
                rows.append(row)
                chain.append({"seq": seq, "prev_hash": prev, "hash": digest})
                prev = digest
        _INSERT.run_bound(connection, rows, chain)

    def discard(self) -> None:
        """Forget pending records (the transaction is rolled back)."""
        self._pending = []

    def entries(self, *, kind: str | None = None, subject: str | None = None,
                after_seq: int | None = None, limit: int = 100) -> Sequence[AuditEntry]:
        self.flush()
        return entries(connection_of(self._session), kind=kind, subject=subject,
                       after_seq=after_seq, limit=limit)


def entries(connection: Connection, *, kind: str | None = None, subject: str | None = None,
            after_seq: int | None = None, limit: int = 100) -> list[AuditEntry]:
    """Up to ``limit`` (at most :data:`MAX_PAGE`) entries in chain order, after ``after_seq``,
    of one ``kind`` and ``subject`` when given (the kind/subject index serves that filter)."""
    query = _CHAIN.limit(max(1, min(limit, MAX_PAGE)))
    if kind is not None:
        query = query.where(A.kind == kind)
    if subject is not None:
        query = query.where(A.subject == subject)
    if after_seq is not None:
        query = query.where(A.seq > after_seq)
    return [_entry(row) for row in connection.execute(query)]


def _entry(row: Row[Any]) -> AuditEntry:
    record = AuditRecord(kind=row.kind, subject=row.subject, event=row.event, actor=row.actor,
                         at=row.at, data=row.data)
    return AuditEntry(row.seq, record, row.prev_hash, row.hash)


@dataclass(frozen=True, slots=True)
class AuditVerification:
    """The outcome of walking the chain. ``head`` is the hash of the last intact entry
    (:data:`GENESIS` for an empty log): publishing it anchors the log, since a chain can only
    show changes made *before* its last entry."""

    ok: bool
    entries: int
    first_broken_seq: int | None = None
    reason: str | None = None
    head: str = GENESIS


def verify_chain(source: Session | Connection, *,
                 batch_size: int = VERIFY_BATCH) -> AuditVerification:
    """Recompute every entry's hash from its stored facts, in ``seq`` order, and check that
    each ``prev_hash`` is the previous entry's hash and that ``seq`` runs 1, 2, 3 … without a
    gap (a deleted entry is a broken link). Rows are streamed ``batch_size`` at a time, so a
    million entries need no more memory than a thousand."""
    connection = source.connection() if isinstance(source, Session) else source
    result = connection.execution_options(yield_per=batch_size).execute(_CHAIN)
    expected, prev, count = 1, GENESIS, 0
    try:
        for row in result:
            broken = _broken_link(row, expected, prev)
            if broken is not None:
                return AuditVerification(False, count, broken[0], broken[1], prev)
            count, expected, prev = count + 1, expected + 1, row.hash
    finally:
        result.close()
    return AuditVerification(True, count, head=prev)


def _broken_link(row: Row[Any], expected: int, prev: str) -> tuple[int, str] | None:
    if row.seq != expected:
        return expected, f"gap: entry {expected} missing"
    if row.prev_hash != prev:
        if expected == 1:
            return expected, "prev_hash of entry 1 is not the genesis hash"
        return expected, f"prev_hash does not match entry {expected - 1}"
    try:
        digest = entry_hash(row.seq, _entry(row).record, row.prev_hash)
    except (ValueError, TypeError, AttributeError):  # data no longer canonical JSON
        return expected, "hash mismatch: entry content changed"
    if digest != row.hash:
        return expected, "hash mismatch: entry content changed"
    return None

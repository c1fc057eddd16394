"""The hash-chained audit log on SQL (DESIGN.md C8).

Appending reads the chain's tail and writes each record with the SHA-256 of the previous entry
and of its own canonical JSON. Appenders are serialised so the chain never forks: on SQLite the
writer's ``BEGIN IMMEDIATE`` already holds the database's write lock; on PostgreSQL a
transaction-scoped advisory lock is taken first. The unique ``prev_hash`` is the last line of
defence: a second entry after the same tail could never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from sqlalchemy import Result, insert, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

from opencustoms.adapters.db.clearance_tables import AuditEntryRow
from opencustoms.adapters.db.tables import table_of
from opencustoms.domain.audit import GENESIS, AuditRecord, entry_hash

AUDIT = table_of(AuditEntryRow)
A = AUDIT.c

AUDIT_LOCK_KEY: Final = 0x0C_A0D17
"""PostgreSQL advisory lock key that serialises audit appenders."""

_TAIL = select(A.seq, A.hash).order_by(A.seq.desc()).limit(1)
_INSERT = insert(AUDIT)


class SqlAuditLog:
    """:class:`~opencustoms.services.ports.AuditLog` in the caller's transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def _execute(self, statement: Executable, parameters: Any = None) -> Result[Any]:
        return self._session.connection().execute(statement, parameters)

    def append(self, records: Sequence[AuditRecord]) -> None:
        if not records:
            return
        connection = self._session.connection()
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                               {"key": AUDIT_LOCK_KEY})
        tail = self._execute(_TAIL).one_or_none()
        seq, prev = (0, GENESIS) if tail is None else (tail.seq, tail.hash)
        rows = []
        for record in records:
            seq += 1
            digest = entry_hash(seq, record, prev)
            rows.append({"seq": seq, "at": record.at, "actor": record.actor,
                         "kind": record.kind, "subject": record.subject,
                         "event": record.event, "data": record.data,
                         "prev_hash": prev, "hash": digest})
            prev = digest
        self._execute(_INSERT, rows)

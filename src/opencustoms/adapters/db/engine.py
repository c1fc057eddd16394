"""Engines for the two supported stores: SQLite (embedded default) and PostgreSQL.

SQLite is opened in WAL mode so readers never block the writer, with foreign keys enforced and a
busy timeout. pysqlite's own transaction handling is switched off and SQLAlchemy emits ``BEGIN``
itself (the recipe from the SQLAlchemy SQLite dialect docs): by default ``BEGIN IMMEDIATE``, which
takes the write lock up front. A deferred transaction that reads and then writes would have to
*upgrade* its lock, and in WAL mode that fails at once with "database is locked" whenever another
writer committed in between — the busy timeout cannot help. Read-only work may opt into a
deferred ``BEGIN`` with the :data:`SQLITE_BEGIN` execution option (see ``uow.py``). Writing
transactions on a database file first pass a :class:`~.sqlite_writers.WriterGate`, so that
writers queue instead of sleeping in SQLite's busy handler.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from typing import Any, Final

from sqlalchemy import Engine, create_engine, event, exc, make_url
from sqlalchemy.engine import URL, Connection

from opencustoms.adapters.db.sqlite_writers import GatedConnection, WriterGate
from opencustoms.adapters.formats.json_text import compact_json

SQLITE_BEGIN: Final = "opencustoms_sqlite_begin"
"""Execution option naming the SQLite ``BEGIN`` mode: ``IMMEDIATE`` (default) or ``DEFERRED``."""

SQLITE_BUSY_TIMEOUT_MS: Final = 10_000

_BEGIN_MODES: Final = frozenset({"IMMEDIATE", "DEFERRED", "EXCLUSIVE"})
_GATES: dict[str, WriterGate] = {}
_GATES_LOCK = threading.Lock()


def writer_gate(path: str) -> WriterGate:
    """The one gate of this process for the database file at ``path``."""
    key = os.path.realpath(path)
    with _GATES_LOCK:
        gate = _GATES.get(key)
        if gate is None:
            gate = _GATES[key] = WriterGate(key, SQLITE_BUSY_TIMEOUT_MS / 1000)
        return gate


def gate_of(engine: Engine) -> WriterGate | None:
    """The writer gate of ``engine``'s SQLite file (None for PostgreSQL or an in-memory
    database, whose writers are not gated)."""
    path = engine.url.database
    if engine.dialect.name != "sqlite" or not path or path == ":memory:" \
            or path.startswith("file:"):
        return None
    return writer_gate(path)


def database_url(url: str) -> URL:
    """Parse ``url``; plain ``postgresql://`` (and ``postgres://``) use the psycopg 3 driver."""
    parsed = make_url(url.replace("postgres://", "postgresql://", 1)
                      if url.startswith("postgres://") else url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def make_engine(url: str, **options: Any) -> Engine:
    """An engine for ``url`` with the pragmas and transaction handling this system relies on."""
    parsed = database_url(url)
    options.setdefault("json_serializer", compact_json)
    if parsed.get_backend_name() == "sqlite":
        connect_args: dict[str, Any] = {"check_same_thread": False,
                                        "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        path = parsed.database
        gate = None
        if path and path != ":memory:" and not path.startswith("file:"):
            connect_args["factory"] = GatedConnection
            gate = writer_gate(path)
        # A file database has no server to drop idle connections: no ping before each use.
        engine = create_engine(parsed, connect_args=connect_args, **options)
        _configure_sqlite(engine, gate)
        return engine
    return create_engine(parsed, pool_pre_ping=True, **options)


def _configure_sqlite(engine: Engine, gate: WriterGate | None) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Autocommit at the driver level: SQLAlchemy's "begin" hook below emits BEGIN itself.
        dbapi_connection.isolation_level = None
        if isinstance(dbapi_connection, GatedConnection):
            dbapi_connection.gate = gate
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = str(connection.get_execution_options().get(SQLITE_BEGIN, "IMMEDIATE")).upper()
        if mode not in _BEGIN_MODES:
            raise ValueError(f"unknown SQLite BEGIN mode {mode!r}")
        driver = connection.connection.driver_connection
        if isinstance(driver, GatedConnection):
            try:
                driver.begin(mode)
            except sqlite3.Error as error:  # raised as a Core execution would raise it
                raise exc.DBAPIError.instance(f"BEGIN {mode}", (), error, sqlite3.Error,
                                              dialect=connection.dialect) from error
        else:
            connection.exec_driver_sql(f"BEGIN {mode}")

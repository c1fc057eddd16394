"""Statements compiled once per dialect and run on the driver's cursor: the lodgement's hot path.

Executing a Core statement through SQLAlchemy costs tens of microseconds of Python per call
before the driver sees it — cache-key generation, an execution context, event dispatch, result
set-up — and far more than the database's own work for a one-row insert into SQLite. A
lodgement writes a dozen rows (the declaration, its lookup rows and tax lines, history, the
account movement, notifications, the audit entry) in one transaction, so that overhead was the
largest single part of its cost beyond the benchmark's baseline (ADR 0009).

:class:`Prepared` keeps SQLAlchemy for what it is good at — writing the SQL for each dialect
and converting values with the columns' own types — and skips the rest: the statement is
compiled once per dialect into the driver's SQL and parameter order, the columns' bind and
result processors are looked up once, and each call hands the driver a ready tuple (SQLite) or
dict (psycopg) on the cursor of the connection that the session's transaction already holds. So
the rows land in the same transaction, with exactly the values SQLAlchemy itself would have
sent. A driver error is raised as SQLAlchemy's own exception class (``IntegrityError`` for a
unique violation), so callers handle it as before.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Dialect, Engine, exc
from sqlalchemy.orm import Session
from sqlalchemy.sql import ClauseElement, ColumnElement
from sqlalchemy.sql.compiler import SQLCompiler

Processor = Callable[[Any], Any]
MAX_VARIABLES = 999
"""Bound values per statement in a multi-row INSERT (SQLite's historical minimum limit)."""
_CONNECTION = "opencustoms.connection"


def connection_of(session: Session) -> Connection:
    """The connection of ``session``'s current transaction, beginning one if needed.

    :meth:`Session.connection` resolves the bind and checks the transaction's state on every
    call, which a lodgement's dozen statements pay a dozen times; the connection is kept in the
    session's ``info`` while its transaction lasts (a commit or rollback closes it, and the next
    call asks the session again)."""
    connection: Connection | None = session.info.get(_CONNECTION)
    if connection is None or connection.closed or not connection.in_transaction():
        connection = session.info[_CONNECTION] = session.connection()
    return connection


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    positional: bool
    names: tuple[str, ...]
    """Bind names in the driver's order (positional styles) or the dict's keys (named)."""
    binds: tuple[tuple[str, Processor], ...]
    """The bind names whose column type converts the value, with the converter."""
    columns: tuple[ColumnElement[Any], ...]
    """The returned columns, whose types convert the values read."""
    fixed: dict[str, Any]
    """Values the statement carries itself (a literal ``LIMIT 1`` is a bound parameter)."""
    values: str | None
    """The ``(?, ?, …)`` group of a plain one-row INSERT, which a multi-row INSERT repeats."""
    by_rows: dict[int, str]
    """The multi-row INSERTs made so far, by number of rows."""


class Prepared:
    """One SQL statement, compiled for each dialect it meets, run on the driver's cursor.

    ``statement`` is a Core ``insert``/``select``/``update``; ``keys`` names the values an
    ``insert`` takes (its column list), in any order. Parameters are passed by bind name as for
    :meth:`Connection.execute`. Results come back as plain tuples in the order of the
    statement's returned columns, converted by the columns' types.
    """

    __slots__ = ("_compiled", "_keys", "_results", "_statement")

    def __init__(self, statement: ClauseElement, keys: Sequence[str] | None = None) -> None:
        self._statement = statement
        self._keys = None if keys is None else list(keys)
        self._compiled: dict[str, _Compiled] = {}
        self._results: dict[str, tuple[Processor | None, ...]] = {}

    def _for(self, dialect: Dialect) -> _Compiled:
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = self._compiled[dialect.name] = self._compile(dialect)
        return compiled

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiler = self._statement.compile(dialect=dialect, column_keys=self._keys)
        if not isinstance(compiler, SQLCompiler):  # pragma: no cover - DDL is not prepared
            raise TypeError("only SQL statements can be prepared")
        binds: list[tuple[str, Processor]] = []
        for bind, name in compiler.bind_names.items():
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                binds.append((name, processor))
        positional = bool(compiler.positional)
        names = tuple(compiler.positiontup or ()) if positional else tuple(
            compiler.bind_names.values())
        columns = tuple(getattr(self._statement, "exported_columns", ()))
        fixed = {name: bind.effective_value for bind, name in compiler.bind_names.items()
                 if not bind.required and (bind.value is not None or bind.callable is not None)}
        sql = compiler.string
        values = None
        if positional and sql.startswith("INSERT INTO ") and not columns and not fixed:
            _, found, group = sql.rpartition(" VALUES ")
            if found and group == "(" + ", ".join("?" * len(names)) + ")":
                values = group
        return _Compiled(sql, positional, names, tuple(binds), columns, fixed, values, {})

    @staticmethod
    def _parameters(compiled: _Compiled, values: Mapping[str, Any]) -> Any:
        """The driver's parameters: every bind the SQL names, converted by its column type
        (a missing value is a KeyError, never a silent NULL)."""
        if compiled.fixed:
            values = {**compiled.fixed, **values}
        if compiled.binds:
            converted = dict(values)
            for name, processor in compiled.binds:
                converted[name] = processor(converted[name])
            values = converted
        if compiled.positional:
            return tuple([values[name] for name in compiled.names])
        return {name: values[name] for name in compiled.names}

    def bind(self, dialect: Dialect, rows: Sequence[Mapping[str, Any]]) -> list[Any]:
        """The driver's parameters of ``rows``, converted now — before the transaction, so
        that the work is not done while the write lock is held — for :meth:`run_bound`."""
        compiled = self._for(dialect)
        return [self._parameters(compiled, row) for row in rows]

    def run_bound(self, connection: Connection, parameters: Sequence[Any],
                  late: Sequence[Mapping[str, Any]] | None = None) -> None:
        """Run the statement for parameters made by :meth:`bind`, with ``late`` values per row
        (known only inside the transaction: keys and hashes; their columns must convert
        nothing) put in place."""
        if not parameters:
            return
        compiled = self._for(connection.dialect)
        if late is not None:
            parameters = [self._patched(compiled, row, values)
                          for row, values in zip(parameters, late, strict=True)]
        cursor = connection.connection.cursor()
        try:
            if len(parameters) == 1:
                cursor.execute(compiled.sql, parameters[0])
            elif compiled.positional and compiled.values is not None:
                # One multi-row INSERT per chunk: one step of the database (and one release of
                # the interpreter lock) instead of one per row.
                per_chunk = max(1, MAX_VARIABLES // max(1, len(compiled.names)))
                for start in range(0, len(parameters), per_chunk):
                    chunk = parameters[start:start + per_chunk]
                    cursor.execute(self._rows_sql(compiled, len(chunk)),
                                   [value for row in chunk for value in row])
            else:
                cursor.executemany(compiled.sql, parameters)
        except connection.dialect.loaded_dbapi.Error as error:
            raise _translated(compiled.sql, parameters, error, connection.dialect) from error
        finally:
            cursor.close()

    @staticmethod
    def _rows_sql(compiled: _Compiled, rows: int) -> str:
        sql = compiled.by_rows.get(rows)
        if sql is None:
            assert compiled.values is not None
            sql = compiled.by_rows[rows] = compiled.sql + (", " + compiled.values) * (rows - 1)
        return sql

    @staticmethod
    def _patched(compiled: _Compiled, row: Any, values: Mapping[str, Any]) -> Any:
        if any(name in values for name, _ in compiled.binds):
            raise ValueError("late values must need no conversion by their column type")
        if not compiled.positional:
            return {**row, **values}
        patched = list(row)
        for name, value in values.items():
            patched[compiled.names.index(name)] = value
        return tuple(patched)

    def execute(self, connection: Connection, values: Mapping[str, Any] | None = None) -> Any:
        """Run the statement once; returns the driver's cursor (rows not yet fetched)."""
        dialect = connection.dialect
        return self._on_driver(dialect, connection.connection,
                               self._parameters(self._for(dialect), values or {}))

    def _on_driver(self, dialect: Dialect, driver_connection: Any, parameters: Any) -> Any:
        compiled = self._for(dialect)
        cursor = driver_connection.cursor()
        try:
            cursor.execute(compiled.sql, parameters)
        except dialect.loaded_dbapi.Error as error:
            raise _translated(compiled.sql, parameters, error, dialect) from error
        return cursor

    def first_outside(self, engine: Engine,
                      values: Mapping[str, Any] | None = None) -> tuple[Any, ...] | None:
        """:meth:`first` on a pooled connection outside any transaction: one statement, which
        is its own read (SQLite in autocommit; PostgreSQL rolls it back on return to the
        pool). For a snapshot that a later transaction checks, not for decisions."""
        dialect = engine.dialect
        driver = engine.raw_connection()
        try:
            cursor = self._on_driver(dialect, driver, self._parameters(self._for(dialect),
                                                                      values or {}))
            return self._first_row(dialect, cursor)
        finally:
            driver.close()

    def execute_many(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run the statement for every row (no results: an ``insert`` without RETURNING)."""
        self.run_bound(connection, self.bind(connection.dialect, rows))

    def first(self, connection: Connection,
              values: Mapping[str, Any] | None = None) -> tuple[Any, ...] | None:
        """The first returned row, converted by the columns' types; None when there is none."""
        return self._first_row(connection.dialect, self.execute(connection, values))

    def scalar_bound(self, connection: Connection, parameters: Any) -> Any:
        """:meth:`scalar` for parameters made by :meth:`bind`."""
        dialect = connection.dialect
        row = self._first_row(dialect, self._on_driver(dialect, connection.connection,
                                                       parameters))
        return None if row is None else row[0]

    def _first_row(self, dialect: Dialect, cursor: Any) -> tuple[Any, ...] | None:
        try:
            row = cursor.fetchone()
            if row is None:
                return None
            processors = self._result_processors(dialect, cursor.description)
        finally:
            cursor.close()
        return tuple(value if processor is None else processor(value)
                     for value, processor in zip(row, processors, strict=True))

    def _result_processors(self, dialect: Dialect,
                           description: Sequence[Sequence[Any]]) -> tuple[Processor | None, ...]:
        """The returned columns' converters; some depend on the type the driver reports (a
        PostgreSQL NUMERIC arrives as Decimal, a float column would need converting)."""
        processors = self._results.get(dialect.name)
        if processors is None:
            columns = self._for(dialect).columns
            processors = self._results[dialect.name] = tuple(
                column.type.dialect_impl(dialect).result_processor(dialect, field[1])
                for column, field in zip(columns, description, strict=True))
        return processors

    def scalar(self, connection: Connection, values: Mapping[str, Any] | None = None) -> Any:
        """The first column of the first returned row; None when there is no row."""
        row = self.first(connection, values)
        return None if row is None else row[0]


def _translated(sql: str, parameters: Any, error: Exception, dialect: Dialect) -> Exception:
    """The driver's error as the SQLAlchemy exception a Core execution would have raised."""
    return exc.DBAPIError.instance(sql, parameters, error, dialect.loaded_dbapi.Error,
                                   dialect=dialect)

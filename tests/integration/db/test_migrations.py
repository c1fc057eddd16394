"""Migrations build the schema the code expects, on an empty database, idempotently."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from opencustoms.adapters.db.engine import database_url as parse_url
from opencustoms.adapters.db.engine import make_engine
from opencustoms.adapters.db.migrate import current_revision, head_revision, upgrade
from opencustoms.adapters.db.tables import metadata

pytestmark = pytest.mark.db


def test_upgrade_on_an_empty_database_reaches_head_and_creates_every_table(
        database_url: str) -> None:
    assert current_revision(database_url) is None
    upgrade(database_url)
    assert current_revision(database_url) == head_revision() == "0005"
    engine = make_engine(database_url)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert set(metadata.tables) | {"alembic_version"} == tables


def test_a_second_upgrade_changes_nothing(database_url: str) -> None:
    upgrade(database_url)
    upgrade(database_url)
    assert current_revision(database_url) == head_revision()


def test_migrated_schema_matches_the_table_definitions(database_url: str) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_plain_postgresql_urls_use_psycopg_3() -> None:
    assert parse_url("postgresql://u:p@/db?host=/run/pg").drivername == "postgresql+psycopg"
    assert parse_url("postgres://u:p@h:5432/db").drivername == "postgresql+psycopg"
    assert parse_url("sqlite:///x.db").drivername == "sqlite"


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(database_url: str) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite pragmas")
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            pragma = connection.exec_driver_sql
            assert pragma("PRAGMA journal_mode").scalar() == "wal"
            assert pragma("PRAGMA foreign_keys").scalar() == 1
            assert pragma("PRAGMA busy_timeout").scalar() == 10_000
            assert pragma("PRAGMA synchronous").scalar() == 1  # NORMAL
    finally:
        engine.dispose()

"""Alembic environment for OpenCustoms.

The database comes from the Alembic config: a live connection in
``config.attributes["connection"]`` (what :mod:`opencustoms.adapters.db.migrate` passes), else
the ``sqlalchemy.url`` main option. SQLite gets batch mode so that later revisions can alter
tables; on PostgreSQL an advisory lock keeps concurrently starting servers from migrating twice.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from opencustoms.adapters.db.engine import make_engine
from opencustoms.adapters.db.tables import metadata

MIGRATION_LOCK_ID = 7_041_996_231  # any constant shared by every OpenCustoms server

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_ID})")
        context.run_migrations()


def run_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if isinstance(connection, Connection):
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database: set sqlalchemy.url or pass a connection")
    engine = make_engine(url)
    try:
        with engine.connect() as new_connection:
            _run(new_connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()

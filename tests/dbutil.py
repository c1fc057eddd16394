"""Where database-backed tests get their database: SQLite by default, PostgreSQL in CI.

``OPENCUSTOMS_TEST_DATABASE_URL`` names a PostgreSQL database the tests may wipe; CI sets it and
runs the ``db``-marked tests a second time. Without it every test gets its own SQLite file.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import MetaData

from opencustoms.adapters.db.engine import make_engine

TEST_DATABASE_URL = "OPENCUSTOMS_TEST_DATABASE_URL"


def server_database_url() -> str | None:
    """The database server the tests were asked to use, if any."""
    return os.environ.get(TEST_DATABASE_URL) or None


def fresh_database_url(tmp_path: Path) -> str:
    """An empty, unmigrated database for one test.

    SQLite: a new file under ``tmp_path``. PostgreSQL: the database named by
    ``OPENCUSTOMS_TEST_DATABASE_URL`` with every table (``alembic_version`` included) dropped.
    """
    server = server_database_url()
    if server is None:
        return f"sqlite:///{tmp_path / 'opencustoms.db'}"
    reset_database(server)
    return server


def reset_database(url: str) -> None:
    """Drop every table in the database's default schema."""
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            existing = MetaData()
            existing.reflect(connection)
            existing.drop_all(connection)
    finally:
        engine.dispose()

"""Fixtures for the database adapter tests: a migrated database per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from opencustoms.adapters.db.engine import make_engine
from opencustoms.adapters.db.migrate import upgrade
from opencustoms.adapters.db.uow import SqlUnitOfWorkFactory
from tests.dbutil import fresh_database_url


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """An empty database: a SQLite file, or the wiped PostgreSQL test database."""
    return fresh_database_url(tmp_path)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on ``database_url``, migrated to the newest revision."""
    upgrade(database_url)
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def uow_factory(engine: Engine) -> SqlUnitOfWorkFactory:
    return SqlUnitOfWorkFactory(engine)

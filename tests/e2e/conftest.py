"""Fixtures for the API tests: a prepared database, the application and the demo API keys.

The database is prepared once per session (migrations, demo pack, demo parties and their keys)
on ``fresh_database_url`` — a SQLite file, or the wiped PostgreSQL test database when
``OPENCUSTOMS_TEST_DATABASE_URL`` is set. Before each test every table that ``prepare`` left
empty (declarations, their history, rejections …) is emptied again, so no test sees another's
declarations, at a fraction of the cost of migrating a new database per test.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import MetaData, func, select

from opencustoms import bootstrap
from opencustoms.adapters.db.engine import make_engine
from opencustoms.api.app import create_app
from opencustoms.settings import DEFAULT_MAX_BODY_BYTES, Settings
from tests.dbutil import fresh_database_url
from tests.e2e.examples import ACME, ADMIN
from tests.e2e.support import Api

MakeApi = Callable[..., Api]


RESTORED_TABLES = ("account_entries", "accounts", "quota_balances")
"""Tables ``prepare`` fills and tests change (balances): restored to their prepared rows."""


@dataclass(frozen=True)
class PreparedDatabase:
    settings: Settings
    transient_tables: tuple[str, ...]
    """Tables ``prepare`` leaves empty, children first: what tests write to."""
    snapshot: dict[str, list[dict[str, Any]]]

    def empty(self) -> None:
        engine = make_engine(self.settings.database_url)
        try:
            metadata = MetaData()
            metadata.reflect(engine, only=[*self.transient_tables, *RESTORED_TABLES])
            with engine.begin() as connection:
                for name in (*self.transient_tables, *RESTORED_TABLES):
                    connection.execute(metadata.tables[name].delete())
                for name in RESTORED_TABLES:
                    if self.snapshot[name]:
                        connection.execute(metadata.tables[name].insert(), self.snapshot[name])
        finally:
            engine.dispose()


def _snapshot(url: str) -> dict[str, list[dict[str, Any]]]:
    engine = make_engine(url)
    try:
        metadata = MetaData()
        metadata.reflect(engine, only=list(RESTORED_TABLES))
        with engine.connect() as connection:
            return {name: [dict(row._mapping)
                           for row in connection.execute(metadata.tables[name].select())]
                    for name in RESTORED_TABLES}
    finally:
        engine.dispose()


def _transient_tables(url: str) -> tuple[str, ...]:
    engine = make_engine(url)
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        with engine.connect() as connection:
            return tuple(
                table.name for table in reversed(metadata.sorted_tables)
                if connection.execute(select(func.count()).select_from(table)).scalar_one() == 0
            )
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def prepared_database(tmp_path_factory: pytest.TempPathFactory) -> PreparedDatabase:
    tmp = tmp_path_factory.mktemp("e2e")
    settings = Settings(data_dir=tmp / "var", database_url=fresh_database_url(tmp))
    bootstrap.prepare(settings)
    transient = _transient_tables(settings.database_url)
    assert "declarations" in transient
    return PreparedDatabase(settings, transient, _snapshot(settings.database_url))


@pytest.fixture
def settings(prepared_database: PreparedDatabase) -> Settings:
    """Settings on the prepared database, with no declaration in it."""
    prepared_database.empty()
    return prepared_database.settings


@pytest.fixture
def make_api(settings: Settings) -> Iterator[MakeApi]:
    """Build the application on ``settings`` (optionally another body limit); closed after.
    The random calibration share is 0 unless a test asks for it, so channels are predictable."""
    with ExitStack() as stack:

        def make(max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
                 raise_server_exceptions: bool = True, random_share: float = 0.0,
                 lodgement_concurrency: int | None = None,
                 lodgement_on_event_loop: bool | None = None) -> Api:
            configured = Settings(data_dir=settings.data_dir,
                                  database_url=settings.database_url,
                                  max_body_bytes=max_body_bytes, random_share=random_share,
                                  lodgement_concurrency=lodgement_concurrency,
                                  lodgement_on_event_loop=lodgement_on_event_loop)
            app = create_app(configured)
            stack.callback(app.state.container.close)
            client = stack.enter_context(
                TestClient(app, raise_server_exceptions=raise_server_exceptions))
            keys = json.loads(configured.api_keys_file.read_text())
            return Api(configured, app, client, keys)

        yield make


@pytest.fixture
def api(make_api: MakeApi) -> Api:
    """The application with the default settings (5 MB body limit)."""
    return make_api()


@pytest.fixture
def unsecured(api: Api) -> None:
    """Withdraw Acme's guarantee (it holds no cash): its declarations then wait for payment —
    registered but not released, where they can still be amended and invalidated."""
    response = api.client.put(
        f"/api/v1/accounts/{ACME}/guarantee", headers=api.auth(ADMIN),
        json={"reference_amount": {"value": "0.00", "currency": "EUR"}})
    assert response.status_code == 200, response.text

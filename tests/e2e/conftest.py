"""Fixtures for the API tests: a prepared database, the application and the demo API keys.

Each test gets its own database (a SQLite file, or the wiped PostgreSQL test database when
``OPENCUSTOMS_TEST_DATABASE_URL`` is set): preparing one takes a fraction of a second, and no
test can see another's declarations.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from opencustoms import bootstrap
from opencustoms.api.app import create_app
from opencustoms.settings import DEFAULT_MAX_BODY_BYTES, Settings
from tests.dbutil import fresh_database_url
from tests.e2e.support import Api

MakeApi = Callable[..., Api]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings on a prepared, empty-of-declarations database under ``tmp_path``."""
    prepared = Settings(data_dir=tmp_path / "var", database_url=fresh_database_url(tmp_path))
    bootstrap.prepare(prepared)
    return prepared


@pytest.fixture
def make_api(settings: Settings) -> Iterator[MakeApi]:
    """Build the application on ``settings`` (optionally another body limit); closed after."""
    with ExitStack() as stack:

        def make(max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
                 raise_server_exceptions: bool = True) -> Api:
            configured = Settings(data_dir=settings.data_dir,
                                  database_url=settings.database_url,
                                  max_body_bytes=max_body_bytes)
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

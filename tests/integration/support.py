"""Shared set-up of the service-level integration tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from opencustoms import bootstrap
from opencustoms.settings import Settings
from tests.dbutil import fresh_database_url


@contextmanager
def prepared_container(tmp_path: Path, **settings: Any) -> Iterator[bootstrap.Container]:
    """The services wired on a fresh, prepared database (demo pack, parties, accounts) in
    ``tmp_path``, closed afterwards; ``settings`` override the defaults (e.g. random_share)."""
    configured = Settings(data_dir=tmp_path, database_url=fresh_database_url(tmp_path),
                          **settings)
    bootstrap.prepare(configured)
    built = bootstrap.build(configured)
    try:
        yield built
    finally:
        built.close()

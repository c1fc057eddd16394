"""The real server: uvicorn in a subprocess on a loopback port, driven over HTTP with httpx.

The database is the prepared test database (SQLite file or PostgreSQL); the server reads its
settings from ``OPENCUSTOMS_*`` variables, as ``make run`` does.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from opencustoms import bootstrap
from opencustoms.domain.mrn import MRN, is_valid_mrn
from opencustoms.settings import Settings
from tests.e2e.conftest import PreparedDatabase
from tests.e2e.examples import ACME, import_declaration
from tests.e2e.support import DECLARATIONS

pytestmark = pytest.mark.db

STARTUP_SECONDS = 30.0
STOP_SECONDS = 10.0
THREADS = 8


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Server:
    """``uvicorn opencustoms.api.app:create_app --factory`` on 127.0.0.1, stopped on demand."""

    def __init__(self, settings: Settings, log: Path) -> None:
        self.settings = settings
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "OPENCUSTOMS_DATA_DIR": str(settings.data_dir),
               "OPENCUSTOMS_DATABASE_URL": settings.database_url,
               "OPENCUSTOMS_RISK_RANDOM_SHARE": "0"}
        env.pop("OPENCUSTOMS_MAX_BODY_BYTES", None)
        self._log = log
        with log.open("wb") as sink:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "opencustoms.api.app:create_app", "--factory",
                 "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning"],
                env=env, stdout=sink, stderr=subprocess.STDOUT,
            )

    def wait_until_healthy(self) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                pytest.fail(f"the server exited early:\n{self._log.read_text()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        pytest.fail(f"the server was not healthy within {STARTUP_SECONDS}s:\n"
                    f"{self._log.read_text()}")

    def stop(self) -> None:
        if self._process.poll() is not None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(timeout=STOP_SECONDS)


@pytest.fixture
def server(prepared_database: PreparedDatabase, tmp_path: Path) -> Iterator[Server]:
    prepared_database.empty()
    running = Server(prepared_database.settings, tmp_path / "uvicorn.log")
    try:
        running.wait_until_healthy()
        yield running
    finally:
        running.stop()


@pytest.fixture
def acme(prepared_database: PreparedDatabase) -> dict[str, str]:
    keys = json.loads(prepared_database.settings.api_keys_file.read_text())
    return {"Authorization": f"Bearer {keys[ACME]}"}


def test_a_declaration_lodged_over_http_is_in_the_database_after_the_server_stops(
        server: Server, acme: dict[str, str]) -> None:
    document = import_declaration()

    response = httpx.post(f"{server.url}{DECLARATIONS}", json=document, headers=acme,
                          timeout=10.0)

    assert response.status_code == 201, response.text
    mrn = response.json()["mrn"]
    assert is_valid_mrn(mrn)
    assert response.headers["location"] == f"{DECLARATIONS}/{mrn}"
    assert response.headers["x-correlation-id"]
    read = httpx.get(f"{server.url}{DECLARATIONS}/{mrn}", headers=acme, timeout=10.0)
    assert read.json() == response.json()
    server.stop()

    container = bootstrap.build(server.settings)
    try:
        with container.services.reader() as uow:
            stored = uow.declarations.get(MRN(mrn))
            history = uow.declarations.history(MRN(mrn))
    finally:
        container.close()
    assert stored is not None
    assert (stored.content.lrn, stored.status.value, stored.version) == (document["lrn"],
                                                                        "released", 1)
    assert stored.payload_sha256 == response.json()["payload_sha256"]
    assert [entry.event for entry in history] == ["accepted", "payment_secured", "released"]


def test_eight_simultaneous_http_lodgements_of_one_document_register_it_once(
        server: Server, acme: dict[str, str]) -> None:
    document = import_declaration()
    start = threading.Barrier(THREADS)

    def send(_: int) -> httpx.Response:
        with httpx.Client(base_url=server.url, headers=acme, timeout=30.0) as client:
            client.get("/healthz")  # connect before the barrier: the posts then race
            start.wait(timeout=10)
            return client.post(DECLARATIONS, json=document)

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        responses = list(pool.map(send, range(THREADS)))

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * (THREADS - 1) + [201], [r.text for r in responses]
    mrns = {r.json()["mrn"] for r in responses}
    assert len(mrns) == 1
    listed = httpx.get(f"{server.url}{DECLARATIONS}", headers=acme, timeout=10.0).json()
    assert [d["mrn"] for d in listed["items"]] == list(mrns)

"""``opencustoms worker``: one pass with ``--once``, or until SIGTERM, on a real data directory."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from opencustoms import bootstrap
from opencustoms.cli.main import main
from opencustoms.domain.notifications import FunctionCode, Notification
from opencustoms.domain.parties import PartyId
from opencustoms.settings import Settings
from tests.dbutil import fresh_database_url

pytestmark = pytest.mark.db

ACME = PartyId("XX100000000001")


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("OPENCUSTOMS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("OPENCUSTOMS_DATABASE_URL", fresh_database_url(tmp_path))
    settings = Settings.from_env()
    bootstrap.prepare(settings)
    return settings


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[bytes]]]:
    bodies: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            bodies.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", bodies
    server.shutdown()
    server.server_close()


def test_worker_once_pushes_what_is_due_and_reports_it(
        env: Settings, receiver: tuple[str, list[bytes]],
        capsys: pytest.CaptureFixture[str]) -> None:
    url, bodies = receiver
    container = bootstrap.build(env)
    try:
        with container.services.uow() as uow:
            uow.webhooks.add(ACME, url, "s3cret", datetime.now(UTC))
            uow.outbox.add([Notification(ACME, FunctionCode.RELEASED, "LRN-1",
                                         datetime.now(UTC), mrn="26XX00000000000001")])
            uow.commit()
    finally:
        container.close()
    assert main(["--json", "worker", "--once"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1]) == {"attempted": 1}
    assert [json.loads(b)["function_code"] for b in bodies] == ["released"]
    assert main(["--json", "worker", "--once"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1]) == {"attempted": 0}


def test_worker_runs_until_sigterm(env: Settings) -> None:
    process = subprocess.Popen([sys.executable, "-m", "opencustoms.cli.main", "worker"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=os.environ.copy())
    try:
        assert process.stdout is not None
        assert "delivery worker running" in process.stdout.readline()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

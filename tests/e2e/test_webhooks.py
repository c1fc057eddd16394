"""Push end to end (issue 5 §5): real HTTP receivers on loopback, one that fails its first
requests and one that always fails, fed by the delivery worker on a clock the test advances.

Every notification must reach the flaky receiver exactly once after deduplication by id, in
id order per declaration, signed with the secret shown at registration; the dead receiver must
neither hold the flaky one back nor be retried past the give-up time.
"""

from __future__ import annotations

import json
import random
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient

from opencustoms.api.app import create_app
from opencustoms.domain.notifications import FunctionCode, Notification
from opencustoms.domain.parties import PartyId
from opencustoms.services.delivery import DeliveryConfig, DeliveryWorker, verify_signature
from opencustoms.settings import Settings
from tests.e2e.examples import ACME
from tests.e2e.support import Api

pytestmark = pytest.mark.db

WEBHOOKS = "/api/v1/webhooks"
GIVE_UP = timedelta(hours=1)
STEP = timedelta(seconds=60)


@dataclass
class Received:
    notification_id: int
    body: bytes
    signature: str
    status: int


@dataclass
class Receiver:
    """An HTTP server on 127.0.0.1 answering 500 to its first ``failures`` requests (all of
    them when None) and 200 after; it keeps every request it got."""

    failures: int | None
    status_when_failing: int = 500
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        body = handler.rfile.read(int(handler.headers["Content-Length"]))
        with self.lock:
            failing = self.failures is None or len(self.requests) < self.failures
            status = self.status_when_failing if failing else 200
            self.requests.append(Received(int(handler.headers["OpenCustoms-Notification-Id"]),
                                          body, handler.headers["OpenCustoms-Signature"],
                                          status))
        handler.send_response(status)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    def accepted(self) -> list[Received]:
        with self.lock:
            return [r for r in self.requests if r.status == 200]


@pytest.fixture
def serve() -> Iterator[Any]:
    servers: list[ThreadingHTTPServer] = []

    def start(receiver: Receiver) -> str:
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                receiver.answer(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        servers.append(server)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{server.server_address[1]}/customs/notifications"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


class SteppedClock:
    """A clock that moves only when the test says so: backoff takes no real time."""

    def __init__(self, start: datetime) -> None:
        self.at = start

    def now(self) -> datetime:
        return self.at


def _register(api: Api, url: str) -> dict[str, Any]:
    response = api.client.post(WEBHOOKS, json={"url": url}, headers=api.auth(ACME))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _write_notifications(api: Api, at: datetime) -> dict[int, str]:
    """Ten notifications about three declarations, interleaved; returns id -> MRN."""
    mrns = {"A": "26XX00000000000AA1", "B": "26XX00000000000BB2", "C": "26XX00000000000CC3"}
    story = [("A", FunctionCode.RECEIVED), ("B", FunctionCode.RECEIVED),
             ("A", FunctionCode.ACCEPTED), ("C", FunctionCode.RECEIVED),
             ("B", FunctionCode.ACCEPTED), ("A", FunctionCode.TAX_ASSESSED),
             ("C", FunctionCode.REJECTED), ("B", FunctionCode.PHYSICAL_CONTROL),
             ("A", FunctionCode.RELEASED), ("B", FunctionCode.RELEASED)]
    services = api.app.state.services
    with services.uow() as uow:
        uow.outbox.add([Notification(PartyId(ACME), function, f"LRN-{key}", at, mrn=mrns[key],
                                     body={"step": step})
                        for step, (key, function) in enumerate(story)])
        uow.commit()
    with services.reader() as uow:
        written = uow.notifications.page(PartyId(ACME), after=0, limit=100)
    assert len(written) == len(story)
    return {n.id: n.mrn or "" for n in written}


def _deliveries(api: Api, webhook_id: int, **params: str) -> list[dict[str, Any]]:
    response = api.get(f"{WEBHOOKS}/{webhook_id}/deliveries", ACME, params=params)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_every_notification_arrives_once_in_order_signed_while_a_dead_endpoint_expires(
        api: Api, serve: Any) -> None:
    flaky, dead = Receiver(failures=3), Receiver(failures=None, status_when_failing=503)
    flaky_hook = _register(api, serve(flaky))
    dead_hook = _register(api, serve(dead))
    clock = SteppedClock(datetime.now(UTC).replace(microsecond=0))
    written = _write_notifications(api, clock.now())
    services = api.app.state.services
    worker = DeliveryWorker(services.uow, clock, DeliveryConfig(give_up_after=GIVE_UP),
                            reader=services.reader, rng=random.Random(5))
    start, flaky_done_at = clock.now(), None
    try:
        for _ in range(1000):
            worker.run_once()
            if flaky_done_at is None and len({r.notification_id for r in flaky.accepted()}) \
                    == len(written):
                flaky_done_at = clock.now()
            if not _deliveries(api, dead_hook["id"], status="pending"):
                break
            clock.at += STEP
    finally:
        worker.close()

    accepted = flaky.accepted()
    assert sorted(r.notification_id for r in accepted) == sorted(written)  # once each
    for mrn in set(written.values()):
        arrivals = [r.notification_id for r in flaky.requests if written[r.notification_id] == mrn]
        assert arrivals == sorted(arrivals), f"{mrn} out of order: {arrivals}"
    for request in flaky.requests:
        timestamp = int(request.signature.split(",")[0].removeprefix("t="))
        assert verify_signature(flaky_hook["secret"], request.signature, request.body,
                                now=timestamp)
        assert not verify_signature(dead_hook["secret"], request.signature, request.body,
                                    now=timestamp)
        assert json.loads(request.body)["id"] == request.notification_id
    assert [r.status for r in flaky.requests[:3]] == [500, 500, 500]
    assert flaky_done_at is not None and flaky_done_at - start < timedelta(minutes=5)

    flaky_deliveries = _deliveries(api, flaky_hook["id"])
    assert {d["status"] for d in flaky_deliveries} == {"delivered"}
    attempts = [a for d in flaky_deliveries for a in d["attempts"]]
    assert len(attempts) == len(flaky.requests)
    assert sorted(a["status_code"] for a in attempts) == [200] * len(written) + [500] * 3
    assert {a["error"] for a in attempts if a["status_code"] == 500} == {"HTTP 500"}

    expired = _deliveries(api, dead_hook["id"], status="expired")
    assert sorted(d["notification_id"] for d in expired) == sorted(written)
    assert all(d["last_error"] == "HTTP 503" and d["attempts"] for d in expired)
    # Each declaration's first delivery was retried until the give-up time; the ones queued
    # behind it then had one try each, already past that time.
    first_per_mrn = {min(i for i in written if written[i] == mrn) for mrn in written.values()}
    for d in expired:
        tries = len(d["attempts"])
        assert tries > 5 if d["notification_id"] in first_per_mrn else tries == 1, d
    for d in expired:  # tried until the give-up time, and exactly once past it
        late = [a for a in d["attempts"] if datetime.fromisoformat(a["at"])
                - datetime.fromisoformat(d["created_at"]) >= GIVE_UP]
        assert len(late) == 1, d
    tried = len(dead.requests)
    clock.at += timedelta(hours=2)
    assert worker.run_once() == 0
    assert len(dead.requests) == tried


def test_an_unreachable_endpoint_gets_one_try_per_pass_and_the_rest_wait_with_it(
        api: Api) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    hook = _register(api, f"http://127.0.0.1:{port}/")
    clock = SteppedClock(datetime.now(UTC))
    services = api.app.state.services
    with services.uow() as uow:
        uow.outbox.add([Notification(PartyId(ACME), FunctionCode.RECEIVED, f"LRN-{i}",
                                     clock.now()) for i in range(3)])
        uow.commit()
    worker = DeliveryWorker(services.uow, clock, reader=services.reader, rng=random.Random(1))
    try:
        assert worker.run_once() == 1
    finally:
        worker.close()
    tried, *waiting = _deliveries(api, hook["id"])
    (attempt,) = tried["attempts"]
    assert attempt["status_code"] is None and "Connection refused" in attempt["error"]
    assert [(d["attempts"], d["next_attempt_at"]) for d in waiting] == [
        ([], tried["next_attempt_at"])] * 2


def _delivery_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "opencustoms-delivery"]


def test_the_api_process_runs_the_worker_when_configured_and_tests_do_not(
        api: Api, serve: Any) -> None:
    assert _delivery_threads() == []  # the applications tests build start no worker
    receiver = Receiver(failures=0)
    hook = _register(api, serve(receiver))
    settings = Settings(data_dir=api.settings.data_dir, database_url=api.settings.database_url,
                        delivery_worker=True)
    app = create_app(settings)
    try:
        with TestClient(app):
            assert len(_delivery_threads()) == 1
            _write_notifications(api, datetime.now(UTC))
            deadline = time.monotonic() + 20
            while len(receiver.accepted()) < 10 and time.monotonic() < deadline:
                time.sleep(0.05)
        assert _delivery_threads() == []  # stopped with the application
    finally:
        app.state.container.close()
    assert len(receiver.accepted()) == 10
    assert all(verify_signature(hook["secret"], r.signature, r.body, now=time.time())
               for r in receiver.accepted())

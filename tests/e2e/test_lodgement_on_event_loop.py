"""On SQLite a lodgement runs on the event loop (ADR 0010): its turn at the write lock is
awaited there, so the server goes on answering while another process writes, and the
lodgement is registered once the lock is free."""

from __future__ import annotations

import fcntl
import os
import threading
import time

import httpx
import pytest

from opencustoms.adapters.db.engine import gate_of
from tests.e2e.conftest import MakeApi
from tests.e2e.examples import ACME, import_declaration

pytestmark = pytest.mark.db


def test_the_server_answers_while_a_lodgement_waits_for_another_process_writing(
        make_api: MakeApi) -> None:
    api = make_api()
    gate = gate_of(api.app.state.container.engine)
    if gate is None:
        pytest.skip("PostgreSQL: lodgements run in threads, there is no writer gate")
    assert api.app.state.writer_turn is not None
    # Another process's writer: an flock on the gate's file through a descriptor of our own.
    other = os.open(gate.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(other, fcntl.LOCK_EX)
    answers: list[httpx.Response] = []
    lodging = threading.Thread(
        target=lambda: answers.append(api.lodge(import_declaration("LOOP-1"), ACME)))
    try:
        lodging.start()
        time.sleep(0.3)  # the lodgement is now waiting for its turn
        health = api.client.get("/healthz")
        listing = api.client.get("/api/v1/declarations", headers=api.auth(ACME))
        still_waiting = lodging.is_alive()
    finally:
        fcntl.flock(other, fcntl.LOCK_UN)
        os.close(other)
    lodging.join(20)

    assert (health.status_code, health.json()["database"]) == (200, "ok")
    assert (listing.status_code, listing.json()["items"]) == (200, [])
    assert still_waiting  # it waited for the lock while the server answered
    assert [a.status_code for a in answers] == [201]
    assert len(api.mrns()) == 1


def test_lodgements_in_threads_when_the_setting_says_so(make_api: MakeApi) -> None:
    api = make_api(lodgement_on_event_loop=False)

    response = api.lodge(import_declaration("THREAD-1"), ACME)

    assert api.app.state.writer_turn is None
    assert response.status_code == 201
    assert len(api.mrns()) == 1

"""Lodgements in threads (PostgreSQL's way): a server process runs at most its configured number
at once; the others wait their turn and are all registered. On SQLite they run on the event loop
instead (``test_lodgement_on_event_loop.py``)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from opencustoms.services import lodgement
from opencustoms.settings import Settings
from tests.e2e.conftest import MakeApi
from tests.e2e.examples import ACME, import_declaration

pytestmark = pytest.mark.db


@pytest.mark.parametrize("limit", [1, 3])
def test_a_process_runs_at_most_its_limit_of_lodgements_at_once(
        make_api: MakeApi, monkeypatch: pytest.MonkeyPatch, limit: int) -> None:
    api = make_api(lodgement_concurrency=limit, lodgement_on_event_loop=False)
    guard = threading.Lock()
    running, most = [0], [0]
    real = lodgement.lodge

    def counting(*args: Any, **kwargs: Any) -> lodgement.LodgementResult:
        with guard:
            running[0] += 1
            most[0] = max(most[0], running[0])
        try:
            time.sleep(0.2)  # hold the turn so that the other requests pile up behind it
            return real(*args, **kwargs)
        finally:
            with guard:
                running[0] -= 1

    monkeypatch.setattr(lodgement, "lodge", counting)
    statuses: list[int] = []

    def lodge(n: int) -> None:
        statuses.append(api.lodge(import_declaration(f"TURN-{limit}-{n}"), ACME).status_code)

    threads = [threading.Thread(target=lodge, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [201] * 6
    assert most[0] == limit
    assert len(api.mrns()) == 6


def test_the_default_is_one_at_a_time_on_sqlite_and_eight_on_postgresql(
        tmp_path: Any) -> None:
    sqlite = Settings.from_env({"OPENCUSTOMS_DATA_DIR": str(tmp_path)})
    postgres = Settings.from_env({"OPENCUSTOMS_DATA_DIR": str(tmp_path),
                                  "OPENCUSTOMS_DATABASE_URL": "postgresql://db/customs"})
    chosen = Settings.from_env({"OPENCUSTOMS_DATA_DIR": str(tmp_path),
                                "OPENCUSTOMS_LODGEMENT_CONCURRENCY": "4",
                                "OPENCUSTOMS_LODGEMENT_ON_EVENT_LOOP": "off"})
    assert (sqlite.lodgements_at_once, postgres.lodgements_at_once,
            chosen.lodgements_at_once) == (1, 8, 4)
    assert (sqlite.lodges_on_event_loop, postgres.lodges_on_event_loop,
            chosen.lodges_on_event_loop) == (True, False, False)
    with pytest.raises(ValueError, match="OPENCUSTOMS_LODGEMENT_ON_EVENT_LOOP must be one of"):
        Settings.from_env({"OPENCUSTOMS_DATA_DIR": str(tmp_path),
                           "OPENCUSTOMS_LODGEMENT_ON_EVENT_LOOP": "sometimes"})
    with pytest.raises(ValueError, match="OPENCUSTOMS_LODGEMENT_CONCURRENCY must be at least 1"):
        Settings.from_env({"OPENCUSTOMS_DATA_DIR": str(tmp_path),
                           "OPENCUSTOMS_LODGEMENT_CONCURRENCY": "0"})

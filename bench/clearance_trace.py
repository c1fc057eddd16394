"""Trace one red declaration from receipt to release, with the time of every step.

Runs the real application (in process, on a fresh SQLite data directory): an analyst writes a
red profile, Acme lodges the import example, the officer takes the task, records the physical
control result with extra duty, and releases. Prints the history, the audit chain status, the
notifications Acme received, the time-release figures, and whether the release note verifies
with the published key.

    .venv/bin/python bench/clearance_trace.py
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from opencustoms import bootstrap
from opencustoms.adapters.db.audit import verify_chain
from opencustoms.adapters.db.engine import make_engine
from opencustoms.adapters.signing import verify_release_note
from opencustoms.api.app import create_app
from opencustoms.settings import Settings

EXAMPLE = Path(__file__).resolve().parents[2] / "shared" / "examples" / "declaration-import.json"
ACME, OFFICER, ANALYST = "XX100000000001", "XX900000000001", "XX900000000002"


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "var"
        settings = Settings(data_dir=data, database_url=f"sqlite:///{data / 'oc.db'}",
                            random_share=0.0)
        bootstrap.prepare(settings)
        keys = json.loads(settings.api_keys_file.read_text())
        app = create_app(settings)
        with TestClient(app) as client:
            def call(method: str, path: str, party: str, body: Any = None) -> Any:
                started = time.perf_counter()
                response = client.request(method, path, json=body,
                                          headers={"Authorization": f"Bearer {keys[party]}"})
                elapsed = (time.perf_counter() - started) * 1000
                assert response.status_code < 300, response.text
                print(f"{method:4} {path:62} {response.status_code} {elapsed:7.1f} ms")
                return response.json()

            call("POST", "/api/v1/risk/profiles", ANALYST, {
                "name": "Smartphones", "criteria": {"all": [
                    {"field": "item.commodity_code", "op": "starts_with", "value": "851713"}]},
                "valid_from": "2026-01-01", "channel": "red",
                "instructions": "Count the handsets against the invoice", "weight": 80})
            document = json.loads(EXAMPLE.read_text())
            document["lrn"] = f"TRACE-{int(time.time())}"
            lodged = call("POST", "/api/v1/declarations", ACME, document)
            mrn = lodged["mrn"]
            call("GET", "/api/v1/tasks", OFFICER)
            time.sleep(0.2)  # the officer walks to the goods
            call("POST", f"/api/v1/tasks/{mrn}/claim", OFFICER, {})
            time.sleep(0.3)  # the inspection itself
            call("POST", f"/api/v1/declarations/{mrn}/control-results", OFFICER, {
                "kind": "physical", "irregularity": True,
                "findings": "12 handsets more than invoiced",
                "extra_duty": {"currency": "EUR", "amount": "120.00"},
                "corrections": {"/items/0/quantity": "112"}})
            released = call("POST", f"/api/v1/declarations/{mrn}/release", OFFICER, {})
            history = call("GET", f"/api/v1/declarations/{mrn}/history", OFFICER)
            notes = call("GET", "/api/v1/notifications?limit=500", ACME)
            stats = call("GET", "/api/v1/stats/release-times", OFFICER)
            note = call("GET", f"/api/v1/declarations/{mrn}/release-note", ACME)
            published = client.get("/api/v1/keys").json()["keys"]
        print(f"\nMRN {mrn}: channel {released['channel']}, status {released['status']}")
        print(json.dumps(released["clearance"], indent=1))
        print("\nhistory:")
        for entry in history["entries"]:
            print(f"  {entry['at']}  {entry['event']:26} {entry['actor']:16} -> {entry['status']}")
        print("\nnotifications to Acme:",
              [n["function_code"] for n in notes["items"] if n["mrn"] in (mrn, None)])
        print("\nrelease times:", json.dumps(stats["groups"], indent=1))
        key = next(k for k in published if k["kid"] == note["signature"]["key_id"])
        print("\nrelease note verifies with the published key:",
              verify_release_note(note, key["pem"]))
        engine = make_engine(settings.database_url)
        with engine.connect() as connection:
            print("audit chain:", verify_chain(connection))
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())

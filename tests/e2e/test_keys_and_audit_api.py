"""The public keys (anyone may fetch them) and the audit trail (administration only) through the
API; a risk profile written through the API leaves its entries in the chain."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from opencustoms.adapters.db.audit import verify_chain
from opencustoms.adapters.db.engine import make_engine
from opencustoms.adapters.signing import verify_release_note
from tests.e2e.conftest import MakeApi
from tests.e2e.examples import ACME, ADMIN, OFFICER
from tests.e2e.support import Api, assert_problem

pytestmark = pytest.mark.db

ANALYST = "XX900000000002"
KEYS = "/api/v1/keys"
AUDIT = "/api/v1/audit"

PROFILE = {"name": "Bicycles from CN", "description": "", "valid_from": "2026-01-01",
           "criteria": {"all": [
               {"field": "item.commodity_code", "op": "starts_with", "value": "8712"},
               {"field": "item.origin", "op": "in", "value": ["CN"]}]},
           "channel": "yellow", "instructions": "Check the origin", "weight": 60}


def test_the_public_keys_need_no_api_key(api: Api) -> None:
    response = api.client.get(KEYS)
    assert response.status_code == 200, response.text
    [key] = response.json()["keys"]
    raw = base64.urlsafe_b64decode(key["x"] + "=")
    assert (key["kty"], key["crv"], key["use"]) == ("OKP", "Ed25519", "sig")
    assert key["kid"] == hashlib.sha256(raw).hexdigest()[:16]
    assert key["links"]["pem"] == f"{KEYS}/{key['kid']}.pem"
    pem = api.client.get(key["links"]["pem"])
    assert pem.status_code == 200
    assert pem.headers["content-type"].startswith("text/plain")
    assert pem.text == key["pem"]


def test_a_note_signed_by_the_server_verifies_with_the_served_key(api: Api) -> None:
    signer = api.app.state.services.signer
    signed = signer.sign({"mrn": "26XX0000000000ABC1", "amount_secured": "10.00"})
    [key] = api.client.get(KEYS).json()["keys"]
    assert signed["signature"]["key_id"] == key["kid"]
    assert verify_release_note(signed, base64.urlsafe_b64decode(key["x"] + "=")) is True
    assert verify_release_note(signed, api.client.get(key["links"]["pem"]).text) is True
    Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(key["x"] + "="))


def test_the_key_survives_a_restart(make_api: MakeApi, api: Api) -> None:
    first = api.client.get(KEYS).json()["keys"][0]["kid"]
    again = make_api()
    assert again.client.get(KEYS).json()["keys"][0]["kid"] == first


def test_an_unknown_key_is_a_404_problem(api: Api) -> None:
    assert_problem(api.client.get(f"{KEYS}/0000000000000000.pem"), 404, "keys.not-found")


def test_the_audit_trail_needs_an_api_key(api: Api) -> None:
    assert_problem(api.client.get(AUDIT), 401, "auth.unauthenticated")


def test_traders_may_not_read_the_audit_trail(api: Api) -> None:
    assert_problem(api.get(AUDIT, ACME), 403, "auth.administration-only")


def test_an_officer_reads_the_demo_parties_registration(api: Api) -> None:
    response = api.get(AUDIT, OFFICER, params={"kind": "party", "subject": ACME})
    assert response.status_code == 200, response.text
    [entry] = response.json()["items"]
    assert (entry["event"], entry["data"]["roles"], len(entry["hash"])) == (
        "registered", ["trader"], 64)


def test_api_key_entries_never_hold_the_secret(api: Api) -> None:
    items = api.get(AUDIT, ADMIN, params={"kind": "api_key", "subject": ACME}).json()["items"]
    key_id = api.keys[ACME].split("_")[1]
    assert [e["data"] for e in items] == [{"key_id": key_id}]
    assert api.keys[ACME].split("_")[2] not in json.dumps(items)


def test_the_audit_trail_pages_by_seq(api: Api) -> None:
    first = api.get(AUDIT, OFFICER, params={"kind": "party", "limit": 2}).json()
    assert len(first["items"]) == 2 and first["next_after"] == first["items"][1]["seq"]
    second = api.get(AUDIT, OFFICER, params={"kind": "party", "limit": 2,
                                            "after": first["next_after"]}).json()
    seqs = [e["seq"] for e in first["items"] + second["items"]]
    assert seqs == sorted(set(seqs)) and all(e["kind"] == "party" for e in second["items"])


@pytest.mark.parametrize(("params", "pointer"), [
    ({"limit": 0}, "/query/limit"), ({"limit": 1001}, "/query/limit"),
    ({"after": "x"}, "/query/after"),
])
def test_bad_audit_parameters_are_400_with_a_pointer(api: Api, params: dict[str, object],
                                                     pointer: str) -> None:
    assert_problem(api.get(AUDIT, OFFICER, params=params), 400, "request.parameters", pointer)


def test_writing_and_changing_a_risk_profile_is_in_the_audit_trail(api: Api) -> None:
    created = api.client.post("/api/v1/risk/profiles", json=PROFILE, headers=api.auth(ANALYST))
    assert created.status_code == 201, created.text
    profile = created.json()
    changed = api.client.put(f"/api/v1/risk/profiles/{profile['id']}",
                             json={**PROFILE, "channel": "red"}, headers=api.auth(ANALYST))
    assert changed.status_code == 200, changed.text
    items = api.get(AUDIT, OFFICER, params={"kind": "risk_profile",
                                           "subject": profile["id"]}).json()["items"]
    criteria = json.dumps(profile["criteria"], sort_keys=True, separators=(",", ":"),
                          ensure_ascii=False).encode()
    assert [(e["event"], e["actor"], e["data"]) for e in items] == [
        ("created", ANALYST, {"version": 1, "channel": "yellow", "active": True,
                              "criteria_sha256": hashlib.sha256(criteria).hexdigest()}),
        ("revised", ANALYST, {"version": 2, "channel": "red", "active": True,
                              "criteria_sha256": hashlib.sha256(criteria).hexdigest()})]
    engine = make_engine(api.settings.database_url)
    try:
        with engine.connect() as connection:
            assert verify_chain(connection).ok
    finally:
        engine.dispose()


def test_a_refused_profile_leaves_no_audit_entry(api: Api) -> None:
    before = api.get(AUDIT, OFFICER, params={"kind": "risk_profile", "limit": 1000}).json()
    response = api.client.post("/api/v1/risk/profiles", json={**PROFILE, "channel": "purple"},
                               headers=api.auth(ANALYST))
    assert response.status_code == 422
    after = api.get(AUDIT, OFFICER, params={"kind": "risk_profile", "limit": 1000}).json()
    assert after["items"] == before["items"]

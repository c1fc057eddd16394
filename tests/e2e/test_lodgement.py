"""Lodging the example declarations: 201 with an MRN, the content as registered, the hash."""

from __future__ import annotations

import hashlib
import json

import pytest

from opencustoms.domain.mrn import is_valid_mrn
from tests.e2e.examples import (
    ACME,
    BETA,
    BROKER,
    OFFICER,
    export_declaration,
    import_declaration,
    represented_import,
)
from tests.e2e.support import DECLARATIONS, Api

pytestmark = pytest.mark.db


def test_lodging_the_import_example_registers_it_under_an_import_mrn(api: Api) -> None:
    document = import_declaration()

    response = api.lodge(document, ACME)

    assert response.status_code == 201, response.text
    body = response.json()
    mrn = body["mrn"]
    assert len(mrn) == 18
    assert is_valid_mrn(mrn)
    assert mrn[2:4] == "XX"
    assert mrn[16] == "R"
    assert body["accepted_at"][2:4] == mrn[:2]
    # green, and Acme's guarantee covers the duties: released in the lodgement's transaction
    assert (body["status"], body["version"], body["lrn"]) == ("released", 1, document["lrn"])
    assert body["clearance"]["secured_by"] == "guarantee"
    assert body["clearance"]["released_at"] is not None
    assert body["declarant"] == ACME
    assert response.headers["location"] == f"{DECLARATIONS}/{mrn}"
    assert body["links"]["self"] == f"{DECLARATIONS}/{mrn}"


def test_lodging_the_export_example_gives_an_export_mrn(api: Api) -> None:
    response = api.lodge(export_declaration(), BETA)

    assert response.status_code == 201, response.text
    mrn = response.json()["mrn"]
    assert is_valid_mrn(mrn)
    assert mrn[16] == "A"
    assert response.json()["type"] == "EX"


def test_reading_a_declaration_returns_the_content_as_lodged(api: Api) -> None:
    document = import_declaration()
    lodged = api.lodged(document, ACME)

    response = api.get(f"{DECLARATIONS}/{lodged['mrn']}", ACME)

    assert response.status_code == 200
    read = response.json()
    assert read == lodged
    expected = {k: v for k, v in document.items() if v is not None}
    assert read["declaration"] == expected


def test_the_mrn_is_found_whatever_its_letter_case(api: Api) -> None:
    mrn = api.lodged(import_declaration(), ACME)["mrn"]

    response = api.get(f"{DECLARATIONS}/{mrn.lower()}", ACME)

    assert response.status_code == 200
    assert response.json()["mrn"] == mrn


def test_payload_sha256_is_the_hash_of_the_bytes_sent(api: Api) -> None:
    # indented, with a trailing newline: the hash is of these bytes, not of a re-encoding
    raw = (json.dumps(import_declaration(), indent=3) + "\n").encode()

    response = api.post_raw(DECLARATIONS, raw, ACME)

    assert response.status_code == 201, response.text
    expected = hashlib.sha256(raw).hexdigest()
    assert response.json()["payload_sha256"] == expected
    read = api.get(f"{DECLARATIONS}/{response.json()['mrn']}", ACME).json()
    assert read["payload_sha256"] == expected


def test_a_broker_lodges_for_acme_as_its_direct_representative(api: Api) -> None:
    document = represented_import()

    response = api.lodge(document, BROKER)

    assert response.status_code == 201, response.text
    mrn = response.json()["mrn"]
    assert response.json()["declaration"]["representative"] == {"id": BROKER, "status": "2"}
    for party in (BROKER, ACME, OFFICER):
        seen = api.get(f"{DECLARATIONS}/{mrn}", party)
        assert seen.status_code == 200, party
        assert seen.json()["declarant"] == ACME
    assert api.mrns(BROKER) == [mrn]
    assert api.mrns(ACME) == [mrn]


def test_a_declaration_lodged_by_the_broker_is_not_visible_to_beta(api: Api) -> None:
    mrn = api.lodged(represented_import(), BROKER)["mrn"]

    response = api.get(f"{DECLARATIONS}/{mrn}", BETA)

    assert response.status_code == 404
    assert api.mrns(BETA) == []


def test_the_same_lrn_may_be_used_by_two_declarants(api: Api) -> None:
    acme = api.lodged(import_declaration("SHARED-LRN-1"), ACME)
    beta = api.lodged(export_declaration("SHARED-LRN-1"), BETA)

    assert acme["mrn"] != beta["mrn"]
    assert sorted(api.mrns()) == sorted([acme["mrn"], beta["mrn"]])

"""Amending a declaration (UCC art. 173): full replacement, re-validated, version + 1, history."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.e2e.examples import ACME, BROKER, import_declaration, represented_import
from tests.e2e.support import DECLARATIONS, Api, assert_problem, errors_by_code

pytestmark = [pytest.mark.db, pytest.mark.usefixtures("unsecured")]


def _amend(api: Api, mrn: str, document: dict[str, Any], party: str = ACME,
           headers: dict[str, str] | None = None) -> httpx.Response:
    return api.client.post(f"{DECLARATIONS}/{mrn}/amendments", json=document,
                           headers={**api.auth(party), **(headers or {})})


def _lodged_with_changed_copy(api: Api) -> tuple[str, dict[str, Any]]:
    document = import_declaration()
    mrn = api.lodged(document, ACME)["mrn"]
    document["items"][0]["description"] = "Smartphones, 256 GB"
    return mrn, document


def test_an_amendment_with_a_changed_item_becomes_version_2(api: Api) -> None:
    mrn, amended = _lodged_with_changed_copy(api)

    response = _amend(api, mrn, amended)

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["mrn"], body["version"], body["status"]) == (mrn, 2, "awaiting_payment")
    assert body["declaration"]["items"][0]["description"] == "Smartphones, 256 GB"
    read = api.get(f"{DECLARATIONS}/{mrn}", ACME).json()
    assert read["version"] == 2
    assert read["declaration"]["items"][0]["description"] == "Smartphones, 256 GB"


def test_the_history_keeps_both_versions_and_both_events(api: Api) -> None:
    mrn, amended = _lodged_with_changed_copy(api)
    assert _amend(api, mrn, amended).status_code == 200

    history = api.get(f"{DECLARATIONS}/{mrn}/history", ACME).json()

    assert history["mrn"] == mrn
    # acceptance found the duties unsecured (Acme holds no money here): the system assessed
    # them in the same transaction, still version 1
    assert [(e["sequence"], e["event"], e["version"]) for e in history["entries"]] == [
        (1, "accepted", 1), (2, "tax_assessed", 1), (3, "amended", 2)]
    assert [e["actor"] for e in history["entries"]] == [ACME, "system", ACME]
    versions = history["versions"]
    assert [v["version"] for v in versions] == [1, 2]
    descriptions = [v["declaration"]["items"][0]["description"] for v in versions]
    assert descriptions == ["Smartphones, 128 GB", "Smartphones, 256 GB"]


def test_the_payload_hash_follows_the_amendment(api: Api) -> None:
    mrn, amended = _lodged_with_changed_copy(api)
    first = api.get(f"{DECLARATIONS}/{mrn}", ACME).json()["payload_sha256"]

    response = _amend(api, mrn, amended)

    assert response.json()["payload_sha256"] != first


def test_the_representative_amends_a_declaration_it_lodged(api: Api) -> None:
    document = represented_import()
    mrn = api.lodged(document, BROKER)["mrn"]
    document["items"][0]["description"] = "Smartphones, 256 GB"

    response = _amend(api, mrn, document, party=BROKER)

    assert response.status_code == 200, response.text
    assert api.get(f"{DECLARATIONS}/{mrn}/history", ACME).json()["entries"][-1]["actor"] == BROKER


def test_an_amendment_may_not_change_the_lrn(api: Api) -> None:
    mrn, amended = _lodged_with_changed_copy(api)
    amended["lrn"] = "OTHER-LRN-1"

    response = _amend(api, mrn, amended)

    body = assert_problem(response, 422, "declaration.rule-violations", "/lrn")
    assert errors_by_code(body) == {"AM501": ["/lrn"]}
    assert api.get(f"{DECLARATIONS}/{mrn}", ACME).json()["version"] == 1


def test_an_amendment_breaking_rules_changes_nothing(api: Api) -> None:
    mrn, amended = _lodged_with_changed_copy(api)
    amended["items"][0]["net_mass"] = "20.000"
    amended["items"][0]["commodity_code"] = "0000000000"

    response = _amend(api, mrn, amended)

    body = assert_problem(response, 422, "declaration.rule-violations", "/items/0/net_mass")
    assert errors_by_code(body)["CL105"] == ["/items/0/commodity_code"]
    read = api.get(f"{DECLARATIONS}/{mrn}", ACME).json()
    assert read["version"] == 1
    assert read["declaration"]["items"][0]["description"] == "Smartphones, 128 GB"
    history = api.get(f"{DECLARATIONS}/{mrn}/history", ACME).json()
    assert (len(history["entries"]), len(history["versions"])) == (2, 1)


def test_an_amendment_with_a_schema_error_changes_nothing(api: Api) -> None:
    mrn, amended = _lodged_with_changed_copy(api)
    amended["items"][0]["net_mass"] = 12.5

    response = _amend(api, mrn, amended)

    assert_problem(response, 400, "request.schema", "/items/0/net_mass")
    assert api.get(f"{DECLARATIONS}/{mrn}", ACME).json()["version"] == 1


def test_if_match_on_the_current_version_is_accepted(api: Api) -> None:
    mrn, amended = _lodged_with_changed_copy(api)

    response = _amend(api, mrn, amended, headers={"If-Match": '"1"'})

    assert response.status_code == 200, response.text
    assert response.json()["version"] == 2


def test_if_match_on_an_older_version_is_a_stale_version_conflict(api: Api) -> None:
    mrn, amended = _lodged_with_changed_copy(api)
    assert _amend(api, mrn, amended, headers={"If-Match": '"1"'}).status_code == 200
    amended["items"][0]["description"] = "Smartphones, 512 GB"

    response = _amend(api, mrn, amended, headers={"If-Match": '"1"'})

    body = assert_problem(response, 409, "declaration.stale-version", "")
    assert "version 2" in body["detail"]
    read = api.get(f"{DECLARATIONS}/{mrn}", ACME).json()
    assert read["version"] == 2
    assert read["declaration"]["items"][0]["description"] == "Smartphones, 256 GB"


def test_an_if_match_that_is_not_a_version_is_refused(api: Api) -> None:
    mrn, amended = _lodged_with_changed_copy(api)

    response = _amend(api, mrn, amended, headers={"If-Match": '"abc"'})

    assert_problem(response, 400, "request.if-match", "")
    assert api.get(f"{DECLARATIONS}/{mrn}", ACME).json()["version"] == 1


def test_an_invalidated_declaration_cannot_be_amended(api: Api) -> None:
    mrn, amended = _lodged_with_changed_copy(api)
    invalidated = api.client.post(f"{DECLARATIONS}/{mrn}/invalidation",
                                  json={"reason": "goods not shipped"}, headers=api.auth(ACME))
    assert invalidated.status_code == 200
    version = invalidated.json()["version"]

    response = _amend(api, mrn, amended)

    body = assert_problem(response, 409, "declaration.forbidden-transition", "")
    assert body["state"] == "invalidated"
    assert body["allowed_actions"] == []
    read = api.get(f"{DECLARATIONS}/{mrn}", ACME).json()
    assert (read["status"], read["version"]) == ("invalidated", version)
    assert read["declaration"]["items"][0]["description"] == "Smartphones, 128 GB"


def test_the_listing_follows_an_amended_commodity_code(api: Api) -> None:
    mrn, amended = _lodged_with_changed_copy(api)
    amended["items"][0]["commodity_code"] = "8517140000"

    response = _amend(api, mrn, amended)

    assert response.status_code == 200, response.text
    assert api.mrns(ACME, commodity_code="8517140000") == [mrn]
    assert api.mrns(ACME, commodity_code="8517130000") == []


def test_a_representative_removed_by_amendment_loses_sight_of_the_declaration(
        api: Api) -> None:
    document = represented_import()
    mrn = api.lodged(document, BROKER)["mrn"]
    document["representative"] = None

    response = _amend(api, mrn, document, party=ACME)

    assert response.status_code == 200, response.text
    assert_problem(api.get(f"{DECLARATIONS}/{mrn}", BROKER), 404, "declaration.not-found", "")
    assert api.mrns(BROKER) == []
    assert api.mrns(ACME) == [mrn]

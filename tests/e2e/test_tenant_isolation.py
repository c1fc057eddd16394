"""A trader sees and changes only declarations that name it; anything else does not exist (404).

Issue 2, item 9: the answer for another trader's MRN is the same as for an MRN never issued, so
an MRN's existence is not disclosed. Nothing changes.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.e2e.examples import ACME, BETA, BROKER, OFFICER, import_declaration
from tests.e2e.support import DECLARATIONS, Api, assert_problem

pytestmark = [pytest.mark.db, pytest.mark.usefixtures("unsecured")]

UNKNOWN_MRN = "26XX000000000000R0"


def _ask(api: Api, party: str, mrn: str, action: str, document: dict[str, Any]) -> httpx.Response:
    path = f"{DECLARATIONS}/{mrn}"
    if action == "read":
        return api.get(path, party)
    if action == "history":
        return api.get(f"{path}/history", party)
    if action == "amend":
        return api.client.post(f"{path}/amendments", json=document, headers=api.auth(party))
    return api.client.post(f"{path}/invalidation", json={"reason": "not mine"},
                           headers=api.auth(party))


@pytest.mark.parametrize("action", ["read", "history", "amend", "invalidate"])
def test_beta_gets_404_for_acmes_declaration_as_for_an_unknown_one(api: Api,
                                                                    action: str) -> None:
    document = import_declaration()
    mrn = api.lodged(document, ACME)["mrn"]
    document["items"][0]["description"] = "Smartphones, 256 GB"

    foreign = _ask(api, BETA, mrn, action, document)
    unknown = _ask(api, BETA, UNKNOWN_MRN, action, document)

    foreign_body = assert_problem(foreign, 404, "declaration.not-found", "")
    unknown_body = assert_problem(unknown, 404, "declaration.not-found", "")
    assert foreign_body["detail"] == unknown_body["detail"].replace(UNKNOWN_MRN, mrn)
    read = api.get(f"{DECLARATIONS}/{mrn}", ACME).json()
    assert (read["status"], read["version"]) == ("awaiting_payment", 1)
    history = api.get(f"{DECLARATIONS}/{mrn}/history", ACME).json()
    assert [e["event"] for e in history["entries"]] == ["accepted", "tax_assessed"]


@pytest.mark.parametrize("action", ["read", "amend", "invalidate"])
def test_the_broker_gets_404_for_a_declaration_it_is_not_named_in(api: Api,
                                                                   action: str) -> None:
    document = import_declaration()
    mrn = api.lodged(document, ACME)["mrn"]

    response = _ask(api, BROKER, mrn, action, document)

    assert_problem(response, 404, "declaration.not-found", "")
    assert api.get(f"{DECLARATIONS}/{mrn}", ACME).json()["version"] == 1


def test_a_trader_named_as_exporter_sees_the_declaration_but_may_not_change_it(
        api: Api) -> None:
    document = import_declaration()
    document["exporter"] = {"id": BETA, "name": "Beta Machinery Works", "country": "XX"}
    document["country_of_dispatch"] = "CN"
    mrn = api.lodged(document, ACME)["mrn"]

    read = api.get(f"{DECLARATIONS}/{mrn}", BETA)
    invalidation = _ask(api, BETA, mrn, "invalidate", document)

    assert read.status_code == 200
    assert read.json()["declaration"]["exporter"]["id"] == BETA
    assert_problem(invalidation, 403, "auth.not-declarant", "")
    assert api.get(f"{DECLARATIONS}/{mrn}", ACME).json()["status"] == "awaiting_payment"


def test_a_listing_shows_a_trader_only_the_declarations_naming_it(api: Api) -> None:
    acme = api.lodged(import_declaration(), ACME)["mrn"]
    beta_document = import_declaration()
    beta_document["declarant"] = BETA
    beta_document["importer"] = {"id": BETA, "name": "Beta Machinery Works", "country": "XX"}
    beta = api.lodged(beta_document, BETA)["mrn"]

    assert api.mrns(ACME) == [acme]
    assert api.mrns(BETA) == [beta]
    assert api.mrns(BROKER) == []
    assert sorted(api.mrns(OFFICER)) == sorted([acme, beta])

"""Format-logical control through the API: 422 listing every violated rule with its pointer."""

from __future__ import annotations

import pytest

from tests.e2e.examples import ACME, BETA, BROKER, import_declaration, represented_import
from tests.e2e.support import Api, assert_problem, errors_by_code

pytestmark = pytest.mark.db


def test_every_rule_violation_is_reported_at_once_with_its_pointer(api: Api) -> None:
    document = import_declaration()
    item = document["items"][0]
    item["commodity_code"] = "0000000000"
    item["net_mass"] = "20.000"
    item["sequence"] = 2

    response = api.lodge(document, ACME)

    body = assert_problem(response, 422, "declaration.rule-violations",
                          "/items/0/commodity_code")
    found = errors_by_code(body)
    assert found["CL105"] == ["/items/0/commodity_code"]
    assert found["RL312"] == ["/items/0/net_mass"]
    assert found["SQ401"] == ["/items/0/sequence"]
    assert body["detail"] == f"{len(body['errors'])} rule violation(s) in the declaration"
    assert all(error["detail"] for error in body["errors"])
    assert api.mrns() == []


def test_a_rejected_lrn_can_be_lodged_once_corrected(api: Api) -> None:
    document = import_declaration()
    document["items"][0]["net_mass"] = "20.000"
    rejected = api.lodge(document, ACME)
    document["items"][0]["net_mass"] = "12.500"

    accepted = api.lodge(document, ACME)

    assert_problem(rejected, 422, "declaration.rule-violations", "/items/0/net_mass")
    assert accepted.status_code == 201, accepted.text


def test_beta_may_not_lodge_with_acme_as_declarant(api: Api) -> None:
    response = api.lodge(import_declaration(), BETA)

    body = assert_problem(response, 422, "declaration.rule-violations", "/declarant")
    assert errors_by_code(body) == {"RL307": ["/declarant"]}
    assert api.mrns() == []


def test_beta_resending_acmes_lrn_learns_nothing_about_acmes_declaration(api: Api) -> None:
    document = import_declaration()
    mrn = api.lodged(document, ACME)["mrn"]

    response = api.lodge(document, BETA)

    body = assert_problem(response, 422, "declaration.rule-violations", "/declarant")
    assert errors_by_code(body) == {"RL307": ["/declarant"]}
    assert mrn not in response.text
    assert api.mrns() == [mrn]


def test_a_broker_acting_for_acme_must_be_named_as_representative(api: Api) -> None:
    response = api.lodge(import_declaration(), BROKER)

    body = assert_problem(response, 422, "declaration.rule-violations", "/representative")
    assert errors_by_code(body) == {"RL307": ["/representative"]}
    assert api.mrns() == []


def test_a_trader_may_not_name_itself_representative_of_another(api: Api) -> None:
    document = import_declaration()
    document["representative"] = {"id": BETA, "status": "2"}

    response = api.lodge(document, BETA)

    body = assert_problem(response, 422, "declaration.rule-violations", "/representative/id")
    assert errors_by_code(body) == {"RL307": ["/representative/id"]}
    assert api.mrns() == []


def test_a_representative_without_status_breaks_rule_CD208(api: Api) -> None:
    document = represented_import()
    del document["representative"]["status"]

    response = api.lodge(document, BROKER)

    body = assert_problem(response, 422, "declaration.rule-violations",
                          "/representative/status")
    assert errors_by_code(body) == {"CD208": ["/representative/status"]}
    assert api.mrns() == []


def test_an_lrn_over_22_characters_breaks_rule_RL302(api: Api) -> None:
    response = api.lodge(import_declaration("L" * 23), ACME)

    body = assert_problem(response, 422, "declaration.rule-violations", "/lrn")
    assert errors_by_code(body) == {"RL302": ["/lrn"]}
    assert api.mrns() == []

"""Reference endpoints: the rule catalogue and the jurisdiction's code lists (key required)."""

from __future__ import annotations

import pytest

from tests.e2e.examples import ACME, OFFICER
from tests.e2e.support import Api, assert_problem

pytestmark = pytest.mark.db

REFERENCE = "/api/v1/reference"


def test_the_rule_catalogue_lists_at_least_40_rules_with_code_family_and_message(
        api: Api) -> None:
    response = api.get(f"{REFERENCE}/rules", ACME)

    assert response.status_code == 200
    rules = response.json()
    assert len(rules) >= 40
    assert all(rule["code"] and rule["family"] and rule["message"] for rule in rules)
    by_code = {rule["code"]: rule for rule in rules}
    assert len(by_code) == len(rules)
    assert by_code["RL312"]["family"] == "rule"
    assert by_code["RL312"]["message"] == "Net mass (DE 6/1) must not exceed gross mass (DE 6/5)."
    assert by_code["CL105"]["family"] == "code-list"


def test_the_procedure_code_list_contains_release_for_free_circulation(api: Api) -> None:
    response = api.get(f"{REFERENCE}/procedure", ACME)

    assert response.status_code == 200
    codes = {entry["code"]: entry for entry in response.json()}
    assert {"4000", "4071", "1040", "2100", "5100", "7100", "6121"} <= codes.keys()
    assert "IM" in codes["4000"]["attributes"]["declaration_types"].split()
    assert codes["4000"]["valid_from"]


def test_the_nomenclature_lists_the_codes_under_a_prefix(api: Api) -> None:
    response = api.get(f"{REFERENCE}/nomenclature", OFFICER, params={"prefix": "851713"})

    assert response.status_code == 200
    nodes = {node["code"]: node for node in response.json()}
    assert nodes["8517130000"]["declarable"] is True
    assert all(code.startswith("851713") for code in nodes)


def test_the_offices_include_the_office_of_the_examples(api: Api) -> None:
    response = api.get(f"{REFERENCE}/offices", ACME)

    assert response.status_code == 200
    offices = {office["code"]: office for office in response.json()}
    assert "declaration" in offices["XX000100"]["roles"]
    assert "exit" in offices["XX000200"]["roles"]


def test_exchange_rates_can_be_asked_for_one_currency(api: Api) -> None:
    response = api.get(f"{REFERENCE}/exchange-rates", ACME, params={"currency": "USD"})

    assert response.status_code == 200
    rates = response.json()
    assert rates
    assert {rate["currency"] for rate in rates} == {"USD"}


def test_an_unknown_code_list_is_404_naming_the_known_lists(api: Api) -> None:
    response = api.get(f"{REFERENCE}/unknown", ACME)

    body = assert_problem(response, 404, "reference.unknown-list", "")
    assert "procedure" in body["detail"]


@pytest.mark.parametrize(("params", "pointer"), [
    ({"prefix": "85x"}, "/query/prefix"),
    ({"limit": 0}, "/query/limit"),
])
def test_a_bad_nomenclature_parameter_is_refused(api: Api, params: dict[str, object],
                                                  pointer: str) -> None:
    response = api.get(f"{REFERENCE}/nomenclature", ACME, params=params)

    assert_problem(response, 400, "request.parameters", pointer)


@pytest.mark.parametrize("name", ["rules", "procedure", "unknown", "offices"])
def test_reference_endpoints_require_a_key(api: Api, name: str) -> None:
    response = api.client.get(f"{REFERENCE}/{name}")

    assert_problem(response, 401, "auth.unauthenticated", "")

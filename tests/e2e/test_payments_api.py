"""Payments, accounts, statements and guarantees through the API (issue 5 §4), with every
unhappy path: status, code, pointer, and nothing changed. Every test starts from the demo
accounts as ``prepare`` opens them (Acme: guarantee 250,000.00 EUR, no cash; Beta: 5,000.00
EUR cash): the e2e fixtures restore them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.e2e.examples import ACME, ADMIN, BETA, BROKER, OFFICER, import_declaration
from tests.e2e.support import Api, assert_problem

pytestmark = pytest.mark.db

PAYMENTS = "/api/v1/payments"
ANALYST = "XX900000000002"


def pay(api: Api, by: str, party: str = BETA, value: Any = "100.00", currency: str = "EUR",
        **extra: Any) -> httpx.Response:
    body = {"party": party, "amount": {"value": value, "currency": currency}, **extra}
    return api.client.post(PAYMENTS, json=body, headers=api.auth(by))


def account(api: Api, party: str, by: str | None = None) -> dict[str, Any]:
    response = api.get(f"/api/v1/accounts/{party}", by or party)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def entries(api: Api, party: str, **params: Any) -> list[dict[str, Any]]:
    response = api.get(f"/api/v1/accounts/{party}/statement", party, params=params)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["entries"]
    return found


def audited(api: Api, party: str) -> list[tuple[str, dict[str, Any]]]:
    with api.app.state.services.reader() as uow:
        return [(e.record.event, e.record.data)
                for e in uow.audit.entries(kind="account", subject=party, limit=1000)]


def set_guarantee(api: Api, by: str, party: str, value: str,
                  currency: str = "EUR") -> httpx.Response:
    return api.client.put(f"/api/v1/accounts/{party}/guarantee",
                          json={"reference_amount": {"value": value, "currency": currency}},
                          headers=api.auth(by))


def test_the_demo_accounts_are_opened_by_prepare(api: Api) -> None:
    acme, beta = account(api, ACME), account(api, BETA)
    assert (acme["balance"], acme["guarantee_reference"], acme["guarantee_free"]) == (
        "0.00", "250000.00", "250000.00")
    assert (beta["balance"], beta["guarantee_reference"], beta["currency"]) == (
        "5000.00", "0.00", "EUR")
    assert beta["links"]["statement"] == f"/api/v1/accounts/{BETA}/statement"


def test_a_trader_pays_into_its_account(api: Api) -> None:
    response = pay(api, BETA, value="1250.5", reference="BANK-2026-0001")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["payment"]["kind"] == "payment"
    assert body["payment"]["amount"] == {"value": "1250.50", "currency": "EUR"}
    assert body["payment"]["balance_after"] == "6250.50"
    assert body["payment"]["reference"] == "BANK-2026-0001"
    assert body["payment"]["actor"] == BETA
    assert body["account"]["balance"] == "6250.50"
    assert (body["released"], body["settled"]) == ([], [])
    assert account(api, BETA)["balance"] == "6250.50"
    event, data = audited(api, BETA)[-1]
    assert event == "payment_recorded"
    assert (data["amount"], data["balance"], data["reference"], data["mrn"]) == (
        "1250.50", "6250.50", "BANK-2026-0001", None)


def test_the_statement_lists_every_movement_and_pages(api: Api) -> None:
    for value in ("1.00", "2.00", "3.00"):
        assert pay(api, BETA, value=value).status_code == 201
    first = api.get(f"/api/v1/accounts/{BETA}/statement", BETA, params={"limit": 2}).json()
    assert [(e["kind"], e["amount"]["value"]) for e in first["entries"]] == [
        ("payment", "5000.00"), ("payment", "1.00")]
    rest = entries(api, BETA, after=first["next_after"])
    assert [(e["amount"]["value"], e["balance_after"]) for e in rest] == [
        ("2.00", "5003.00"), ("3.00", "5006.00")]
    assert first["account"]["balance"] == "5006.00"


def test_a_cashier_records_a_payment_for_a_trader_and_a_representative_for_its_principal(
        api: Api) -> None:
    assert pay(api, OFFICER, value="10.00").status_code == 201
    assert pay(api, BROKER, value="20.00").status_code == 201
    assert [e["actor"] for e in entries(api, BETA)[1:]] == [OFFICER, BROKER]
    assert account(api, BETA, by=BROKER)["balance"] == "5030.00"


def test_an_admin_sets_a_guarantee(api: Api) -> None:
    response = set_guarantee(api, ADMIN, BETA, "10000")
    assert response.status_code == 200, response.text
    assert (response.json()["guarantee_reference"], response.json()["guarantee_free"]) == (
        "10000.00", "10000.00")
    [change] = entries(api, BETA)[1:]
    assert (change["kind"], change["amount"]["value"], change["actor"]) == (
        "guarantee_change", "10000.00", ADMIN)
    event, data = audited(api, BETA)[-1]
    assert (event, data["previous"], data["guarantee_reference"]) == (
        "guarantee_set", "0.00", "10000.00")


def test_a_guarantee_in_use_cannot_be_lowered_below_what_is_reserved(api: Api) -> None:
    lodged = api.lodged(import_declaration(), ACME)
    used = account(api, ACME)["guarantee_used"]
    assert lodged["declaration"]["declarant"] == ACME and used != "0.00"
    body = assert_problem(set_guarantee(api, ADMIN, ACME, "0.00"), 409,
                          "account.guarantee-in-use", "/reference_amount/value")
    assert used in body["detail"]
    assert account(api, ACME)["guarantee_reference"] == "250000.00"


def test_a_payment_for_a_declaration_pays_off_its_guarantee_reservation(api: Api) -> None:
    mrn = api.lodged(import_declaration(), ACME)["mrn"]
    used = account(api, ACME)["guarantee_used"]
    response = pay(api, ACME, party=ACME, value=used, mrn=mrn)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["released"] == [mrn]
    assert [(e["kind"], e["mrn"]) for e in body["entries"]] == [
        ("payment", mrn), ("guarantee_discharge", mrn)]
    assert (body["account"]["balance"], body["account"]["guarantee_used"]) == ("0.00", "0.00")


@pytest.mark.parametrize("party", [ACME, BETA])
def test_a_trader_setting_a_guarantee_is_forbidden(api: Api, party: str) -> None:
    assert_problem(set_guarantee(api, party, party, "1000000.00"), 403, "auth.admin-only")
    assert account(api, party)["guarantee_reference"] in ("0.00", "250000.00")
    assert len(entries(api, party)) == 1


def test_an_officer_setting_a_guarantee_is_forbidden(api: Api) -> None:
    assert_problem(set_guarantee(api, OFFICER, BETA, "1.00"), 403, "auth.admin-only")


def test_a_risk_analyst_records_no_payment(api: Api) -> None:
    assert_problem(pay(api, ANALYST), 403, "auth.cashier-only")
    assert account(api, BETA)["balance"] == "5000.00"


def test_a_payment_in_the_wrong_currency_changes_nothing(api: Api) -> None:
    before = account(api, BETA), entries(api, BETA), audited(api, BETA)
    body = assert_problem(pay(api, BETA, currency="USD"), 422, "account.wrong-currency",
                          "/amount/currency")
    assert "EUR" in body["detail"]
    assert (account(api, BETA), entries(api, BETA), audited(api, BETA)) == before


@pytest.mark.parametrize(("value", "code"), [
    ("-100.00", "account.amount-not-positive"),
    ("0.00", "account.amount-not-positive"),
    ("100.001", "account.too-many-decimals"),
])
def test_an_amount_an_account_cannot_take_is_refused(api: Api, value: str, code: str) -> None:
    assert_problem(pay(api, BETA, value=value), 422, code, "/amount/value")
    assert entries(api, BETA)[-1]["amount"]["value"] == "5000.00"
    assert account(api, BETA)["balance"] == "5000.00"


def test_an_amount_as_a_json_number_is_a_schema_error(api: Api) -> None:
    body = assert_problem(pay(api, BETA, value=100.00), 400, "request.schema", "/amount/value")
    assert body["errors"][0]["code"] == "schema.string_type"
    assert account(api, BETA)["balance"] == "5000.00"


def test_unknown_fields_are_refused_all_at_once(api: Api) -> None:
    body = {"party": BETA, "amount": {"value": "1.00", "currency": "EUR", "rate": "1"},
            "iban": "XX00"}
    response = api.client.post(PAYMENTS, json=body, headers=api.auth(BETA))
    problem = assert_problem(response, 400, "request.schema")
    assert sorted(e["pointer"] for e in problem["errors"]) == ["/amount/rate", "/iban"]
    assert account(api, BETA)["balance"] == "5000.00"


def test_a_payment_naming_another_traders_declaration_is_refused(api: Api) -> None:
    mrn = api.lodged(import_declaration(), ACME)["mrn"]
    assert_problem(pay(api, BETA, mrn=mrn), 422, "account.unknown-declaration", "/mrn")
    assert_problem(pay(api, BETA, mrn="not-an-mrn"), 422, "account.unknown-declaration",
                   "/mrn")
    assert len(entries(api, BETA)) == 1


def test_another_traders_account_does_not_exist_for_a_trader(api: Api) -> None:
    assert_problem(api.get(f"/api/v1/accounts/{ACME}", BETA), 404, "account.not-found")
    assert_problem(api.get(f"/api/v1/accounts/{ACME}/statement", BETA), 404,
                   "account.not-found")
    assert_problem(pay(api, BETA, party=ACME), 404, "account.not-found")
    assert account(api, ACME)["balance"] == "0.00"


def test_an_unknown_party_has_no_account(api: Api) -> None:
    assert_problem(api.get("/api/v1/accounts/XX199999999999", OFFICER), 404,
                   "account.not-found")
    assert_problem(pay(api, OFFICER, party="XX199999999999"), 404, "account.not-found")
    assert_problem(set_guarantee(api, ADMIN, "nonsense", "1.00"), 404, "account.not-found")


def test_the_statement_limit_is_bounded(api: Api) -> None:
    response = api.get(f"/api/v1/accounts/{BETA}/statement", BETA, params={"limit": 0})
    assert_problem(response, 400, "request.parameters", "/query/limit")


def beta_import() -> dict[str, Any]:
    document = import_declaration()
    document["declarant"] = BETA
    document["importer"] = {"id": BETA, "name": "Beta Machinery Works", "country": "XX"}
    return document


def test_a_payment_lets_a_declaration_waiting_for_payment_move_on(api: Api) -> None:
    first = api.lodged(beta_import(), BETA)  # paid from cash
    second = api.lodged(beta_import(), BETA)  # the rest of the cash does not cover it
    assert second["status"] == "awaiting_payment"
    debit = entries(api, BETA)[-1]
    assert (debit["kind"], debit["mrn"]) == ("debit", first["mrn"])
    due = Decimal(debit["amount"]["value"]).copy_negate()
    shortfall = due - Decimal(account(api, BETA)["balance"])

    short = pay(api, BETA, value=str(shortfall - Decimal("0.01"))).json()
    assert short["settled"] == []
    assert api.get(f"/api/v1/declarations/{second['mrn']}", BETA).json()["status"] == \
        "awaiting_payment"

    body = pay(api, BETA, value="0.01").json()
    assert body["settled"] == [second["mrn"]]
    assert body["account"]["balance"] == "0.00"
    assert api.get(f"/api/v1/declarations/{second['mrn']}", BETA).json()["status"] != \
        "awaiting_payment"
    assert [(e["kind"], e["mrn"]) for e in entries(api, BETA)[-1:]] == [
        ("debit", second["mrn"])]

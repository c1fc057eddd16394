"""Duties and taxes through the API: lodged declarations carry their assessment (issue 3)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select, update

from opencustoms.adapters.db.engine import make_engine
from opencustoms.adapters.db.tables import DeclarationTaxLineRow, QuotaBalanceRow
from tests.e2e.examples import ACME, import_declaration, unique_lrn
from tests.e2e.support import DECLARATIONS, Api, assert_problem

pytestmark = [pytest.mark.db, pytest.mark.usefixtures("unsecured")]

CALCULATIONS = "/api/v1/tariff/calculations"


def _goods(code: str, origin: str, price: str, *, lrn: str | None = None,
           **item: Any) -> dict[str, Any]:
    """The import example reshaped to one item of ``code`` from ``origin`` at ``price`` EUR,
    CIF (freight and insurance in the price), so the customs value is the price."""
    document = import_declaration(lrn or unique_lrn("DUTY"))
    document.update(incoterm="CIF", invoice={"currency": "EUR", "amount": price})
    document.pop("freight")
    document.pop("insurance")
    document["exporter"]["country"] = origin
    document["country_of_dispatch"] = origin
    line = document["items"][0]
    line.pop("supplementary_quantity")
    line.update(commodity_code=code, country_of_origin=origin, item_price=price,
                net_mass="100.000", gross_mass="110.000", **item)
    return document


def _totals(body: dict[str, Any]) -> dict[str, str]:
    totals: dict[str, str] = body["assessment"]["totals"]
    return totals


def test_the_import_example_carries_duty_vat_and_fee_lines(api: Api) -> None:
    body = api.lodged(import_declaration(), ACME)
    assessment = body["assessment"]
    item = assessment["items"][0]
    # 12,500 USD + 800 freight + 50 insurance (FOB) at the acceptance date's USD rate.
    value = Decimal(item["customs_value"])
    assert [line["tax_type"] for line in item["lines"]] == ["A00", "B00"]
    vat = Decimal(item["lines"][1]["amount"])
    assert vat == (value * Decimal("0.20")).quantize(Decimal("0.01"))
    fee = Decimal(assessment["fees"][0]["amount"])
    assert fee == (Decimal("5.00") + value * Decimal("0.001")).quantize(Decimal("0.01"))
    assert Decimal(assessment["total"]) == vat + fee + Decimal(item["lines"][0]["amount"])
    again = api.get(f"{DECLARATIONS}/{body['mrn']}", ACME).json()
    assert again["assessment"] == assessment


def test_tax_lines_are_stored_for_revenue_queries(api: Api) -> None:
    body = api.lodged(import_declaration(), ACME)
    engine = make_engine(api.settings.database_url)
    try:
        with engine.connect() as connection:
            lines = connection.execute(select(func.count()).select_from(
                DeclarationTaxLineRow)).scalar_one()
    finally:
        engine.dispose()
    assert lines == len(body["assessment"]["items"][0]["lines"]) + 1  # + the fee


@pytest.mark.parametrize(("additional_code", "rate", "amount"),
                         [("C001", "19.20 %", "192.00"), ("C999", "48.50 %", "485.00")])
def test_anti_dumping_follows_origin_and_additional_code(
        api: Api, additional_code: str, rate: str, amount: str) -> None:
    document = _goods("8712003000", "CN", "1000.00", additional_codes=[additional_code],
                      supplementary_quantity="10")
    body = api.lodged(document, ACME)
    lines = {line["tax_type"]: line for line in body["assessment"]["items"][0]["lines"]}
    assert (lines["A30"]["rate"], lines["A30"]["amount"]) == (rate, amount)
    assert lines["A00"]["amount"] == "140.00"  # 14.00 % × 1,000.00


def test_anti_dumping_does_not_touch_other_origins(api: Api) -> None:
    document = _goods("8712003000", "VN", "1000.00", additional_codes=["C999"],
                      supplementary_quantity="10")
    assert "A30" not in _totals(api.lodged(document, ACME))


def test_goods_needing_a_licence_are_refused_without_it(api: Api) -> None:
    response = api.lodge(_goods("3808910000", "DE", "500.00"), ACME)
    body = assert_problem(response, 422, "declaration.rule-violations", "/items/0/documents")
    assert [e["code"] for e in body["errors"]] == ["TX607"]
    assert api.mrns() == []


def test_prohibited_goods_are_refused(api: Api) -> None:
    response = api.lodge(_goods("6309000000", "DE", "500.00"), ACME)
    body = assert_problem(response, 422, "declaration.rule-violations")
    assert "TX606" in [e["code"] for e in body["errors"]]


def test_the_calculation_endpoint_answers_without_storing(api: Api) -> None:
    document = _goods("6403990000", "DE", "1000.00", supplementary_quantity="20")
    before = api.client.post(CALCULATIONS, json=document, params={"date": "2025-06-30"},
                             headers=api.auth(ACME))
    after = api.client.post(CALCULATIONS, json=document, params={"date": "2026-03-02"},
                            headers=api.auth(ACME))
    assert before.status_code == after.status_code == 200, before.text
    assert before.json()["totals"]["A00"] == "80.00"  # 8.00 % until 2025-12-31
    assert after.json()["totals"]["A00"] == "75.00"  # 7.50 % from 2026-01-01
    assert api.mrns() == []


def test_the_calculation_endpoint_reports_rule_violations(api: Api) -> None:
    document = _goods("0000000000", "DE", "1000.00")
    response = api.client.post(CALCULATIONS, json=document, headers=api.auth(ACME))
    assert_problem(response, 422, "declaration.rule-violations", "/items/0/commodity_code")


def test_an_amendment_recalculates_the_assessment(api: Api) -> None:
    document = _goods("6403990000", "DE", "1000.00", supplementary_quantity="20")
    lodged = api.lodged(document, ACME)
    document["invoice"]["amount"] = document["items"][0]["item_price"] = "2000.00"
    response = api.client.post(f"{DECLARATIONS}/{lodged['mrn']}/amendments", json=document,
                               headers=api.auth(ACME))
    assert response.status_code == 200, response.text
    assert _totals(lodged)["A00"] == "75.00"
    assert _totals(response.json())["A00"] == "150.00"


def test_commodity_lookup_shows_measures_in_force_for_an_origin(api: Api) -> None:
    response = api.get("/api/v1/tariff/commodities/8712003000", ACME,
                       params={"origin": "CN", "date": "2026-03-02"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert [a["code"] for a in body["ancestors"]] == ["871200", "8712", "87"]
    anti_dumping = {m["additional_code"]: m["rate"] for m in body["measures"]
                    if m["measure_type"] == "552"}
    assert anti_dumping == {"C001": "19.20 %", "C999": "48.50 %"}
    missing = api.get("/api/v1/tariff/commodities/0000000000", ACME)
    assert_problem(missing, 404, "tariff.unknown-commodity", "/code")


def test_search_ranks_bicycles_first_and_needs_a_key(api: Api) -> None:
    hits = api.get("/api/v1/tariff/search", ACME, params={"q": "bicycles"}).json()
    assert hits[0]["code"].startswith("871")
    assert api.client.get("/api/v1/tariff/search", params={"q": "x"}).status_code == 401


def _set_quota(api: Api, order_number: str, balance: Decimal | None = None) -> Decimal:
    """Read (and optionally set) the balance of the quota period open today."""
    engine = make_engine(api.settings.database_url)
    q = QuotaBalanceRow.__table__.c  # type: ignore[attr-defined]
    today = datetime.now(UTC).date()
    period = (q.order_number == order_number) & (q.valid_from <= today) & (q.valid_to >= today)
    try:
        with engine.begin() as connection:
            if balance is not None:
                connection.execute(update(QuotaBalanceRow).where(period).values(balance=balance))
            found: Decimal = connection.execute(select(q.balance).where(period)).scalar_one()
            return found
    finally:
        engine.dispose()


def test_concurrent_lodgements_never_oversubscribe_a_quota(api: Api) -> None:
    original = _set_quota(api, "092001")
    _set_quota(api, "092001", Decimal("3"))
    try:
        bodies: list[dict[str, Any]] = []
        barrier = threading.Barrier(6)

        def lodge() -> None:
            document = _goods("8703801000", "JP", "30000.00", supplementary_quantity="1",
                              quota_order_number="092001", preference="120")
            barrier.wait(timeout=10)
            bodies.append(api.lodged(document, ACME))

        threads = [threading.Thread(target=lodge) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        duty = sorted(_totals(body)["A00"] for body in bodies)
        assert len(bodies) == 6
        assert duty.count("1500.00") == 3  # in quota: 5.00 % × 30,000.00
        assert _set_quota(api, "092001") == Decimal("0")
    finally:
        _set_quota(api, "092001", original)

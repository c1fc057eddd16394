"""What cannot be taxed: every TX6xx problem with its pointer, and all of them at once."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from tests.unit.tariff.builders import (
    T103,
    amount,
    condition,
    declaration,
    goods,
    measure,
    pct,
    problems,
    run,
)

from opencustoms.domain.declaration import DeclarationType
from opencustoms.domain.errors import RuleViolations
from opencustoms.tariff.model import Tariff
from opencustoms.tariff.problems import CATALOGUE

D = Decimal


def test_TX601_unknown_commodity_code() -> None:
    assert problems(declaration(goods("1234567890"))) == {
        ("TX601", "/items/0/commodity_code")}


def test_TX602_commodity_code_not_valid_on_the_acceptance_date() -> None:
    assert problems(declaration(goods("8471300010"))) == {
        ("TX602", "/items/0/commodity_code")}


def test_TX603_commodity_code_not_declarable() -> None:
    assert problems(declaration(goods("847130"))) == {("TX603", "/items/0/commodity_code")}


def test_TX604_no_third_country_duty_on_the_date() -> None:
    assert problems(declaration(goods("9999000000"))) == {
        ("TX604", "/items/0/commodity_code")}


def test_TX605_supplementary_unit_a_measure_needs() -> None:
    assert problems(declaration(goods("8471300000"))) == {
        ("TX605", "/items/0/supplementary_quantity")}


def test_TX605_quantity_in_a_qualified_unit() -> None:
    # anti-dumping on US biodiesel: 144.10 GBP per 1000 kg of biodiesel content
    content = declaration(goods("3826001000", origin="US"))
    assert problems(content) == {("TX605", "/items/0/quantities")}
    declared = goods("3826001000", origin="US", quantities={"KGM/I": "2000"})
    # 144.10 x 1.20 x 2 t = 345.84
    assert run(declaration(declared)).items[0].lines[1].amount == D("345.84")


def test_TX605_retail_price_for_retail_price_excise() -> None:
    content = declaration(goods("2402200000", supplementary_quantity=D(20000)))
    assert problems(content) == {("TX605", "/items/0/quantities")}


def test_TX605_pure_alcohol_without_strength() -> None:
    content = declaration(goods("2208300000", supplementary_quantity=D(70)))
    assert problems(content) == {("TX605", "/items/0/quantities")}


def test_TX606_prohibited_origin() -> None:
    assert problems(declaration(goods("9304000000", origin="KP"))) == {
        ("TX606", "/items/0/country_of_origin")}


def test_TX607_document_required_by_a_control() -> None:
    with pytest.raises(RuleViolations) as raised:
        run(declaration(goods("0201300000")))
    (problem,) = raised.value.problems
    assert (problem.code, problem.pointer) == ("TX607", "/items/0/documents")
    assert "unless one of N853 is presented" in problem.detail


def test_TX607_export_licence_required() -> None:
    content = declaration(goods("9304000000", origin=None), kind=DeclarationType.EXPORT)
    assert problems(content) == {("TX607", "/items/0/documents")}


def test_TX608_no_exchange_rate_for_the_invoice_currency() -> None:
    assert problems(declaration(goods("8708990000"), currency="KRW")) == {
        ("TX608", "/invoice/currency")}


def test_TX608_no_exchange_rate_for_the_freight_currency() -> None:
    content = declaration(goods("8708990000"), incoterm="FOB",
                          freight=amount("10", "KRW"), insurance=amount("0.00"))
    assert problems(content) == {("TX608", "/freight/currency")}


def test_TX609_duty_in_a_currency_without_rate() -> None:
    content = declaration(goods("9101110000", supplementary_quantity=D(3)))
    assert problems(content) == {("TX609", "/items/0/commodity_code")}


def test_TX610_declared_value_missing_for_methods_2_to_6() -> None:
    content = declaration(goods("8708990000", valuation_method="3"))
    assert problems(content) == {("TX610", "/items/0/customs_value")}


def test_TX611_invoice_currency_missing() -> None:
    content = replace(declaration(goods("8708990000")), invoice=None)
    assert problems(content) == {("TX611", "/invoice")}


def test_TX612_costs_the_incoterm_leaves_to_the_buyer() -> None:
    assert problems(declaration(goods("8708990000"), incoterm="FOB")) == {
        ("TX612", "/freight"), ("TX612", "/insurance")}


def test_TX613_deductions_above_the_price() -> None:
    content = declaration(goods("8708990000", "10.00"), deductions=amount("20.00"))
    assert problems(content) == {("TX613", "/deductions")}


def test_TX614_agricultural_component_cannot_be_evaluated() -> None:
    assert problems(declaration(goods("1704909900"))) == {
        ("TX614", "/items/0/commodity_code")}


@pytest.mark.parametrize(("field", "value"), [
    ("net_mass", "NaN"), ("net_mass", "-1"), ("item_price", "Infinity"),
    ("supplementary_quantity", "1E+20"), ("customs_value", "-0.01")])
def test_TX615_implausible_numbers(field: str, value: str) -> None:
    valid = declaration(goods("8708990000"))
    content = replace(valid, items=(replace(valid.items[0], **{field: D(value)}),))
    assert problems(content) == {("TX615", f"/items/0/{field}")}


def test_TX615_implausible_header_and_quantity() -> None:
    item = goods("8708990000", quantities={"LTR": "-5"})
    content = declaration(item, freight=amount("NaN"))
    assert problems(content) == {("TX615", "/freight/amount"),
                                 ("TX615", "/items/0/quantities/0/quantity")}


def test_every_problem_of_every_item_is_reported_at_once() -> None:
    content = declaration(
        goods("1234567890"), goods("8471300010"), goods("8471300000"),
        goods("0201300000"), goods("9304000000", origin="KP"), goods("8708990000"),
        incoterm="FOB", insurance=amount("0.00"))
    with pytest.raises(RuleViolations) as raised:
        run(content)
    found = [(p.code, p.pointer) for p in raised.value.problems]
    assert found == [
        ("TX612", "/freight"),
        ("TX601", "/items/0/commodity_code"),
        ("TX602", "/items/1/commodity_code"),
        ("TX605", "/items/2/supplementary_quantity"),
        ("TX607", "/items/3/documents"),
        ("TX606", "/items/4/country_of_origin"),
    ]


def test_the_catalogue_states_every_rule() -> None:
    assert sorted(CATALOGUE) == [f"TX6{n:02d}" for n in range(1, 16)]
    assert all(message.endswith(".") for message in CATALOGUE.values())


def test_TX604_entry_price_scale_with_no_step_met() -> None:
    # only one step: unit price >= 52.60 EUR per 100 kg; 30.00 per 100 kg meets none
    tariff = Tariff("EUR")
    tariff.add_measures([measure(T103, "9999000000", conditions=(condition(
        "V", 1, "01", threshold=D("52.60"), threshold_monetary_unit="EUR",
        threshold_unit="DTN", components=(pct("14.40"),)),))])
    content = declaration(goods("9999000000", "30.00", mass="100.000"))
    assert problems(content, tariff=tariff) == {("TX604", "/items/0/commodity_code")}

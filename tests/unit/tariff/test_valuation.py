"""Customs value per goods item: transaction value, border costs by Incoterm, apportionment."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from tests.unit.tariff.builders import ON, REFERENCE, amount, declaration, goods

from opencustoms.domain.declaration import DeclarationContent, DeclarationType
from opencustoms.tariff.valuation import Valuation, apportion, customs_values

D = Decimal


def values(content: DeclarationContent) -> list[Decimal | None]:
    valuation = customs_values(content, on=ON, reference=REFERENCE)
    assert valuation.problems == ()
    return [v.value if v is not None else None for v in valuation.items]


def usd(incoterm: str) -> DeclarationContent:
    """Two items of 1000 and 3000 USD; freight 250 USD, insurance 12.50 USD (1 EUR = 1.25
    USD: prices 800 and 2400 EUR, freight 200 EUR, insurance 10 EUR)."""
    return declaration(goods("7318150000", "1000.00"), goods("7318150000", "3000.00"),
                       incoterm=incoterm, currency="USD", freight=amount("250.00", "USD"),
                       insurance=amount("12.50", "USD"))


def test_fob_adds_freight_and_insurance_apportioned_by_item_price() -> None:
    # freight 200 split 1:3 = 50 / 150 ; insurance 10 = 2.50 / 7.50
    assert values(usd("FOB")) == [D("852.50"), D("2557.50")]


def test_cif_adds_neither_freight_nor_insurance() -> None:
    assert values(usd("CIF")) == [D("800.00"), D("2400.00")]


def test_cfr_adds_insurance_only() -> None:
    assert values(usd("CFR")) == [D("802.50"), D("2407.50")]


def test_deductions_are_apportioned_and_taken_out() -> None:
    content = declaration(goods("7318150000", "1000.00"), goods("7318150000", "3000.00"),
                          deductions=amount("40.00"))
    assert values(content) == [D("990.00"), D("2970.00")]


def test_customs_value_is_rounded_half_up_per_item() -> None:
    # 1000.01 USD / 1.25 = 800.008 -> 800.01
    content = declaration(goods("7318150000", "1000.01"), currency="USD")
    assert values(content) == [D("800.01")]


@pytest.mark.parametrize("method", ["2", "3", "4", "5", "6"])
def test_methods_2_to_6_use_the_declared_customs_value(method: str) -> None:
    declared = goods("7318150000", "1000.00", valuation_method=method,
                     customs_value=D("1234.567"))
    content = declaration(declared, goods("7318150000", "1000.00"), incoterm="FOB",
                          freight=amount("100.00"), insurance=amount("0.00"))
    # the declared value stands (rounded); the method-1 item takes its half of the freight
    assert values(content) == [D("1234.57"), D("1050.00")]


def test_apportionment_gives_leftover_minor_units_to_the_largest_remainders() -> None:
    assert apportion(D("100.00"), [D(1), D(1), D(1)], 2) == (D("33.34"), D("33.33"),
                                                            D("33.33"))
    # 5 cents by 1:2:3 = 0.83, 1.67, 2.5 cents -> 1, 2, 2
    assert apportion(D("0.05"), [D(1), D(2), D(3)], 2) == (D("0.01"), D("0.02"),
                                                          D("0.02"))


def test_apportionment_adds_up_for_awkward_prices() -> None:
    parts = apportion(D("1234.57"), [D("0.01"), D("999999.99"), D("333.333")], 2)
    assert sum(parts) == D("1234.57")


def test_apportionment_with_no_weight_splits_equally() -> None:
    assert apportion(D("10"), [D(0), D(0)], 0) == (D(5), D(5))


def test_apportionment_keeps_the_sign_of_deductions() -> None:
    assert apportion(D("-0.03"), [D(1), D(1)], 2) == (D("-0.02"), D("-0.01"))


def test_export_declaration_has_no_border_adjustment() -> None:
    content = replace(usd("FOB"), type=DeclarationType.EXPORT)
    assert values(content) == [D("800.00"), D("2400.00")]


def test_the_note_explains_conversion_and_shares() -> None:
    valuation: Valuation = customs_values(usd("FOB"), on=ON, reference=REFERENCE)
    first = valuation.items[0]
    assert first is not None
    assert first.note == (
        "customs value (method 1, transaction value): price 1000.00 USD at 1 EUR = 1.25 USD = "
        "800.00 EUR + freight 50.00 (share of 200.00 by item price) + insurance 2.50 (share "
        "of 10.00 by item price) = 852.50 EUR")
    assert valuation.total == D("3410.00")

"""Duty expressions (TARIC measure components): evaluation and the rate as written."""

from __future__ import annotations

from decimal import Decimal

import pytest
from tests.unit.tariff.builders import pct, per

from opencustoms.tariff.expressions import (
    ExpressionContext,
    MissingQuantity,
    MissingRate,
    UnsupportedExpression,
    evaluate,
    format_amount,
    format_expression,
)
from opencustoms.tariff.model import DutyComponent

D = Decimal
RATES = {"EUR": D(1), "GBP": D("1.20")}


def context(value: str = "1000.00", **quantities: str) -> ExpressionContext:
    """1 GBP = 1.20 EUR; quantities by unit code (``DTN``), qualified as ``TNE_I``."""
    table = {tuple(k.split("_")) if "_" in k else (k, None): D(v) for k, v in quantities.items()}

    def quantity(unit: str, qualifier: str | None) -> Decimal | None:
        return table.get((unit, qualifier) if qualifier else (unit, None))

    def convert(amount: Decimal, currency: str) -> Decimal | None:
        return amount * RATES[currency] if currency in RATES else None

    return ExpressionContext(D(value), "EUR", quantity, convert)


def test_ad_valorem_is_a_percentage_of_the_customs_value() -> None:
    # 12.80 % of 1234.56 = 158.02368 (not rounded here)
    assert evaluate([pct("12.80")], context("1234.56")).amount == D("158.02368")


def test_specific_duty_per_100_kg() -> None:
    # 93.10 EUR per 100 kg on 250 kg = 2.5 x 93.10 = 232.75
    result = evaluate([per("93.10", "EUR", "DTN")], context(DTN="2.5"))
    assert (result.amount, result.base, result.base_unit) == (D("232.75"), D("2.5"), "DTN")


def test_specific_duty_in_another_currency_is_converted() -> None:
    # 144.10 GBP per 1000 kg biodiesel x 1.20 EUR/GBP x 3 t = 518.76 EUR
    result = evaluate([per("144.10", "GBP", "TNE", "I")], context(TNE_I="3"))
    assert result.amount == D("518.760")


def test_compound_duty_adds_its_terms() -> None:
    # 10.20 % of 1000 = 102 ; + 93.10 x 1.5 = 139.65 ; total 241.65
    components = [pct("10.20"), per("93.10", "EUR", "DTN", expression="04")]
    assert evaluate(components, context(DTN="1.5")).amount == D("241.650")


def test_minus_term_is_subtracted_and_duty_never_goes_below_zero() -> None:
    components = [pct("5.00"), per("10.00", "EUR", "DTN", expression="02")]
    assert evaluate(components, context(DTN="1")).amount == D("40.00")  # 50 - 10
    assert evaluate(components, context(DTN="10")).amount == D(0)  # 50 - 100 -> 0


def test_MIN_is_a_floor() -> None:
    # 8 % of 100 = 8 ; MIN 2.00 EUR/pair x 10 pairs = 20 -> 20
    components = [pct("8.00"), per("2.00", "EUR", "NPR", expression="15")]
    assert evaluate(components, context("100.00", NPR="10")).amount == D("20.00")
    # 8 % of 1000 = 80 > 20 -> 80
    assert evaluate(components, context("1000.00", NPR="10")).amount == D("80.00")


def test_MAX_is_a_ceiling_and_may_be_a_percentage() -> None:
    # 8 % of 100 + 20 EUR/100 kg x 5 = 8 + 100 = 108 ; MAX 18 % of 100 = 18 -> 18
    components = [pct("8.00"), per("20.00", "EUR", "DTN", expression="04"),
                  pct("18.00", "17")]
    assert evaluate(components, context("100.00", DTN="5")).amount == D("18.00")
    # 8 % of 1000 + 20 x 0.1 = 82 ; MAX 180 -> 82
    assert evaluate(components, context("1000.00", DTN="0.1")).amount == D("82.000")


def test_MIN_and_MAX_together_bound_the_result() -> None:
    components = [pct("10.00"), per("1.00", "EUR", "KGM", expression="15"),
                  per("3.00", "EUR", "KGM", expression="17")]
    assert evaluate(components, context("10.00", KGM="5")).amount == D("5.00")  # 1 -> MIN 5
    assert evaluate(components, context("100.00", KGM="5")).amount == D("10.00")  # within
    assert evaluate(components, context("900.00", KGM="5")).amount == D("15.00")  # 90 -> MAX


def test_retail_price_based_excise_with_minimum() -> None:
    components = [pct("16.50", unit="RET"), per("244.78", "GBP", "MIL", expression="04"),
                  per("320.90", "GBP", "MIL", expression="15")]
    # 16.5 % x 9000 = 1485 ; + 244.78 x 1.2 x 20 = 5874.72 ; = 7359.72
    # MIN 320.90 x 1.2 x 20 = 7701.60 -> 7701.60
    result = evaluate(components, context(RET="9000.00", MIL="20"))
    assert result.amount == D("7701.6000")
    # with retail price 20000: 3300 + 5874.72 = 9174.72 > 7701.60
    assert evaluate(components, context(RET="20000.00", MIL="20")).amount == D("9174.7200")


def test_supplementary_unit_only_is_no_duty() -> None:
    assert evaluate([DutyComponent("99", None, None, "NAR")], context()).amount == 0


def test_missing_quantity_names_the_unit() -> None:
    with pytest.raises(MissingQuantity, match="LPA"):
        evaluate([per("12.50", "EUR", "LPA")], context())


def test_retail_price_needs_a_declared_retail_price() -> None:
    with pytest.raises(MissingQuantity, match="RET"):
        evaluate([pct("16.50", unit="RET")], context())


def test_amount_in_a_currency_without_rate_cannot_be_converted() -> None:
    with pytest.raises(MissingRate, match="CHF"):
        evaluate([per("5.00", "CHF", "NAR")], context(NAR="1"))


def test_agricultural_component_is_not_supported() -> None:
    with pytest.raises(UnsupportedExpression, match="12"):
        evaluate([pct("9.00"), DutyComponent("12", None)], context())


@pytest.mark.parametrize(("components", "written"), [
    ([pct("10.2"), per("93.1", "EUR", "DTN", expression="04")],
     "10.20 % + 93.10 EUR / 100 kg"),
    ([pct("16.5", unit="RET"), per("244.78", "GBP", "MIL", expression="04"),
      per("320.9", "GBP", "MIL", expression="15")],
     "16.50 % / Retail Price + 244.78 GBP / 1000 p/st MIN 320.90 GBP / 1000 p/st"),
    ([per("144.1", "GBP", "TNE", "I")], "144.10 GBP / 1000 kg/biodiesel"),
    ([pct("8"), per("20", "EUR", "DTN", expression="04"), pct("18", "17")],
     "8.00 % + 20.00 EUR / 100 kg MAX 18.00 %"),
    ([pct("9"), DutyComponent("12", None), pct("18.7", "17"), DutyComponent("21", None)],
     "9.00 % + EA MAX 18.70 % + ADSZ"),
    ([per("12.5", "EUR", "LPA")], "12.50 EUR / l alc. 100%"),
    ([DutyComponent("99", None, None, "NAR")], "p/st"),
    ([pct("0.125")], "0.125 %"),
])
def test_format_expression_writes_the_rate_as_the_tariff_does(
        components: list[DutyComponent], written: str) -> None:
    assert format_expression(components) == written


def test_format_amount_keeps_two_decimals_at_least() -> None:
    assert [format_amount(D(x)) for x in ("0", "5", "93.1", "0.125", "244.780")] == [
        "0.00", "5.00", "93.10", "0.125", "244.78"]

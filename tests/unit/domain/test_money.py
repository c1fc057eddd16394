"""Money is Decimal with a currency; rounding is half-up to the minor unit."""

from __future__ import annotations

from decimal import Decimal

import pytest

from opencustoms.domain.money import CurrencyCode, Money, minor_digits_of, round_to_minor

EUR = CurrencyCode("EUR")


def test_rounding_is_half_up_to_the_minor_unit() -> None:
    assert round_to_minor(Decimal("2.345"), 2) == Decimal("2.35")
    assert round_to_minor(Decimal("2.344"), 2) == Decimal("2.34")
    assert round_to_minor(Decimal("-2.345"), 2) == Decimal("-2.35")
    assert round_to_minor(Decimal("1234.5"), 0) == Decimal("1235")
    assert round_to_minor(Decimal("1.0005"), 3) == Decimal("1.001")


def test_minor_digits_are_counted_as_written() -> None:
    assert minor_digits_of(Decimal("12.50")) == 2
    assert minor_digits_of(Decimal("12")) == 0
    assert minor_digits_of(Decimal("0.125")) == 3


def test_money_refuses_floats() -> None:
    with pytest.raises(TypeError, match="never a float"):
        Money(EUR, 1.5)  # type: ignore[arg-type]


def test_money_adds_only_the_same_currency() -> None:
    assert Money(EUR, Decimal("1.10")) + Money(EUR, Decimal("2.05")) == Money(EUR, Decimal("3.15"))
    with pytest.raises(ValueError, match="cannot add USD to EUR"):
        Money(EUR, Decimal(1)) + Money(CurrencyCode("USD"), Decimal(1))

"""Money: an exact decimal amount in a currency.

Amounts are never floats. Rounding happens once per tax line, half-up, to the currency's minor
unit (ISO 4217 exponent), see :func:`round_to_minor`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import NewType

CurrencyCode = NewType("CurrencyCode", str)
"""ISO 4217 alphabetic currency code, e.g. ``EUR``."""


def minor_digits_of(amount: Decimal) -> int:
    """Number of digits after the decimal point as written (``12.50`` has 2)."""
    exponent = amount.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def round_to_minor(amount: Decimal, minor_unit: int) -> Decimal:
    """Round half-up to ``minor_unit`` decimal places (2 for EUR, 0 for JPY, 3 for KWD)."""
    quantum = _QUANTA.get(minor_unit)
    if quantum is None:
        quantum = Decimal(1).scaleb(-minor_unit)
    return amount.quantize(quantum, rounding=ROUND_HALF_UP)


_QUANTA = {digits: Decimal(1).scaleb(-digits) for digits in range(5)}
"""The quantum of every minor unit ISO 4217 knows (0 to 4 digits), made once: every tax line
is rounded with one, and making it costs about as much as the rounding."""


@dataclass(frozen=True, slots=True)
class Money:
    """An amount of money in one currency (WCO DM: amount with currencyID attribute)."""

    currency: CurrencyCode
    amount: Decimal

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise TypeError("Money.amount must be a Decimal, never a float")

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise ValueError(f"cannot add {other.currency} to {self.currency}")
        return Money(self.currency, self.amount + other.amount)

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"

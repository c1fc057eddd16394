"""Currency conversion into the jurisdiction's (national) currency at the acceptance date.

Two sources, in this order:

1. the tariff's monetary exchange rates (TARIC monetary exchange periods, e.g. 1 EUR = 0.8396
   GBP), used for specific duties written in another currency; either direction is accepted;
2. the jurisdiction's exchange rates (``ReferenceData.exchange_rate``: units of the foreign
   currency per one national unit, so ``national = amount / rate``), used for invoices and as
   the fall-back for duties.

The rate is the one valid on the date of acceptance of the declaration (UCC art. 53(1)(a)).
Conversions are exact Decimal products and quotients (28 significant digits); nothing is
rounded here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from opencustoms.domain.reference import ReferenceData
from opencustoms.tariff.model import Tariff


@dataclass(slots=True)
class MonetaryConverter:
    """Converts amounts in any currency into ``national`` at the rates valid ``on``."""

    reference: ReferenceData
    on: date
    tariff: Tariff | None = None
    _cache: dict[str, tuple[Decimal, bool] | None] = field(default_factory=dict)
    _described: dict[str, str] = field(default_factory=dict)
    national: str = field(init=False)
    """The jurisdiction's currency (read once: every conversion compares with it)."""

    def __post_init__(self) -> None:
        self.national = self.reference.jurisdiction.currency

    def to_national(self, amount: Decimal, currency: str) -> Decimal | None:
        """``amount`` of ``currency`` in national currency; None when no rate is known."""
        if currency == self.national:
            return amount
        if currency not in self._cache:
            self._cache[currency] = self._rate(currency)
        found = self._cache[currency]
        if found is None:
            return None
        rate, multiply = found
        return amount * rate if multiply else amount / rate

    def describe(self, currency: str) -> str:
        """The rate used for ``currency``, as an officer would check it (once per currency:
        every goods item's valuation note quotes it)."""
        described = self._described.get(currency)
        if described is None:
            described = self._described[currency] = self._describe(currency)
        return described

    def _describe(self, currency: str) -> str:
        if currency == self.national or self.to_national(Decimal(1), currency) is None:
            return ""
        rate, multiply = self._cache[currency] or (Decimal(1), True)
        if multiply:
            return f"1 {currency} = {rate} {self.national}"
        return f"1 {self.national} = {rate} {currency}"

    def _rate(self, currency: str) -> tuple[Decimal, bool] | None:
        """(rate, True) to multiply, (rate, False) to divide by."""
        if self.tariff is not None:
            direct = self.tariff.monetary_rate(currency, self.national, self.on)
            if direct is not None and direct > 0:
                return direct, True
            inverse = self.tariff.monetary_rate(self.national, currency, self.on)
            if inverse is not None and inverse > 0:
                return inverse, False
        rate = self.reference.exchange_rate(currency, self.on)
        if rate is None or not rate.rate.is_finite() or rate.rate <= 0:
            return None
        return rate.rate, False

"""What a calculation produces: tax lines per goods item, fees, totals, and why.

Every amount is rounded once, on its tax line, half-up to the minor unit of the jurisdiction's
currency; totals are sums of rounded lines, so items always add up to the totals.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class TaxLine:
    """One tax on one goods item (``item`` 0 for a declaration-level fee).

    ``base`` is the customs value (or VAT base) for a percentage, or the quantity in
    ``base_unit`` for a specific duty; ``rate`` is the duty expression as written in the tariff;
    ``measure`` and ``measure_type`` name the measure that produced the line."""

    item: int
    tax_type: str
    base: Decimal
    base_unit: str
    rate: str
    amount: Decimal
    measure: str | None
    measure_type: str | None
    explanation: str = ""


@dataclass(frozen=True, slots=True)
class QuotaDraw:
    """The quantity of a goods item charged against a quota's balance."""

    order_number: str
    quantity: Decimal
    unit: str


@dataclass(frozen=True, slots=True)
class ItemAssessment:
    """The customs value of a goods item, its tax lines and the notes explaining them."""

    sequence: int
    customs_value: Decimal
    lines: tuple[TaxLine, ...]
    notes: tuple[str, ...] = ()
    quota_draw: QuotaDraw | None = None


@dataclass(frozen=True, slots=True)
class Assessment:
    """Duties and taxes of a whole declaration in the jurisdiction's currency."""

    currency: str
    on: date
    items: tuple[ItemAssessment, ...]
    fees: tuple[TaxLine, ...]
    totals: Mapping[str, Decimal]
    total: Decimal

    @property
    def lines(self) -> tuple[TaxLine, ...]:
        return tuple(line for item in self.items for line in item.lines) + self.fees

    @property
    def quota_draws(self) -> tuple[QuotaDraw, ...]:
        return tuple(i.quota_draw for i in self.items if i.quota_draw is not None)

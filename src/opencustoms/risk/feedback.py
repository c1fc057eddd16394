"""Control results as labels: the feedback loop from officers to the scoring model.

An officer's control result says whether an irregularity was found and how much extra duty was
assessed; it is recorded per declaration, while the model learns per goods item. When the
result's ``corrections`` point at goods items (JSON Pointers such as ``/items/0/item_price`` or
``/items/1/commodity_code``; ``/goodsItems/…`` is read the same way), exactly those items are
labelled irregular and the other items of the declaration were controlled and found regular.
Without such pointers every item of an irregular declaration is labelled irregular. The extra
duty is shared among the irregular items in proportion to their value, in cents, so that the
items' shares add up to the amount assessed.

A declaration without a control result stays unlabelled (``fraud`` None): training leaves it
out, but it still counts for the drift of the score distribution (:mod:`opencustoms.risk.report`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from opencustoms.risk.records import RiskRecord

CENT = Decimal("0.01")
ITEM_POINTER_ROOTS = ("items", "goodsItems")
"""First segment of a correction's pointer that names a goods item (then its 0-based index)."""


@dataclass(frozen=True, slots=True)
class ControlOutcome:
    """What a control found, as the model learns it. ``items`` holds the 0-based positions
    of the goods items the corrections point at; None when they point at none."""

    irregularity: bool
    extra_duty: Decimal
    items: frozenset[int] | None = None

    @classmethod
    def of(cls, irregularity: bool, extra_duty: Decimal,
           corrections: Iterable[str] | None) -> ControlOutcome:
        """The outcome of a stored control result (``corrections``: its pointers)."""
        return cls(irregularity, extra_duty, corrected_items(corrections or ()))


def corrected_items(pointers: Iterable[str]) -> frozenset[int] | None:
    """Positions of the goods items that correction pointers name; None if they name none."""
    found = set()
    for pointer in pointers:
        parts = pointer.split("/")
        if len(parts) > 2 and parts[0] == "" and parts[1] in ITEM_POINTER_ROOTS \
                and parts[2].isdigit():
            found.add(int(parts[2]))
    return frozenset(found) or None


def _shares(records: Sequence[RiskRecord], total: Decimal) -> list[Decimal]:
    """``total`` split in proportion to each item's value, in cents; the last item takes the
    rounding remainder so that the shares add up exactly."""
    weights = [max(r.value, Decimal(0)) for r in records]
    whole = sum(weights, Decimal(0))
    if whole <= 0:
        weights, whole = [Decimal(1)] * len(records), Decimal(len(records))
    shares = [(total * w / whole).quantize(CENT, ROUND_HALF_UP) for w in weights[:-1]]
    return [*shares, total - sum(shares, Decimal(0))]


def label(records: Sequence[RiskRecord], outcome: ControlOutcome | None) -> list[RiskRecord]:
    """The goods items of one declaration (``records``, in item order) labelled with its
    control outcome; unchanged when it was not controlled."""
    if outcome is None or not records:
        return list(records)
    if not outcome.irregularity:
        return [replace(r, fraud=False, revenue_at_risk=Decimal(0)) for r in records]
    named = outcome.items if outcome.items is not None else frozenset()
    irregular = [i for i in range(len(records)) if i in named] or list(range(len(records)))
    shares = dict(zip(irregular, _shares([records[i] for i in irregular], outcome.extra_duty),
                      strict=True))
    return [replace(r, fraud=i in shares, revenue_at_risk=shares.get(i, Decimal(0)))
            for i, r in enumerate(records)]


def month_of(day: date) -> str:
    """The calendar month of a date, ``YYYY-MM``."""
    return f"{day.year:04d}-{day.month:02d}"


def first_of_month(day: date, months_back: int = 0) -> date:
    """The first day of the month ``months_back`` calendar months before ``day``'s month."""
    index = day.year * 12 + day.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)

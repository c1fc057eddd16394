"""Control results become item labels (risk/feedback.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from opencustoms.risk.feedback import ControlOutcome, corrected_items, first_of_month, label
from opencustoms.risk.records import RiskRecord


def _record(n: int, value: str) -> RiskRecord:
    return RiskRecord(declaration_id=f"M/{n}", date=date(2026, 3, 4), importer="XX1",
                      declarant="XX1", office="XX000100", commodity_code="6109100000",
                      item_price=Decimal(value))


ITEMS = [_record(1, "100.00"), _record(2, "300.00"), _record(3, "600.00")]


def test_an_uncontrolled_declaration_stays_unlabelled() -> None:
    assert [r.fraud for r in label(ITEMS, None)] == [None, None, None]


def test_a_control_without_irregularity_labels_every_item_regular() -> None:
    labelled = label(ITEMS, ControlOutcome(False, Decimal(0)))
    assert [(r.fraud, r.revenue_at_risk) for r in labelled] == [(False, Decimal(0))] * 3


def test_corrections_pointing_at_items_label_exactly_those_items_irregular() -> None:
    outcome = ControlOutcome.of(True, Decimal("50.00"), ["/items/1/item_price",
                                                         "/items/2/commodity_code"])
    labelled = label(ITEMS, outcome)
    assert [r.fraud for r in labelled] == [False, True, True]
    # 50.00 shared 300 : 600 between the two corrected items
    assert [r.revenue_at_risk for r in labelled] == [Decimal(0), Decimal("16.67"),
                                                     Decimal("33.33")]


def test_without_item_pointers_every_item_shares_the_extra_duty_by_value() -> None:
    labelled = label(ITEMS, ControlOutcome.of(True, Decimal("10.00"), ["/invoice/amount"]))
    assert [r.fraud for r in labelled] == [True, True, True]
    shares = [r.revenue_at_risk for r in labelled]
    assert shares == [Decimal("1.00"), Decimal("3.00"), Decimal("6.00")]
    assert sum(s for s in shares if s is not None) == Decimal("10.00")


def test_shares_add_up_to_the_amount_despite_rounding() -> None:
    labelled = label([*ITEMS[:2], _record(3, "200.00")], ControlOutcome(True, Decimal("1.00")))
    assert sum(r.revenue_at_risk or 0 for r in labelled) == Decimal("1.00")
    assert [r.revenue_at_risk for r in labelled] == [Decimal("0.17"), Decimal("0.50"),
                                                     Decimal("0.33")]


@pytest.mark.parametrize(("pointers", "expected"), [
    (["/items/0/item_price"], frozenset({0})),
    (["/goodsItems/3/commodityCode", "/items/1"], frozenset({1, 3})),
    (["/invoice/amount", "items/0/x", "/items/x/y"], None),
    ([], None),
])
def test_correction_pointers_name_goods_items_by_position(
        pointers: list[str], expected: frozenset[int] | None) -> None:
    assert corrected_items(pointers) == expected


def test_first_of_month_counts_back_across_years() -> None:
    assert first_of_month(date(2026, 2, 17)) == date(2026, 2, 1)
    assert first_of_month(date(2026, 2, 17), 3) == date(2025, 11, 1)

"""Lodged declarations map to the same risk records the model learns from."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tests.e2e.examples import import_declaration

from opencustoms.adapters.formats.declaration_json import content_from_json
from opencustoms.domain.assessment import Assessment, ItemAssessment, TaxLine
from opencustoms.risk.records import records_of

ON = date(2026, 3, 2)


def _line(tax_type: str, amount: str) -> TaxLine:
    return TaxLine(1, tax_type, Decimal("1000.00"), "EUR", "x", Decimal(amount), None, None)


def test_a_goods_item_becomes_a_record_with_its_customs_value_and_duty() -> None:
    content = content_from_json(import_declaration("REC-1"))
    assessment = Assessment("EUR", ON, (ItemAssessment(1, Decimal("1000.00"), (
        _line("A00", "40.00"), _line("A30", "10.00"), _line("B00", "210.00"))),), (), {},
        Decimal("260.00"))
    (record,) = records_of(content, assessment, ON, "XX100000000001/REC-1")
    assert (record.declaration_id, record.date) == ("XX100000000001/REC-1/1", ON)
    assert (record.importer, record.office, record.origin) == ("XX100000000001", "XX000100", "CN")
    assert record.customs_value == Decimal("1000.00")
    assert record.duty == Decimal("50.00")  # A00 + A30, not VAT
    assert record.tax_rate == Decimal("5")
    assert record.fraud is None


def test_without_an_assessment_the_record_has_no_value_or_duty() -> None:
    content = content_from_json(import_declaration("REC-2"))
    (record,) = records_of(content, None, ON, "d")
    assert (record.customs_value, record.duty, record.tax_rate) == (None, None, None)
    assert record.item_price == Decimal("12500.00")

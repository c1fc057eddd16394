"""JSON form of an assessment (duties and taxes), as stored and as returned by the API.

Amounts and quantities are decimal strings, like everywhere in the declaration contract.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from opencustoms.domain.assessment import Assessment, ItemAssessment, QuotaDraw, TaxLine

Json = dict[str, Any]


def _line_json(line: TaxLine) -> Json:
    return {
        "item": line.item, "tax_type": line.tax_type, "base": str(line.base),
        "base_unit": line.base_unit, "rate": line.rate, "amount": str(line.amount),
        "measure": line.measure, "measure_type": line.measure_type,
        "explanation": line.explanation,
    }


def _line(data: Json) -> TaxLine:
    return TaxLine(int(data["item"]), data["tax_type"], Decimal(data["base"]), data["base_unit"],
                   data["rate"], Decimal(data["amount"]), data.get("measure"),
                   data.get("measure_type"), data.get("explanation", ""))


def assessment_to_json(assessment: Assessment) -> Json:
    return {
        "currency": assessment.currency,
        "on": assessment.on.isoformat(),
        "items": [{
            "sequence": item.sequence,
            "customs_value": str(item.customs_value),
            "lines": [_line_json(line) for line in item.lines],
            "notes": list(item.notes),
            "quota_draw": None if item.quota_draw is None else {
                "order_number": item.quota_draw.order_number,
                "quantity": str(item.quota_draw.quantity), "unit": item.quota_draw.unit},
        } for item in assessment.items],
        "fees": [_line_json(line) for line in assessment.fees],
        "totals": {tax_type: str(amount) for tax_type, amount in assessment.totals.items()},
        "total": str(assessment.total),
    }


def _item(data: Json) -> ItemAssessment:
    draw = data.get("quota_draw")
    return ItemAssessment(
        int(data["sequence"]), Decimal(data["customs_value"]),
        tuple(_line(line) for line in data["lines"]), tuple(data.get("notes", ())),
        None if draw is None else QuotaDraw(draw["order_number"], Decimal(draw["quantity"]),
                                            draw["unit"]),
    )


def assessment_from_json(data: Json) -> Assessment:
    return Assessment(
        currency=data["currency"],
        on=date.fromisoformat(data["on"]),
        items=tuple(_item(item) for item in data["items"]),
        fees=tuple(_line(line) for line in data["fees"]),
        totals={k: Decimal(v) for k, v in data["totals"].items()},
        total=Decimal(data["total"]),
    )

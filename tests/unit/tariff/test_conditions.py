"""Measure conditions: documents, thresholds, ratios, actions."""

from __future__ import annotations

from decimal import Decimal

import pytest
from tests.unit.tariff.builders import T103, T410, condition, measure, pct

from opencustoms.tariff.conditions import ConditionFacts, evaluate_conditions
from opencustoms.tariff.expressions import MissingQuantity
from opencustoms.tariff.model import Measure

D = Decimal


def facts(*documents: str, value: str = "1000.00", kgm: str = "250",
          head: str | None = "5") -> ConditionFacts:
    def quantity(unit: str, _qualifier: str | None) -> Decimal | None:
        return {"KGM": D(kgm), "DTN": D(kgm) / 100}.get(unit)

    return ConditionFacts(frozenset(documents), D(value), "EUR", quantity,
                          lambda amount, _currency: amount,
                          D(head) if head is not None else None, "NAR")


def control() -> Measure:
    return measure(T410, "02", conditions=(condition("B", 1, "29", "N853"),
                                           condition("B", 2, "09")))


def test_document_presented_lets_the_goods_through() -> None:
    outcome = evaluate_conditions(control(), facts("N853"))
    assert (outcome.applies, outcome.blocking) == (True, None)
    assert outcome.reasons == ("condition B: document N853 presented",)


def test_fallback_with_a_blocking_action_forbids_the_goods() -> None:
    outcome = evaluate_conditions(control(), facts())
    assert outcome.blocking is not None and outcome.blocking.action == "09"
    assert outcome.documents == ("N853",)


def test_measure_not_applicable_action() -> None:
    preference = measure(T103, "07", pct("0"), conditions=(
        condition("Q", 1, "27", "U088"), condition("Q", 2, "07")))
    assert not evaluate_conditions(preference, facts()).applies
    assert evaluate_conditions(preference, facts("U088")).applies


def test_condition_R_compares_net_weight_per_supplementary_unit() -> None:
    # 250 kg for 5 head = 50 kg per head: below 80.001, so the second step (>= 0) is met
    weight = measure(T410, "0102", conditions=(
        condition("R", 1, "08", threshold=D("80.001"), threshold_unit="KGM"),
        condition("R", 2, "28", threshold=D("0"), threshold_unit="KGM")))
    outcome = evaluate_conditions(weight, facts())
    assert outcome.blocking is None
    assert outcome.reasons == ("condition R: quantity per p/st 50.00 kg ≥ 0.00 kg",)
    # 500 kg for 5 head = 100 kg per head: the subheading is not allowed
    assert evaluate_conditions(weight, facts(kgm="500")).blocking is not None


def test_ratio_condition_needs_the_supplementary_quantity() -> None:
    weight = measure(T410, "0102", conditions=(
        condition("R", 1, "08", threshold=D("80.001"), threshold_unit="KGM"),))
    with pytest.raises(MissingQuantity, match="NAR"):
        evaluate_conditions(weight, facts(head=None))


def test_condition_E_is_a_maximum() -> None:
    # up to 300 kg free of the licence requirement; above it the licence is needed
    small = measure(T410, "02", conditions=(
        condition("E", 1, "24", threshold=D("300"), threshold_unit="KGM"),
        condition("E", 2, "24", "L100"), condition("E", 3, "04")))
    assert evaluate_conditions(small, facts(kgm="250")).blocking is None
    assert evaluate_conditions(small, facts(kgm="350")).blocking is not None
    assert evaluate_conditions(small, facts("L100", kgm="350")).blocking is None


def test_condition_components_replace_the_duty() -> None:
    scale = measure(T103, "0809", conditions=(
        condition("V", 1, "01", threshold=D("52.60"), threshold_monetary_unit="EUR",
                  threshold_unit="DTN", components=(pct("14.40"),)),
        condition("V", 2, "01", threshold=D("0"), threshold_monetary_unit="EUR",
                  threshold_unit="DTN", components=(pct("30.00"),))))
    # 1000 EUR for 2.5 x 100 kg = 400 EUR per 100 kg >= 52.60
    assert evaluate_conditions(scale, facts()).components == (pct("14.40"),)
    # 100 EUR for 2.5 x 100 kg = 40 EUR per 100 kg < 52.60
    assert evaluate_conditions(scale, facts(value="100.00")).components == (pct("30.00"),)

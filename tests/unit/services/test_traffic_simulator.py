"""The demo traffic simulator makes learnable fraud patterns, the same for the same seed."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal

import pytest

from opencustoms.services.simulator import (
    BAD_IMPORTERS,
    PRODUCTS,
    UNDERVALUED,
    SimulatedDeclaration,
    TrafficConfig,
    importers,
    simulate,
)

CONFIG = TrafficConfig(declarations=3000, seed=7, start=date(2025, 1, 1), end=date(2025, 12, 31))


@pytest.fixture(scope="module")
def traffic() -> list[SimulatedDeclaration]:
    return list(simulate(CONFIG))


def _irregular(d: SimulatedDeclaration) -> bool:
    return any(d.found)


def test_the_same_seed_gives_the_same_traffic(traffic: list[SimulatedDeclaration]) -> None:
    again = list(simulate(CONFIG))
    assert [d.document for d in again] == [d.document for d in traffic]
    assert [(d.control, d.found) for d in again] == [(d.control, d.found) for d in traffic]
    other = list(simulate(TrafficConfig(declarations=50, seed=8, start=CONFIG.start,
                                        end=CONFIG.end)))
    assert [d.document["items"] for d in other] != [d.document["items"] for d in traffic[:50]]


def test_declarations_are_in_order_within_the_period_with_unique_lrns(
        traffic: list[SimulatedDeclaration]) -> None:
    times = [d.at for d in traffic]
    assert times == sorted(times)
    assert CONFIG.start <= times[0].date() and times[-1].date() <= CONFIG.end
    lrns = [d.document["lrn"] for d in traffic]
    assert len(set(lrns)) == len(lrns) and max(len(lrn) for lrn in lrns) <= 22


def test_bad_importers_are_irregular_far_more_often_than_the_others(
        traffic: list[SimulatedDeclaration]) -> None:
    controlled = [d for d in traffic if d.control is not None]
    bad = [d for d in controlled if d.importer.party.id in BAD_IMPORTERS]
    others = [d for d in controlled if d.importer.party.id not in BAD_IMPORTERS]
    bad_rate = sum(map(_irregular, bad)) / len(bad)
    other_rate = sum(map(_irregular, others)) / len(others)
    assert bad_rate > 3 * other_rate
    assert bad_rate > 0.4


def test_undervalued_pairs_are_declared_far_below_the_price_paid(
        traffic: list[SimulatedDeclaration]) -> None:
    by_pair: Counter[str] = Counter()
    for d in traffic:
        for item, truth in zip(d.document["items"], d.truths, strict=True):
            pair = (item["country_of_origin"], item["commodity_code"])
            if truth.fraud == "undervaluation":
                declared = Decimal(item["item_price"])
                assert Decimal("0.3") * truth.price - Decimal("0.01") <= declared
                assert declared <= Decimal("0.6") * truth.price + Decimal("0.01")
            if pair in UNDERVALUED:
                by_pair["pair"] += 1
                by_pair["pair_fraud"] += truth.fraud == "undervaluation"
            elif truth.fraud is None:
                by_pair["honest"] += 1
            else:
                by_pair["other_fraud"] += 1
    pair_rate = by_pair["pair_fraud"] / by_pair["pair"]
    other_rate = by_pair["other_fraud"] / (by_pair["honest"] + by_pair["other_fraud"])
    assert pair_rate > 0.4
    assert pair_rate > 4 * other_rate


def test_misclassification_declares_a_lower_duty_code_of_the_same_chapter(
        traffic: list[SimulatedDeclaration]) -> None:
    cases = [(item, truth) for d in traffic
             for item, truth in zip(d.document["items"], d.truths, strict=True)
             if truth.fraud == "misclassification"]
    assert len(cases) >= 20
    for item, truth in cases:
        declared = item["commodity_code"]
        assert declared == PRODUCTS[truth.code].twin
        assert declared[:2] == truth.code[:2]
        assert PRODUCTS[declared].rate < PRODUCTS[truth.code].rate
        assert item["preference"] == "100"


def test_about_a_fifth_of_declarations_is_controlled_with_enough_frauds(
        traffic: list[SimulatedDeclaration]) -> None:
    controlled = [d for d in traffic if d.control is not None]
    assert 0.15 <= len(controlled) / len(traffic) <= 0.27
    frauds_found = sum(sum(d.found) for d in controlled)
    assert frauds_found >= 0.075 * len(traffic)  # ≥ 300 labelled frauds at the default 4000


def test_importers_are_fixed_parties_with_three_bad_ones_and_some_aeo() -> None:
    found = importers()
    assert [i.party.id for i in found] == [f"XX3000000000{n:02d}" for n in range(1, 41)]
    assert {i.party.id for i in found if i.bad} == set(BAD_IMPORTERS)
    assert not any(i.party.aeo for i in found if i.bad)
    assert sum(i.party.aeo for i in found) >= 5
    first_bad = next(i for i in found if i.party.id == BAD_IMPORTERS[0])
    assert all(code[:2] in ("61", "62") for code in first_bad.products)


def test_past_months_are_the_full_calendar_months_before_today() -> None:
    config = TrafficConfig.past_months(date(2026, 3, 15), 12, declarations=10)
    assert (config.start, config.end) == (date(2025, 3, 1), date(2026, 2, 28))
    assert config.declarations == 10

"""The scoring model: probability, expected revenue, priority and contributions."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from tests.unit.risk.conftest import SMALL
from tests.unit.risk.synthetic import items

from opencustoms.risk.evaluation import auc
from opencustoms.risk.model import RiskModel, sigmoid
from opencustoms.risk.records import RiskRecord
from opencustoms.risk.training import TrainingParams, train


def test_scoring_one_item_or_many_gives_the_same_figures(
    small_model: RiskModel, synthetic_new_items: list[RiskRecord],
) -> None:
    batch = small_model.score_many(synthetic_new_items[:30])
    found = small_model.predict(synthetic_new_items[:30])
    for i, record in enumerate(synthetic_new_items[:30]):
        one = small_model.score(record, explain=False)
        assert one == batch[i]
        assert one.probability == found.probability[i]
        assert one.priority == pytest.approx(small_model.policy.priority(
            one.probability, one.expected_revenue))


def test_contributions_with_the_bias_add_up_to_the_log_odds_of_the_probability(
    small_model: RiskModel, synthetic_new_items: list[RiskRecord],
) -> None:
    for record in synthetic_new_items[:10]:
        explanation = small_model.explain(record)
        probability = small_model.score(record, explain=False).probability
        assert sigmoid(explanation.raw_score) == pytest.approx(probability, rel=1e-9)
        assert {c.feature for c in explanation.contributions} <= set(small_model.pipeline.names)


def test_a_score_carries_the_strongest_contributions_first(
    small_model: RiskModel, synthetic_new_items: list[RiskRecord],
) -> None:
    score = small_model.score(synthetic_new_items[0])
    sizes = [abs(c.value) for c in score.contributions]
    assert 0 < len(sizes) <= small_model.top_contributions
    assert sizes == sorted(sizes, reverse=True)
    assert score.contributions == small_model.explain(synthetic_new_items[0]).contributions[
        : len(sizes)]


def test_the_model_learns_the_bad_importers_and_ranks_frauds_first(
    small_model: RiskModel, synthetic_new_items: list[RiskRecord],
) -> None:
    found = small_model.predict(synthetic_new_items)
    fraud = [bool(r.fraud) for r in synthetic_new_items]
    assert (auc(found.probability, fraud) or 0) > 0.7
    bad = np.array([int(r.importer[3:]) < 15 for r in synthetic_new_items])
    assert found.probability[bad].mean() > 2 * found.probability[~bad].mean()


def test_expected_revenue_follows_the_duty_at_stake(
    small_model: RiskModel, synthetic_new_items: list[RiskRecord],
) -> None:
    found = small_model.predict(synthetic_new_items)
    duty = np.array([float(r.duty_amount) for r in synthetic_new_items])
    assert np.all(found.expected_revenue >= 0)
    assert np.corrcoef(np.log1p(found.expected_revenue), np.log1p(duty))[0, 1] > 0.8


def test_training_tunes_the_policy_on_the_newest_quarter_and_records_it(
    small_model: RiskModel,
) -> None:
    validation = small_model.metrics["validation"]
    assert validation["from"] >= "2020-09-01"
    assert validation["tuning"]["revenue_weight"] == small_model.policy.revenue_weight
    assert set(validation["tuning"]["baselines"]) == {"value", "probability_log_duty"}
    assert 0.0 <= validation["precision_at_5"] <= 1.0
    assert small_model.metrics["rows"] == 2500
    assert small_model.version.startswith("2020")


def test_the_same_history_and_parameters_give_the_same_model(
    synthetic_history: list[RiskRecord], small_model: RiskModel,
) -> None:
    again = train(synthetic_history, SMALL)
    assert again.version == small_model.version
    assert again.texts == small_model.texts


def test_a_fixed_revenue_weight_skips_tuning(synthetic_history: list[RiskRecord]) -> None:
    model = train(synthetic_history[:600], replace(SMALL, revenue_weight=0.25))
    assert model.policy.revenue_weight == 0.25
    assert "validation" not in model.metrics


def test_uncontrolled_items_are_left_out_of_training() -> None:
    history = items(400, seed=5)
    unlabelled = [replace(r, declaration_id=f"U{i}", fraud=None) for i, r in enumerate(history)]
    model = train(history + unlabelled, replace(SMALL, revenue_weight=0.1))
    assert model.metrics["rows"] == 400


def test_training_needs_items_with_and_without_irregularities() -> None:
    honest = [replace(r, fraud=False) for r in items(100, seed=1)]
    with pytest.raises(ValueError, match="both with and without irregularity"):
        train(honest, TrainingParams(revenue_weight=0.1))
    with pytest.raises(ValueError, match="controlled items"):
        train([replace(r, fraud=None) for r in honest])

"""The feature pipeline: one code path for training and scoring, out-of-fold rates, unseen
categories."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import numpy as np
import pytest
from tests.unit.risk.synthetic import items

from opencustoms.risk.features import (
    UNSEEN,
    FeatureConfig,
    FeaturePipeline,
    fit_features,
    fold_ids,
)
from opencustoms.risk.records import RiskRecord


def labels(records: list[RiskRecord]) -> np.ndarray:
    return np.array([float(bool(r.fraud)) for r in records])


def rate_columns(pipeline: FeaturePipeline) -> list[int]:
    return [i for i, name in enumerate(pipeline.names) if name.startswith("rate:")]


def column(pipeline: FeaturePipeline, name: str) -> int:
    return pipeline.names.index(name)


@pytest.fixture(scope="module")
def history() -> list[RiskRecord]:
    return items(1500, seed=11)


def test_training_rows_equal_scoring_rows_except_the_out_of_fold_rates(
    history: list[RiskRecord],
) -> None:
    pipeline, training = fit_features(history, labels(history))
    scoring = pipeline.transform(history)
    rates = rate_columns(pipeline)
    others = [i for i in range(len(pipeline.names)) if i not in rates]
    assert rates, "the pipeline has historical-rate columns"
    np.testing.assert_array_equal(training[:, others], scoring[:, others])
    assert not np.array_equal(training[:, rates], scoring[:, rates])


def test_scoring_rate_is_the_smoothed_rate_over_the_full_history(
    history: list[RiskRecord],
) -> None:
    y = labels(history)
    pipeline, _ = fit_features(history, y)
    importer = history[0].importer
    own = np.array([r.importer == importer for r in history])
    m = pipeline.config.smoothing
    expected = (y[own].sum() + y.mean() * m) / (own.sum() + m)
    row = pipeline.transform([history[0]])[0]
    assert row[column(pipeline, "rate:importer")] == pytest.approx(expected)
    assert row[column(pipeline, "count:importer")] == own.sum()


def test_out_of_fold_rate_of_an_importer_with_one_item_is_the_prior_not_its_label() -> None:
    history = [replace(r, importer=f"ONLY{i:05d}", seller=f"S{i:05d}")
               for i, r in enumerate(items(600, seed=3))]
    y = labels(history)
    pipeline, training = fit_features(history, y)
    folds = fold_ids(len(history), pipeline.config.folds, pipeline.config.seed)
    rate = training[:, column(pipeline, "rate:importer")]
    for i in range(len(history)):
        outside = folds != folds[i]
        assert rate[i] == pytest.approx(y[outside].mean())  # the fold's prior, nothing else
    assert np.all(np.abs(rate - y.mean()) < 0.02)
    assert np.corrcoef(rate, y)[0, 1] < 0.2  # the label does not leak into the feature


def test_flipping_a_label_never_changes_that_items_own_rate_features(
    history: list[RiskRecord],
) -> None:
    y = labels(history)
    _, before = fit_features(history, y)
    pipeline = fit_features(history, y)[0]
    rates = rate_columns(pipeline)
    for i in (0, 17, 333):
        flipped = y.copy()
        flipped[i] = 1.0 - flipped[i]
        _, after = fit_features(history, flipped)
        np.testing.assert_array_equal(after[i, rates], before[i, rates])


def test_folds_are_balanced_and_fixed_by_the_seed() -> None:
    folds = fold_ids(103, 5, seed=1)
    assert sorted(np.bincount(folds).tolist()) == [20, 20, 21, 21, 21]
    np.testing.assert_array_equal(folds, fold_ids(103, 5, seed=1))
    assert not np.array_equal(folds, fold_ids(103, 5, seed=2))


def test_unseen_rare_and_missing_categories_share_the_reserved_id(
    history: list[RiskRecord],
) -> None:
    pipeline, _ = fit_features(history, labels(history), FeatureConfig(min_count=5))
    new = replace(history[0], office="99", origin=None, commodity_code="010121",
                  importer="NEVER-SEEN", categories=(("import_use", "77"),))
    row = pipeline.transform([new])[0]
    for name in ("cat:office", "cat:origin", "cat:hs2", "cat:hs4", "cat:category:import_use"):
        assert row[column(pipeline, name)] == UNSEEN, name
    assert row[column(pipeline, "rate:importer")] == pytest.approx(pipeline.prior)
    assert row[column(pipeline, "count:importer")] == 0
    seen = pipeline.transform([history[0]])[0]
    assert seen[column(pipeline, "cat:office")] != UNSEEN


def test_value_features_compare_the_value_per_kg_with_the_commodity_median() -> None:
    base = RiskRecord("D1", date(2020, 1, 1), "I", "D", "10", "070320", Decimal(1000),
                      origin="CN", net_mass=Decimal(10), tax_rate=Decimal(360))
    history = [replace(base, declaration_id=f"D{i}", fraud=i % 2 == 0) for i in range(10)]
    pipeline, _ = fit_features(history, labels(history))
    cheap = pipeline.transform([replace(base, item_price=Decimal(100))])[0]
    assert cheap[column(pipeline, "dev:log_value_per_kg:hs6")] == pytest.approx(
        np.log1p(10.0) - np.log1p(100.0))
    assert cheap[column(pipeline, "log_duty")] == pytest.approx(np.log1p(360.0))
    assert np.isnan(cheap[column(pipeline, "log_unit_value")])  # no quantity declared


def test_a_pipeline_survives_a_round_trip_through_its_dict(history: list[RiskRecord]) -> None:
    pipeline, _ = fit_features(history, labels(history))
    again = FeaturePipeline.from_dict(pipeline.to_dict())
    assert again.names == pipeline.names
    np.testing.assert_array_equal(again.transform(history[:50]), pipeline.transform(history[:50]))


def test_training_without_records_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one record"):
        fit_features([], [])

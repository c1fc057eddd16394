"""The model report: selection quality on the newest month and the drift of the scores."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from opencustoms.adapters.models.store import ModelStore
from opencustoms.cli import risk as risk_cli
from opencustoms.risk.evaluation import PERCENTS, evaluate
from opencustoms.risk.model import RiskModel
from opencustoms.risk.records import RiskRecord
from opencustoms.risk.report import (
    EMPTY_SHARE,
    drift_label,
    model_report,
    population_stability,
    split_history,
)

REFERENCE = [float(i) for i in range(100)]
"""Deciles 9.9, 19.8, … 89.1: ten reference bins of exactly 10 scores each."""


def _in_bins(counts: list[int]) -> list[float]:
    """Scores putting counts[i] values in reference bin i (bin i holds (10i - 10, 10i])."""
    return [float(10 * b + 1) for b, n in enumerate(counts) for _ in range(n)]


def test_the_same_distribution_has_no_drift() -> None:
    drift = population_stability(REFERENCE, REFERENCE)
    assert drift.expected == pytest.approx((0.1,) * 10)
    assert drift.psi == 0.0
    assert drift.label == "stable"


def test_psi_of_a_mild_shift_is_hand_computed_and_stable() -> None:
    drift = population_stability(REFERENCE, _in_bins([3, 2, 2, 2, 2, 2, 2, 2, 2, 1]))
    # shares 0.15, 0.1 × 8, 0.05 against 0.1 each
    expected = 0.05 * math.log(1.5) + (-0.05) * math.log(0.5)
    assert drift.actual == pytest.approx((0.15, *(0.1,) * 8, 0.05))
    assert drift.psi == pytest.approx(expected)
    assert round(drift.psi, 4) == 0.0549
    assert drift.label == "stable"


def test_psi_floors_an_empty_bin_and_reads_a_large_shift_as_significant() -> None:
    drift = population_stability(REFERENCE, _in_bins([4, 2, 2, 2, 2, 2, 2, 2, 2, 0]))
    expected = 0.1 * math.log(2) + (EMPTY_SHARE - 0.1) * math.log(EMPTY_SHARE / 0.1)
    assert drift.psi == pytest.approx(expected)
    assert round(drift.psi, 4) == 0.7594
    assert drift.label == "significant"


def test_tied_reference_scores_merge_their_bins() -> None:
    drift = population_stability([0.0] * 50 + [1.0] * 50, [0.0] * 25 + [1.0] * 75)
    assert drift.edges == (0.0, 0.5, 1.0)  # unique deciles
    assert drift.expected == pytest.approx((0.5, 0.0, 0.5, 0.0))
    assert drift.actual == pytest.approx((0.25, 0.0, 0.75, 0.0))
    assert drift.psi == pytest.approx(-0.25 * math.log(0.5) + 0.25 * math.log(1.5))


@pytest.mark.parametrize(("psi", "label"), [(0.0, "stable"), (0.0999, "stable"),
                                            (0.1, "moderate"), (0.25, "moderate"),
                                            (0.2501, "significant")])
def test_drift_labels_follow_the_customary_thresholds(psi: float, label: str) -> None:
    assert drift_label(psi) == label


def test_drift_needs_both_populations() -> None:
    with pytest.raises(ValueError, match="both populations"):
        population_stability(REFERENCE, [])


def _dated(records: list[RiskRecord], first: date) -> list[RiskRecord]:
    """Spread records over the months from ``first``, a tenth of them unlabelled."""
    out = []
    for i, r in enumerate(records):
        month = first.month - 1 + i % 6
        day = date(first.year + month // 12, month % 12 + 1, 1 + i % 28)
        out.append(replace(r, date=day, fraud=None if i % 10 == 0 else r.fraud))
    return out


def test_split_holds_out_the_newest_month_with_a_control_result(
        synthetic_history: list[RiskRecord]) -> None:
    records = _dated(synthetic_history[:600], date(2025, 9, 1))
    later = replace(records[0], date=date(2026, 5, 2), fraud=None)  # unlabelled, newer
    split = split_history([*records, later])
    assert split.month == "2026-02"
    assert {r.date.strftime("%Y-%m") for r in split.newest} == {"2026-02"}
    assert max(r.date for r in split.training) < date(2026, 2, 1)
    assert later not in split.training and later not in split.newest
    assert any(r.fraud is None for r in split.training)  # kept for the drift
    assert all(r.fraud is not None for r in split.labelled_training)


def test_split_with_months_keeps_that_many_months_before_the_held_out_one(
        synthetic_history: list[RiskRecord]) -> None:
    split = split_history(_dated(synthetic_history[:600], date(2025, 9, 1)), months=2)
    assert split.window_start == date(2025, 12, 1)
    assert {r.date.strftime("%Y-%m") for r in split.training} == {"2025-12", "2026-01"}


def test_split_refuses_a_history_without_control_results(
        synthetic_history: list[RiskRecord]) -> None:
    with pytest.raises(ValueError, match="no stored control results"):
        split_history([replace(r, fraud=None) for r in synthetic_history[:10]])


def test_model_report_uses_the_evaluate_definitions_on_the_newest_month(
        small_model: RiskModel, synthetic_new_items: list[RiskRecord]) -> None:
    records = _dated(synthetic_new_items, date(2026, 1, 1))
    split = split_history(records)
    report = model_report(small_model, split).as_dict()
    controlled = split.labelled_newest
    found = small_model.predict(controlled)
    expected = evaluate(found.priority, [bool(r.fraud) for r in controlled],
                        [float(r.recovered) for r in controlled],
                        [r.declaration_id for r in controlled], PERCENTS,
                        scores=found.probability).as_dict()
    assert {k: report[k] for k in expected} == expected
    assert report["month"] == "2026-06"
    assert report["model_version"] == small_model.version
    assert {f"precision_at_{n}" for n in PERCENTS} | {f"revenue_at_{n}" for n in PERCENTS} \
        <= set(report)
    assert report["rows"] == len(controlled)
    drift = report["drift"]
    assert drift["reference_rows"] == len(split.training)
    assert drift["rows"] == len(split.newest)  # unlabelled items count for the drift
    reference = small_model.predict(split.training).probability
    current = small_model.predict(split.newest).probability
    assert drift["psi"] == pytest.approx(population_stability(reference, current).psi)
    assert np.isfinite(drift["psi"])


def test_risk_report_prints_the_stored_report_of_the_model_in_service(
        small_model: RiskModel, synthetic_new_items: list[RiskRecord], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    report = model_report(small_model, split_history(
        _dated(synthetic_new_items, date(2026, 1, 1)))).as_dict()
    reported = replace(small_model, metrics={**small_model.metrics, "report": report})
    ModelStore(tmp_path).save(reported)
    assert risk_cli.main(["risk", "report", "--models", str(tmp_path)]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(json.dumps(report))


def test_risk_report_of_a_model_trained_from_files_says_how_to_get_one(
        small_model: RiskModel, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ModelStore(tmp_path).save(small_model)
    assert risk_cli.main(["risk", "report", "--models", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"model {small_model.version} has no report" in captured.err
    assert "risk train --from-db" in captured.err

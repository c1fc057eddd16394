"""Metric definitions of issue 4 item 6 on a small hand-computed example."""

from __future__ import annotations

import numpy as np
import pytest

from opencustoms.risk.evaluation import Selection, auc, evaluate, ranking, selection_size


def example() -> tuple[list[float], list[bool], list[float], list[str]]:
    """100 items D000..D099. Ranked: D003, D007, D050 (tied, by id), D001, D002, D090 (tied at
    the 5 % boundary, listed in reverse), D040, D060 (tied), then all others tied by id.
    Frauds: D003 (revenue 100), D050 (300), D002 (0), D060 (50), D099 (550)."""
    ids = [f"D{i:03d}" for i in range(100)]
    priority = dict.fromkeys(ids, 0.1)
    priority.update({"D050": 0.99, "D007": 0.99, "D003": 0.99, "D090": 0.95, "D002": 0.95,
                     "D001": 0.95, "D060": 0.9, "D040": 0.9})
    revenue = dict.fromkeys(ids, 0.0)
    revenue.update({"D003": 100.0, "D050": 300.0, "D060": 50.0, "D099": 550.0})
    frauds = {"D003", "D050", "D002", "D060", "D099"}
    return ([priority[i] for i in ids], [i in frauds for i in ids], [revenue[i] for i in ids],
            ids)


def test_ranking_breaks_ties_by_declaration_id() -> None:
    priority, _, _, ids = example()
    top = [ids[i] for i in ranking(priority, ids)[:10]]
    assert top == ["D003", "D007", "D050", "D001", "D002", "D090", "D040", "D060", "D000",
                   "D004"]


def test_precision_recall_and_revenue_at_1_2_5_10_percent() -> None:
    report = evaluate(*example())
    got = {s.percent: (s.k, s.frauds, s.precision, s.recall, s.revenue)
           for s in report.selections}
    assert got == {
        1: (1, 1, 1.0, 0.2, 0.1),
        2: (2, 1, 0.5, 0.2, 0.1),
        5: (5, 3, 0.6, 0.6, 0.4),
        10: (10, 4, 0.4, 0.8, 0.45),
    }
    assert (report.rows, report.frauds) == (100, 5)


def test_report_is_the_flat_json_object_of_risk_evaluate() -> None:
    data = evaluate(*example()).as_dict()
    assert list(data) == [
        "precision_at_1", "precision_at_2", "precision_at_5", "precision_at_10",
        "recall_at_1", "recall_at_2", "recall_at_5", "recall_at_10",
        "revenue_at_1", "revenue_at_2", "revenue_at_5", "revenue_at_10", "auc", "rows",
        "frauds"]
    assert data["revenue_at_10"] == 0.45


@pytest.mark.parametrize(("rows", "percent", "k"), [
    (100, 1, 1), (199, 1, 1), (199, 5, 9), (8134, 5, 406), (8134, 10, 813), (99, 1, 0),
    (1000, 2.5, 25),
])
def test_selection_size_is_n_percent_of_the_rows_rounded_down(rows: int, percent: float,
                                                              k: int) -> None:
    assert selection_size(rows, percent) == k


def test_an_empty_selection_has_zero_precision_not_an_error() -> None:
    report = evaluate([0.5] * 50, [True] * 50, [1.0] * 50, [f"D{i}" for i in range(50)])
    assert report.at(1) == Selection(1, 0, 0, 0.0, 0.0, 0.0)
    assert report.at(2).k == 1


def test_auc_is_the_share_of_fraud_and_non_fraud_pairs_ranked_right() -> None:
    assert auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]) == 0.75
    assert auc([1, 2, 3], [0, 1, 1]) == 1.0
    assert auc([3, 2, 1], [0, 1, 1]) == 0.0


def test_auc_counts_tied_pairs_as_half() -> None:
    assert auc([0.5, 0.5], [0, 1]) == 0.5
    assert auc([0.2, 0.5, 0.5, 0.9], [0, 1, 0, 1]) == pytest.approx((1 + 1 + 0.5 + 1) / 4)


def test_auc_matches_the_pairwise_definition_on_random_scores() -> None:
    rng = np.random.default_rng(5)
    scores = rng.integers(0, 20, 300).astype(float)
    labels = rng.random(300) < 0.3
    pos, neg = scores[labels], scores[~labels]
    pairwise = ((pos[:, None] > neg[None, :]).sum()
                + 0.5 * (pos[:, None] == neg[None, :]).sum()) / (len(pos) * len(neg))
    assert auc(scores, labels) == pytest.approx(pairwise)


def test_auc_is_undefined_with_one_class() -> None:
    assert auc([0.1, 0.2], [1, 1]) is None
    assert evaluate([0.1, 0.2], [False, False], [0, 0], ["a", "b"]).auc is None

"""How well a ranking of goods items selects frauds and revenue for control.

Definitions (issue 4, item 6), for a selection share of n percent of N items:

- k = floor(N · n / 100) items with the highest priority are selected; ties are broken by
  declaration id (ascending), so the selection is reproducible;
- precision@n = frauds among the selected / k;
- recall@n = frauds among the selected / all frauds;
- revenue@n = Σ duty-at-risk of the selected / Σ duty-at-risk of all items, where the
  duty-at-risk of an item is the revenue its control recovers (``RiskRecord.recovered``; for
  the KCS data Fraud × Item Price × Tax Rate / 100);
- AUC: the probability that a random fraud ranks above a random non-fraud (ties count half),
  computed from ranks (Mann–Whitney U).

A ratio whose denominator is zero (k = 0, no frauds, no revenue) is reported as 0.0; AUC is None
when the items are all of one class.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt

PERCENTS = (1, 2, 5, 10)
"""Selection shares reported by default, in percent of the items."""

Array = npt.NDArray[np.float64]


def selection_size(rows: int, percent: float) -> int:
    """k = floor(rows · percent / 100), computed exactly (no binary rounding)."""
    return int(Decimal(rows) * Decimal(str(percent)) / 100)


def ranking(priorities: npt.ArrayLike, ids: Sequence[str]) -> npt.NDArray[np.intp]:
    """Item indices from highest to lowest priority; equal priorities by declaration id."""
    p = np.asarray(priorities, dtype=np.float64)
    if len(p) != len(ids):
        raise ValueError("one declaration id per priority is needed")
    keys = np.asarray(ids, dtype=str) if len(ids) else np.empty(0, dtype=str)
    return np.lexsort((keys, -p))


def auc(scores: npt.ArrayLike, labels: npt.ArrayLike) -> float | None:
    """Rank-based area under the ROC curve (average ranks for ties); None for one class."""
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels, dtype=bool)
    positives = int(y.sum())
    negatives = len(y) - positives
    if positives == 0 or negatives == 0:
        return None
    order = np.argsort(s, kind="mergesort")
    ordered = s[order]
    ranks = np.empty(len(s), dtype=np.float64)
    # average rank (1-based) of each run of equal scores
    boundaries = np.flatnonzero(np.diff(ordered)) + 1
    starts = np.concatenate(([0], boundaries))
    ends = np.concatenate((boundaries, [len(s)]))
    average = (starts + ends + 1) / 2.0
    ranks[order] = np.repeat(average, ends - starts)
    u = ranks[y].sum() - positives * (positives + 1) / 2.0
    return float(u / (positives * negatives))


@dataclass(frozen=True, slots=True)
class Selection:
    """What controlling the top ``percent`` of the ranking finds."""

    percent: float
    k: int
    frauds: int
    precision: float
    recall: float
    revenue: float


@dataclass(frozen=True, slots=True)
class EvaluationReport:
    """Precision, recall and revenue at each selection share, AUC, and the totals."""

    rows: int
    frauds: int
    auc: float | None
    selections: tuple[Selection, ...]

    def at(self, percent: float) -> Selection:
        """The selection at ``percent``; KeyError if it was not evaluated."""
        for selection in self.selections:
            if selection.percent == percent:
                return selection
        raise KeyError(percent)

    def as_dict(self) -> dict[str, Any]:
        """The flat JSON object of ``opencustoms risk evaluate``."""
        out: dict[str, Any] = {}
        for kind in ("precision", "recall", "revenue"):
            for s in self.selections:
                out[f"{kind}_at_{s.percent:g}"] = getattr(s, kind)
        out.update(auc=self.auc, rows=self.rows, frauds=self.frauds)
        return out


def _ratio(part: float, whole: float) -> float:
    return float(part / whole) if whole > 0 else 0.0


def evaluate(
    priorities: npt.ArrayLike,
    fraud: npt.ArrayLike,
    revenue: npt.ArrayLike,
    ids: Sequence[str],
    percents: Sequence[float] = PERCENTS,
    scores: npt.ArrayLike | None = None,
) -> EvaluationReport:
    """Evaluate the ranking by ``priorities`` against the control outcomes.

    ``revenue`` is each item's duty-at-risk (zero for non-frauds). AUC is computed on
    ``scores`` (the fraud probability, say) when given, else on the priorities.
    """
    y = np.asarray(fraud, dtype=bool)
    money = np.asarray(revenue, dtype=np.float64)
    order = ranking(priorities, ids)
    frauds = int(y.sum())
    total = float(money.sum())
    selections = []
    for percent in percents:
        k = selection_size(len(y), percent)
        top = order[:k]
        found = int(y[top].sum())
        selections.append(Selection(percent, k, found, _ratio(found, k), _ratio(found, frauds),
                                    _ratio(float(money[top].sum()), total)))
    return EvaluationReport(len(y), frauds, auc(priorities if scores is None else scores, y),
                            tuple(selections))

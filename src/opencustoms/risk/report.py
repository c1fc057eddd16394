"""The model report: how the model in service does on the newest month, and whether the
declarations it scores still look like the ones it learnt from.

Retraining from stored control results (``opencustoms risk train --from-db``) holds out the
newest calendar month that has control results. The model learns from the months before it
(the *training window*) and is then reported on the held-out month:

- **selection quality** on the controlled items of that month, with exactly the definitions of
  ``risk evaluate`` (:mod:`opencustoms.risk.evaluation`): precision, recall and revenue when the
  top 1, 2, 5 and 10 % by priority are controlled, the AUC of the fraud probability, rows and
  frauds;
- **drift** of the score distribution: the Population Stability Index of the fraud probability
  of *every* item of the month (controlled or not) against every item of the training window,
  over the 10 quantile bins of the training scores::

      PSI = Σ (actual share − expected share) · ln(actual share / expected share)

  A share of an empty bin counts as :data:`EMPTY_SHARE`, so one empty bin does not make the
  index infinite. The customary reading: below 0.1 the population is **stable**, from 0.1 to
  0.25 the shift is **moderate** (watch), above 0.25 it is **significant** (retrain, review
  the profiles).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from opencustoms.risk.evaluation import PERCENTS, EvaluationReport, evaluate
from opencustoms.risk.feedback import first_of_month, month_of
from opencustoms.risk.model import RiskModel
from opencustoms.risk.records import RiskRecord

PSI_BINS = 10
EMPTY_SHARE = 1e-4
"""Share an empty bin counts as in the index (the usual floor)."""

STABLE, MODERATE = 0.1, 0.25
"""Upper bounds of the ``stable`` and ``moderate`` readings of the index."""


@dataclass(frozen=True, slots=True)
class Drift:
    """The Population Stability Index of the newest month's scores against the training
    window's, with the bin edges (interior quantiles of the training scores) and the share of
    each population in every bin."""

    psi: float
    label: str
    edges: tuple[float, ...]
    expected: tuple[float, ...]
    actual: tuple[float, ...]
    reference_rows: int
    rows: int

    def as_dict(self) -> dict[str, Any]:
        return {"psi": self.psi, "label": self.label, "bins": len(self.expected),
                "edges": list(self.edges), "expected": list(self.expected),
                "actual": list(self.actual), "reference_rows": self.reference_rows,
                "rows": self.rows}


def drift_label(psi: float) -> str:
    """``stable`` (< 0.1), ``moderate`` (0.1 to 0.25) or ``significant`` (> 0.25)."""
    if psi < STABLE:
        return "stable"
    return "moderate" if psi <= MODERATE else "significant"


def _shares(scores: npt.NDArray[np.float64], edges: npt.NDArray[np.float64],
            bins: int) -> npt.NDArray[np.float64]:
    # bin i holds the scores in (edge[i-1], edge[i]]: a score equal to an edge goes below it
    index = np.searchsorted(edges, scores, side="left")
    counts = np.bincount(index, minlength=bins).astype(np.float64)
    shares: npt.NDArray[np.float64] = counts / counts.sum()
    return shares


def population_stability(reference: npt.ArrayLike, current: npt.ArrayLike,
                         bins: int = PSI_BINS) -> Drift:
    """The PSI of ``current`` scores against ``reference`` scores over the ``bins`` quantile
    bins of the reference. Equal quantiles (many tied scores) merge their bins. ValueError when
    either population is empty."""
    ref = np.asarray(reference, dtype=np.float64)
    cur = np.asarray(current, dtype=np.float64)
    if not len(ref) or not len(cur):
        raise ValueError("the drift needs scores in both populations")
    edges = np.unique(np.quantile(ref, np.arange(1, bins) / bins))
    count = len(edges) + 1
    expected, actual = _shares(ref, edges, count), _shares(cur, edges, count)
    e = np.maximum(expected, EMPTY_SHARE)
    a = np.maximum(actual, EMPTY_SHARE)
    psi = float(np.sum((a - e) * np.log(a / e)))
    return Drift(psi, drift_label(psi), tuple(float(x) for x in edges),
                 tuple(float(x) for x in expected), tuple(float(x) for x in actual),
                 len(ref), len(cur))


@dataclass(frozen=True, slots=True)
class HistorySplit:
    """Stored history cut for retraining: the held-out ``month`` (its items, controlled or
    not) and the training window before it (idem)."""

    month: str
    window_start: date | None
    training: list[RiskRecord]
    newest: list[RiskRecord]

    @property
    def labelled_training(self) -> list[RiskRecord]:
        return [r for r in self.training if r.fraud is not None]

    @property
    def labelled_newest(self) -> list[RiskRecord]:
        return [r for r in self.newest if r.fraud is not None]


def split_history(records: Sequence[RiskRecord], months: int | None = None) -> HistorySplit:
    """Hold out the newest calendar month with a control result; the training window is the
    ``months`` calendar months before it (every earlier month when None). ValueError when
    nothing was controlled."""
    labelled = [r.date for r in records if r.fraud is not None]
    if not labelled:
        raise ValueError("no stored control results to learn from")
    newest = max(labelled)
    month_start = first_of_month(newest)
    window_start = None if months is None else first_of_month(newest, months)
    month = month_of(newest)
    training = [r for r in records if r.date < month_start
                and (window_start is None or r.date >= window_start)]
    held_out = [r for r in records if month_of(r.date) == month]
    return HistorySplit(month, window_start, training, held_out)


@dataclass(frozen=True, slots=True)
class ModelReport:
    """Selection quality on the newest month and the drift of the score distribution."""

    model_version: str
    month: str
    evaluation: EvaluationReport
    drift: Drift | None

    def as_dict(self) -> dict[str, Any]:
        """One JSON object: ``precision_at_n``, ``recall_at_n``, ``revenue_at_n`` (n = 1, 2,
        5, 10), ``auc``, ``rows``, ``frauds`` as in ``risk evaluate``, plus the month, the
        model version and the drift."""
        return {"model_version": self.model_version, "month": self.month,
                **self.evaluation.as_dict(),
                "drift": None if self.drift is None else self.drift.as_dict()}


def model_report(model: RiskModel, split: HistorySplit) -> ModelReport:
    """Report ``model`` on the held-out month of ``split`` (see the module docstring)."""
    controlled = split.labelled_newest
    priority: Sequence[float] | npt.NDArray[np.float64] = ()
    probability: Sequence[float] | npt.NDArray[np.float64] = ()
    if controlled:
        found = model.predict(controlled)
        priority, probability = found.priority, found.probability
    evaluation = evaluate(priority, [bool(r.fraud) for r in controlled],
                          [float(r.recovered) for r in controlled],
                          [r.declaration_id for r in controlled], PERCENTS, scores=probability)
    drift = None
    if split.training and split.newest:
        drift = population_stability(model.predict(split.training).probability,
                                     model.predict(split.newest).probability)
    return ModelReport(model.version, split.month, evaluation, drift)

"""The priority the selectivity policy ranks goods items by, and how its weight is chosen.

A control is worth the fraud it may find and the revenue it may recover. The priority of an
item is therefore the expected value of controlling it in two currencies, put on one scale:

    priority = P(fraud) + w · E[revenue recovered] / s

where ``s`` is the average revenue a control recovered per item in training (so that ``w`` does
not depend on the currency or on the size of the items), and ``w`` says how many "expected
frauds" one average item's worth of recovered revenue is worth. With ``w = 0`` the policy is the
pure-probability ranking (highest precision); as ``w`` grows it turns towards the revenue
ranking. Given calibrated estimates, ranking by this sum is the Lagrangian optimum of "most
frauds for a given revenue" at every inspection budget.

``w`` is tuned on the newest part of the training history (never on the period evaluated) by
:func:`tune_revenue_weight`, at the inspection budget. Among the weights whose ranking
*dominates* the value-based baselines there — the ranking by duty at stake and the ranking by
probability weighted with log duty, p · (1 + ln(1 + duty)) — i.e. finds at least as many frauds
and recovers at least as much revenue as each, and more of one, the most precise one wins. If
none does, the ``objective`` decides:

- ``dominate`` (default): the most precise weight among those within ``revenue_tolerance``
  (1 point) of the highest revenue any weight reaches — the policy must not recover less than
  the ranking by duty (issue 4: the default dominates every value-based baseline), and among
  the rankings that keep that revenue it takes the most precise;
- ``target``: the weight that recovers the most revenue while keeping precision at or above
  ``precision_floor`` (0.90, the precision target of issue 4) and dominating the log-duty
  baseline; failing that, the highest precision + revenue. An administration that values
  precision (fewer fruitless controls) over the last points of revenue chooses it.

The fallback is the usual case on customs data where a handful of very high-duty items carry
most of the revenue: ranking by duty alone then recovers nearly all revenue at 5 % while finding
few frauds, and no ranking precise enough to be useful matches it (see BENCHMARKS.md, risk).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from opencustoms.risk.evaluation import evaluate

Array = npt.NDArray[np.float64]

WEIGHT_GRID = (0.0, *(float(w) for w in np.geomspace(1e-3, 1e2, 51)))
"""Revenue weights tried by :func:`tune_revenue_weight`."""

PRECISION_FLOOR = 0.90
"""Precision at the budget a tuned policy keeps when it cannot dominate every baseline."""

REVENUE_TOLERANCE = 0.01
"""How far below the highest reachable revenue the ``dominate`` objective may stay."""

OBJECTIVES = ("target", "dominate")
"""What tuning aims at when no weight dominates the baselines on the validation period."""

DEFAULT_REVENUE_WEIGHT = 0.1
"""Weight used when the history is too short to tune one (typical of tuned values)."""


@dataclass(frozen=True, slots=True)
class PriorityPolicy:
    """``priority = probability + revenue_weight · expected_revenue / revenue_scale``."""

    revenue_weight: float
    revenue_scale: float

    def priority(self, probability: float, expected_revenue: float) -> float:
        """The priority of one scored item."""
        return probability + self.revenue_weight * expected_revenue / self.revenue_scale

    def priorities(self, probability: npt.ArrayLike, expected_revenue: npt.ArrayLike) -> Array:
        """The priorities of many scored items (same formula, vectorised)."""
        p = np.asarray(probability, dtype=np.float64)
        r = np.asarray(expected_revenue, dtype=np.float64)
        return p + self.revenue_weight * r / self.revenue_scale

    def to_dict(self) -> dict[str, float]:
        return {"revenue_weight": self.revenue_weight, "revenue_scale": self.revenue_scale}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PriorityPolicy:
        scale = float(data["revenue_scale"])
        if not scale > 0:
            raise ValueError(f"revenue_scale must be positive, not {scale}")
        return cls(float(data["revenue_weight"]), scale)


def log_duty_weighted(probability: npt.ArrayLike, duty: npt.ArrayLike) -> Array:
    """The usual value-weighted baseline: p · (1 + ln(1 + duty at stake))."""
    p = np.asarray(probability, dtype=np.float64)
    d = np.maximum(np.asarray(duty, dtype=np.float64), 0.0)
    return p * (1.0 + np.log1p(d))


@dataclass(frozen=True, slots=True)
class Tuning:
    """The chosen weight, what it achieved on the validation period, which rule chose it
    (``dominates``, ``precision_floor``, ``near_max_revenue`` or ``best_sum``), the baselines'
    figures, and the weight each objective would have chosen."""

    revenue_weight: float
    precision: float
    revenue: float
    rule: str
    baselines: dict[str, tuple[float, float]]
    alternatives: dict[str, float]

    def as_dict(self) -> dict[str, Any]:
        return {"revenue_weight": self.revenue_weight, "precision": self.precision,
                "revenue": self.revenue, "rule": self.rule,
                "baselines": {k: {"precision": p, "revenue": r}
                              for k, (p, r) in self.baselines.items()},
                "alternatives": dict(self.alternatives)}


Point = tuple[float, float, float]
"""(weight, precision, revenue) at the budget."""


def _target(results: list[Point], baselines: dict[str, tuple[float, float]],
            precision_floor: float) -> tuple[Point, str]:
    weighted = baselines["probability_log_duty"]
    useful = [r for r in results
              if r[1] >= max(precision_floor, weighted[0]) and r[2] >= weighted[1]]
    if useful:
        return max(useful, key=lambda r: (r[2], r[1], -r[0])), "precision_floor"
    return max(results, key=lambda r: (r[1] + r[2], -r[0])), "best_sum"


def _revenue_first(results: list[Point], tolerance: float) -> tuple[Point, str]:
    reachable = max(r[2] for r in results)
    near = [r for r in results if r[2] >= reachable - tolerance]
    return max(near, key=lambda r: (r[1], r[2], -r[0])), "near_max_revenue"


def tune_revenue_weight(
    probability: npt.ArrayLike, expected_revenue: npt.ArrayLike, revenue_scale: float,
    fraud: npt.ArrayLike, revenue: npt.ArrayLike, duty: npt.ArrayLike, ids: Sequence[str],
    budget_percent: float, grid: Sequence[float] = WEIGHT_GRID,
    precision_floor: float = PRECISION_FLOOR, objective: str = "dominate",
    revenue_tolerance: float = REVENUE_TOLERANCE,
) -> Tuning:
    """Choose the revenue weight on a validation period, from the scores of a model trained on
    the history before it (rules in the module docstring)."""
    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {OBJECTIVES}, not {objective!r}")

    def at_budget(priority: Array) -> tuple[float, float]:
        s = evaluate(priority, fraud, revenue, ids, (budget_percent,)).selections[0]
        return s.precision, s.revenue

    baselines = {"value": at_budget(np.asarray(duty, dtype=np.float64)),
                 "probability_log_duty": at_budget(log_duty_weighted(probability, duty))}
    results: list[Point] = []
    for weight in grid:
        policy = PriorityPolicy(weight, revenue_scale)
        results.append((weight, *at_budget(policy.priorities(probability, expected_revenue))))
    dominating = [r for r in results
                  if all(r[1] >= p and r[2] >= v and (r[1] > p or r[2] > v)
                         for p, v in baselines.values())]
    if dominating:
        best = max(dominating, key=lambda r: (r[1], r[2], -r[0]))
        choices = dict.fromkeys(OBJECTIVES, (best, "dominates"))
    else:
        choices = {"target": _target(results, baselines, precision_floor),
                   "dominate": _revenue_first(results, revenue_tolerance)}
    (weight, precision, recovered), rule = choices[objective]
    return Tuning(weight, precision, recovered, rule, baselines,
                  {name: point[0] for name, (point, _) in choices.items()})

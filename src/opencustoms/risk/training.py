"""Training the scoring model from controlled goods items.

:func:`train` fits the feature pipeline and the three ensembles of a
:class:`~opencustoms.risk.model.RiskModel`. Unless the revenue weight of the priority is given,
it is chosen first by a time-based validation *within* the training history: a model is fitted
on the older items, scores the newest ``validation_share`` of them (by date), and
:func:`~opencustoms.risk.selectivity.tune_revenue_weight` picks the weight; the final model is
then fitted on the whole history. The validation figures become the model's training metrics.

Everything is seeded and LightGBM runs in deterministic mode, so the same history and
parameters give the same model (and the same version id).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import lightgbm as lgb
import numpy as np
import numpy.typing as npt

from opencustoms.risk.evaluation import PERCENTS, evaluate
from opencustoms.risk.features import FeatureConfig, FeaturePipeline, fit_features
from opencustoms.risk.model import RiskModel
from opencustoms.risk.records import RiskRecord
from opencustoms.risk.selectivity import (
    DEFAULT_REVENUE_WEIGHT,
    PriorityPolicy,
    tune_revenue_weight,
)

Progress = Callable[[str], None]
Array = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class TrainingParams:
    """Hyper-parameters of the ensembles, the feature pipeline and the policy tuning.

    ``revenue_weight`` None means: tune it on the newest ``validation_share`` of the history
    at the inspection budget ``budget_percent``, for the ``objective`` (``dominate``, the
    default, or ``target``, see :mod:`opencustoms.risk.selectivity`). ``threads`` is for training
    only; scoring always uses one thread.
    """

    rounds: int = 300
    revenue_rounds: int = 200
    learning_rate: float = 0.1
    num_leaves: int = 63
    min_data_in_leaf: int = 20
    min_data_per_group: int = 20
    cat_smooth: float = 10.0
    seed: int = 2020
    threads: int = 2
    features: FeatureConfig = field(default_factory=FeatureConfig)
    revenue_weight: float | None = None
    objective: str = "dominate"
    budget_percent: float = 5.0
    validation_share: float = 0.25


@dataclass(frozen=True, slots=True)
class _Fitted:
    pipeline: FeaturePipeline
    texts: dict[str, str]
    revenue_scale: float


def _booster_params(params: TrainingParams, objective: str) -> dict[str, Any]:
    return {
        "objective": objective, "learning_rate": params.learning_rate,
        "num_leaves": params.num_leaves, "min_data_in_leaf": params.min_data_in_leaf,
        "min_data_per_group": params.min_data_per_group, "cat_smooth": params.cat_smooth,
        "seed": params.seed, "deterministic": True, "force_col_wise": True,
        "num_threads": params.threads, "verbosity": -1,
    }


def _fit_booster(params: TrainingParams, objective: str, matrix: Array, target: Array,
                 categorical: list[int], rounds: int, weight: Array | None = None) -> str:
    data = lgb.Dataset(matrix, target, weight=weight, categorical_feature=categorical,
                       params={"verbosity": -1}, free_raw_data=True)
    booster = lgb.train(_booster_params(params, objective), data, num_boost_round=rounds)
    return str(booster.model_to_string())


def _fit(records: Sequence[RiskRecord], params: TrainingParams, say: Progress) -> _Fitted:
    fraud = np.array([bool(r.fraud) for r in records], dtype=np.float64)
    if fraud.min() == fraud.max():
        raise ValueError("training needs controlled items both with and without irregularity")
    recovered = np.array([float(r.recovered) for r in records])
    duty = np.array([max(float(r.duty_amount), 0.0) for r in records])
    say(f"features for {len(records)} items")
    pipeline, matrix = fit_features(records, fraud, params.features)
    cats = pipeline.categorical_indices
    say("fraud ensemble")
    texts = {"fraud": _fit_booster(params, "binary", matrix, fraud, cats, params.rounds)}
    say("value-weighted fraud ensemble")
    weight = 1.0 + duty / duty.mean() if duty.mean() > 0 else None
    texts["fraud_by_value"] = _fit_booster(params, "binary", matrix, fraud, cats,
                                           params.rounds, weight)
    say("revenue ensemble")
    frauds = fraud == 1.0
    texts["revenue"] = _fit_booster(params, "regression", matrix[frauds],
                                    np.log1p(np.maximum(recovered[frauds], 0.0)), cats,
                                    params.revenue_rounds)
    scale = float(recovered.mean())
    return _Fitted(pipeline, texts, scale if scale > 0 else 1.0)


def _split(records: Sequence[RiskRecord], share: float) -> tuple[list[RiskRecord],
                                                                list[RiskRecord]]:
    """Older and newest items: the newest ``share`` by date (a date is never split)."""
    dates = sorted(r.date for r in records)
    cutoff = dates[min(len(dates) - 1, int(len(dates) * (1.0 - share)))]
    older = [r for r in records if r.date < cutoff]
    newest = [r for r in records if r.date >= cutoff]
    return older, newest


def _tune(records: Sequence[RiskRecord], params: TrainingParams,
          say: Progress) -> tuple[float, dict[str, Any]]:
    older, newest = _split(records, params.validation_share)
    if not newest or len({bool(r.fraud) for r in older}) < 2:
        return DEFAULT_REVENUE_WEIGHT, {"note": "history too short to tune the policy; "
                                                "default revenue weight"}
    say(f"tuning the policy: fit on {len(older)} items before {newest[0].date if newest else '-'}"
        f", validate on {len(newest)}")
    fitted = _fit(older, params, say)
    model = RiskModel(fitted.pipeline, fitted.texts, PriorityPolicy(0.0, fitted.revenue_scale))
    found = model.predict(newest)
    fraud = [bool(r.fraud) for r in newest]
    revenue = [float(r.recovered) for r in newest]
    ids = [r.declaration_id for r in newest]
    tuning = tune_revenue_weight(
        found.probability, found.expected_revenue, fitted.revenue_scale, fraud, revenue,
        [float(r.duty_amount) for r in newest], ids, params.budget_percent,
        objective=params.objective)
    policy = PriorityPolicy(tuning.revenue_weight, fitted.revenue_scale)
    priorities = policy.priorities(found.probability, found.expected_revenue)
    report = evaluate(priorities, fraud, revenue, ids, PERCENTS, scores=found.probability)
    validation = {"from": str(min(r.date for r in newest)),
                  "through": str(max(r.date for r in newest)),
                  **report.as_dict(), "tuning": tuning.as_dict(),
                  **budget_thresholds(priorities, params.budget_percent)}
    return tuning.revenue_weight, validation


def budget_thresholds(priorities: Sequence[float] | Any, budget_percent: float) -> dict[str, Any]:
    """Priorities at which the newest history would have controlled ``budget_percent`` of the
    items (control) and twice that (post-clearance audit): the selectivity policy's cut-offs
    when the administration sets none."""
    ranked = sorted((float(p) for p in priorities), reverse=True)

    def cut(percent: float) -> float | None:
        k = int(len(ranked) * percent / 100)
        return ranked[k - 1] if k > 0 else None

    return {"budget_percent": budget_percent, "control_threshold": cut(budget_percent),
            "audit_threshold": cut(2 * budget_percent)}


def train(records: Sequence[RiskRecord], params: TrainingParams | None = None,
          progress: Progress | None = None) -> RiskModel:
    """Train a model on the controlled items among ``records`` (items with ``fraud`` None
    are skipped). ValueError if there is nothing to learn from."""
    params = params or TrainingParams()
    say = progress or (lambda _message: None)
    labelled = [r for r in records if r.fraud is not None]
    if not labelled:
        raise ValueError("training needs controlled items (records with a fraud label)")
    metrics: dict[str, Any] = {}
    weight = params.revenue_weight
    if weight is None:
        weight, metrics["validation"] = _tune(labelled, params, say)
    fitted = _fit(labelled, params, say)
    fraud = sum(1 for r in labelled if r.fraud)
    metrics.update(
        rows=len(labelled), frauds=fraud, fraud_rate=fraud / len(labelled),
        trained_from=str(min(r.date for r in labelled)),
        trained_through=str(max(r.date for r in labelled)),
        params={k: v for k, v in asdict(params).items() if k != "features"},
    )
    return RiskModel(fitted.pipeline, fitted.texts,
                     PriorityPolicy(weight, fitted.revenue_scale), metrics)

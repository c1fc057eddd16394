"""The scoring model: fraud probability, expected revenue at risk, and why.

A :class:`RiskModel` is three gradient-boosted tree ensembles (LightGBM) over one feature
pipeline (:mod:`opencustoms.risk.features`):

- ``fraud`` — P(a control finds an irregularity), trained on every controlled item;
- ``fraud_by_value`` — the same question with each item weighted by the duty at stake
  (1 + duty / mean duty), so that the trees spend their splits where the money is;
- ``revenue`` — E[revenue recovered | irregularity], a regression of log(1 + recovered duty)
  on the items found irregular.

A :class:`Score` gives the probability (from ``fraud``), the expected revenue at risk
(``fraud_by_value`` × ``revenue``), the priority the selectivity policy ranks by
(:class:`~opencustoms.risk.selectivity.PriorityPolicy`) and the features that pushed the
probability most (LightGBM's per-feature contributions, in log-odds). Scoring uses one thread:
it runs inside web workers.

The model is a versioned artefact (:meth:`RiskModel.to_artefact`): metadata as JSON-ready data
(version, training metrics, feature pipeline, policy) and each ensemble as LightGBM model text.
Reading and writing the files is ``adapters/models``' job.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import lightgbm as lgb
import numpy as np
import numpy.typing as npt

from opencustoms.risk.features import FeaturePipeline
from opencustoms.risk.records import RiskRecord
from opencustoms.risk.selectivity import PriorityPolicy

BOOSTERS = ("fraud", "fraud_by_value", "revenue")
"""The ensembles of a model, by name (also the artefact's model file names)."""

ARTEFACT_FORMAT = 1
"""Version of the artefact layout; a model of another format is refused."""

Array = npt.NDArray[np.float64]


class ModelArtefactError(ValueError):
    """A model artefact is missing, corrupt or of an unknown format; the message says which
    part. Callers that can work without a model (lodgement) degrade instead of failing."""


@dataclass(frozen=True, slots=True)
class Contribution:
    """How much one feature moved the fraud log-odds of one item (LightGBM ``pred_contrib``)."""

    feature: str
    value: float


@dataclass(frozen=True, slots=True)
class Score:
    """The model's view of one goods item."""

    probability: float
    expected_revenue: float
    priority: float
    contributions: tuple[Contribution, ...] = ()


@dataclass(frozen=True, slots=True)
class Predictions:
    """Scores of many items as arrays (for evaluation and batch selection)."""

    probability: Array
    expected_revenue: Array
    priority: Array


@dataclass(frozen=True, slots=True)
class Explanation:
    """Every feature's contribution to the fraud log-odds: ``bias + Σ contributions`` is the
    raw score, and ``1 / (1 + exp(-raw))`` the probability."""

    bias: float
    contributions: tuple[Contribution, ...]

    @property
    def raw_score(self) -> float:
        return self.bias + sum(c.value for c in self.contributions)


@dataclass(frozen=True)
class ModelArtefact:
    """A model as data: JSON-ready metadata and the LightGBM model text of each ensemble."""

    metadata: Mapping[str, Any]
    boosters: Mapping[str, str]


@dataclass
class RiskModel:
    """A trained scoring model; build it with :func:`opencustoms.risk.training.train` or
    load it with :meth:`from_artefact`. ``texts`` are the ensembles' LightGBM model texts."""

    pipeline: FeaturePipeline
    texts: Mapping[str, str]
    policy: PriorityPolicy
    metrics: Mapping[str, Any] = field(default_factory=dict)
    version: str = ""
    top_contributions: int = 5
    boosters: dict[str, lgb.Booster] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.boosters = {}
        for name in BOOSTERS:
            text = self.texts.get(name)
            if text is None:
                raise ModelArtefactError(f"model lacks the ensemble {name!r}")
            try:
                booster = lgb.Booster(model_str=text)
            except lgb.basic.LightGBMError as error:
                raise ModelArtefactError(f"ensemble {name!r} is corrupt: {error}") from error
            if booster.num_feature() != len(self.pipeline.names):
                raise ModelArtefactError(
                    f"ensemble {name!r} expects {booster.num_feature()} features, the pipeline"
                    f" makes {len(self.pipeline.names)}")
            self.boosters[name] = booster
        expected = _version(self.texts, self.pipeline, self.metrics)
        if not self.version:
            self.version = expected
        elif self.version != expected:
            raise ModelArtefactError(f"model content does not match its version {self.version!r}")

    def _raw(self, matrix: Array) -> tuple[Array, Array]:
        probability = self.boosters["fraud"].predict(matrix, num_threads=1)
        weighted = self.boosters["fraud_by_value"].predict(matrix, num_threads=1)
        size = np.expm1(self.boosters["revenue"].predict(matrix, num_threads=1))
        return (np.asarray(probability, dtype=np.float64),
                np.asarray(weighted, dtype=np.float64) * np.maximum(size, 0.0))

    def predict(self, records: Sequence[RiskRecord]) -> Predictions:
        """Probability, expected revenue and priority of each record, as arrays."""
        probability, revenue = self._raw(self.pipeline.transform(records))
        return Predictions(probability, revenue, self.policy.priorities(probability, revenue))

    def score(self, record: RiskRecord, *, explain: bool = True) -> Score:
        """Score one goods item; with ``explain``, the top feature contributions too."""
        matrix = self.pipeline.transform((record,))
        probability, revenue = self._raw(matrix)
        p, r = float(probability[0]), float(revenue[0])
        top: tuple[Contribution, ...] = ()
        if explain:
            top = self._explanation(matrix).contributions[: self.top_contributions]
        return Score(p, r, self.policy.priority(p, r), top)

    def score_many(self, records: Sequence[RiskRecord], *, explain: bool = False) -> list[Score]:
        """Score many items; contributions only with ``explain`` (they cost more than scores)."""
        found = self.predict(records)
        scores = []
        for i, record in enumerate(records):
            top: tuple[Contribution, ...] = ()
            if explain:
                explanation = self._explanation(self.pipeline.transform((record,)))
                top = explanation.contributions[: self.top_contributions]
            scores.append(Score(float(found.probability[i]), float(found.expected_revenue[i]),
                                float(found.priority[i]), top))
        return scores

    def explain(self, record: RiskRecord) -> Explanation:
        """All contributions to the fraud log-odds of one item, strongest first."""
        return self._explanation(self.pipeline.transform((record,)))

    def _explanation(self, matrix: Array) -> Explanation:
        raw = self.boosters["fraud"].predict(matrix, pred_contrib=True, num_threads=1)
        values = np.asarray(raw, dtype=np.float64)[0]
        pairs = [Contribution(name, float(v))
                 for name, v in zip(self.pipeline.names, values[:-1], strict=True) if v != 0.0]
        pairs.sort(key=lambda c: (-abs(c.value), c.feature))
        return Explanation(float(values[-1]), tuple(pairs))

    def to_artefact(self) -> ModelArtefact:
        """The model as data, ready to be written by a model store."""
        metadata = {
            "format": ARTEFACT_FORMAT, "version": self.version, "metrics": dict(self.metrics),
            "policy": self.policy.to_dict(), "pipeline": self.pipeline.to_dict(),
            "top_contributions": self.top_contributions,
        }
        return ModelArtefact(metadata, {name: self.texts[name] for name in BOOSTERS})

    @classmethod
    def from_artefact(cls, artefact: ModelArtefact) -> RiskModel:
        """Rebuild a model; :class:`ModelArtefactError` names the part that is unusable."""
        meta = artefact.metadata
        if meta.get("format") != ARTEFACT_FORMAT:
            raise ModelArtefactError(f"unknown model format {meta.get('format')!r}")
        try:
            pipeline = FeaturePipeline.from_dict(meta["pipeline"])
            policy = PriorityPolicy.from_dict(meta["policy"])
            version, metrics = str(meta["version"]), dict(meta["metrics"])
            top = int(meta.get("top_contributions", 5))
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise ModelArtefactError(f"model metadata is malformed: {error!r}") from error
        return cls(pipeline, dict(artefact.boosters), policy, metrics, version, top)


def _version(texts: Mapping[str, str], pipeline: FeaturePipeline,
             metrics: Mapping[str, Any]) -> str:
    """A content hash, prefixed with the last training date when the metrics know it."""
    digest = hashlib.sha256()
    for name in BOOSTERS:
        digest.update(texts[name].encode())
    digest.update(json.dumps(pipeline.to_dict(), sort_keys=True).encode())
    through = str(metrics.get("trained_through", "")).replace("-", "")
    return f"{through}-{digest.hexdigest()[:12]}" if through else digest.hexdigest()[:12]


def sigmoid(raw: float) -> float:
    """Probability of a log-odds score."""
    return 1.0 / (1.0 + math.exp(-raw))

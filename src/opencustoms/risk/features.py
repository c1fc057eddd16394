"""The feature pipeline of the scoring model: one code path for training and for scoring.

A :class:`FeaturePipeline` is fitted once on the training history and then turns any
:class:`~opencustoms.risk.records.RiskRecord` into a row of floats, in this column order:

1. **categorical ids** — office, procedure, origin, HS chapter (HS2) and heading (HS4), … —
   each encoded by a fitted vocabulary as an integer for LightGBM's native categorical
   handling. Values seen fewer than ``min_count`` times in training, unseen values and missing
   values all share the reserved id :data:`UNSEEN` (0).
2. **historical fraud rates** per importer, declarant, commodity (HS6), origin, … — the share of
   controlled items found irregular, smoothed towards the overall rate (the *prior*) with
   ``smoothing`` pseudo-items: ``(frauds + prior · m) / (items + m)``. On training rows the rate
   is computed **out of fold** (K random folds with a fixed seed: a row's rate comes only from
   the other folds, so it never sees the row's own label); at scoring time it comes from the
   full training history.
3. **history counts** — how many training items share the key (label-free).
4. **value figures** — log value, ad valorem tax rate, log duty at stake, log net mass, log unit
   value (value / quantity), log value per kg, and how far the value per kg, the value and the
   tax rate lie from the median of the same commodity (HS6) and of the same origin and
   commodity in training: undervaluation and a wrong tariff line show up there.

Training and scoring differ only in which rate table feeds part 2 (the fold's, or the full
history's); everything else is the same function (:meth:`FeaturePipeline._row`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from opencustoms.risk.records import RiskRecord

UNSEEN = 0
"""Categorical id shared by unseen, rare and missing values."""

CATEGORICAL = (
    "office", "procedure", "payment", "transport_mode", "preference", "origin",
    "dispatch_country", "hs2", "hs4",
)
"""Record attributes encoded as native categoricals (jurisdiction ``categories`` are added)."""

RATES = ("importer", "declarant", "hs6", "origin", "seller", "origin_hs6")
"""Keys with an out-of-fold historical fraud rate and a history count."""

GROUPS = ("hs6", "origin_hs6")
"""Keys whose training medians of value per kg, value and tax rate the record is compared to."""

NUMERIC = ("log_value", "tax_rate", "log_duty", "log_net_mass", "log_unit_value",
           "log_value_per_kg")

_MEASURES = ("log_value_per_kg", "log_value", "tax_rate")

Matrix = npt.NDArray[np.float64]
RateTable = dict[str, tuple[float, int]]


@dataclass(frozen=True, slots=True)
class FeatureConfig:
    """How the pipeline is fitted: which keys, how rare a category may be, how rates smooth."""

    categorical: tuple[str, ...] = CATEGORICAL
    rates: tuple[str, ...] = RATES
    groups: tuple[str, ...] = GROUPS
    min_count: int = 5
    smoothing: float = 10.0
    folds: int = 5
    seed: int = 2020


def record_keys(record: RiskRecord) -> dict[str, str]:
    """The categorical keys of a record, by name; a missing value is the empty string."""
    hs = "".join(ch for ch in record.commodity_code if ch.isdigit())
    origin = record.origin or ""
    keys = {
        "importer": record.importer, "declarant": record.declarant, "office": record.office,
        "origin": origin, "dispatch_country": record.dispatch_country or "",
        "seller": record.seller or "", "procedure": record.procedure or "",
        "transport_mode": record.transport_mode or "", "payment": record.payment or "",
        "preference": record.preference or "", "hs2": hs[:2], "hs4": hs[:4], "hs6": hs[:6],
        "origin_hs6": f"{origin}|{hs[:6]}", "importer_hs6": f"{record.importer}|{hs[:6]}",
    }
    for name, value in record.categories:
        keys[f"category:{name}"] = value
    return keys


def _log1p(value: float) -> float:
    return math.log1p(value) if value > 0 else 0.0


def record_measures(record: RiskRecord) -> dict[str, float]:
    """The value figures of a record as floats (NaN when a figure is unknown)."""
    value = float(record.value)
    mass = float(record.net_mass) if record.net_mass is not None else math.nan
    quantity = float(record.quantity) if record.quantity is not None else math.nan
    return {
        "log_value": _log1p(value),
        "tax_rate": float(record.tax_rate) if record.tax_rate is not None else math.nan,
        "log_duty": _log1p(float(record.duty_amount)),
        "log_net_mass": _log1p(mass) if mass == mass else math.nan,
        "log_unit_value": _log1p(value / quantity) if quantity > 0 else math.nan,
        "log_value_per_kg": _log1p(value / mass) if mass > 0 else math.nan,
    }


@dataclass(frozen=True)
class FeaturePipeline:
    """A fitted feature pipeline: vocabularies, rate tables and medians from the training
    history. Build it with :func:`fit_features`; turn records into rows with
    :meth:`transform`."""

    config: FeatureConfig
    categorical: tuple[str, ...]
    vocabularies: Mapping[str, Mapping[str, int]]
    rates: Mapping[str, RateTable]
    prior: float
    medians: Mapping[str, Mapping[str, float]]
    names: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        names = (
            [f"cat:{c}" for c in self.categorical]
            + [f"rate:{k}" for k in self.config.rates]
            + [f"count:{k}" for k in self.config.rates]
            + list(NUMERIC)
            + [f"dev:{m}:{g}" for g in self.config.groups for m in _MEASURES]
        )
        object.__setattr__(self, "names", tuple(names))

    @property
    def categorical_indices(self) -> list[int]:
        """Column indices LightGBM treats as categorical."""
        return list(range(len(self.categorical)))

    def transform(self, records: Sequence[RiskRecord]) -> Matrix:
        """Feature rows for scoring: historical rates from the full training history."""
        matrix = np.empty((len(records), len(self.names)), dtype=np.float64)
        for i, record in enumerate(records):
            matrix[i] = self._row(record, self.rates, self.prior)
        return matrix

    def _row(self, record: RiskRecord, rates: Mapping[str, RateTable],
             prior: float) -> list[float]:
        keys = record_keys(record)
        measures = record_measures(record)
        m = self.config.smoothing
        row: list[float] = [float(self.vocabularies[c].get(keys.get(c, ""), UNSEEN))
                            for c in self.categorical]
        history = [rates[k].get(keys[k], (0.0, 0)) for k in self.config.rates]
        row.extend((frauds + prior * m) / (items + m) for frauds, items in history)
        row.extend(float(self.rates[k].get(keys[k], (0.0, 0))[1]) for k in self.config.rates)
        row.extend(measures[n] for n in NUMERIC)
        for group in self.config.groups:
            for measure in _MEASURES:
                median = self.medians[f"{measure}:{group}"].get(keys[group], math.nan)
                row.append(measures[measure] - median)
        return row

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable form (the model artefact stores it)."""
        vocab = {c: sorted(v, key=v.__getitem__) for c, v in self.vocabularies.items()}
        return {
            "config": {
                "categorical": list(self.config.categorical), "rates": list(self.config.rates),
                "groups": list(self.config.groups), "min_count": self.config.min_count,
                "smoothing": self.config.smoothing, "folds": self.config.folds,
                "seed": self.config.seed,
            },
            "categorical": list(self.categorical),
            "vocabularies": vocab,
            "rates": {k: {key: [s, n] for key, (s, n) in t.items()} for k, t in self.rates.items()},
            "prior": self.prior,
            "medians": {k: dict(v) for k, v in self.medians.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FeaturePipeline:
        """The pipeline :meth:`to_dict` described; KeyError/TypeError/ValueError if malformed."""
        c = data["config"]
        config = FeatureConfig(
            categorical=tuple(c["categorical"]), rates=tuple(c["rates"]),
            groups=tuple(c["groups"]), min_count=int(c["min_count"]),
            smoothing=float(c["smoothing"]), folds=int(c["folds"]), seed=int(c["seed"]),
        )
        return cls(
            config=config,
            categorical=tuple(str(x) for x in data["categorical"]),
            vocabularies={name: {str(v): i + 1 for i, v in enumerate(values)}
                          for name, values in data["vocabularies"].items()},
            rates={k: {key: (float(s), int(n)) for key, (s, n) in t.items()}
                   for k, t in data["rates"].items()},
            prior=float(data["prior"]),
            medians={k: {key: float(v) for key, v in t.items()}
                     for k, t in data["medians"].items()},
        )


def _rate_table(keys: Iterable[str], labels: Iterable[float]) -> RateTable:
    table: dict[str, tuple[float, int]] = {}
    for key, label in zip(keys, labels, strict=True):
        frauds, items = table.get(key, (0.0, 0))
        table[key] = (frauds + label, items + 1)
    return table


def _vocabulary(values: Sequence[str], min_count: int) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    kept = sorted(v for v, n in counts.items() if n >= min_count)
    return {value: i + 1 for i, value in enumerate(kept)}


def _medians(keys: Sequence[str], values: Sequence[float]) -> dict[str, float]:
    groups: dict[str, list[float]] = {}
    for key, value in zip(keys, values, strict=True):
        if value == value:  # not NaN
            groups.setdefault(key, []).append(value)
    return {key: float(np.median(vs)) for key, vs in groups.items()}


def fold_ids(rows: int, folds: int, seed: int) -> npt.NDArray[np.int64]:
    """Balanced random fold of each training row (fixed seed, so training is reproducible)."""
    order = np.random.default_rng(seed).permutation(rows)
    ids = np.empty(rows, dtype=np.int64)
    ids[order] = np.arange(rows) % folds
    return ids


def fit_features(
    records: Sequence[RiskRecord], labels: Sequence[float] | npt.NDArray[np.float64],
    config: FeatureConfig | None = None,
) -> tuple[FeaturePipeline, Matrix]:
    """Fit the pipeline on labelled training records; return it with the training matrix,
    whose historical-rate columns are computed out of fold."""
    config = config or FeatureConfig()
    if len(records) != len(labels) or not records:
        raise ValueError("training needs at least one record and one label per record")
    y = np.asarray(labels, dtype=np.float64)
    keys = [record_keys(r) for r in records]
    measures = [record_measures(r) for r in records]
    extra = sorted({k for ks in keys for k in ks if k.startswith("category:")})
    categorical = tuple(config.categorical) + tuple(extra)
    vocabularies = {c: _vocabulary([ks.get(c, "") for ks in keys], config.min_count)
                    for c in categorical}
    rates = {k: _rate_table((ks[k] for ks in keys), y) for k in config.rates}
    medians = {f"{m}:{g}": _medians([ks[g] for ks in keys], [ms[m] for ms in measures])
               for g in config.groups for m in _MEASURES}
    pipeline = FeaturePipeline(config, categorical, vocabularies, rates, float(y.mean()), medians)

    folds = fold_ids(len(records), config.folds, config.seed)
    matrix = np.empty((len(records), len(pipeline.names)), dtype=np.float64)
    for fold in range(config.folds):
        outside = np.flatnonzero(folds != fold)
        inside = np.flatnonzero(folds == fold)
        if not len(inside):
            continue
        fold_rates = {k: _rate_table((keys[i][k] for i in outside.tolist()), y[outside])
                      for k in config.rates}
        fold_prior = float(y[outside].mean()) if len(outside) else pipeline.prior
        for i in inside.tolist():
            matrix[i] = pipeline._row(records[i], fold_rates, fold_prior)
    return pipeline, matrix

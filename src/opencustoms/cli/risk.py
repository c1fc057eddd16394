"""``opencustoms risk evaluate|train|report``: train the scoring model, measure it.

``risk evaluate --train FILE [FILE…] --test FILE`` trains on the training files, scores the
test file and prints one JSON object: precision, recall and revenue at 1, 2, 5 and 10 % of the
items ranked by the selectivity priority, the AUC of the fraud probability, the number of rows
and of frauds, and the model version. ``risk train --train FILE [FILE…]`` trains and stores the
model (``<data dir>/models``, or ``--models DIR``) and puts it in service.

``risk train --from-db [--months N]`` retrains from the stored declarations and their control
results (the feedback loop): it holds out the newest month with control results, trains on the
``N`` months before it (all when not given), reports the model on the held-out month with the
drift of its scores (:mod:`opencustoms.risk.report`), keeps the report in the model's metrics,
puts the model in service and prints the report as one JSON object. ``risk report`` prints the
report of the model in service.

Input files are in the KCS declarations layout (``adapters/formats/kcs.py``). Progress goes to
standard error; bad input (missing file, missing column, non-numeric value) ends with exit
status 2 and a message naming the file and line.

``add_parser(subparsers)`` registers the ``risk`` command on the main parser and returns the
``risk`` sub-command group, so that other risk commands can join it.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from opencustoms.adapters.db.engine import make_engine
from opencustoms.adapters.db.risk_history import read_history
from opencustoms.adapters.formats.kcs import KcsFormatError, read_kcs_csv
from opencustoms.adapters.models.store import ModelStore
from opencustoms.risk.evaluation import PERCENTS, evaluate
from opencustoms.risk.model import ModelArtefactError, RiskModel
from opencustoms.risk.records import RiskRecord
from opencustoms.risk.report import HistorySplit, ModelReport, model_report, split_history
from opencustoms.risk.selectivity import OBJECTIVES
from opencustoms.risk.training import TrainingParams, train
from opencustoms.settings import Settings


def _say(message: str) -> None:
    print(f"risk: {message}", file=sys.stderr, flush=True)


def _read(paths: Sequence[str]) -> list[RiskRecord]:
    records: list[RiskRecord] = []
    for name in paths:
        path = Path(name)
        if not path.is_file():
            raise KcsFormatError(f"{name}: no such file")
        before = len(records)
        records.extend(read_kcs_csv(path))
        _say(f"read {len(records) - before} items from {name}")
    return records


def _params(args: argparse.Namespace) -> TrainingParams:
    defaults = TrainingParams()
    return TrainingParams(
        rounds=args.rounds or defaults.rounds,
        revenue_rounds=args.rounds or defaults.revenue_rounds,
        seed=args.seed, threads=args.threads, revenue_weight=args.revenue_weight,
        objective=args.objective, budget_percent=args.budget,
    )


def _train(args: argparse.Namespace, records: Sequence[RiskRecord]) -> RiskModel:
    started = time.perf_counter()
    model = train(records, _params(args), progress=_say)
    _say(f"trained model {model.version} in {time.perf_counter() - started:.1f} s; revenue "
         f"weight {model.policy.revenue_weight:.4g}")
    return model


def evaluation_summary(model: RiskModel, records: Sequence[RiskRecord]) -> dict[str, Any]:
    """The ``risk evaluate`` JSON object for a trained model and labelled test records."""
    unlabelled = sum(1 for r in records if r.fraud is None)
    if unlabelled:
        raise ValueError(f"{unlabelled} test items have no control outcome (fraud label)")
    found = model.predict(records)
    report = evaluate(found.priority, [bool(r.fraud) for r in records],
                      [float(r.recovered) for r in records],
                      [r.declaration_id for r in records], PERCENTS, scores=found.probability)
    return {**report.as_dict(), "model_version": model.version}


def evaluate_command(args: argparse.Namespace, settings: object = None) -> int:
    """Handler of ``risk evaluate``."""
    try:
        history = _read(args.train)
        test = _read([args.test])
        model = _train(args, history)
        summary = evaluation_summary(model, test)
    except (KcsFormatError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(json.dumps(summary))
    return 0


@dataclass(frozen=True)
class Retrained:
    """A model retrained from stored history, its report and where it is stored."""

    model: RiskModel
    report: ModelReport
    split: HistorySplit
    directory: Path


def train_from_database(settings: Settings, params: TrainingParams, *,
                        months: int | None = None, models: Path | None = None,
                        progress: Callable[[str], None] = _say) -> Retrained:
    """Retrain from the stored declarations and control results, report the model on the
    held-out newest month, store it (report in its metrics) and put it in service.
    ValueError when the history has nothing to learn from."""
    engine = make_engine(settings.database_url)
    try:
        records = list(read_history(engine))
    finally:
        engine.dispose()
    split = split_history(records, months)
    labelled = split.labelled_training
    progress(f"{len(records)} stored items; training on {len(labelled)} controlled items "
             f"before {split.month}, reporting on {len(split.labelled_newest)} of {split.month}")
    started = time.perf_counter()
    model = train(labelled, params, progress=progress)
    report = model_report(model, split)
    model = replace(model, metrics={**model.metrics, "report": report.as_dict()})
    directory = ModelStore(models or settings.models_dir).save(model)
    progress(f"model {model.version} trained and reported in "
             f"{time.perf_counter() - started:.1f} s, in service from {directory}")
    return Retrained(model, report, split, directory)


def _settings(settings: object) -> Settings:
    return settings if isinstance(settings, Settings) else Settings.from_env()


def train_command(args: argparse.Namespace, settings: object = None) -> int:
    """Handler of ``risk train``: train on the files (or on the stored history with
    ``--from-db``), store the model and put it in service."""
    root = Path(args.models) if args.models else _models_dir(settings)
    if args.from_db:
        try:
            retrained = train_from_database(_settings(settings), _params(args),
                                            months=args.months, models=root)
        except (ValueError, ModelArtefactError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        print(json.dumps(retrained.model.metrics["report"]))
        return 0
    try:
        model = _train(args, _read(args.train))
        directory = ModelStore(root).save(model)
    except (KcsFormatError, ValueError, ModelArtefactError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    validation = model.metrics.get("validation", {})
    data = {"model_version": model.version, "directory": str(directory),
            "rows": model.metrics["rows"], "frauds": model.metrics["frauds"],
            "revenue_weight": model.policy.revenue_weight, "validation": validation}
    if getattr(args, "json", False):
        print(json.dumps(data))
    else:
        at5 = (f"; newest quarter at 5 %: precision {validation['precision_at_5']:.3f}, "
               f"revenue {validation['revenue_at_5']:.3f}") if "precision_at_5" in validation \
            else ""
        print(f"model {model.version} trained on {data['rows']} items, in service from "
              f"{directory}{at5}")
    return 0


def report_command(args: argparse.Namespace, settings: object = None) -> int:
    """Handler of ``risk report``: the report of the model in service, as one JSON object."""
    root = Path(args.models) if args.models else _models_dir(settings)
    try:
        model = ModelStore(root).load()
    except ModelArtefactError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    report = model.metrics.get("report")
    if report is None:
        print(f"error: model {model.version} has no report: it was trained from files; "
              "retrain it with 'opencustoms risk train --from-db'", file=sys.stderr)
        return 2
    print(json.dumps(report))
    return 0


def _models_dir(settings: object) -> Path:
    data_dir = getattr(settings, "data_dir", None)
    return (Path(data_dir) if data_dir is not None else Path("var")) / "models"


def _common(parser: argparse.ArgumentParser, *, files_required: bool = True) -> None:
    if files_required:
        parser.add_argument("--train", nargs="+", required=True, metavar="FILE",
                            help="labelled history, KCS declarations CSV")
    else:
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--train", nargs="+", metavar="FILE",
                            help="labelled history, KCS declarations CSV")
        source.add_argument("--from-db", action="store_true",
                            help="learn from the stored declarations and control results")
    parser.add_argument("--revenue-weight", type=float, default=None,
                        help="fix the priority's revenue weight (default: tuned on the newest"
                             " quarter of the training history)")
    parser.add_argument("--objective", choices=OBJECTIVES, default="dominate",
                        help="when no weight dominates the value baselines on the newest "
                             "quarter: keep their revenue and take the most precise weight "
                             "(dominate, default) or keep precision >= 0.90 (target)")
    parser.add_argument("--budget", type=float, default=5.0,
                        help="inspection budget the policy is tuned for, in %% (default 5)")
    parser.add_argument("--rounds", type=int, default=None,
                        help="boosting rounds (default 300; fewer for a quick run)")
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--threads", type=int, default=2, help="training threads (default 2)")


def add_parser(subparsers: Any) -> Any:
    """Register ``risk evaluate``, ``risk train`` and ``risk report``; return the ``risk``
    sub-command group."""
    risk = subparsers.add_parser("risk", help="risk scoring model")
    group = risk.add_subparsers(dest="risk_command", required=True)
    ev = group.add_parser("evaluate", help="train on history files, score a test file, "
                                          "print the metrics as JSON")
    _common(ev)
    ev.add_argument("--test", required=True, metavar="FILE", help="labelled test file")
    ev.set_defaults(handler=evaluate_command)
    tr = group.add_parser("train", help="train on history files or on the stored history "
                                        "and put the model in service")
    _common(tr, files_required=False)
    tr.add_argument("--months", type=_positive, default=None,
                    help="with --from-db: calendar months of history before the held-out "
                         "newest month to learn from (default: all)")
    tr.add_argument("--models", help="model store folder (default: <data dir>/models)")
    tr.set_defaults(handler=train_command)
    rp = group.add_parser("report", help="print the report of the model in service as JSON")
    rp.add_argument("--models", help="model store folder (default: <data dir>/models)")
    rp.set_defaults(handler=report_command)
    return group


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """Run the risk commands on their own (``python -m opencustoms.cli.risk``)."""
    parser = argparse.ArgumentParser(prog="opencustoms")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    code: int = args.handler(args, None)
    return code


if __name__ == "__main__":
    sys.exit(main())

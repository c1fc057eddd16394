"""``opencustoms demo seed``: a year of simulated history, a trained model and demo profiles.

``make run`` calls it on a fresh data directory so that the first server already scores with
a model and selects with profiles (issue 4, item 9). It prepares the data directory, registers
the simulated importers, lodges the simulated declarations of the 12 full calendar months before
today through the lodgement service (:mod:`opencustoms.services.simulator`), stores the
simulated officers' control results, retrains from the database exactly as
``opencustoms risk train --from-db`` does, and creates the demo risk profiles when there are
none. When control results are already stored it does nothing, unless ``--force``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from datetime import date
from typing import Any

import opencustoms.bootstrap as bootstrap
from opencustoms.adapters.db.engine import make_engine
from opencustoms.adapters.db.risk_history import control_result_count, record_control_results
from opencustoms.adapters.formats.declaration_json import submission
from opencustoms.cli.risk import train_from_database
from opencustoms.domain.control import ControlResult
from opencustoms.domain.parties import PartyId
from opencustoms.risk.training import TrainingParams
from opencustoms.services.demo_profiles import create_demo_profiles
from opencustoms.services.simulator import (
    TrafficConfig,
    register_importers,
    seed_history,
    simulate,
)
from opencustoms.settings import Settings

ANALYST = PartyId("XX900000000002")
MAX_SEED = 10**8  # keeps the simulated LRNs within 22 characters


def _say(message: str) -> None:
    print(f"demo: {message}", file=sys.stderr, flush=True)


def seed(settings: Settings, *, declarations: int, seed_value: int, months: int = 12,
         force: bool = False, today: date | None = None) -> dict[str, Any]:
    """Seed the data directory (see the module docstring); the summary as JSON values.
    ``today`` (default: the clock's) ends the simulated period with the month before it."""
    bootstrap.prepare(settings)
    engine = make_engine(settings.database_url)
    container = bootstrap.build(settings)
    try:
        if control_result_count(engine) and not force:
            return {"seeded": False, "reason": "control results are already stored"}
        ctx = container.services
        now = ctx.clock.now()
        config = TrafficConfig.past_months(today or now.date(), months,
                                           declarations=declarations, seed=seed_value)
        created = register_importers(ctx, container.reference.jurisdiction.currency)
        _say(f"lodging {declarations} declarations from {config.start} to {config.end}")
        started = time.perf_counter()

        def record(results: Sequence[ControlResult]) -> int:
            return record_control_results(engine, results)

        report = seed_history(ctx, simulate(config), submit=submission, record=record, now=now)
        report.parties_created = created
        lodged = time.perf_counter() - started
        _say(f"{report.declarations} declarations, {report.controlled} controlled, "
             f"{report.irregular} irregular, in {lodged:.1f} s")
        # one thread: OpenMP threads spin and crawl when the cores are shared (make run, CI)
        retrained = train_from_database(settings, TrainingParams(threads=1), progress=_say)
        with ctx.reader() as uow:
            analyst = uow.parties.get(ANALYST)
        profiles = [] if analyst is None else create_demo_profiles(ctx, analyst)
    finally:
        container.close()
        engine.dispose()
    return {"seeded": True, **report.as_dict(), "from": str(config.start),
            "to": str(config.end), "lodging_seconds": round(lodged, 1),
            "seconds": round(time.perf_counter() - started, 1),
            "model_version": retrained.model.version, "report": retrained.report.as_dict(),
            "profiles_created": profiles}


def seed_command(args: argparse.Namespace, settings: Settings) -> int:
    """Handler of ``demo seed``."""
    summary = seed(settings, declarations=args.declarations, seed_value=args.seed,
                   months=args.months, force=args.force)
    if args.json:
        print(json.dumps(summary))
    elif not summary["seeded"]:
        print(f"demo history already present ({summary['reason']}); nothing done")
    else:
        report = summary["report"]
        print(f"seeded {summary['declarations']} declarations ({summary['controlled']} "
              f"controlled, {summary['irregular']} irregular) in {summary['seconds']} s; model "
              f"{summary['model_version']} in service (AUC {report['auc']} on "
              f"{report['month']}); {len(summary['profiles_created'])} demo profiles created")
    return 0


def _count(text: str) -> int:
    value = int(text)
    if not 0 < value <= 1_000_000:
        raise argparse.ArgumentTypeError(f"must be from 1 to 1000000, not {value}")
    return value


def _seed(text: str) -> int:
    value = int(text)
    if not 0 <= value < MAX_SEED:
        raise argparse.ArgumentTypeError(f"must be from 0 to {MAX_SEED - 1}, not {value}")
    return value


def add_parser(subparsers: Any) -> None:
    """Register ``demo seed``."""
    demo = subparsers.add_parser("demo", help="demo data")
    group = demo.add_subparsers(dest="demo_command", required=True)
    seed_parser = group.add_parser("seed", help="simulate a year of declarations with control "
                                                "results, train the model, create profiles")
    seed_parser.add_argument("--declarations", type=_count, default=4000,
                             help="declarations to simulate (default 4000)")
    seed_parser.add_argument("--seed", type=_seed, default=2026,
                             help="random seed: the same seed gives the same history")
    seed_parser.add_argument("--months", type=_count, default=12,
                             help="full calendar months of history before today (default 12)")
    seed_parser.add_argument("--force", action="store_true",
                             help="seed even when control results are already stored")
    seed_parser.set_defaults(handler=seed_command)

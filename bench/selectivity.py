"""What the rules engine and the model score add to a lodgement, in process (issue 4, item 8).

``.venv/bin/python bench/selectivity.py`` seeds a temporary data directory exactly as
``opencustoms demo seed`` does (simulated history, a model trained from it and put in service,
the 3 demo risk profiles; ``opencustoms.cli.demo.seed``), wires the services with
``bootstrap.build`` and takes the contents and assessments of lodged declarations from the
store. It times ``opencustoms.services.selectivity.select`` on each of them, as lodgement calls
it (the declarant itself as actor, today's date), in three configurations:

- ``baseline``: no profiles, no model — the policy's random draw alone;
- ``profiles``: the 3 demo profiles through the real profile cache;
- ``profiles + model``: the profiles and the model in service (``StoredModel``): every goods
  item scored (LightGBM with one thread, as ``risk.model`` always scores), the top
  contributions explained when the declaration is not green.

Each configuration is warmed up on every declaration, then the run makes several rounds; within
a round the configurations alternate in chunks of declarations, in a rotating order, so all
three see the same machine noise. It reports per configuration the median, p90 and mean time
per declaration and per goods item over every measured call, and the extra time over the
baseline. For scale it also times a few full in-process lodgements
(``services.lodgement.lodge``, fresh LRNs, with profiles and model) on the same store. The
result goes to ``bench/results/selectivity.json`` and the ``selectivity`` section of
``BENCHMARKS.md``; ``--quick`` writes ``bench/results/selectivity-quick.json`` only. Timings are
never asserted.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from common import machine, package_version, peak_rss_mb, write_section

import opencustoms.bootstrap as bootstrap
from opencustoms.adapters.formats.declaration_json import submission
from opencustoms.cli.demo import seed
from opencustoms.domain.assessment import Assessment
from opencustoms.domain.declaration import DeclarationContent
from opencustoms.domain.parties import Party
from opencustoms.services.context import ServiceContext
from opencustoms.services.lodgement import lodge
from opencustoms.services.ports import DeclarationQuery
from opencustoms.services.selectivity import select
from opencustoms.settings import Settings

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
RESULTS = BENCH_DIR / "results"
BENCHMARKS_MD = REPO / "BENCHMARKS.md"
BEGIN, END = "<!-- selectivity:begin -->", "<!-- selectivity:end -->"
CONFIGS = ("baseline", "profiles", "profiles + model")
LABELS = {"baseline": "baseline: policy draw only (no profiles, no model)",
          "profiles": "3 demo profiles",
          "profiles + model": "3 demo profiles + model"}


@dataclass(frozen=True, slots=True)
class Case:
    """One lodged declaration as ``select`` sees it at lodgement."""

    content: DeclarationContent
    assessment: Assessment | None
    actor: Party


def cases(services: ServiceContext, count: int) -> list[Case]:
    """The ``count`` latest lodged declarations, each with its declarant as the actor."""
    with services.reader() as uow:
        declarations = uow.declarations.list(DeclarationQuery(limit=count))
        found = []
        for declaration in declarations:
            actor = uow.parties.get(declaration.content.declarant)
            if actor is None:
                raise SystemExit(f"declarant {declaration.content.declarant} is not stored")
            found.append(Case(declaration.content, declaration.assessment, actor))
    if len(found) < count:
        raise SystemExit(f"only {len(found)} declarations stored, {count} wanted")
    return found


def configurations(services: ServiceContext) -> dict[str, ServiceContext]:
    if services.model is None or services.model.current() is None:
        raise SystemExit("no model in service after seeding")
    if len(services.profiles()) != 3:
        raise SystemExit(f"{len(services.profiles())} profiles, the 3 demo ones expected")
    return {"baseline": replace(services, profiles=tuple, model=None),
            "profiles": replace(services, model=None),
            "profiles + model": services}


def measure(configs: dict[str, ServiceContext], chosen: list[Case], on: date,
            options: argparse.Namespace) -> tuple[dict[str, list[float]], dict[str, Counter[str]]]:
    """Seconds per ``select`` call of each configuration over every round, and channels."""
    times: dict[str, list[float]] = {name: [] for name in configs}
    channels: dict[str, Counter[str]] = {name: Counter() for name in configs}
    for ctx in configs.values():  # warm-up: caches, LightGBM, first-call costs
        for case in chosen:
            select(ctx, case.content, case.assessment, on, case.actor)
    names = list(configs)
    for r in range(options.rounds):
        for n, start in enumerate(range(0, len(chosen), options.chunk)):
            shift = (r + n) % len(names)
            for name in names[shift:] + names[:shift]:
                ctx = configs[name]
                for case in chosen[start:start + options.chunk]:
                    began = time.perf_counter()
                    decision = select(ctx, case.content, case.assessment, on, case.actor)
                    times[name].append(time.perf_counter() - began)
                    channels[name][decision.channel.value] += 1
        print(f"round {r + 1}: " + ", ".join(
            f"{name} median {statistics.median(times[name]) * 1e6:.0f} µs" for name in names),
            file=sys.stderr)
    return times, channels


def lodgements(services: ServiceContext, chosen: list[Case], count: int) -> list[float]:
    """Seconds of ``count`` full in-process lodgements (fresh LRNs), profiles and model on."""
    seconds = []
    for n in range(count):
        case = chosen[n % len(chosen)]
        with services.reader() as uow:
            found = uow.declarations.find_by_lrn(case.content.declarant, case.content.lrn)
            if found is None:
                raise SystemExit(f"{case.content.lrn} not found")
            document = dict(uow.declarations.versions(found[0].mrn)[0][2])
        document["lrn"] = f"BENCH-SEL-{n:06d}"
        sub = submission(document)
        began = time.perf_counter()
        result = lodge(services, sub, case.actor)
        seconds.append(time.perf_counter() - began)
        if not result.created:
            raise SystemExit(f"lodgement {document['lrn']} was a replay")
    return seconds


def summary(values: list[float]) -> dict[str, float]:
    """Median, p90 and mean, in microseconds."""
    us = sorted(v * 1e6 for v in values)
    return {"median_us": statistics.median(us),
            "p90_us": us[min(len(us) - 1, int(0.9 * len(us)))],
            "mean_us": statistics.fmean(us)}


def run(options: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="oc-bench-selectivity-") as folder:
        data = Path(folder)
        settings = Settings(data_dir=data, database_url=f"sqlite:///{data / 'opencustoms.db'}")
        seeded = seed(settings, declarations=options.declarations, seed_value=options.seed,
                      months=options.months)
        container = bootstrap.build(settings)
        try:
            services = container.services
            configs = configurations(services)
            chosen = cases(services, options.count)
            on = services.clock.now().date()  # the profiles are valid from today
            times, channels = measure(configs, chosen, on, options)
            lodged = lodgements(services, chosen, options.lodgements)
            model = services.model.current() if services.model else None
            version = None if model is None else model.version
        finally:
            container.close()
    items = [len(case.content.items) for case in chosen]
    per_item = {name: [t / items[i % len(chosen)] for i, t in enumerate(values)]
                for name, values in times.items()}
    scenarios: dict[str, Any] = {}
    for name in CONFIGS:
        declaration = summary(times[name])
        scenarios[name] = {"label": LABELS[name], "per_declaration": declaration,
                           "per_item": summary(per_item[name]),
                           "channels": dict(channels[name]), "calls": len(times[name])}
    base = scenarios["baseline"]["per_declaration"]
    for name in CONFIGS[1:]:
        own = scenarios[name]["per_declaration"]
        scenarios[name]["extra_ms"] = {
            key.replace("_us", ""): (own[key] - base[key]) / 1000 for key in own}
    lodge_ms = sorted(s * 1000 for s in lodged)
    return {
        "benchmark": "selectivity", "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(), "machine": machine(),
        "versions": {"opencustoms": package_version("opencustoms"),
                     "lightgbm": package_version("lightgbm")},
        "parameters": {"seeded_declarations": options.declarations, "seed": options.seed,
                       "months": options.months, "declarations": options.count,
                       "goods_items": sum(items), "rounds": options.rounds,
                       "chunk": options.chunk, "lodgements": options.lodgements,
                       "selection_date": on.isoformat(), "model_version": version,
                       "profiles": seeded.get("profiles_created", []),
                       "model_auc": seeded.get("report", {}).get("auc")},
        "scenarios": scenarios,
        "lodgement": {"median_ms": statistics.median(lodge_ms),
                      "p90_ms": lodge_ms[min(len(lodge_ms) - 1, int(0.9 * len(lodge_ms)))],
                      "count": len(lodge_ms)},
        "peak_rss_mb": peak_rss_mb(),
    }


def markdown_section(result: dict[str, Any]) -> str:
    p, s, m = result["parameters"], result["scenarios"], result["machine"]
    rows = ["| configuration | median µs / declaration | p90 µs | mean µs | median µs / item "
            "| extra ms over baseline (median / p90 / mean) | channels (green/yellow/red/blue) |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name in CONFIGS:
        d, i, c = s[name]["per_declaration"], s[name]["per_item"], s[name]["channels"]
        extra = s[name].get("extra_ms")
        extra_text = "–" if extra is None else (
            f"{extra['median']:.2f} / {extra['p90']:.2f} / {extra['mean']:.2f}")
        rows.append(f"| {s[name]['label']} | {d['median_us']:.0f} | {d['p90_us']:.0f} | "
                    f"{d['mean_us']:.0f} | {i['median_us']:.0f} | {extra_text} | "
                    + "/".join(str(c.get(k, 0)) for k in ("green", "yellow", "red", "blue"))
                    + " |")
    full = s["profiles + model"]["extra_ms"]
    mixed = s["profiles + model"]["channels"]
    explained = 1 - mixed.get("green", 0) / sum(mixed.values())
    lodge_ms = result["lodgement"]["median_ms"]
    return "\n".join([
        BEGIN,
        "## Selectivity: rules engine and model score (`bench/selectivity.py`)",
        "",
        f"Measured {result['date']} on {m['cpu']} ({m['cpus']} CPUs), Python "
        f"{result['python']}, LightGBM {result['versions']['lightgbm']}, in one process. A "
        f"temporary data directory seeded as `opencustoms demo seed` does "
        f"({p['seeded_declarations']} simulated declarations over {p['months']} months, seed "
        f"{p['seed']}; model {p['model_version']} trained from them, AUC "
        f"{p['model_auc']:.2f} on its report month; the 3 demo profiles), services from "
        f"`bootstrap.build`. `select()` runs as lodgement calls it (declarant as actor, today's "
        f"date) on the contents and assessments of {p['declarations']} stored declarations "
        f"({p['goods_items']} goods items), in three configurations of the same services: "
        f"{p['rounds']} rounds after one warm-up pass, the configurations alternating in "
        f"chunks of {p['chunk']} declarations in a rotating order so all see the same machine "
        f"noise; statistics over every measured call. The model scores every goods item with "
        f"one thread; the top contributions (LightGBM `pred_contrib`, a few ms) are computed "
        f"only for declarations not selected green (by profile, score or random draw), "
        f"{explained:.0%} of them here, which is why its mean and p90 sit well above its "
        f"median and move between runs. The policy's random draw is part of every configuration.",
        "",
        *rows,
        "",
        f"Issue 4, item 8 asks that rules engine and model score add at most a few "
        f"milliseconds to a lodgement: together they add {full['median']:.2f} ms at the "
        f"median and {full['p90']:.2f} ms at p90 per declaration, against "
        f"{lodge_ms:.1f} ms for a whole in-process lodgement with both on (median of "
        f"{result['lodgement']['count']}, fresh LRNs, SQLite). Run it with "
        f"`.venv/bin/python bench/selectivity.py` (under a minute; `--quick` writes "
        f"`selectivity-quick.json` only). Raw numbers: `bench/results/selectivity.json`.",
        END,
    ])


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--declarations", type=int, default=600,
                        help="simulated declarations to seed (default 600)")
    parser.add_argument("--months", type=int, default=3, help="months of history (default 3)")
    parser.add_argument("--seed", type=int, default=7, help="simulation seed (default 7)")
    parser.add_argument("--count", type=int, default=200,
                        help="stored declarations to select (default 200)")
    parser.add_argument("--rounds", type=int, default=None, help="rounds (default 5)")
    parser.add_argument("--chunk", type=int, default=20,
                        help="declarations per alternating chunk (default 20)")
    parser.add_argument("--lodgements", type=int, default=None,
                        help="full lodgements timed for scale (default 50)")
    parser.add_argument("--quick", action="store_true",
                        help="short run (1 round, 10 lodgements); writes selectivity-quick.json")
    options = parser.parse_args(argv)
    options.rounds = options.rounds or (1 if options.quick else 5)
    options.lodgements = options.lodgements or (10 if options.quick else 50)
    return options


def main(argv: list[str] | None = None) -> None:
    options = parse_args(argv)
    result = run(options)
    RESULTS.mkdir(exist_ok=True)
    name = "selectivity-quick.json" if options.quick else "selectivity.json"
    (RESULTS / name).write_text(json.dumps(result, indent=2) + "\n")
    if not options.quick:
        write_section(BENCHMARKS_MD, BEGIN, END, markdown_section(result))
    s = result["scenarios"]
    print(", ".join(f"{n}: median {s[n]['per_declaration']['median_us']:.0f} µs"
                    for n in CONFIGS)
          + f"; lodgement median {result['lodgement']['median_ms']:.1f} ms -> "
          f"bench/results/{name}")


if __name__ == "__main__":
    main()

"""Two server configurations side by side, in the same run: which one lodges faster?

``.venv/bin/python bench/compare.py OPENCUSTOMS_LODGEMENT_CONCURRENCY=1 \\
OPENCUSTOMS_LODGEMENT_CONCURRENCY=2`` prepares two fresh SQLite data directories, starts one
server (2 workers, as ``bench/lodge.py`` does) for each configuration — a comma-separated list of
environment settings, possibly empty (``""``) — and measures them in turns: every round loads
one server at a time with the baseline and one lodgement scenario, then the other server, in an
order that alternates. Reported per configuration: the median and quartiles of the per-round
ratio (scenario over baseline throughput, both on that server in that round), requests/s and
the workers' CPU per request.

Why: the machines here are shared and their speed moves by half within minutes, so two
``make bench`` runs made one after the other compare the machine's moods as much as the code.
Loading the two servers in alternation, round by round, puts both under the same conditions; a
difference that does not show in both orders of a repeated run is noise. The idle server costs
nothing while the other is measured. Results go to ``bench/results/compare.json`` (not to
BENCHMARKS.md: this is a tool for experiments). Connections are spread evenly over the workers,
as in ``bench/lodge.py``.

To compare code rather than settings, make the difference a setting for the experiment (an
environment variable the code reads), measure, then remove it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from common import machine
from lodge import (
    APP_FACTORY,
    RESULTS,
    SCENARIOS,
    Options,
    Server,
    _block,
    _lrns,
    _quartiles,
    free_port,
    prepare_data,
    source,
)

from opencustoms.settings import Settings


def parse_settings(text: str) -> dict[str, str]:
    """``NAME=value,NAME=value`` (empty: the defaults)."""
    settings = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, found, value = item.partition("=")
        if not found or not name:
            raise SystemExit(f"not NAME=value: {item!r}")
        settings[name] = value
    return settings


async def run(configurations: list[dict[str, str]], scenario_name: str,
              options: Options) -> dict[str, Any]:
    scenarios = [s for s in SCENARIOS if s.name in ("baseline", scenario_name)]
    servers: list[tuple[Server, str, list[int]]] = []
    with tempfile.TemporaryDirectory(prefix="opencustoms-compare-") as tmp:
        try:
            for index, settings in enumerate(configurations):
                data_dir = Path(tmp) / f"var{index}"
                key = prepare_data(Settings(
                    data_dir=data_dir, database_url=f"sqlite:///{data_dir / 'opencustoms.db'}"))
                server = Server(data_dir, free_port(), Path(tmp) / f"uvicorn{index}.log",
                                nodelay=True, app=APP_FACTORY, settings=settings)
                server.wait_ready()
                servers.append((server, key, server.worker_pids()))
            lrns = {(index, s.name): _lrns(f"C{index}-{s.name}-")
                    for index in range(len(servers)) for s in scenarios}
            for index, (server, key, _) in enumerate(servers):
                for scenario in scenarios:
                    await _block(server, key, options, scenario, lrns[index, scenario.name],
                                 options.warmup)
            rounds: list[list[dict[str, Any]]] = [[] for _ in servers]
            for round_index in range(options.rounds):
                order = list(range(len(servers)))
                if round_index % 2:
                    order.reverse()
                for index in order:
                    server, key, pids = servers[index]
                    measured: dict[str, Any] = {}
                    for scenario in scenarios if round_index % 2 == 0 else scenarios[::-1]:
                        phase = await _block(server, key, options, scenario,
                                             lrns[index, scenario.name], options.requests, pids)
                        measured[scenario.name] = {
                            "throughput_per_s": phase.created / phase.elapsed,
                            "server_cpu_ms_per_request": 1000 * phase.server_cpu / phase.sent,
                        }
                    measured["ratio"] = (measured[scenario_name]["throughput_per_s"]
                                         / measured["baseline"]["throughput_per_s"])
                    rounds[index].append(measured)
                print(f"  round {round_index + 1:2}/{options.rounds}: " + "  ".join(
                    f"[{i}] ×{rounds[i][-1]['ratio']:.3f}" for i in range(len(servers))),
                    flush=True)
        finally:
            for server, _, _ in servers:
                server.stop()
    return {"rounds": rounds}


def summary(configuration: dict[str, str], rounds: list[dict[str, Any]],
            scenario_name: str) -> dict[str, Any]:
    def median(scenario: str, key: str) -> float:
        return round(float(statistics.median(r[scenario][key] for r in rounds)), 3)

    ratios = [r["ratio"] for r in rounds]
    return {
        "settings": configuration,
        "ratio": round(statistics.median(ratios), 3),
        "ratio_quartiles": _quartiles(ratios),
        "baseline_per_s": median("baseline", "throughput_per_s"),
        "scenario_per_s": median(scenario_name, "throughput_per_s"),
        "baseline_cpu_ms": median("baseline", "server_cpu_ms_per_request"),
        "scenario_cpu_ms": median(scenario_name, "server_cpu_ms_per_request"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("first", help="settings of the first server: NAME=value,... or ''")
    parser.add_argument("second", help="settings of the second server")
    parser.add_argument("--scenario", default="lodge-1",
                        choices=[s.name for s in SCENARIOS if s.name != "baseline"])
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args(argv)
    configurations = [parse_settings(args.first), parse_settings(args.second)]
    options = Options(requests=args.requests, warmup=args.warmup,
                      concurrency=args.concurrency, rounds=args.rounds, max_seconds=60.0,
                      quick=False, nodelay=True, app=APP_FACTORY)
    measured = asyncio.run(run(configurations, args.scenario, options))
    summaries = [summary(c, r, args.scenario)
                 for c, r in zip(configurations, measured["rounds"], strict=True)]
    print(f"{'settings':48} {'ratio (quartiles)':>20} {'baseline/s':>10} "
          f"{args.scenario + '/s':>10} {'CPU ms baseline':>15} {'CPU ms ' + args.scenario:>15}")
    for s in summaries:
        low, high = s["ratio_quartiles"]
        label = ",".join(f"{k}={v}" for k, v in s["settings"].items()) or "(defaults)"
        print(f"{label[:48]:48} {s['ratio']:>7.3f} ({low:.2f}–{high:.2f}) "
              f"{s['baseline_per_s']:>10.1f} {s['scenario_per_s']:>10.1f} "
              f"{s['baseline_cpu_ms']:>15.2f} {s['scenario_cpu_ms']:>15.2f}")
    report = {"benchmark": "compare", "date": datetime.now(UTC).isoformat(timespec="seconds"),
              "machine": machine(), "source": source(), "scenario": args.scenario,
              "parameters": {"rounds": args.rounds, "requests": args.requests,
                             "warmup": args.warmup, "concurrency": args.concurrency},
              "configurations": summaries, "rounds": measured["rounds"]}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "compare.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {(RESULTS / 'compare.json').relative_to(Path(__file__).resolve().parent.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

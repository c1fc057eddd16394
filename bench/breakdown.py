"""Where a served lodgement's CPU goes, phase by phase, measured inside the two workers.

``.venv/bin/python bench/breakdown.py`` prepares a fresh data directory, serves it as
``bench/lodge.py`` does (2 uvicorn workers, connections spread 4–4), sends 1-item lodgements for
``--seconds`` and prints, per lodgement, the CPU time (``time.thread_time``) of each phase of the
lodgement path and the worker's whole CPU time per lodgement. The phases are the service and
store functions of the path, wrapped in the workers at start-up (``create_instrumented_app``);
nested phases are indented under their parent and included in it. What the phases leave out —
HTTP, ASGI, FastAPI, the body model, authentication — is the rest of the worker's CPU.

Unlike ``profile_lodge.py`` (one process, no server) this sees the served path as it runs under
load: the other worker's commits, the writer gate, the page cache that SQLite drops when another
process wrote. The wrappers cost about a microsecond each. Numbers move with the machine's load
like every benchmark here; compare phases measured in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lodge import SCENARIOS, Client, Server, _lrns, free_port, prepare_data

from opencustoms.settings import Settings

OUT_DIR = "OPENCUSTOMS_BENCH_BREAKDOWN_DIR"
EVERY = 500
"""A worker writes its totals after every this many lodgements."""

# (phase, depth, module, attribute path): the lodgement path as of ADR 0010.
PHASES = [
    ("submission (document, hashes)", 0, "opencustoms.api.routes.declarations", "submission"),
    ("prepare", 0, "opencustoms.services.lodgement", "prepare"),
    ("control", 1, "opencustoms.services.lodgement", "control"),
    ("validation", 2, "opencustoms.services.assessment", "validate"),
    ("tariff", 2, "opencustoms.services.assessment", "assess"),
    ("selectivity", 1, "opencustoms.services.lodgement", "select"),
    ("account snapshot", 1, "opencustoms.services.lodgement", "_account_snapshot"),
    ("rehearsal", 1, "opencustoms.services.lodgement", "rehearse"),
    ("staging (before the turn)", 0, "opencustoms.services.lodgement", "Registration.stage"),
    ("register (the turn)", 0, "opencustoms.services.lodgement", "register"),
    ("replay (BEGIN, account, outbox)", 1, "opencustoms.services.rehearsal", "Rehearsal.replay"),
    ("declaration rows", 1, "opencustoms.adapters.db.declarations",
     "SqlDeclarationRepository.add_staged"),
    ("commit", 1, "opencustoms.adapters.db.uow", "SqlUnitOfWork.commit"),
    ("audit chain", 2, "opencustoms.adapters.db.audit", "SqlAuditLog.flush"),
    ("SQLite commit", 2, "opencustoms.adapters.db.sqlite_writers", "GatedConnection.commit"),
    ("answer", 0, "opencustoms.api.routes.declarations", "answer"),
]


def _timed(name: str, totals: dict[str, list[float]],
           function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.thread_time()
        try:
            return function(*args, **kwargs)
        finally:
            entry = totals.setdefault(name, [0, 0.0])
            entry[0] += 1
            entry[1] += time.thread_time() - started
    return timed


def create_instrumented_app() -> Any:
    """``bench.app:create_bench_app`` with the phases of :data:`PHASES` timed; after every
    :data:`EVERY` answers the worker writes its totals to ``$OPENCUSTOMS_BENCH_BREAKDOWN_DIR``."""
    import importlib

    from bench.app import create_bench_app

    totals: dict[str, list[float]] = {}
    for name, _, module_name, path in PHASES:
        owner: Any = importlib.import_module(module_name)
        *parents, attribute = path.split(".")
        for parent in parents:
            owner = getattr(owner, parent)
        setattr(owner, attribute, _timed(name, totals, getattr(owner, attribute)))
    routes = importlib.import_module("opencustoms.api.routes.declarations")
    timed_answer = routes.answer
    out = Path(os.environ[OUT_DIR]) / f"{os.getpid()}.json"
    started = [0.0]

    def answer(*args: Any, **kwargs: Any) -> Any:
        answered = totals.get("answer", [0])[0]
        if answered == 0:
            started[0] = time.process_time()
        elif answered % EVERY == 0:
            out.write_text(json.dumps({"lodgements": answered, "totals": totals,
                                       "process": time.process_time() - started[0]}))
        return timed_answer(*args, **kwargs)

    routes.answer = answer
    return create_bench_app()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args(argv)
    scenario = next(s for s in SCENARIOS if s.name == "lodge-1")
    with tempfile.TemporaryDirectory(prefix="opencustoms-breakdown-") as tmp:
        data, out = Path(tmp) / "var", Path(tmp) / "out"
        out.mkdir()
        key = prepare_data(Settings.from_env({"OPENCUSTOMS_DATA_DIR": str(data)}))
        server = Server(data, free_port(), Path(tmp) / "server.log", nodelay=True,
                        app="bench.breakdown:create_instrumented_app",
                        settings={OUT_DIR: str(out)})
        try:
            server.wait_ready()

            async def load() -> float:
                client = Client(server.port, key, 8)
                await client.open(workers=2)
                phase = await client.run(scenario, _lrns("BREAKDOWN"), 10**9, args.seconds)
                await client.close()
                return phase.created / phase.elapsed

            rate = asyncio.run(load())
        finally:
            server.stop()
        reports = [json.loads(p.read_text()) for p in sorted(out.glob("*.json"))]
    if not reports:
        print("no worker reported: run longer (--seconds)", file=sys.stderr)
        return 1
    lodgements = sum(r["lodgements"] for r in reports)
    print(f"{rate:.0f} lodgements/s; per lodgement over {lodgements} in "
          f"{len(reports)} workers (CPU ms):")
    everything = sum(r["process"] for r in reports) / lodgements
    print(f"{'worker CPU (everything)':36} {everything * 1e3:6.3f}")
    for name, depth, _, _ in PHASES:
        spent = sum(r["totals"].get(name, [0, 0.0])[1] for r in reports)
        print(f"{'  ' * (depth + 1) + name:36} {spent / lodgements * 1e3:6.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

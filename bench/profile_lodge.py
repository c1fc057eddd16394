"""Where a lodgement's time goes: the benchmark's scenarios in one process, no HTTP server.

``.venv/bin/python bench/profile_lodge.py`` prepares a fresh SQLite data directory, builds the
benchmark application (``bench/app.py``) and sends the scenarios of ``bench/lodge.py`` straight
into the ASGI application (no HTTP parsing, no client library), one request at a time, in
interleaved blocks. It reports the CPU time per request of each scenario (all threads of the
process: event loop and thread pool) and the cost ratio ``baseline / scenario``. Where the
server is CPU-bound, as on the 2-vCPU machines here, that ratio predicts the throughput ratio
of ``bench/lodge.py`` with less noise. It is still noisy when other work runs on the machine:
run it twice.

``--cprofile lodge-1`` runs only that scenario under :mod:`cProfile` (every thread, warm-up
excluded) and prints the functions of the request path with the most cumulative time per
request; ``--sort tottime`` sorts by own time. Time spent waiting (for the GIL, the event loop
or a worker thread) shows up as own time of ``epoll``, lock ``acquire`` and socket ``send``.
cProfile slows Python calls down, most for code that makes many small calls (the validation
rules), so its absolute numbers are higher than the plain run's; for shares of the time, a
sampling profiler on a served worker is more faithful (see BENCHMARKS.md).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import importlib
import json
import os
import pstats
import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from lodge import SCENARIOS, TRADER, Scenario  # bench/lodge.py
from starlette.types import ASGIApp, Message

from opencustoms import bootstrap
from opencustoms.settings import Settings

REPO = Path(__file__).resolve().parent.parent
BLOCK = 50
DEFAULT_FILTER = (r"opencustoms|bench/app|fastapi/(routing|dependencies)|sqlalchemy/orm/session"
                  r"|sqlalchemy/engine/base|pydantic|json/|starlette/(concurrency|routing)"
                  r"|\(execute\)|\(commit\)")


class ThreadProfiles:
    """One :class:`cProfile.Profile` per thread, started in this thread and in every thread
    created from now on (the test client's event loop thread, anyio's worker threads)."""

    def __init__(self) -> None:
        self.profiles: list[cProfile.Profile] = []
        self._lock = threading.Lock()

    def _start(self, *_: Any) -> None:
        profile = cProfile.Profile()
        with self._lock:
            self.profiles.append(profile)
        profile.enable()  # replaces this bootstrap hook for the rest of the thread

    def start(self) -> None:
        threading.setprofile(self._start)
        self._start()

    def clear(self) -> None:
        """Forget what was collected so far (the warm-up)."""
        with self._lock:
            for profile in self.profiles:
                profile.clear()

    def stop(self) -> pstats.Stats:
        threading.setprofile(None)
        stats = pstats.Stats()
        for profile in self.profiles:
            profile.disable()
            with contextlib.suppress(TypeError):  # a thread that never ran Python code
                stats.add(profile)
        return stats


async def post(app: ASGIApp, path: str, body: bytes, headers: list[tuple[bytes, bytes]]
               ) -> tuple[int, bytes]:
    """One request straight into the ASGI application, as uvicorn would pass it."""
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000),
        "headers": [*headers, (b"content-length", str(len(body)).encode())],
    }
    delivered = False
    status = 0
    chunks: list[bytes] = []

    async def receive() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # the client never disconnects
        raise AssertionError("unreachable")

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


async def run(app: ASGIApp, headers: list[tuple[bytes, bytes]], scenario: Scenario,
              lrns: list[str]) -> None:
    for lrn in lrns:
        status, answer = await post(app, scenario.path, scenario.body(lrn), headers)
        if status != 201:
            raise SystemExit(f"{scenario.name}: {status} {answer.decode(errors='replace')}")


def _name(key: tuple[str, int, str]) -> str:
    path, line, function = key
    for marker in ("site-packages/", "/src/", "/bench/", "/lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{path}:{line}({function})" if line else function


def print_profile(stats: pstats.Stats, requests: int, sort: str, pattern: str,
                  limit: int) -> None:
    table: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    rows = []
    for key, (_, calls, own, cumulative, _) in table.items():
        name = _name(key)
        if re.search(pattern, name):
            rows.append((cumulative if sort == "cumulative" else own, own, cumulative, calls,
                         name))
    rows.sort(reverse=True)
    print(f"{'cum ms/req':>10} {'own ms/req':>10} {'calls/req':>9}  function")
    for _, own, cumulative, calls, name in rows[:limit]:
        print(f"{1000 * cumulative / requests:10.3f} {1000 * own / requests:10.3f} "
              f"{calls / requests:9.1f}  {name}")


def main(argv: list[str] | None = None) -> int:
    names = [s.name for s in SCENARIOS]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=600,
                        help="measured requests per scenario (default 600)")
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--cprofile", choices=names, metavar="SCENARIO",
                        help=f"profile one scenario ({', '.join(names)}) with cProfile")
    parser.add_argument("--only", choices=names, action="append", metavar="SCENARIO",
                        help="run only this scenario (repeatable; e.g. under a sampling "
                             "profiler)")
    parser.add_argument("--app", default="bench.app:create_bench_app",
                        help="application factory, module:function (for experiments)")
    parser.add_argument("--sort", default="cumulative", choices=["cumulative", "tottime"])
    parser.add_argument("--limit", type=int, default=50, help="functions to print")
    parser.add_argument("--filter", default=DEFAULT_FILTER,
                        help="regular expression on the function names to print")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="opencustoms-profile-") as tmp:
        data_dir = Path(tmp) / "var"
        os.environ["OPENCUSTOMS_DATA_DIR"] = str(data_dir)
        os.environ.pop("OPENCUSTOMS_DATABASE_URL", None)
        bootstrap.prepare(Settings.from_env())
        key = json.loads((data_dir / "demo-api-keys.json").read_text())[TRADER]
        headers = [(b"host", b"bench"), (b"authorization", f"Bearer {key}".encode()),
                   (b"content-type", b"application/json")]
        sys.path.insert(0, str(REPO))
        module, _, factory = args.app.partition(":")
        app = getattr(importlib.import_module(module), factory)()

        profiled = [s for s in SCENARIOS if s.name == args.cprofile or s.name in (args.only or ())]
        profiles = ThreadProfiles() if args.cprofile else None
        cpu = dict.fromkeys(names, 0.0)
        wall = dict.fromkeys(names, 0.0)
        blocks: dict[str, list[float]] = {name: [] for name in names}

        async def session() -> None:
            for scenario in SCENARIOS:
                await run(app, headers, scenario,
                          [f"W{scenario.name}-{i}" for i in range(args.warmup)])
            if profiles is not None:
                profiles.clear()
            for block in range(0, args.requests, BLOCK):
                for scenario in profiled or SCENARIOS:
                    lrns = [f"M{scenario.name}-{i}"
                            for i in range(block, min(block + BLOCK, args.requests))]
                    started_cpu, started = time.process_time(), time.perf_counter()
                    await run(app, headers, scenario, lrns)
                    spent = time.process_time() - started_cpu
                    cpu[scenario.name] += spent
                    blocks[scenario.name].append(spent / len(lrns))
                    wall[scenario.name] += time.perf_counter() - started

        if profiles is not None:
            profiles.start()
        asyncio.run(session())
        stats = profiles.stop() if profiles is not None else None

    if stats is not None:
        print(f"cProfile of {args.cprofile}, all threads, per request over {args.requests} "
              f"requests, sorted by {args.sort} time (slower than without the profiler):")
        print_profile(stats, args.requests, args.sort, args.filter, args.limit)
        return 0
    ran = [s.name for s in (profiled or SCENARIOS)]
    per_request = {name: 1000 * cpu[name] / args.requests for name in ran}
    print(f"{'scenario':10} {'CPU ms/req':>11} {'wall ms/req':>12} {'cost ratio':>11} "
          f"{'paired median':>14}")
    for name, value in per_request.items():
        ratio = paired = ""
        if "baseline" in per_request:
            ratio = f"{per_request['baseline'] / value:11.2f}"
            pairs = zip(blocks["baseline"], blocks[name], strict=True)
            paired = f"{statistics.median(b / s for b, s in pairs):14.2f}"
        print(f"{name:10} {value:11.2f} {1000 * wall[name] / args.requests:12.2f} {ratio} "
              f"{paired}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

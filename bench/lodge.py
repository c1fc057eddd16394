"""Lodgement throughput through the real HTTP server, against a baseline in the same run.

``make bench`` (or ``.venv/bin/python bench/lodge.py``) prepares a fresh SQLite data directory
(migrations, demo pack, demo parties and keys), starts uvicorn with two workers on a free
loopback port through ``bench/serve.py`` (as ``opencustoms serve`` does, with a workaround for
uvicorn's lost ``TCP_NODELAY``) serving ``bench.app:create_bench_app`` (the API plus a baseline
route), and drives it from this process with a small asyncio HTTP/1.1 client over keep-alive
connections. Three scenarios, each warmed up, then measured in many short rounds whose order
rotates:

- ``baseline``: ``POST /api/bench/baseline``, a minimal JSON document inserted into a small
  table of the same database by the same stack (middleware, authentication, unit of work);
- ``lodge-1``: ``POST /api/v1/declarations`` with the 1-item import example, a new LRN each time;
- ``lodge-10``: the same with 10 goods items (sequences 1..10, prices adding up to the invoice).

Every response must be 201, and afterwards the database must hold exactly one declaration per
201: anything else fails the run loudly and writes nothing. Per scenario it reports requests/s,
p50/p99 latency, the ratio to the baseline's throughput of the same round (median and
quartiles over rounds), the workers' CPU time per request and their peak RSS (VmHWM, reset
before each batch). The
result goes to ``bench/results/lodge.json`` and the ``lodge`` section of ``BENCHMARKS.md``;
``--quick`` is a short run (< 1 min) that writes ``bench/results/lodge-quick.json`` only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import copy
import json
import math
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from importlib import metadata
from pathlib import Path
from typing import Any

from common import machine, write_section
from sqlalchemy import text

from opencustoms import bootstrap
from opencustoms.adapters.db.engine import make_engine
from opencustoms.settings import Settings

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
RESULTS = BENCH_DIR / "results"
BENCHMARKS_MD = REPO / "BENCHMARKS.md"
BEGIN, END = "<!-- lodge:begin -->", "<!-- lodge:end -->"

APP_FACTORY = "bench.app:create_bench_app"  # served by bench/serve.py
BASELINE_PATH = "/api/bench/baseline"  # bench/app.py
BASELINE_TABLE = "bench_baseline"  # bench/app.py
WORKER_PATH = "/api/bench/worker"  # bench/app.py
SPREAD_ATTEMPTS = 200
LODGE_PATH = "/api/v1/declarations"
TRADER = "XX100000000001"
WORKERS = 2
GOAL_RATIO = 0.5
LRN_SLOT = "\x00LRN\x00"

# A copy of ../shared/examples/declaration-import.json (that folder may be absent).
IMPORT_EXAMPLE: dict[str, Any] = {
    "lrn": "ACME-2026-000001",
    "type": "IM",
    "additional_type": "A",
    "declarant": "XX100000000001",
    "representative": None,
    "importer": {"id": "XX100000000001", "name": "Acme Imports", "country": "XX"},
    "exporter": {"name": "Shenzhen Widget Co", "country": "CN"},
    "office_of_declaration": "XX000100",
    "country_of_dispatch": "CN",
    "incoterm": "FOB",
    "invoice": {"currency": "USD", "amount": "12500.00"},
    "freight": {"currency": "USD", "amount": "800.00"},
    "insurance": {"currency": "USD", "amount": "50.00"},
    "transport": {"mode_at_border": "1", "means_identity": "IMO9321483", "nationality": "PA"},
    "items": [
        {
            "sequence": 1,
            "commodity_code": "8517130000",
            "description": "Smartphones, 128 GB",
            "country_of_origin": "CN",
            "procedure": "4000",
            "additional_procedures": [],
            "preference": "100",
            "net_mass": "12.500",
            "gross_mass": "15.000",
            "supplementary_quantity": "100",
            "packages": [{"kind": "CT", "count": 10, "marks": "ACME 1-10"}],
            "item_price": "12500.00",
            "valuation_method": "1",
            "documents": [{"code": "N935", "reference": "INV-2026-118"}],
        }
    ],
}

# Declarable codes of the demo pack, all with a supplementary unit (NAR).
TEN_ITEMS: list[tuple[str, str]] = [
    ("8517130000", "Smartphones, 128 GB"),
    ("8471300000", "Laptop computers, 14 inch"),
    ("8528520000", "Computer monitors, 27 inch"),
    ("8518300000", "Wireless earphones"),
    ("8516500000", "Microwave ovens, 20 l"),
    ("8504403000", "USB-C power supplies, 65 W"),
    ("8523510000", "Solid-state drives, 1 TB"),
    ("9504500000", "Video game consoles"),
    ("9503002100", "Dolls, 30 cm"),
    ("4202210000", "Leather handbags"),
]


# --- documents ------------------------------------------------------------------------------


def one_item_document() -> dict[str, Any]:
    return copy.deepcopy(IMPORT_EXAMPLE)


def ten_item_document() -> dict[str, Any]:
    """The import example with 10 goods items whose prices add up to the invoice."""
    document = copy.deepcopy(IMPORT_EXAMPLE)
    template = document["items"][0]
    invoice = Decimal(document["invoice"]["amount"])
    price = (invoice / len(TEN_ITEMS)).quantize(Decimal("0.01"))
    items = []
    for sequence, (code, description) in enumerate(TEN_ITEMS, start=1):
        item = copy.deepcopy(template)
        item.update(sequence=sequence, commodity_code=code, description=description,
                    net_mass=f"{sequence + 1}.250", gross_mass=f"{sequence + 2}.000",
                    supplementary_quantity=str(10 * sequence), item_price=str(price))
        item["packages"] = [{"kind": "CT", "count": sequence, "marks": f"ACME {sequence}"}]
        items.append(item)
    items[-1]["item_price"] = str(invoice - price * (len(TEN_ITEMS) - 1))
    document["items"] = items
    assert sum(Decimal(i["item_price"]) for i in items) == invoice
    return document


def baseline_document() -> dict[str, Any]:
    return {"lrn": "B", "note": "minimal JSON document"}


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    path: str
    label: str
    head: bytes  # the JSON body before the LRN
    tail: bytes  # and after it

    @classmethod
    def of(cls, name: str, path: str, label: str, document: dict[str, Any]) -> Scenario:
        document = {**document, "lrn": LRN_SLOT}
        body = json.dumps(document, separators=(",", ":"))
        head, tail = body.split(json.dumps(LRN_SLOT))
        return cls(name, path, label, (head + '"').encode(), ('"' + tail).encode())

    def body(self, lrn: str) -> bytes:
        return self.head + lrn.encode() + self.tail


SCENARIOS = [
    Scenario.of("baseline", BASELINE_PATH, "baseline: minimal JSON insert", baseline_document()),
    Scenario.of("lodge-1", LODGE_PATH, "lodge, 1 goods item", one_item_document()),
    Scenario.of("lodge-10", LODGE_PATH, "lodge, 10 goods items", ten_item_document()),
]


# --- load generator -------------------------------------------------------------------------


@dataclass(slots=True)
class Phase:
    """One batch of requests: latencies of the 201s, and every other answer."""

    latencies: list[float] = field(default_factory=list)
    created: int = 0
    failures: list[tuple[int, bytes]] = field(default_factory=list)
    elapsed: float = 0.0
    truncated: bool = False
    split: list[int] = field(default_factory=list)
    """Connections per worker process, most first."""
    server_cpu: float = 0.0
    client_cpu: float = 0.0
    """CPU seconds of the workers and of this process while the requests ran."""

    @property
    def sent(self) -> int:
        return self.created + len(self.failures)


class Client:
    """Keep-alive HTTP/1.1 connections to the server; deliberately minimal (the machine is
    small and the client shares it with the server)."""

    def __init__(self, port: int, api_key: str, concurrency: int) -> None:
        self.port = port
        self.concurrency = concurrency
        self._head = (f"Host: 127.0.0.1:{port}\r\nAuthorization: Bearer {api_key}\r\n"
                      "Content-Type: application/json\r\n").encode()
        self._connections: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def open(self, workers: int = 1) -> dict[int, int]:
        """Open the connections, spread evenly over ``workers`` worker processes as a
        round-robin load balancer in front of them would: the kernel hands each new connection
        to whichever worker accepts first, and a burst of 8 often lands 6–2 or 8–0, which
        halves the server's throughput for the whole block (measured: a block whose
        connections all went to one worker ran at a third of the rate of an even one).
        Connections to an over-served worker are replaced until the split is even or
        ``SPREAD_ATTEMPTS`` run out. Returns connections per worker process id."""
        owners: list[int] = []
        for _ in range(self.concurrency):
            connection = await asyncio.open_connection("127.0.0.1", self.port)
            self._connections.append(connection)
            owners.append(await self._worker_of(connection))
        most = -(-self.concurrency // workers)  # ceiling
        for _ in range(SPREAD_ATTEMPTS):
            counts = {pid: owners.count(pid) for pid in owners}
            crowded = [pid for pid, count in counts.items() if count > most]
            if not crowded and len(counts) >= min(workers, self.concurrency):
                break
            index = owners.index(crowded[0] if crowded else max(counts, key=counts.__getitem__))
            _, writer = self._connections[index]
            writer.close()
            connection = await asyncio.open_connection("127.0.0.1", self.port)
            self._connections[index] = connection
            owners[index] = await self._worker_of(connection)
        return {pid: owners.count(pid) for pid in sorted(set(owners))}

    async def _worker_of(self, connection: tuple[asyncio.StreamReader,
                                                 asyncio.StreamWriter]) -> int:
        reader, writer = connection
        writer.write(b"GET " + WORKER_PATH.encode() + b" HTTP/1.1\r\n" + self._head + b"\r\n")
        status, answer, _ = await _read_response(reader)
        if status != 200:
            raise BenchFailure(f"{WORKER_PATH}: {status} {answer[:200]!r}")
        pid: int = json.loads(answer)["pid"]
        return pid

    async def close(self) -> None:
        for _, writer in self._connections:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
        self._connections.clear()

    async def run(self, scenario: Scenario, lrns: Iterator[str], count: int,
                  max_seconds: float) -> Phase:
        """Send ``count`` requests (fewer if ``max_seconds`` runs out) over all connections."""
        phase = Phase()
        remaining = count
        deadline = time.perf_counter() + max_seconds

        async def worker(index: int) -> None:
            nonlocal remaining
            reader, writer = self._connections[index]
            path = scenario.path.encode()
            while remaining > 0:
                if time.perf_counter() > deadline:
                    phase.truncated = True
                    return
                remaining -= 1
                body = scenario.body(next(lrns))
                request = (b"POST " + path + b" HTTP/1.1\r\n" + self._head
                           + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
                started = time.perf_counter()
                writer.write(request)
                status, answer, keep_alive = await _read_response(reader)
                latency = time.perf_counter() - started
                if status == 201:
                    phase.created += 1
                    phase.latencies.append(latency)
                else:
                    phase.failures.append((status, answer[:2000]))
                if not keep_alive:
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
                    self._connections[index] = (reader, writer)

        started = time.perf_counter()
        await asyncio.gather(*(worker(i) for i in range(len(self._connections))))
        phase.elapsed = time.perf_counter() - started
        return phase


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if "content-length" not in headers:
        raise RuntimeError(f"response without Content-Length: {head!r}")
    body = await reader.readexactly(int(headers["content-length"]))
    return status, body, headers.get("connection", "").lower() != "close"


# --- server ---------------------------------------------------------------------------------


def prepare_data(settings: Settings) -> str:
    """Migrate and seed ``settings``' fresh data directory; the API key of ``TRADER``."""
    bootstrap.prepare(settings)
    key: str = json.loads(settings.api_keys_file.read_text())[TRADER]
    return key


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Server:
    """uvicorn with ``WORKERS`` worker processes on the prepared data directory."""

    def __init__(self, data_dir: Path, port: int, log: Path, *, nodelay: bool,
                 app: str, settings: dict[str, str] | None = None) -> None:
        self.port = port
        self.log_path = log
        env = {k: v for k, v in os.environ.items() if not k.startswith("OPENCUSTOMS_")}
        env.update(settings or {})  # e.g. OPENCUSTOMS_LODGEMENT_CONCURRENCY (bench/compare.py)
        env.update(OPENCUSTOMS_DATA_DIR=str(data_dir),
                   PYTHONPATH=os.pathsep.join(filter(None, [str(REPO),
                                                            os.environ.get("PYTHONPATH")])))
        self._log = log.open("wb")
        command = [sys.executable, str(BENCH_DIR / "serve.py"), "--host", "127.0.0.1",
                   "--port", str(port), "--workers", str(WORKERS), "--app", app]
        if not nodelay:
            command.append("--no-nodelay")
        self.process = subprocess.Popen(command, cwd=REPO, env=env, stdout=self._log,
                                        stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Until every worker has finished starting up and the health check answers."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"uvicorn exited with {self.process.returncode}:\n"
                                   + self.log_path.read_text(errors="replace")[-3000:])
            started = self.log_path.read_text(errors="replace").count(
                "Application startup complete")
            if started >= WORKERS and len(self.worker_pids()) == WORKERS and self._healthy():
                return
            time.sleep(0.2)
        raise RuntimeError("the server did not start in time:\n"
                           + self.log_path.read_text(errors="replace")[-3000:])

    def _healthy(self) -> bool:
        with contextlib.suppress(OSError), socket.create_connection(
                ("127.0.0.1", self.port), timeout=2) as connection:
            connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            return connection.recv(64).startswith(b"HTTP/1.1 200")
        return False

    def worker_pids(self) -> list[int]:
        """The worker processes (children of the uvicorn supervisor, not the resource
        tracker multiprocessing may start)."""
        pids = []
        for child in _children(self.process.pid):
            try:
                cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
            except OSError:
                continue
            if b"resource_tracker" not in cmdline:
                pids.append(child)
        return sorted(pids)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


def _children(pid: int) -> list[int]:
    children: list[int] = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError):
                children += [int(c) for c in (task / "children").read_text().split()]
    return children


def _status_kb(pid: int, field_name: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field_name} for process {pid}")


def reset_peak_rss(pids: list[int]) -> bool:
    """Reset VmHWM to the current RSS (``clear_refs`` 5, Linux >= 4.0); False if refused."""
    try:
        for pid in pids:
            Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def peak_rss_mb(pids: list[int]) -> list[float]:
    return [_status_kb(pid, "VmHWM") / 1024 for pid in pids]


def rss_mb(pids: list[int]) -> list[float]:
    return [_status_kb(pid, "VmRSS") / 1024 for pid in pids]


_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of ``pids`` so far."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / _TICK


# --- measurement ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Options:
    requests: int
    warmup: int
    concurrency: int
    rounds: int
    max_seconds: float
    quick: bool
    nodelay: bool
    app: str
    spread: bool = True


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def _lrns(prefix: str) -> Iterator[str]:
    number = 0
    while True:
        number += 1
        yield f"{prefix}{number:08d}"


async def _block(server: Server, api_key: str, options: Options, scenario: Scenario,
                 lrns: Iterator[str], count: int, pids: list[int] | None = None) -> Phase:
    """``count`` requests over fresh connections (spread over the workers unless
    ``options.spread`` is off); with ``pids``, the CPU the workers spent on them."""
    client = Client(server.port, api_key, options.concurrency)
    split = await client.open(WORKERS if options.spread else 1)
    try:
        server_cpu = cpu_seconds(pids or [])
        client_cpu = time.process_time()
        phase = await client.run(scenario, lrns, count, options.max_seconds)
        phase.server_cpu = cpu_seconds(pids or []) - server_cpu
        phase.client_cpu = time.process_time() - client_cpu
        phase.split = sorted(split.values(), reverse=True)
    finally:
        await client.close()
    if phase.failures:
        status, body = phase.failures[0]
        raise BenchFailure(
            f"{scenario.name}: {len(phase.failures)} of {phase.sent} responses were not 201; "
            f"first: {status} {body.decode(errors='replace')}")
    return phase


async def measure(server: Server, api_key: str, options: Options) -> dict[str, Any]:
    """Warm every scenario up, then run ``options.rounds`` short rounds; each round runs every
    scenario once, in an order that rotates. Fails at the first answer other than 201."""
    pids = server.worker_pids()
    lrns = {s.name: _lrns(f"{s.name.upper()}-") for s in SCENARIOS}
    created = dict.fromkeys(lrns, 0)
    for scenario in SCENARIOS:
        warm = await _block(server, api_key, options, scenario, lrns[scenario.name],
                            options.warmup)
        created[scenario.name] += warm.created
    rss_start = rss_mb(pids)
    load_start = os.getloadavg()[0]
    latencies: dict[str, list[float]] = {s.name: [] for s in SCENARIOS}
    rounds: list[dict[str, dict[str, Any]]] = []
    hwm_reset = True
    for round_index in range(options.rounds):
        shift = round_index % len(SCENARIOS)
        results: dict[str, dict[str, Any]] = {}
        for scenario in SCENARIOS[shift:] + SCENARIOS[:shift]:
            hwm_reset = reset_peak_rss(pids) and hwm_reset
            phase = await _block(server, api_key, options, scenario, lrns[scenario.name],
                                 options.requests, pids)
            server_cpu, client_cpu = phase.server_cpu, phase.client_cpu
            peaks = peak_rss_mb(pids)
            created[scenario.name] += phase.created
            latencies[scenario.name] += phase.latencies
            ordered = sorted(phase.latencies)
            results[scenario.name] = {
                "requests": phase.sent, "created_201": phase.created,
                "seconds": round(phase.elapsed, 3),
                "throughput_per_s": round(phase.created / phase.elapsed, 1),
                "p50_ms": round(percentile(ordered, 50) * 1000, 2),
                "p99_ms": round(percentile(ordered, 99) * 1000, 2),
                "server_cpu_ms_per_request": round(server_cpu * 1000 / phase.sent, 3),
                "server_cpu_cores_busy": round(server_cpu / phase.elapsed, 2),
                "client_cpu_cores_busy": round(client_cpu / phase.elapsed, 2),
                "peak_rss_mb": round(sum(peaks), 1),
                "peak_rss_per_worker_mb": [round(p, 1) for p in peaks],
                "truncated_by_time": phase.truncated,
                "connections_per_worker": phase.split,
            }
        base = results["baseline"]
        for result in results.values():
            result["ratio"] = round(result["throughput_per_s"] / base["throughput_per_s"], 3)
            result["cpu_ratio"] = round(base["server_cpu_ms_per_request"]
                                        / result["server_cpu_ms_per_request"], 3)
        rounds.append(results)
        print(f"  round {round_index + 1:2}/{options.rounds}: " + "  ".join(
            f"{name} {r['throughput_per_s']:6.1f}/s (×{r['ratio']:.2f})"
            for name, r in results.items()), flush=True)
    return {"rounds": rounds, "latencies": latencies, "created": created,
            "hwm_reset": hwm_reset, "load_average_1min": [round(load_start, 2),
                                                           round(os.getloadavg()[0], 2)],
            "worker_rss_start_mb": [round(r, 1) for r in rss_start],
            "worker_rss_end_mb": [round(r, 1) for r in rss_mb(pids)]}


class BenchFailure(Exception):
    pass


def _quartiles(values: list[float]) -> list[float]:
    """First and third quartile (the extremes when there are fewer than four values)."""
    if len(values) < 4:
        return [min(values), max(values)]
    q1, _, q3 = statistics.quantiles(values, n=4)
    return [round(q1, 3), round(q3, 3)]


def summarise(rounds: list[dict[str, dict[str, Any]]],
              latencies: dict[str, list[float]]) -> dict[str, dict[str, Any]]:
    """Per scenario: median over rounds of throughput and of the per-round ratio to the
    baseline (each against the baseline of its own round); latency percentiles over every
    measured request; server CPU per request over every round; the highest peak RSS."""
    summary: dict[str, dict[str, Any]] = {}
    for scenario in SCENARIOS:
        runs = [r[scenario.name] for r in rounds]
        ordered = sorted(latencies[scenario.name])
        requests = sum(r["requests"] for r in runs)
        cpu = sum(r["server_cpu_ms_per_request"] * r["requests"] for r in runs) / requests
        summary[scenario.name] = {
            "label": scenario.label,
            "path": scenario.path,
            "throughput_per_s": round(statistics.median(r["throughput_per_s"] for r in runs), 1),
            "p50_ms": round(percentile(ordered, 50) * 1000, 2),
            "p99_ms": round(percentile(ordered, 99) * 1000, 2),
            "ratio": round(statistics.median(r["ratio"] for r in runs), 3),
            "ratio_quartiles": _quartiles([r["ratio"] for r in runs]),
            "ratio_min_max": [min(r["ratio"] for r in runs), max(r["ratio"] for r in runs)],
            "server_cpu_ms_per_request": round(cpu, 3),
            "cpu_ratio": round(statistics.median(r["cpu_ratio"] for r in runs), 3),
            "peak_rss_mb": round(max(r["peak_rss_mb"] for r in runs), 1),
            "peak_rss_per_worker_mb": round(max(max(r["peak_rss_per_worker_mb"])
                                                for r in runs), 1),
            "requests": requests,
            "errors": 0,
        }
    return summary


def verify(settings: Settings, created: dict[str, int]) -> dict[str, Any]:
    """The database holds one declaration per 201 (warm-up included), one baseline row per
    baseline 201."""
    engine = make_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            declarations = connection.execute(
                text("SELECT count(*) FROM declarations")).scalar_one()
            baseline = connection.execute(
                text(f"SELECT count(*) FROM {BASELINE_TABLE}")).scalar_one()
    finally:
        engine.dispose()
    lodged = created["lodge-1"] + created["lodge-10"]
    result = {"declarations_in_database": declarations, "lodgements_answered_201": lodged,
              "baseline_rows_in_database": baseline,
              "baseline_answered_201": created["baseline"]}
    if declarations != lodged or baseline != created["baseline"]:
        raise BenchFailure(f"the database does not match the 201s: {result}")
    return {**result, "ok": True}


# --- reporting ------------------------------------------------------------------------------



def source() -> dict[str, Any]:
    """Which code was measured: the commit, whether ``src/`` differs from it, the import path."""
    import opencustoms

    package = Path(opencustoms.__file__).resolve().parent

    def git(*args: str) -> str | None:
        try:
            return subprocess.run(["git", *args], cwd=package, capture_output=True, text=True,
                                  check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return None

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--", ".") if commit else None
    return {"commit": commit, "package_modified": None if status is None else bool(status),
            "opencustoms_imported_from": str(package)}


def versions() -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for name in ("opencustoms", "fastapi", "starlette", "uvicorn", "pydantic", "sqlalchemy",
                 "uvloop", "httptools"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def markdown_section(report: dict[str, Any]) -> str:
    p = report["parameters"]
    rows = [
        "| scenario | requests/s | p50 ms | p99 ms | ratio to baseline (quartiles) "
        "| server CPU ms/request | peak RSS MB, 2 workers (max one) | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for s in report["scenarios"].values():
        low, high = s["ratio_quartiles"]
        rows.append(f"| {s['label']} | {s['throughput_per_s']:.1f} | {s['p50_ms']:.1f} | "
                    f"{s['p99_ms']:.1f} | {s['ratio']:.2f} ({low:.2f}–{high:.2f}) | "
                    f"{s['server_cpu_ms_per_request']:.2f} | {s['peak_rss_mb']:.0f} "
                    f"({s['peak_rss_per_worker_mb']:.0f}) | {s['errors']} |")
    goal = report["goal"]
    verdict = "met" if goal["met"] else "**not met**"
    m = report["machine"]
    load = report["load_average_1min_start_end"]
    src = report["source"]
    code = (f"commit {src['commit'][:10]}" + (" with uncommitted changes"
                                             if src["package_modified"] else "")
            if src["commit"] else f"`{src['opencustoms_imported_from']}`")
    return "\n".join([
        BEGIN,
        "## Lodgement (`bench/lodge.py`)",
        "",
        f"Measured {report['date']} on {m['cpu']} ({m['cpus']} CPUs, {m['memory_gb']} GB), "
        f"Python {report['python']}, uvicorn {report['versions']['uvicorn']} with "
        f"{report['server']['workers']} workers, SQLite (WAL); load average "
        f"{load[0]:.1f} → {load[1]:.1f} (other work on the machine). {p['rounds']} rounds of "
        f"{p['requests']} requests per scenario after {p['warmup']} warm-up requests each, "
        f"{p['concurrency']} keep-alive connections. Requests/s and ratio: median over rounds; "
        "latency over all measured requests.",
        "",
        *rows,
        "",
        f"Goal: lodging 1-item declarations at ≥ {GOAL_RATIO:.0%} of the baseline's throughput"
        f" — ratio {goal['ratio']:.3f}, {verdict}. The database held exactly one declaration "
        f"per 201 ({report['correctness']['declarations_in_database']} declarations). "
        f"Code: {code}. Raw numbers, per round: `bench/results/{report['output']}`.",
        END,
    ])


INTRO = """# Benchmarks

Performance is measured, never asserted by tests (DESIGN.md §9). Each benchmark measures a
**baseline in the same run** on the same machine and reports its scenarios as a ratio to it,
because the machines these run on are shared and noisy and absolute numbers travel badly. Peak
memory (RSS) is recorded beside time. Raw results, with machine, versions, commit and
parameters, are in `bench/results/*.json`; each benchmark rewrites only its own section below
(between its `<!-- name:begin -->` / `<!-- name:end -->` markers).

## How to run

```sh
make bench                                        # the lodgement benchmark, ~2.5 min
.venv/bin/python bench/lodge.py --quick           # a short check (< 1 min); lodge-quick.json only
.venv/bin/python bench/lodge.py --rounds 20 --requests 500 --concurrency 16
.venv/bin/python bench/lodge.py --no-spread       # connections left where the kernel puts them
.venv/bin/python bench/profile_lodge.py           # CPU per request in one process, no server
.venv/bin/python bench/profile_lodge.py --cprofile lodge-1   # where a lodgement's time goes
.venv/bin/python bench/compare.py "" OPENCUSTOMS_LODGEMENT_CONCURRENCY=2   # two configurations
```

`bench/compare.py` answers "is B faster than A?" on this noisy machine: it serves both
configurations (environment settings) at once and loads them in alternating rounds of the same
run, so both see the same background load; its output is `bench/results/compare.json`. A
difference that does not hold when the two are given in the other order is noise. To compare
code, put the difference behind an environment variable for the experiment.

### Lodgement: method

`bench/lodge.py` prepares a fresh data directory in a temporary folder (SQLite, migrations,
demo jurisdiction pack, demo parties and keys) and starts the real HTTP server:
`bench/serve.py` runs uvicorn with 2 worker processes on a free loopback port exactly as
`opencustoms serve` does (access log off), serving `create_app` plus one baseline route
(`bench/app.py`). A light asyncio HTTP/1.1 client in the benchmark's own process sends the
requests over keep-alive connections as trader `XX100000000001`; every declaration has a new
LRN. The client spreads its connections evenly over the two workers (4 and 4), as the load
balancer in front of a production deployment would (DESIGN.md §7): it asks each new connection
which worker answers (`GET /api/bench/worker`) and replaces connections to a crowded worker.
Left to the kernel, a burst of 8 new connections lands 6–2 or 8–0 about a third of the time,
and a block whose connections all went to one worker ran at a third of an even block's rate;
that, more than the code, decided a round's ratio (round ratios 0.2–0.9 in one run). Each round
records its split (`connections_per_worker`); `--no-spread` measures the old way.

- **baseline** — `POST /api/bench/baseline`: a minimal JSON document inserted into a small
  table of the same database through the same stack: middleware, API-key authentication, body
  model, thread pool, a write unit of work on the same engine, commit before the 201.
- **lodge, 1 goods item** — `POST /api/v1/declarations` with the import example.
- **lodge, 10 goods items** — the same declaration with 10 items (sequences 1..10, item
  prices adding up to the invoice).

Each scenario is warmed up, then the run makes many short rounds; each round runs every
scenario once, in a rotating order, so that all three see the same background load. The ratio
is a scenario's throughput over the baseline's in the same round; the table gives its median
and quartiles over the rounds. Latency percentiles are over all measured requests; server CPU
is the workers' user + system time per request. Every answer must be 201 and the database must
afterwards hold exactly one declaration per 201, otherwise the run fails and writes nothing.
Peak RSS is the sum over the two workers of their VmHWM, reset before each batch (the budget is
300 MB per worker).

With more than one worker, uvicorn 0.54 leaves Nagle's algorithm on for every connection
(uvicorn issue #3149): each response on a keep-alive connection then waits ~40 ms for the
client's delayed ACK, whatever the application does. `bench/serve.py` works around it (see its
docstring); `--stock-uvicorn` measures without the workaround.

To find where the time goes, `bench/profile_lodge.py` measures the CPU per request of each
scenario in one process without the server, and `--cprofile lodge-1` lists the costliest
functions. For faithful shares, sample a served worker instead (cProfile inflates code that
makes many small calls): prepare a data directory (`make run` does), start
`OPENCUSTOMS_DATA_DIR=var .venv/bin/python bench/serve.py --port 8123 --workers 1`, load it
(e.g. `bench/lodge.py`'s `Client`) and run `py-spy record --gil -r 200 -d 20 -f raw -p <pid>`.
Mind that `--gil` keeps only samples where a thread holds the interpreter lock: SQLite's own
work (it runs with the lock released) does not show, so database time looks smaller than it is;
`time.thread_time()` around the service calls gives the worker thread's CPU exactly.
"""



# --- main -----------------------------------------------------------------------------------



def write_markdown(section: str) -> None:
    """Replace this benchmark's section of BENCHMARKS.md, or append it."""
    write_section(BENCHMARKS_MD, BEGIN, END, section, INTRO)


def parse_args(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=None,
                        help="measured requests per scenario and round (default 300)")
    parser.add_argument("--warmup", type=int, default=None,
                        help="warm-up requests per scenario, before the rounds (default 200)")
    parser.add_argument("--concurrency", type=int, default=8,
                        help="keep-alive connections (default 8)")
    parser.add_argument("--rounds", type=int, default=None, help="rounds (default 24)")
    parser.add_argument("--max-seconds", type=float, default=None,
                        help="time bound of each batch of requests (default 60)")
    parser.add_argument("--quick", action="store_true",
                        help="short run (2 rounds of 150 requests); writes lodge-quick.json "
                             "only")
    parser.add_argument("--stock-uvicorn", action="store_true",
                        help="serve without the TCP_NODELAY workaround of bench/serve.py "
                             "(uvicorn #3149); writes lodge-stock[-quick].json only")
    parser.add_argument("--no-spread", action="store_true",
                        help="leave the connections where the kernel puts them instead of "
                             "spreading them evenly over the workers; writes "
                             "lodge-unspread[-quick].json only")
    parser.add_argument("--app", default=APP_FACTORY,
                        help="application factory to serve, for experiments (it must add the "
                             f"baseline route, see bench/app.py); other than {APP_FACTORY} "
                             "writes lodge-experiment.json only")
    args = parser.parse_args(argv)
    quick = bool(args.quick)
    options = Options(
        requests=args.requests or (150 if quick else 300),
        warmup=args.warmup if args.warmup is not None else (50 if quick else 200),
        concurrency=args.concurrency,
        rounds=args.rounds or (2 if quick else 24),
        max_seconds=args.max_seconds or (15.0 if quick else 60.0),
        quick=quick,
        nodelay=not args.stock_uvicorn,
        app=args.app,
        spread=not args.no_spread,
    )
    if options.requests < 1 or options.concurrency < 1 or options.rounds < 1:
        parser.error("--requests, --concurrency and --rounds must be at least 1")
    return options


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="opencustoms-bench-") as tmp:
        data_dir = Path(tmp) / "var"
        settings = Settings(data_dir=data_dir,
                            database_url=f"sqlite:///{data_dir / 'opencustoms.db'}")
        print(f"preparing {data_dir} …", flush=True)
        load = os.getloadavg()[0]
        if load > 0.5:
            print(f"note: load average {load:.1f} before the run; other work on the machine "
                  "makes the numbers noisier (the ratios are paired per round to limit that)",
                  flush=True)
        api_key = prepare_data(settings)
        server = Server(data_dir, free_port(), Path(tmp) / "uvicorn.log",
                        nodelay=options.nodelay, app=options.app)
        try:
            server.wait_ready()
            print(f"uvicorn on 127.0.0.1:{server.port}, workers {server.worker_pids()}; "
                  f"{options.rounds} round(s) × {options.requests} requests, "
                  f"concurrency {options.concurrency}", flush=True)
            measured = asyncio.run(measure(server, api_key, options))
            correctness = verify(settings, measured["created"])
        except BenchFailure as failure:
            print(f"BENCHMARK FAILED: {failure}", file=sys.stderr)
            return 1
        finally:
            server.stop()
    scenarios = summarise(measured["rounds"], measured["latencies"])
    ratio = scenarios["lodge-1"]["ratio"]
    report: dict[str, Any] = {
        "benchmark": "lodge",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "python": platform.python_version(),
        "versions": versions(),
        "source": source(),
        "server": {"command": "python bench/serve.py --workers 2"
                              + ("" if options.nodelay else " --no-nodelay"),
                   "app": options.app, "workers": WORKERS, "database": "sqlite (WAL)",
                   "access_log": False, "tcp_nodelay_workaround": options.nodelay},
        "parameters": {"requests": options.requests, "warmup": options.warmup,
                       "concurrency": options.concurrency, "rounds": options.rounds,
                       "max_seconds": options.max_seconds, "quick": options.quick,
                       "connections_spread_over_workers": options.spread},
        "scenarios": scenarios,
        "goal": {"description": "lodge-1 throughput / baseline throughput, median of rounds",
                 "target": GOAL_RATIO, "ratio": ratio, "met": ratio >= GOAL_RATIO},
        "correctness": correctness,
        "load_average_1min_start_end": measured["load_average_1min"],
        "memory": {"peak_rss_reset_per_measurement": measured["hwm_reset"],
                   "worker_rss_start_mb": measured["worker_rss_start_mb"],
                   "worker_rss_end_mb": measured["worker_rss_end_mb"]},
        "rounds": measured["rounds"],
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    experiment = options.app != APP_FACTORY
    official = not options.quick and options.nodelay and not experiment and options.spread
    name = "lodge" + ("-experiment" if experiment else "") + (
        "-stock" if not options.nodelay else "") + (
        "-unspread" if not options.spread else "") + ("-quick" if options.quick else "")
    output = RESULTS / f"{name}.json"
    report["output"] = output.name
    output.write_text(json.dumps(report, indent=2) + "\n")
    section = markdown_section(report)
    if official:
        write_markdown(section)
    print(section)
    print(f"wrote {output.relative_to(REPO)}"
          + (f" and {BENCHMARKS_MD.relative_to(REPO)}" if official else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())

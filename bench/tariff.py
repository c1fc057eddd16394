"""Tariff calculation throughput in process, against the validation engine in the same run.

``.venv/bin/python bench/tariff.py`` loads the demo jurisdiction pack and its tariff
(``opencustoms.adapters.formats.tariff_pack``; a small hand-made tariff over the same codes
when that loader is absent) and prepares 10-item import declarations that exercise the engine:
ad valorem and compound duties, a preference with proof of origin, an anti-dumping duty by
additional code, a quota with balance, a suspension, excise per litre of pure
alcohol and per 1000 cigarettes with a retail price, VAT, the processing fee; invoiced in USD
under FOB, so valuation converts and apportions freight and insurance.

Two scenarios, each warmed up, then measured in several rounds; within a round they alternate
in small chunks, so both see the same machine noise:

- ``validation`` (the baseline): the same declarations through the validation engine alone,
  ``opencustoms.validation.engine.validate(RuleContext(...))`` (every rule of the catalogue);
- ``calculation``: ``opencustoms.tariff.calculation.calculate`` on each declaration.

It reports calculations and validations per second (median over rounds), their ratio per round
(median) and the peak RSS of the process while each scenario runs alone (VmHWM, reset before
each where Linux allows). Every calculation must succeed and every declaration must validate without
problems, else the run fails loudly and writes nothing. The result goes to
``bench/results/tariff.json`` and the ``tariff`` section of ``BENCHMARKS.md``; ``--quick`` is a
short run that writes ``bench/results/tariff-quick.json`` only. Timings are never asserted.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from importlib import util
from pathlib import Path
from typing import Any

from common import machine, peak_rss_mb, peak_rss_reset, write_section
from common import package_version as _version

from opencustoms.adapters.formats.declaration_json import content_from_json
from opencustoms.adapters.formats.pack import load_pack
from opencustoms.domain.declaration import DeclarationContent
from opencustoms.domain.reference import ReferenceData, Validity
from opencustoms.tariff.calculation import calculate
from opencustoms.tariff.model import (
    DutyComponent,
    GeographicalArea,
    Measure,
    MeasureKind,
    MeasureType,
    Tariff,
)
from opencustoms.validation.engine import validate
from opencustoms.validation.registry import RuleContext

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
RESULTS = BENCH_DIR / "results"
BENCHMARKS_MD = REPO / "BENCHMARKS.md"
BEGIN, END = "<!-- tariff:begin -->", "<!-- tariff:end -->"
ON = date(2026, 3, 2)
D = Decimal

# (code, description, origin, preference, supplementary quantity, extra item fields)
ITEMS: list[tuple[str, str, str, str, str | None, dict[str, Any]]] = [
    ("8517130000", "Smartphones, 128 GB", "CN", "100", "100", {}),
    ("0201300000", "Boned beef, chilled", "MA", "300", None,
     {"documents": [{"code": "N954", "reference": "EUR1-77"}]}),
    ("8712003000", "Bicycles with ball bearings", "CN", "100", "40",
     {"additional_codes": ["C001"]}),
    ("8703801000", "New electric cars", "CN", "120", "2", {"quota_order_number": "092001"}),
    ("8507600000", "Lithium-ion batteries", "KR", "100", "500", {}),
    ("2208303000", "Single malt whisky, 70 cl", "GB", "100", "42", {}),
    ("2402209000", "Cigarettes", "TR", "100", "20",
     {"quantities": [{"unit": "RET", "quantity": "9000.00"}]}),
    ("6403990000", "Leather shoes", "VN", "100", "120", {}),
    ("0702000000", "Tomatoes", "TR", "100", None, {}),
    ("2204210600", "Red wine in bottles", "CL", "100", "900", {}),
]

TEMPLATE: dict[str, Any] = {
    "lrn": "BENCH-TARIFF-0", "type": "IM", "additional_type": "A",
    "declarant": "XX100000000001",
    "importer": {"id": "XX100000000001", "name": "Acme Imports", "country": "XX"},
    "exporter": {"name": "Various Exporters", "country": "CN"},
    "office_of_declaration": "XX000100", "country_of_dispatch": "CN", "incoterm": "FOB",
    "transport": {"mode_at_border": "1", "means_identity": "IMO9321483", "nationality": "PA"},
}


def declaration_document(variant: int) -> dict[str, Any]:
    """A 10-item import declaration; ``variant`` shifts prices and masses."""
    items = []
    for sequence, (code, description, origin, preference, quantity, extra) in enumerate(
            ITEMS, start=1):
        price = D(1000 + 137 * sequence + 11 * variant).quantize(D("0.01"))
        documents = [{"code": "N935", "reference": "INV-1"}, *extra.get("documents", [])]
        items.append({
            "sequence": sequence, "commodity_code": code, "description": description,
            "country_of_origin": origin, "procedure": "4000", "preference": preference,
            "net_mass": f"{10 * sequence + variant}.500",
            "gross_mass": f"{10 * sequence + variant + 2}.000",
            "supplementary_quantity": quantity, "item_price": str(price),
            "valuation_method": "1",
            "packages": [{"kind": "CT", "count": sequence, "marks": f"B {sequence}"}],
            **{k: v for k, v in extra.items() if k != "documents"}, "documents": documents})
    total = sum(D(i["item_price"]) for i in items)
    return {**TEMPLATE, "lrn": f"BENCH-TARIFF-{variant}", "items": items,
            "invoice": {"currency": "USD", "amount": str(total)},
            "freight": {"currency": "USD", "amount": f"{700 + variant}.00"},
            "insurance": {"currency": "USD", "amount": "45.50"}}


def demo_tariff(reference: ReferenceData) -> tuple[Tariff, str]:
    """The demo pack's tariff, or a hand-made one when the pack loader is absent."""
    if util.find_spec("opencustoms.adapters.formats.tariff_pack") is not None:
        from opencustoms.adapters.formats.tariff_pack import load_tariff
        return load_tariff(currency=reference.jurisdiction.currency), "demo pack tariff"
    erga = GeographicalArea("1011", "ERGA OMNES")
    duty = MeasureType("103", "Third country duty", MeasureKind.THIRD_COUNTRY_DUTY)
    vat = MeasureType("305", "Value added tax", MeasureKind.VAT)
    tariff = Tariff(reference.jurisdiction.currency)
    for n, (code, *_rest) in enumerate(ITEMS):
        tariff.add_measures([
            Measure(f"B{n}", duty, code, erga, Validity(), (DutyComponent("01", D("4.5")),)),
            Measure(f"V{n}", vat, code, erga, Validity(), (DutyComponent("01", D("20")),))])
    return tariff, "hand-made tariff (tariff_pack loader absent)"




def timed(work: Callable[[DeclarationContent], object],
          declarations: Sequence[DeclarationContent], start: int, count: int) -> float:
    """Seconds ``count`` calls take, cycling over ``declarations`` from ``start``."""
    began = time.perf_counter()
    for n in range(start, start + count):
        work(declarations[n % len(declarations)])
    return time.perf_counter() - began


def peak_rss(work: Callable[[DeclarationContent], object],
             declarations: Sequence[DeclarationContent], count: int) -> float:
    """Peak RSS (MB) of the process while ``work`` runs ``count`` times."""
    peak_rss_reset()
    timed(work, declarations, 0, count)
    return peak_rss_mb()


def one_round(scenarios: dict[str, Callable[[DeclarationContent], object]],
              declarations: Sequence[DeclarationContent], count: int,
              chunk: int) -> dict[str, float]:
    """Per-second rates of each scenario over ``count`` calls, run in alternating chunks so
    that both scenarios see the same machine noise."""
    elapsed = dict.fromkeys(scenarios, 0.0)
    for n, start in enumerate(range(0, count, chunk)):
        size = min(chunk, count - start)
        order = list(scenarios) if n % 2 == 0 else list(reversed(scenarios))
        for name in order:
            elapsed[name] += timed(scenarios[name], declarations, start, size)
    return {name: count / seconds for name, seconds in elapsed.items()}


def run(options: argparse.Namespace) -> dict[str, Any]:
    reference = load_pack()
    tariff, source = demo_tariff(reference)
    declarations = [content_from_json(declaration_document(v)) for v in range(options.variants)]

    def calculation(content: DeclarationContent) -> object:
        return calculate(content, on=ON, tariff=tariff, reference=reference,
                         quota_balance=lambda _order: D(1_000_000))

    def validation(content: DeclarationContent) -> object:
        return validate(RuleContext(content, reference, ON))

    check(declarations, calculation, validation)
    scenarios: dict[str, Callable[[DeclarationContent], object]] = {
        "validation": validation, "calculation": calculation}
    for work in scenarios.values():
        timed(work, declarations, 0, options.warmup)
    rounds: list[dict[str, float]] = []
    for r in range(options.rounds):
        rates = one_round(scenarios, declarations, options.count, options.chunk)
        rates["ratio"] = rates["calculation"] / rates["validation"]
        rounds.append(rates)
        print(f"round {r + 1}: calculations/s {rates['calculation']:.1f}, validations/s "
              f"{rates['validation']:.1f}, ratio {rates['ratio']:.2f}", file=sys.stderr)
    rss = {name: peak_rss(work, declarations, options.warmup)
           for name, work in scenarios.items()}
    return report(options, rounds, rss, source, declarations)


def check(declarations: Sequence[DeclarationContent], calculation: Callable[..., object],
          validation: Callable[..., object]) -> None:
    """Fail loudly unless every declaration validates cleanly and calculates."""
    for content in declarations:
        problems = validation(content)
        if problems:
            raise SystemExit(f"{content.lrn} does not validate: {problems}")
        calculation(content)


def report(options: argparse.Namespace, rounds: list[dict[str, float]], rss: dict[str, float],
           source: str, declarations: Sequence[DeclarationContent]) -> dict[str, Any]:
    labels = {"validation": "validation engine alone (baseline)",
              "calculation": "tariff calculation"}
    return {
        "benchmark": "tariff", "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(), "machine": machine(),
        "versions": {"opencustoms": _version("opencustoms")},
        "parameters": {"items_per_declaration": len(declarations[0].items),
                       "count": options.count, "chunk": options.chunk,
                       "warmup": options.warmup, "rounds": options.rounds,
                       "variants": options.variants, "acceptance_date": ON.isoformat(),
                       "tariff": source},
        "scenarios": {name: {"label": label,
                             "per_s": statistics.median(r[name] for r in rounds),
                             "peak_rss_mb": rss[name]}
                      for name, label in labels.items()},
        "ratio": statistics.median(r["ratio"] for r in rounds),
        "rounds": rounds,
    }




def markdown_section(result: dict[str, Any]) -> str:
    p, s, m = result["parameters"], result["scenarios"], result["machine"]
    rows = ["| scenario | 10-item declarations/s | ratio to validation | peak RSS MB |",
            "| --- | ---: | ---: | ---: |",
            f"| {s['validation']['label']} | {s['validation']['per_s']:.1f} | 1.00 | "
            f"{s['validation']['peak_rss_mb']:.0f} |",
            f"| {s['calculation']['label']} | {s['calculation']['per_s']:.1f} | "
            f"{result['ratio']:.2f} | {s['calculation']['peak_rss_mb']:.0f} |"]
    return "\n".join([
        BEGIN,
        "## Tariff calculation (`bench/tariff.py`)",
        "",
        f"Measured {result['date']} on {m['cpu']} ({m['cpus']} CPUs), Python "
        f"{result['python']}, in one process: {p['rounds']} rounds of {p['count']} "
        f"declarations per scenario after {p['warmup']} warm-up ones, the two scenarios "
        f"alternating in chunks of {p['chunk']} so both see the same machine noise; medians "
        f"over rounds. {p['items_per_declaration']}-item import declarations "
        f"({p['variants']} variants) against the {p['tariff']}: ad valorem and compound "
        f"duties, a preference with proof of origin, anti-dumping by additional code, a quota, "
        f"a suspension, excise on spirits and cigarettes (retail price, MIN), VAT, the fee; "
        f"invoiced in USD under FOB. The baseline runs the same declarations through the "
        f"validation engine alone (every rule of the catalogue).",
        "",
        *rows,
        "",
        f"`ratio` is calculations per validation in the same round (median): "
        f"{result['ratio']:.2f}. Peak RSS is the process's high-water mark while the scenario "
        f"runs alone (reference data and tariff loaded; VmHWM reset before). Run it with "
        f"`.venv/bin/python bench/tariff.py` (a minute or two; `--quick` writes "
        f"`tariff-quick.json` only). Raw numbers, per round: `bench/results/tariff.json`.",
        END,
    ])




def write_markdown(section: str) -> None:
    """Replace this benchmark's section of BENCHMARKS.md, or append it."""
    write_section(BENCHMARKS_MD, BEGIN, END, section)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--count", type=int, default=None,
                        help="declarations per scenario and round (default 2000)")
    parser.add_argument("--warmup", type=int, default=200, help="warm-up declarations")
    parser.add_argument("--rounds", type=int, default=None, help="rounds (default 5)")
    parser.add_argument("--variants", type=int, default=20, help="distinct declarations")
    parser.add_argument("--chunk", type=int, default=50,
                        help="declarations per alternating chunk (default 50)")
    parser.add_argument("--quick", action="store_true",
                        help="short run (200 declarations, 1 round); writes tariff-quick.json")
    options = parser.parse_args(argv)
    options.count = options.count or (200 if options.quick else 2000)
    options.rounds = options.rounds or (1 if options.quick else 5)
    return options


def main(argv: list[str] | None = None) -> None:
    options = parse_args(argv)
    result = run(options)
    RESULTS.mkdir(exist_ok=True)
    name = "tariff-quick.json" if options.quick else "tariff.json"
    (RESULTS / name).write_text(json.dumps(result, indent=2) + "\n")
    if not options.quick:
        write_markdown(markdown_section(result))
    s = result["scenarios"]
    print(f"calculations/s {s['calculation']['per_s']:.1f}, validations/s "
          f"{s['validation']['per_s']:.1f}, ratio {result['ratio']:.2f}, peak RSS "
          f"{s['calculation']['peak_rss_mb']:.0f} MB -> bench/results/{name}")


if __name__ == "__main__":
    main()


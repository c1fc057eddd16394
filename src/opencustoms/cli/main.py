"""``opencustoms``: serve, migrate, import reference data, manage parties and keys.

Each command ends with a one-line summary; ``--json`` prints one JSON object instead.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import opencustoms.bootstrap as bootstrap
from opencustoms.cli import audit as audit_cli
from opencustoms.cli import demo as demo_cli
from opencustoms.cli import risk as risk_cli
from opencustoms.cli import worker as worker_cli
from opencustoms.domain.errors import DomainError
from opencustoms.domain.parties import Party, PartyId, Role
from opencustoms.settings import Settings


def _emit(args: argparse.Namespace, summary: str, data: dict[str, Any]) -> None:
    print(json.dumps(data, default=str) if args.json else summary)


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from opencustoms.cli.serve import run_server

    report = bootstrap.prepare(settings)
    print(f"data directory {settings.data_dir}; demo API keys in {settings.api_keys_file}")
    print(report.summary())
    run_server(args.host, args.port, args.workers)
    return 0


def _db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    revision = bootstrap.migrate(settings)
    _emit(args, f"database at revision {revision}", {"revision": revision})
    return 0


def _reference_import(args: argparse.Namespace, settings: Settings) -> int:
    count = bootstrap.import_nomenclature(settings, args.kind, Path(args.file), year=args.year,
                                          progress=None if args.json else _progress)
    _emit(args, f"imported {count} {args.kind} nomenclature nodes from {args.file}",
          {"kind": args.kind, "file": args.file, "imported": count})
    return 0


def _reference_rules(args: argparse.Namespace, settings: Settings) -> int:
    from opencustoms.validation.engine import catalogue

    rules = catalogue()
    if args.json:
        print(json.dumps([{"code": r.code, "family": r.family.value, "name": r.name,
                           "message": r.message} for r in rules]))
        return 0
    print("| code | family | message |\n| --- | --- | --- |")
    for r in rules:
        print(f"| {r.code} | {r.family.value} | {r.message.replace('|', '/')} |")
    return 0


def _tariff_show(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import date

    from opencustoms.services.estimate import commodity_measures
    from opencustoms.tariff.expressions import format_expression

    day = date.fromisoformat(args.date) if args.date else date.today()
    container = bootstrap.build(settings)
    try:
        found = commodity_measures(container.services, args.code, day, args.origin)
    finally:
        container.close()
    rows: list[dict[str, Any]] = [
        {"sid": m.sid, "type": m.type.id, "description": m.type.description,
             "declared_on": m.commodity, "origin": m.area.id,
             "rate": format_expression(m.components) if m.components else "",
             "additional_code": m.additional_code, "quota": m.quota,
             "conditions": len(m.conditions)} for m in found.measures]
    if args.json:
        print(json.dumps({"code": found.commodity.code,
                          "description": found.commodity.description,
                          "ancestors": [a.code for a in found.ancestors], "date": str(day),
                          "measures": rows}))
        return 0
    print(f"{found.commodity.code}  {found.commodity.description}")
    for ancestor in found.ancestors:
        print(f"  under {ancestor.code}  {ancestor.description}")
    for row in rows:
        extra = "".join(f" [{k} {row[k]}]" for k in ("additional_code", "quota") if row[k])
        print(f"  {row['type']:>4} {row['description'][:32]:<32} {row['origin']:<5} "
              f"on {row['declared_on']:<10} {row['rate']}{extra}")
    print(f"{len(rows)} measures in force on {day} for {args.code}"
          + (f" from {args.origin}" if args.origin else ""))
    return 0


def _risk_backtest(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import date

    from opencustoms.risk.backtest import BacktestPeriod
    from opencustoms.risk.profiles import RiskProfileId
    from opencustoms.services.risk_profiles import load_profile, run_backtest

    container = bootstrap.build(settings)
    try:
        services = container.services
        profile = load_profile(services, RiskProfileId(args.profile), args.version)
        period = BacktestPeriod.of(date.fromisoformat(args.start) if args.start else None,
                                   date.fromisoformat(args.end) if args.end else None,
                                   today=services.clock.now().date())
        report = run_backtest(services, profile, period).to_json()
    finally:
        container.close()
    if args.json:
        print(json.dumps(report))
        return 0
    for month in report["months"]:
        print(f"  {month['month']}: {month['hits']:>6} hits of {month['declarations']:>7} "
              f"declarations; extra workload {month['extra_workload']}")
    total = report["total"]
    print(f"profile {args.profile} v{report['version']}: {total['hits']} hits of "
          f"{total['declarations']} declarations from {report['from']} to {report['to']}")
    return 0


def _progress(done: int) -> None:
    print(f"\r  {done} rows", end="", file=sys.stderr, flush=True)


def _party_create(args: argparse.Namespace, settings: Settings) -> int:
    party = Party(PartyId(args.id), args.name, args.country,
                  frozenset(Role(r) for r in args.role), aeo=args.aeo, office=args.office,
                  represents=frozenset(PartyId(p) for p in args.represents))
    key = bootstrap.create_party(settings, party)
    _emit(args, f"created party {party.id} with API key {key}",
          {"party": party.id, "api_key": key})
    return 0


def _key_create(args: argparse.Namespace, settings: Settings) -> int:
    key = bootstrap.create_key(settings, PartyId(args.party))
    _emit(args, f"API key for {args.party}: {key}", {"party": args.party, "api_key": key})
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="opencustoms", description=__doc__)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    sub = p.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="prepare the database and serve the API")
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(handler=_serve)

    db = sub.add_parser("db", help="database").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="apply migrations").set_defaults(handler=_db_upgrade)

    ref = sub.add_parser("reference", help="reference data")
    ref_sub = ref.add_subparsers(dest="reference_command", required=True)
    imp = ref_sub.add_parser("import", help="import a public nomenclature")
    imp.add_argument("kind", choices=["hs", "cn"])
    imp.add_argument("file", help="HS CSV file, or the folder with the EU CN JSON files")
    imp.add_argument("--year", type=int, default=2026, help="CN edition (cn only)")
    imp.set_defaults(handler=_reference_import)

    ref_sub.add_parser("rules", help="print the rule catalogue as a Markdown table").set_defaults(
        handler=_reference_rules)

    tariff = sub.add_parser("tariff", help="tariff").add_subparsers(dest="tariff_command",
                                                                    required=True)
    show = tariff.add_parser("show", help="a commodity code's measures in force")
    show.add_argument("code")
    show.add_argument("--origin", help="country of origin (ISO 3166 alpha-2)")
    show.add_argument("--date", help="acceptance date, YYYY-MM-DD (default today)")
    show.set_defaults(handler=_tariff_show)

    audit_cli.add_parsers(sub)
    worker_cli.add_parser(sub)
    demo_cli.add_parser(sub)
    risk = risk_cli.add_parser(sub)
    backtest = risk.add_parser("backtest", help="run a stored risk profile over stored "
                                                "declarations, per month")
    backtest.add_argument("profile", help="risk profile id")
    backtest.add_argument("--version", type=int, help="profile version (default: current)")
    backtest.add_argument("--from", dest="start", help="first acceptance date, YYYY-MM-DD")
    backtest.add_argument("--to", dest="end", help="last acceptance date, YYYY-MM-DD")
    backtest.set_defaults(handler=_risk_backtest)

    party = sub.add_parser("party", help="parties").add_subparsers(dest="party_command",
                                                                   required=True)
    create = party.add_parser("create", help="create a party and its first API key")
    create.add_argument("id")
    create.add_argument("name")
    create.add_argument("--role", action="append", required=True,
                        choices=[r.value for r in Role])
    create.add_argument("--country", default="XX")
    create.add_argument("--aeo", action="store_true")
    create.add_argument("--office")
    create.add_argument("--represents", action="append", default=[])
    create.set_defaults(handler=_party_create)

    key = sub.add_parser("key", help="API keys").add_subparsers(dest="key_command",
                                                                required=True)
    key_create = key.add_parser("create", help="issue a new API key for a party")
    key_create.add_argument("party")
    key_create.set_defaults(handler=_key_create)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    settings = Settings.from_env()
    if getattr(args, "host", None) is None and args.command == "serve":
        args.host = settings.host
    if getattr(args, "port", None) is None and args.command == "serve":
        args.port = settings.port
    try:
        code: int = args.handler(args, settings)
    except (ValueError, FileNotFoundError, DomainError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":
    sys.exit(main())

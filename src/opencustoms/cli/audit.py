"""``opencustoms audit verify`` and ``opencustoms release verify``: check the evidence.

``audit verify`` walks the hash-chained audit log of the configured database and prints
``audit log intact: N entries, head <hash>`` (exit 0) or ``audit log broken at entry N:
<reason>`` (exit 1). It only reads.

``release verify NOTE.json --key KEY.pem`` checks a signed release note against the
administration's public key (the PEM from ``GET /api/v1/keys/{kid}.pem``), offline: no database
and no network. Exit 0 and ``valid: …`` when the signature holds, exit 1 and ``INVALID: …``
otherwise. ``docs/audit.md`` shows the same check with plain ``openssl``.

``add_parsers(subparsers)`` registers both commands on the main parser.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from sqlalchemy import inspect

from opencustoms.adapters.db.audit import AuditVerification, verify_chain
from opencustoms.adapters.db.engine import make_engine
from opencustoms.adapters.signing import SIGNATURE, key_id_of, load_public_key, verify_release_note
from opencustoms.settings import Settings


def verify_audit_command(args: argparse.Namespace, settings: Settings) -> int:
    result = _verify(settings.database_url)
    if result.ok:
        summary = f"audit log intact: {result.entries} entries, head {result.head}"
    else:
        summary = f"audit log broken at entry {result.first_broken_seq}: {result.reason}"
    if args.json:
        print(json.dumps({"ok": result.ok, "entries": result.entries,
                          "first_broken_seq": result.first_broken_seq,
                          "reason": result.reason, "head": result.head}))
    else:
        print(summary)
    return 0 if result.ok else 1


def _verify(database_url: str) -> AuditVerification:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table("audit_log"):
                raise ValueError("the database has no audit log: run 'opencustoms db upgrade'")
            return verify_chain(connection)
    finally:
        engine.dispose()


def verify_release_command(args: argparse.Namespace, settings: Settings | None) -> int:
    note = _read_note(Path(args.note))
    key_file = Path(args.key)
    if not key_file.is_file():
        raise FileNotFoundError(f"{args.key}: no such key file")
    material = key_file.read_bytes()
    key_id = key_id_of(load_public_key(material))
    valid = verify_release_note(note, material)
    signature = note.get(SIGNATURE)
    named = signature.get("key_id") if isinstance(signature, dict) else None
    if valid:
        summary = f"valid: release of MRN {note.get('mrn')} signed by key {key_id}"
    elif named not in (None, key_id):
        summary = f"INVALID: the note names key {named}, not {key_id}"
    else:
        summary = "INVALID: the signature does not match this note and key"
    if args.json:
        print(json.dumps({"valid": valid, "mrn": note.get("mrn"), "key_id": key_id}))
    else:
        print(summary)
    return 0 if valid else 1


def _read_note(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    try:
        note = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not JSON ({exc.msg}, line {exc.lineno})") from exc
    if not isinstance(note, dict):
        raise ValueError(f"{path}: a release note is a JSON object")
    return note


def add_parsers(subparsers: Any) -> None:
    """Register ``audit verify`` and ``release verify``."""
    audit = subparsers.add_parser("audit", help="the hash-chained audit log")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    audit_sub.add_parser("verify", help="walk the chain and report the first broken link"
                         ).set_defaults(handler=verify_audit_command)
    release = subparsers.add_parser("release", help="signed release notes")
    release_sub = release.add_subparsers(dest="release_command", required=True)
    verify = release_sub.add_parser("verify", help="check a release note's signature offline")
    verify.add_argument("note", help="the signed release note (JSON file)")
    verify.add_argument("--key", required=True, metavar="KEY.pem",
                        help="the administration's public key, PEM (GET /api/v1/keys/{kid}.pem)")
    verify.set_defaults(handler=verify_release_command)

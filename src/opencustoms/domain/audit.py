"""The audit trail: an append-only record of every state change, decision and security event
(DESIGN.md C8).

A :class:`AuditRecord` is what a use case asks to record; the store chains the records by
SHA-256 so that any later change to a stored entry breaks the chain.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One fact for the audit trail.

    ``kind`` says what the subject is (``declaration``, ``risk_profile``, ``account``,
    ``api_key``, ``webhook`` …), ``subject`` identifies it (an MRN, a profile id, a party id),
    ``event`` names what happened, ``data`` holds the facts as JSON values."""

    kind: str
    subject: str
    event: str
    actor: str
    at: datetime
    data: dict[str, Any] = field(default_factory=dict)


GENESIS = "0" * 64
"""``prev_hash`` of the first entry."""


def canonical_json(value: Any) -> bytes:
    """The one byte form hashed and signed — declaration content, audit entries, release
    notes: UTF-8 JSON with sorted keys, no insignificant
    whitespace, non-ASCII kept as is (RFC 8785 style for the values the system writes:
    strings, integers, booleans, null, lists and objects; decimals and times go in as text).

    Anything else raises ValueError naming where it is: a float has no single text form
    across languages and PostgreSQL's JSONB rewrites numbers (``1e2`` comes back as ``100``),
    so a float would make a stored entry fail verification; a non-string key would come back
    from the store as a string; NUL is refused by PostgreSQL."""
    _require_exact(value, "")
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def _require_exact(value: Any, at: str) -> None:
    if value is None or isinstance(value, bool | int):
        return
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError(f"{at or '/'}: NUL character in a string")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"{at or '/'}: object key {key!r} is not a string")
            _require_exact(key, at)
            _require_exact(item, f"{at}/{key}")
        return
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _require_exact(item, f"{at}/{index}")
        return
    raise ValueError(f"{at or '/'}: {type(value).__name__} is not allowed in canonical JSON "
                     "(use strings for decimals, times and floats)")


def entry_document(seq: int, record: AuditRecord, prev_hash: str) -> dict[str, Any]:
    """What an entry's hash covers: its place in the chain, its facts and the previous hash."""
    return {
        "seq": seq,
        "at": record.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": record.actor,
        "kind": record.kind,
        "subject": record.subject,
        "event": record.event,
        "data": record.data,
        "prev_hash": prev_hash,
    }


def entry_hash(seq: int, record: AuditRecord, prev_hash: str) -> str:
    """SHA-256 (hex) of the entry's canonical JSON."""
    return hashlib.sha256(canonical_json(entry_document(seq, record, prev_hash))).hexdigest()

"""The audit trail: an append-only record of every state change, decision and security event
(DESIGN.md C8).

A :class:`AuditRecord` is what a use case asks to record; the store chains the records by
SHA-256 so that any later change to a stored entry breaks the chain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
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
    require_canonical(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def require_canonical(value: Any) -> None:
    """ValueError naming where ``value`` holds something canonical JSON refuses."""
    if not _exact(value):
        _require_exact(value, "")  # raises, naming where


def _exact(value: Any) -> bool:
    """True if ``value`` holds only what canonical JSON takes: a fast walk with no paths (it
    runs on every lodgement); :func:`_require_exact` finds and names the offence."""
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is str:
            if "\x00" in item:
                return False
        elif kind is dict:
            for key, member in item.items():
                if type(key) is not str or "\x00" in key:
                    return False
                stack.append(member)
        elif kind is list or kind is tuple:
            stack.extend(item)
        elif not (item is None or kind is int or kind is bool):
            return False  # subclasses (enums) and everything else: the slow path decides
    return True


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
    return chained_hash(entry_pieces(record), seq, prev_hash)


def entry_pieces(record: AuditRecord,
                 encode: Callable[[Any], bytes] = canonical_json) -> tuple[bytes, bytes]:
    """The canonical JSON of :func:`entry_document` around its two chain fields: everything
    before ``prev_hash``'s value and everything after ``seq``'s (keys sort as actor, at, data,
    event, kind, prev_hash, seq, subject). They depend on the record alone, so they can be made
    before the chain's tail is known; :func:`chained_hash` completes them. ``encode`` may be a
    faster writer of exactly :func:`canonical_json`'s bytes (the store passes one)."""
    whole = encode(entry_document(0, record, GENESIS))
    before, found, after = whole.partition(_CHAIN_FIELDS)
    if not found or not after.startswith(b","):  # pragma: no cover - key order is fixed
        raise AssertionError("the entry document's chain fields are not where expected")
    return before, after


_CHAIN_FIELDS = b'"prev_hash":"' + GENESIS.encode() + b'","seq":0'


def chained_hash(pieces: tuple[bytes, bytes], seq: int, prev_hash: str) -> str:
    """SHA-256 (hex) of the canonical JSON of the entry at ``seq`` after ``prev_hash``, whose
    other fields are ``pieces`` (from :func:`entry_pieces`): the same bytes as
    ``canonical_json(entry_document(seq, record, prev_hash))``."""
    if type(seq) is not int or len(prev_hash) != 64 or not (prev_hash.isascii()
                                                          and prev_hash.isalnum()):
        raise ValueError("seq must be an integer and prev_hash a SHA-256 hex digest")
    digest = hashlib.sha256(pieces[0])
    digest.update(b'"prev_hash":"')
    digest.update(prev_hash.encode())
    digest.update(b'","seq":')
    digest.update(str(seq).encode())
    digest.update(pieces[1])
    return digest.hexdigest()

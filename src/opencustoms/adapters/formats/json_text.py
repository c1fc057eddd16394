"""Compact and canonical JSON for the store and the API, written by orjson (ADR 0011).

A lodgement serialises a dozen JSON values — the declaration's document, assessment and risk
columns, audit data, notification bodies, the answer — and the standard library's encoder spent
~20 µs on each, about a fifteenth of the lodgement's CPU. orjson writes the same compact form
(``separators=(",", ":")``, non-ASCII kept as is) 15–20 times faster.

The text is what ``json.dumps(value, separators=(",", ":"), ensure_ascii=False)`` would write
for the values this system serialises (strings, integers, booleans, null, lists, dicts), byte
for byte, including every code point's escaping (a test holds it to that). Whatever orjson would
treat otherwise goes to the standard library instead, so it behaves exactly as before: integers
beyond 64 bits, strings that are not valid Unicode, and types the standard encoder refuses
(dates, dataclasses and decimals raise ``TypeError`` as they always did). The differences are
for values the system does not write: orjson writes enums and UUIDs, which the standard
library refuses; a NaN or infinite float becomes ``null`` (the standard library wrote ``NaN``,
which is not JSON); and a float keeps its shortest round-trip digits either way, but orjson
writes an exponent without the padding zero (``1e-7``, not ``1e-07``).
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from opencustoms.domain.audit import canonical_json, require_canonical

_OPTIONS = (orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
            | orjson.OPT_PASSTHROUGH_DATACLASS)


def compact_json_bytes(value: Any) -> bytes:
    """``value`` as compact UTF-8 JSON (see the module docstring)."""
    try:
        return orjson.dumps(value, option=_OPTIONS)
    except TypeError:  # orjson.JSONEncodeError: see the module docstring
        return _standard(value).encode("utf-8")


def compact_json(value: Any) -> str:
    """:func:`compact_json_bytes` as text (SQLAlchemy's JSON columns take ``str``)."""
    try:
        return orjson.dumps(value, option=_OPTIONS).decode("utf-8")
    except TypeError:
        return _standard(value)


def _standard(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def canonical_json_bytes(value: Any) -> bytes:
    """:func:`~opencustoms.domain.audit.canonical_json`'s bytes (what is hashed and signed),
    written by orjson: the same checks refuse the same values, and for the values they let
    through orjson's sorted compact form is the standard library's byte for byte (a test holds
    it to that); what orjson refuses (integers beyond 64 bits, invalid Unicode) goes to the
    domain's own function."""
    require_canonical(value)
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return canonical_json(value)

"""The audit log's canonical form and entry hash (DESIGN.md C8): byte for byte, since third
parties recompute them with their own tools."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opencustoms.domain.audit import (
    GENESIS,
    AuditRecord,
    canonical_json,
    chained_hash,
    entry_document,
    entry_hash,
    entry_pieces,
)

AT = datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=timezone(timedelta(hours=2)))
RECORD = AuditRecord(kind="risk_profile", subject="RP0123456789", event="created",
                     actor="XX900000000002", at=AT,
                     data={"version": 1, "channel": "yellow", "note": "Zoll — ok"})

EXPECTED_BYTES = (
    '{"actor":"XX900000000002","at":"2026-03-02T07:30:15.123456+00:00",'
    '"data":{"channel":"yellow","note":"Zoll — ok","version":1},"event":"created",'
    '"kind":"risk_profile","prev_hash":"' + "0" * 64 + '","seq":1,"subject":"RP0123456789"}'
).encode("utf-8")

# sha256sum of EXPECTED_BYTES, computed outside Python (printf … | sha256sum)
EXPECTED_HASH = "92d90dc7439423694a28fc6bf6dd8c1ca1d8d6f5bae7d973b5150d3f5954ee1e"


def test_canonical_json_sorts_keys_drops_whitespace_and_keeps_non_ascii() -> None:
    assert canonical_json({"b": [1, True, None], "a": {"z": "é", "y": "x"}}) == (
        '{"a":{"y":"x","z":"é"},"b":[1,true,null]}'.encode())


def test_an_entry_document_is_the_exact_canonical_bytes_with_the_time_in_utc() -> None:
    assert canonical_json(entry_document(1, RECORD, GENESIS)) == EXPECTED_BYTES


def test_entry_hash_known_answer() -> None:
    assert entry_hash(1, RECORD, GENESIS) == EXPECTED_HASH


def test_the_same_instant_in_another_zone_hashes_the_same() -> None:
    in_utc = AuditRecord(RECORD.kind, RECORD.subject, RECORD.event, RECORD.actor,
                         AT.astimezone(UTC), dict(RECORD.data))
    assert entry_hash(1, in_utc, GENESIS) == EXPECTED_HASH


@pytest.mark.parametrize(("change", "value"), [
    ("seq", 2), ("prev_hash", "f" * 64), ("data", {"version": 2}), ("actor", "XX900000000003"),
])
def test_any_change_to_an_entry_changes_its_hash(change: str, value: Any) -> None:
    seq, prev, record = 1, GENESIS, RECORD
    if change == "seq":
        seq = value
    elif change == "prev_hash":
        prev = value
    elif change == "data":
        record = AuditRecord(RECORD.kind, RECORD.subject, RECORD.event, RECORD.actor, AT, value)
    else:
        record = AuditRecord(RECORD.kind, RECORD.subject, RECORD.event, value, AT, RECORD.data)
    assert entry_hash(seq, record, prev) != EXPECTED_HASH


@pytest.mark.parametrize(("value", "where"), [
    ({"amount": 12.5}, "/amount"),
    ({"lines": [{"rate": 0.1}]}, "/lines/0/rate"),
    ({1: "a"}, "object key 1"),
    ({"text": "a\x00b"}, "/text"),
])
def test_canonical_json_refuses_values_that_would_not_verify_after_storage(
        value: dict[Any, Any], where: str) -> None:
    with pytest.raises(ValueError, match=where):
        canonical_json(value)


def test_decimals_go_in_as_text() -> None:
    from decimal import Decimal

    with pytest.raises(ValueError, match="Decimal is not allowed"):
        canonical_json({"amount": Decimal("12.50")})
    assert canonical_json({"amount": "12.50"}) == b'{"amount":"12.50"}'


_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                max_size=12)
_JSON = st.recursive(st.none() | st.booleans() | st.integers() | _TEXT,
                     lambda inner: st.lists(inner, max_size=3)
                     | st.dictionaries(_TEXT, inner, max_size=3), max_leaves=8)


@given(kind=_TEXT, subject=_TEXT, event=_TEXT, actor=_TEXT,
       data=st.dictionaries(_TEXT, _JSON, max_size=4), seq=st.integers(1, 10**12),
       prev=st.text(alphabet="0123456789abcdef", min_size=64, max_size=64))
def test_the_hash_completed_from_pieces_is_the_hash_of_the_whole_canonical_entry(
        kind: str, subject: str, event: str, actor: str, data: dict[str, Any], seq: int,
        prev: str) -> None:
    record = AuditRecord(kind=kind, subject=subject, event=event, actor=actor, at=AT, data=data)
    whole = hashlib.sha256(canonical_json(entry_document(seq, record, prev))).hexdigest()
    assert chained_hash(entry_pieces(record), seq, prev) == whole == entry_hash(seq, record, prev)


@pytest.mark.parametrize("prev", ["0" * 63, "0" * 63 + '"', "é" * 64])
def test_a_chain_field_that_could_break_the_json_is_refused(prev: str) -> None:
    with pytest.raises(ValueError, match="prev_hash"):
        chained_hash(entry_pieces(RECORD), 1, prev)

"""The compact JSON encoder writes exactly what the standard library wrote (ADR 0011)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opencustoms.adapters.formats.json_text import (
    canonical_json_bytes,
    compact_json,
    compact_json_bytes,
)
from opencustoms.domain.audit import canonical_json


def standard(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


SCALARS = st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.text()
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(), inner, max_size=4), max_leaves=20)


@settings(max_examples=400)
@given(VALUES)
def test_the_text_is_the_standard_librarys_byte_for_byte(value: Any) -> None:
    assert compact_json(value) == standard(value)
    assert compact_json_bytes(value) == standard(value).encode("utf-8")


def test_every_code_point_is_escaped_as_the_standard_library_escapes_it() -> None:
    characters = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)
    assert compact_json_bytes(characters) == standard(characters).encode("utf-8")
    assert compact_json({"\x00\x1f\"\\\u2028": "\x7f"}) == '{"\\u0000\\u001f\\"\\\\\u2028":"\x7f"}'


def test_integers_beyond_64_bits_and_non_string_keys_are_written_as_before() -> None:
    value = {"big": 2**70, "negative": -(2**70), 3: True, None: 1, False: [(1, 2)]}
    assert compact_json(value) == standard(value)
    assert compact_json(value) == ('{"big":1180591620717411303424,'
                                   '"negative":-1180591620717411303424,'
                                   '"3":true,"null":1,"false":[[1,2]]}')


@dataclass
class Point:
    x: int


@pytest.mark.parametrize("value", [datetime(2026, 11, 29, tzinfo=UTC), Decimal("1.50"), Point(1),
                                   {1, 2}])
def test_what_the_standard_library_refuses_is_still_refused(value: Any) -> None:
    with pytest.raises(TypeError, match="not JSON serializable"):
        compact_json({"value": value})
    with pytest.raises(TypeError, match="not JSON serializable"):
        compact_json_bytes([value])


def test_a_lone_surrogate_stays_text_and_cannot_be_written_as_bytes() -> None:
    assert compact_json("\ud800") == standard("\ud800")
    with pytest.raises(UnicodeEncodeError):
        compact_json_bytes("\ud800")


def test_the_values_the_system_writes_take_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the exceptions above go to the standard library: a declaration document does not
    (it would cost ~20 µs more per column on every lodgement)."""
    def refuse(value: Any) -> str:
        raise AssertionError("fell back to the standard library")

    monkeypatch.setattr("opencustoms.adapters.formats.json_text._standard", refuse)
    document = {"lrn": "LRN-1", "items": [{"sequence": 1, "net_mass": "12.500", "origin": "CN",
                                          "documents": [], "preference": None}],
                "declarant": "XX100000000001", "pre_lodged": False, "note": "Straße 1"}
    assert compact_json(document) == standard(document)


# NUL is refused (PostgreSQL) and a lone surrogate cannot be UTF-8: both raise, tested below
TEXT = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"))
CANONICAL = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**80), 2**80) | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=5),
    max_leaves=25)


@settings(max_examples=400)
@given(CANONICAL)
def test_the_canonical_bytes_are_the_domains_byte_for_byte(value: Any) -> None:
    """What is hashed and signed must not change with the encoder: keys sorted alike (any
    Unicode), integers of any size, every escape."""
    assert canonical_json_bytes(value) == canonical_json(value)


def test_the_canonical_bytes_sort_keys_by_code_point_and_escape_as_the_domain_does() -> None:
    value = {"\U0001f600": 1, "\uffff": 2, "é": 3, "e": [True, None], "E": "\x1f\u2028\x7f"}
    assert canonical_json_bytes(value) == canonical_json(value)
    assert canonical_json_bytes(value) == (
        '{"E":"\\u001f\u2028\x7f","e":[true,null],"é":3,"\uffff":2,"\U0001f600":1}'
        .encode())


@pytest.mark.parametrize(("value", "message"), [
    ({"price": 1.5}, "/price: float is not allowed"),
    ({"at": datetime(2026, 1, 1, tzinfo=UTC)}, "/at: datetime is not allowed"),
    ({"x": ["a\x00"]}, "/x/0: NUL character"),
    ({1: "one"}, "object key 1 is not a string"),
])
def test_the_canonical_bytes_refuse_what_the_domain_refuses(value: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        canonical_json(value)
    with pytest.raises(ValueError, match=message):
        canonical_json_bytes(value)


def test_a_lone_surrogate_cannot_be_hashed_either_way() -> None:
    with pytest.raises(UnicodeEncodeError):
        canonical_json({"\ud800": 1})
    with pytest.raises(UnicodeEncodeError):
        canonical_json_bytes({"\ud800": 1})

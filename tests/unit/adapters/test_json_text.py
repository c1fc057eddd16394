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

from opencustoms.adapters.formats.json_text import compact_json, compact_json_bytes


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

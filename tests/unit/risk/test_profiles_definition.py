"""A submitted profile: required fields, validity, channel, weight — and versioning."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from opencustoms.domain.errors import RuleViolations
from opencustoms.domain.parties import PartyId
from opencustoms.domain.reference import Validity
from opencustoms.risk.profiles import (
    PROFILE_ID_SHAPE,
    InvalidProfile,
    ProfileChannel,
    RiskProfile,
    new_profile_id,
    parse_profile,
)

ANALYST = PartyId("XX900000000002")
AT = datetime(2026, 3, 1, 8, tzinfo=UTC)


def document(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": "Undervalued footwear", "description": "Unit value below 2 EUR",
        "criteria": {"all": [{"field": "item.commodity_code", "op": "starts_with",
                              "value": "64"},
                             {"field": "item.unit_value", "op": "lt", "value": "2"}]},
        "valid_from": "2026-03-01", "valid_to": "2026-12-31", "channel": "yellow",
        "instructions": "Ask for the invoice and proof of payment", "weight": 40,
        "active": True,
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not ...}


def problems(doc: dict[str, Any], at: str = "") -> list[tuple[str, str]]:
    with pytest.raises(InvalidProfile) as raised:
        parse_profile(doc, at)
    return [(p.code, p.pointer) for p in raised.value.problems]


def test_a_complete_profile_parses() -> None:
    definition = parse_profile(document())
    assert definition.name == "Undervalued footwear"
    assert definition.validity == Validity(date(2026, 3, 1), date(2026, 12, 31))
    assert definition.channel is ProfileChannel.YELLOW
    assert definition.weight == Decimal(40)
    assert definition.active is True


def test_optional_fields_have_defaults() -> None:
    definition = parse_profile(document(description=..., valid_to=..., active=...))
    assert definition.description == ""
    assert definition.validity.end is None
    assert definition.active is True


def test_canonical_json_reads_back_to_the_same_definition() -> None:
    definition = parse_profile(document(weight="12.5", valid_to=None))
    canonical = definition.to_json()
    assert canonical["weight"] == "12.5" and canonical["valid_to"] is None
    assert parse_profile(canonical) == definition


def test_a_profile_that_would_end_before_it_starts_points_at_valid_to() -> None:
    assert problems(document(valid_from="2026-06-01", valid_to="2026-05-31")) == [
        ("risk.profile.valid-to-before-valid-from", "/valid_to")]


def test_a_one_day_profile_is_fine() -> None:
    definition = parse_profile(document(valid_from="2026-06-01", valid_to="2026-06-01"))
    assert definition.validity.contains(date(2026, 6, 1))


@pytest.mark.parametrize("key", ["name", "criteria", "valid_from", "channel", "instructions",
                                 "weight"])
def test_required_fields(key: str) -> None:
    assert problems(document(**{key: ...})) == [("risk.profile.missing-key", f"/{key}")]


@pytest.mark.parametrize(("key", "value", "code"), [
    ("name", "", "risk.profile.malformed-value"),
    ("name", "   ", "risk.profile.malformed-value"),
    ("name", "x" * 201, "risk.profile.malformed-value"),
    ("name", "line\nbreak", "risk.profile.malformed-value"),
    ("description", 5, "risk.profile.malformed-value"),
    ("instructions", "", "risk.profile.malformed-value"),
    ("valid_from", "1 March 2026", "risk.profile.malformed-value"),
    ("valid_from", "2026-02-30", "risk.profile.malformed-value"),
    ("valid_to", "2026-13-01", "risk.profile.malformed-value"),
    ("channel", "green", "risk.profile.malformed-value"),
    ("channel", "RED", "risk.profile.malformed-value"),
    ("weight", "heavy", "risk.profile.malformed-value"),
    ("weight", float("nan"), "risk.profile.malformed-value"),
    ("weight", True, "risk.profile.malformed-value"),
    ("weight", Decimal("NaN"), "risk.profile.malformed-value"),
    ("weight", 100.5, "risk.profile.weight-out-of-range"),
    ("weight", -1, "risk.profile.weight-out-of-range"),
    ("active", "yes", "risk.profile.malformed-value"),
])
def test_malformed_fields_point_at_themselves(key: str, value: Any, code: str) -> None:
    assert problems(document(**{key: value})) == [(code, f"/{key}")]


def test_weight_bounds_are_inclusive() -> None:
    assert parse_profile(document(weight=0)).weight == 0
    assert parse_profile(document(weight="100")).weight == 100


def test_multi_line_instructions_are_fine() -> None:
    assert parse_profile(document(instructions="1. Weigh\n2. Photograph")).instructions


def test_unknown_keys_are_refused() -> None:
    assert problems(document(owner="me")) == [("risk.profile.unknown-key", "/owner")]


def test_criteria_problems_and_profile_problems_come_together_under_the_prefix() -> None:
    bad = document(valid_to="2026-01-01", channel="blue",
                   criteria={"all": [{"field": "item.colour", "op": "eq", "value": "red"}]})
    assert problems(bad, "/draft") == [
        ("risk.criteria.unknown-field", "/draft/criteria/all/0/field"),
        ("risk.profile.valid-to-before-valid-from", "/draft/valid_to"),
        ("risk.profile.malformed-value", "/draft/channel"),
    ]


def test_an_invalid_profile_is_a_rule_violation_with_its_own_code() -> None:
    with pytest.raises(RuleViolations, match=r"1 problem\(s\) in the risk profile") as raised:
        parse_profile(document(weight=101))
    assert raised.value.code == "risk.profile.invalid"


# --- versioning ---------------------------------------------------------------------------


def test_a_new_profile_is_version_1_with_a_fresh_id() -> None:
    profile = RiskProfile.create(parse_profile(document()), by=ANALYST, at=AT)
    assert profile.version == 1
    assert PROFILE_ID_SHAPE.match(profile.id)
    assert new_profile_id() != new_profile_id()


def test_a_change_makes_the_next_version_and_leaves_the_old_one_as_it_was() -> None:
    first = RiskProfile.create(parse_profile(document()), by=ANALYST, at=AT)
    changed = parse_profile(document(channel="red", weight=90))
    later = datetime(2026, 4, 1, tzinfo=UTC)
    second = first.revise(changed, by=PartyId("XX900000000003"), at=later)
    assert (second.id, second.version, second.created_by, second.created_at) == (
        first.id, 2, "XX900000000003", later)
    assert second.definition.channel is ProfileChannel.RED
    assert first.version == 1 and first.definition.channel is ProfileChannel.YELLOW
    assert second.revise(changed, by=ANALYST, at=later).version == 3

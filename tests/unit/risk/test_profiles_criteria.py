"""Criteria parsing: the grammar, and every malformed criterion reported with its pointer."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from opencustoms.domain.errors import Problem
from opencustoms.risk.criteria import (
    FIELDS,
    MAX_DEPTH,
    MAX_NODES,
    OPERATORS,
    AllOf,
    AnyOf,
    CodeCondition,
    FieldType,
    Not,
    NumberCondition,
    Operator,
    criteria_to_json,
    parse_criteria,
)

ORIGIN = {"field": "item.origin", "op": "eq", "value": "CN"}
EXAMPLE = {"all": [
    {"field": "item.commodity_code", "op": "starts_with", "value": "8712"},
    {"field": "item.origin", "op": "in", "value": ["CN", "VN"]},
    {"not": {"field": "declarant.aeo", "op": "eq", "value": True}},
]}


def problems(document: Any) -> list[tuple[str, str]]:
    criterion, found = parse_criteria(document)
    assert criterion is None
    return [(p.code, p.pointer) for p in found]


def one_problem(document: Any) -> Problem:
    criterion, found = parse_criteria(document)
    assert criterion is None and len(found) == 1, found
    return found[0]


def nested_not(levels: int) -> dict[str, Any]:
    node: dict[str, Any] = ORIGIN
    for _ in range(levels):
        node = {"not": node}
    return node


# --- what parses --------------------------------------------------------------------------


def test_the_issue_example_parses_into_typed_nodes() -> None:
    criterion, found = parse_criteria(EXAMPLE)
    assert found == []
    assert isinstance(criterion, AllOf)
    prefix, origin, not_aeo = criterion.parts
    assert prefix == CodeCondition(FIELDS["item.commodity_code"], Operator.STARTS_WITH, ("8712",))
    assert origin == CodeCondition(FIELDS["item.origin"], Operator.IN, ("CN", "VN"))
    assert isinstance(not_aeo, Not)


def test_numbers_may_be_json_numbers_or_decimal_strings_and_stay_exact() -> None:
    for value, expected in ((1000, "1000"), (0.1, "0.1"), ("1000.50", "1000.50"),
                            (-2, "-2")):
        criterion, _ = parse_criteria({"field": "item.value", "op": "gt", "value": value})
        assert isinstance(criterion, NumberCondition)
        assert criterion.threshold == Decimal(expected)
        assert str(criterion.threshold) == expected


def test_between_takes_low_and_high_bounds() -> None:
    criterion, _ = parse_criteria({"field": "item.unit_value", "op": "between",
                                   "value": ["1.5", 3]})
    assert criterion == NumberCondition(FIELDS["item.unit_value"], Operator.BETWEEN,
                                        Decimal("1.5"), Decimal(3))


def test_starts_with_takes_one_prefix_or_a_list_of_prefixes() -> None:
    criterion, _ = parse_criteria({"field": "item.commodity_code", "op": "starts_with",
                                   "value": ["8712", "8714"]})
    assert criterion == CodeCondition(FIELDS["item.commodity_code"], Operator.STARTS_WITH,
                                      ("8712", "8714"))


def test_canonical_json_reads_back_to_the_same_tree() -> None:
    document = {"any": [EXAMPLE, {"field": "item.value_per_kg", "op": "between",
                                  "value": [0.5, "2.25"]},
                        {"field": "declaration.transport_mode", "op": "ne", "value": "1"}]}
    criterion, _ = parse_criteria(document)
    assert criterion is not None
    canonical = criteria_to_json(criterion)
    assert canonical["any"][0] == EXAMPLE
    assert canonical["any"][1]["value"] == ["0.5", "2.25"]
    assert parse_criteria(canonical) == (criterion, [])
    assert isinstance(criterion, AnyOf)


def test_nesting_exactly_at_the_depth_limit_is_allowed() -> None:
    criterion, found = parse_criteria(nested_not(MAX_DEPTH - 1))
    assert found == [] and isinstance(criterion, Not)


def test_every_field_type_has_its_operators() -> None:
    assert set(OPERATORS[FieldType.CODE]) == {Operator.EQ, Operator.NE, Operator.IN,
                                              Operator.NOT_IN, Operator.STARTS_WITH}
    assert Operator.BETWEEN in OPERATORS[FieldType.NUMBER]
    assert set(OPERATORS[FieldType.BOOLEAN]) == {Operator.EQ, Operator.NE}
    assert {"item.commodity_code", "item.origin", "item.value", "item.unit_value",
            "item.gross_net_ratio", "item.value_per_kg", "item.duty", "item.net_mass",
            "declaration.importer", "declaration.declarant", "declaration.office",
            "declaration.dispatch_country", "declaration.transport_mode",
            "declaration.preference_claimed", "declaration.incoterm", "declarant.aeo"
            } <= set(FIELDS)


# --- bad input, each with its pointer -----------------------------------------------------


def test_unknown_field_points_at_the_field_key() -> None:
    document = {"all": [ORIGIN, {"field": "item.colour", "op": "eq", "value": "red"}]}
    assert problems(document) == [("risk.criteria.unknown-field", "/criteria/all/1/field")]


def test_a_field_that_is_not_a_string_is_unknown() -> None:
    assert problems({"field": 7, "op": "eq", "value": "x"}) == [
        ("risk.criteria.unknown-field", "/criteria/field")]


def test_unknown_operator_points_at_op() -> None:
    problem = one_problem({"field": "item.origin", "op": "like", "value": "C%"})
    assert (problem.code, problem.pointer) == ("risk.criteria.unknown-operator", "/criteria/op")


@pytest.mark.parametrize(("field", "op", "value"), [
    ("item.value", "starts_with", "10"),
    ("item.origin", "gt", "CN"),
    ("declarant.aeo", "in", [True]),
    ("item.net_mass", "in", [1, 2]),
    ("declaration.importer", "between", ["A", "B"]),
])
def test_operator_not_allowed_for_the_fields_type(field: str, op: str, value: Any) -> None:
    problem = one_problem({"any": [{"field": field, "op": op, "value": value}]})
    assert (problem.code, problem.pointer) == ("risk.criteria.operator-not-allowed",
                                               "/criteria/any/0/op")
    assert FIELDS[field].type.value in problem.detail


@pytest.mark.parametrize("threshold", [
    "abc", "1e5", "1,000", "", float("nan"), float("inf"), "NaN", "Infinity", True, None,
    [1], {"amount": 1},
])
def test_malformed_threshold_points_at_the_value(threshold: Any) -> None:
    problem = one_problem({"all": [ORIGIN, {"field": "item.value", "op": "ge",
                                            "value": threshold}]})
    assert (problem.code, problem.pointer) == ("risk.criteria.malformed-value",
                                               "/criteria/all/1/value")


@pytest.mark.parametrize(("value", "pointer"), [
    ([1], "/criteria/value"),
    ([1, 2, 3], "/criteria/value"),
    ("1-2", "/criteria/value"),
    ([1, "x"], "/criteria/value/1"),
    ([float("nan"), 2], "/criteria/value/0"),
    ([5, 1], "/criteria/value"),
])
def test_malformed_between_bounds(value: Any, pointer: str) -> None:
    problem = one_problem({"field": "item.value", "op": "between", "value": value})
    assert (problem.code, problem.pointer) == ("risk.criteria.malformed-value", pointer)


@pytest.mark.parametrize(("op", "value", "pointer"), [
    ("in", [], "/criteria/value"),
    ("in", "CN", "/criteria/value"),
    ("not_in", ["CN", 7], "/criteria/value/1"),
    ("eq", ["CN"], "/criteria/value"),
    ("eq", "", "/criteria/value"),
    ("eq", "C\x00N", "/criteria/value"),
    ("starts_with", [], "/criteria/value"),
    ("eq", "X" * 36, "/criteria/value"),
])
def test_malformed_code_values(op: str, value: Any, pointer: str) -> None:
    problem = one_problem({"field": "item.origin", "op": op, "value": value})
    assert (problem.code, problem.pointer) == ("risk.criteria.malformed-value", pointer)


def test_boolean_fields_take_only_true_or_false() -> None:
    problem = one_problem({"field": "declarant.aeo", "op": "eq", "value": "yes"})
    assert (problem.code, problem.pointer) == ("risk.criteria.malformed-value", "/criteria/value")


@pytest.mark.parametrize("combinator", ["all", "any"])
def test_empty_combinator_points_at_its_list(combinator: str) -> None:
    document = {"all": [ORIGIN, {"not": {combinator: []}}]}
    assert problems(document) == [("risk.criteria.empty-combinator",
                                   f"/criteria/all/1/not/{combinator}")]


def test_a_combinator_needs_a_list() -> None:
    assert problems({"any": ORIGIN}) == [("risk.criteria.not-a-list", "/criteria/any")]


def test_nesting_deeper_than_eight_levels_is_refused_at_the_ninth() -> None:
    found = problems(nested_not(MAX_DEPTH))
    assert found == [("risk.criteria.too-deep", "/criteria" + "/not" * MAX_DEPTH)]


def test_a_criterion_must_be_an_object() -> None:
    assert problems({"all": [ORIGIN, "item.origin == 'CN'", ["x"]]}) == [
        ("risk.criteria.not-an-object", "/criteria/all/1"),
        ("risk.criteria.not-an-object", "/criteria/all/2"),
    ]
    assert problems("__import__('os').system('true')") == [
        ("risk.criteria.not-an-object", "/criteria")]


def test_an_object_that_is_neither_combinator_nor_condition() -> None:
    assert problems({"or": [ORIGIN]}) == [("risk.criteria.unknown-node", "/criteria")]
    assert problems({}) == [("risk.criteria.unknown-node", "/criteria")]


def test_a_combinator_with_other_keys_is_refused_key_by_key() -> None:
    assert problems({"all": [ORIGIN], "any": [ORIGIN], "a/b": 1}) == [
        ("risk.criteria.unknown-key", "/criteria/a~1b"),
        ("risk.criteria.unknown-key", "/criteria/any"),
    ]


def test_a_condition_with_a_missing_or_extra_key() -> None:
    assert problems({"field": "item.origin", "op": "eq"}) == [
        ("risk.criteria.missing-key", "/criteria/value")]
    assert problems({"field": "item.origin", "op": "eq", "value": "CN", "unit": "x"}) == [
        ("risk.criteria.unknown-key", "/criteria/unit")]


def test_every_problem_is_reported_at_once() -> None:
    document = {"all": [
        {"field": "item.colour", "op": "eq", "value": "red"},
        {"field": "item.value", "op": "gt", "value": "lots"},
        {"any": []},
        {"field": "item.origin", "op": "approximately", "value": "CN"},
    ]}
    assert problems(document) == [
        ("risk.criteria.unknown-field", "/criteria/all/0/field"),
        ("risk.criteria.malformed-value", "/criteria/all/1/value"),
        ("risk.criteria.empty-combinator", "/criteria/all/2/any"),
        ("risk.criteria.unknown-operator", "/criteria/all/3/op"),
    ]


def test_criteria_with_too_many_nodes_are_refused() -> None:
    document = {"any": [ORIGIN] * MAX_NODES}
    assert problems(document) == [("risk.criteria.too-large", f"/criteria/any/{MAX_NODES - 1}")]


def test_pointers_start_where_the_caller_says() -> None:
    _, found = parse_criteria({"not": {"field": "x", "op": "eq", "value": 1}},
                              "/draft/criteria")
    assert [p.pointer for p in found] == ["/draft/criteria/not/field"]

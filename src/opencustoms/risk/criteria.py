"""Risk profile criteria: a small, validated expression tree over a fixed catalogue of fields.

An analyst writes criteria as JSON; nothing of it is ever executed as code. The grammar::

    criterion := {"all": [criterion, …]}          every part holds (at least one part)
               | {"any": [criterion, …]}          some part holds (at least one part)
               | {"not": criterion}               the part does not hold
               | {"field": NAME, "op": OP, "value": VALUE}

``NAME`` is one of :data:`FIELDS`; each field has a type, and the type decides the operators
(:data:`OPERATORS`) and the shape of ``VALUE``:

- code: ``eq``/``ne`` a string; ``in``/``not_in`` a non-empty list of strings; ``starts_with``
  a string or a non-empty list of prefixes (any of them).
- number: ``eq ne gt ge lt le`` a number (a JSON number or a decimal string such as
  ``"1000.50"``); ``between`` a list ``[low, high]`` with low ≤ high, both bounds included.
- boolean: ``eq``/``ne`` ``true`` or ``false``.

**Item semantics.** Item fields (``item.…``) are read from one goods item at a time. The
criteria hold for a declaration when *some goods item*, read together with the declaration's
header, satisfies the whole tree. So ``all`` of two item conditions needs one item meeting both
(bicycles *originating in* China, not bicycles plus anything from China), and ``not`` negates
for that item ("an item not originating in CN"). Criteria without item fields are evaluated
once for the declaration. The goods items that satisfy the tree are reported with the hit.

**Missing data.** A condition on a value the declaration does not give (no importer, no
supplementary quantity for a unit value, zero net mass for a value per kg) is false, whatever
the operator — ``ne`` and ``not_in`` included; wrap an ``eq`` in ``not`` to include them.

Limits: depth at most :data:`MAX_DEPTH` nodes from the root, at most :data:`MAX_NODES` nodes,
lists of at most :data:`MAX_LIST` values. Every problem is reported at once, with a JSON
Pointer into the submitted document.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeAlias, TypeVar

from opencustoms.domain.errors import Problem

if TYPE_CHECKING:  # the facts live beside the profiles that read them
    from opencustoms.risk.profiles import ItemFacts, RiskFacts

MAX_DEPTH = 8
MAX_NODES = 500
MAX_LIST = 1000
MAX_CODE_LENGTH = 35

_DECIMAL = re.compile(r"^-?[0-9]{1,15}(\.[0-9]{1,6})?$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class FieldType(StrEnum):
    CODE = "code"
    NUMBER = "number"
    BOOLEAN = "boolean"


class Operator(StrEnum):
    EQ = "eq"
    NE = "ne"
    IN = "in"
    NOT_IN = "not_in"
    STARTS_WITH = "starts_with"
    GT = "gt"
    GE = "ge"
    LT = "lt"
    LE = "le"
    BETWEEN = "between"


OPERATORS: Mapping[FieldType, tuple[Operator, ...]] = {
    FieldType.CODE: (Operator.EQ, Operator.NE, Operator.IN, Operator.NOT_IN,
                     Operator.STARTS_WITH),
    FieldType.NUMBER: (Operator.EQ, Operator.NE, Operator.GT, Operator.GE, Operator.LT,
                       Operator.LE, Operator.BETWEEN),
    FieldType.BOOLEAN: (Operator.EQ, Operator.NE),
}
"""The operators each field type allows."""

Item: TypeAlias = "ItemFacts | None"
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class _Field(Generic[T]):
    """A field criteria may name: its name, what it means, and how it is read from the facts
    (and the goods item, for item fields)."""

    name: str
    description: str
    read: Callable[[RiskFacts, Item], T | None]
    type: ClassVar[FieldType]

    @property
    def item_level(self) -> bool:
        return self.name.startswith("item.")


class CodeField(_Field[str]):
    __slots__ = ()
    type = FieldType.CODE


class NumberField(_Field[Decimal]):
    __slots__ = ()
    type = FieldType.NUMBER


class BooleanField(_Field[bool]):
    __slots__ = ()
    type = FieldType.BOOLEAN


Field = CodeField | NumberField | BooleanField


def _of_item(read: Callable[[ItemFacts], T | None]) -> Callable[[RiskFacts, Item], T | None]:
    return lambda _, item: None if item is None else read(item)


_CATALOGUE: tuple[Field, ...] = (
    CodeField("declaration.type", "declaration type, DE 1/1: IM, EX, CO",
              lambda f, _: f.type),
    CodeField("declaration.additional_type", "additional declaration type, DE 1/2: A, D",
              lambda f, _: f.additional_type),
    CodeField("declaration.office", "customs office of declaration",
              lambda f, _: f.office),
    CodeField("declaration.declarant", "declarant's EORI", lambda f, _: f.declarant),
    CodeField("declaration.importer", "importer's EORI", lambda f, _: f.importer),
    CodeField("declaration.representative", "representative's EORI",
              lambda f, _: f.representative),
    CodeField("declaration.dispatch_country", "country of dispatch",
              lambda f, _: f.dispatch_country),
    CodeField("declaration.destination_country", "country of destination",
              lambda f, _: f.destination_country),
    CodeField("declaration.transport_mode", "mode of transport at the border, DE 7/4",
              lambda f, _: f.transport_mode),
    CodeField("declaration.incoterm", "Incoterm of the delivery terms",
              lambda f, _: f.incoterm),
    BooleanField("declaration.preference_claimed", "some goods item claims a tariff preference",
                 lambda f, _: f.preference_claimed),
    BooleanField("declarant.aeo", "the declarant holds an AEO authorisation",
                 lambda f, _: f.declarant_aeo),
    CodeField("item.commodity_code", "commodity code of the goods item",
              _of_item(lambda i: i.commodity_code)),
    CodeField("item.origin", "country of origin of the goods item",
              _of_item(lambda i: i.origin)),
    CodeField("item.procedure", "procedure code (4 digits, DE 1/10)",
              _of_item(lambda i: i.procedure)),
    CodeField("item.preference", "preference code, DE 4/17",
              _of_item(lambda i: i.preference)),
    BooleanField("item.preference_claimed", "the goods item claims a tariff preference",
                 _of_item(lambda i: i.preference_claimed)),
    NumberField("item.value", "customs value in national currency (as assessed, else as "
                "declared)", _of_item(lambda i: i.value)),
    NumberField("item.unit_value", "value per supplementary unit",
                _of_item(lambda i: i.unit_value)),
    NumberField("item.net_mass", "net mass in kg", _of_item(lambda i: i.net_mass)),
    NumberField("item.gross_net_ratio", "gross mass / net mass",
                _of_item(lambda i: i.gross_net_ratio)),
    NumberField("item.value_per_kg", "value per kg of net mass",
                _of_item(lambda i: i.value_per_kg)),
    NumberField("item.duty", "customs duties assessed on the item (tax types A…), national "
                "currency", _of_item(lambda i: i.duty)),
)

FIELDS: Mapping[str, Field] = {field.name: field for field in _CATALOGUE}
"""The fixed catalogue of fields criteria may name."""


# --- the tree -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CodeCondition:
    field: CodeField
    op: Operator
    values: tuple[str, ...]

    def holds(self, facts: RiskFacts, item: Item) -> bool:
        actual = self.field.read(facts, item)
        if actual is None:
            return False
        if self.op in (Operator.EQ, Operator.IN):
            return actual in self.values
        if self.op in (Operator.NE, Operator.NOT_IN):
            return actual not in self.values
        return actual.startswith(self.values)


@dataclass(frozen=True, slots=True)
class NumberCondition:
    field: NumberField
    op: Operator
    threshold: Decimal
    upper: Decimal | None = None  # ``between`` only

    def holds(self, facts: RiskFacts, item: Item) -> bool:
        actual = self.field.read(facts, item)
        if actual is None:
            return False
        t = self.threshold
        match self.op:
            case Operator.EQ:
                return actual == t
            case Operator.NE:
                return actual != t
            case Operator.GT:
                return actual > t
            case Operator.GE:
                return actual >= t
            case Operator.LT:
                return actual < t
            case Operator.LE:
                return actual <= t
        return self.upper is not None and t <= actual <= self.upper


@dataclass(frozen=True, slots=True)
class BooleanCondition:
    field: BooleanField
    op: Operator
    value: bool

    def holds(self, facts: RiskFacts, item: Item) -> bool:
        actual = self.field.read(facts, item)
        if actual is None:
            return False
        return (actual == self.value) if self.op is Operator.EQ else (actual != self.value)


@dataclass(frozen=True, slots=True)
class AllOf:
    parts: tuple[Criterion, ...]

    def holds(self, facts: RiskFacts, item: Item) -> bool:
        return all(part.holds(facts, item) for part in self.parts)


@dataclass(frozen=True, slots=True)
class AnyOf:
    parts: tuple[Criterion, ...]

    def holds(self, facts: RiskFacts, item: Item) -> bool:
        return any(part.holds(facts, item) for part in self.parts)


@dataclass(frozen=True, slots=True)
class Not:
    part: Criterion

    def holds(self, facts: RiskFacts, item: Item) -> bool:
        return not self.part.holds(facts, item)


Criterion = CodeCondition | NumberCondition | BooleanCondition | AllOf | AnyOf | Not
Condition = CodeCondition | NumberCondition | BooleanCondition


def uses_items(criterion: Criterion) -> bool:
    """Whether any condition of the tree reads a goods item field."""
    if isinstance(criterion, AllOf | AnyOf):
        return any(uses_items(part) for part in criterion.parts)
    if isinstance(criterion, Not):
        return uses_items(criterion.part)
    return criterion.field.item_level


def matching_items(criterion: Criterion, facts: RiskFacts) -> tuple[int, ...] | None:
    """Whether ``criterion`` holds for the declaration (see the module's item semantics).

    None when it does not hold; otherwise the sequence numbers of the goods items that satisfy
    it (empty when the criteria name no item field)."""
    if not uses_items(criterion):
        return () if criterion.holds(facts, None) else None
    found = tuple(item.sequence for item in facts.items if criterion.holds(facts, item))
    return found or None


# --- JSON in and out ------------------------------------------------------------------------


def criteria_to_json(criterion: Criterion) -> dict[str, Any]:
    """The canonical JSON of a tree: what :func:`parse_criteria` reads back to an equal tree.
    Numbers are written as decimal strings, so no precision is lost."""
    if isinstance(criterion, AllOf):
        return {"all": [criteria_to_json(part) for part in criterion.parts]}
    if isinstance(criterion, AnyOf):
        return {"any": [criteria_to_json(part) for part in criterion.parts]}
    if isinstance(criterion, Not):
        return {"not": criteria_to_json(criterion.part)}
    return {"field": criterion.field.name, "op": criterion.op.value,
            "value": _value_json(criterion)}


def _value_json(condition: Condition) -> Any:
    if isinstance(condition, BooleanCondition):
        return condition.value
    if isinstance(condition, NumberCondition):
        if condition.upper is not None:
            return [str(condition.threshold), str(condition.upper)]
        return str(condition.threshold)
    if condition.op in (Operator.IN, Operator.NOT_IN) or len(condition.values) > 1:
        return list(condition.values)
    return condition.values[0]


def parse_criteria(document: object, at: str = "/criteria") -> tuple[Criterion | None,
                                                                     list[Problem]]:
    """The tree ``document`` describes, or None with every problem found, each pointing
    (below ``at``) at the offending node, key or value."""
    parser = _Parser()
    criterion = parser.node(document, at, 1)
    if parser.problems:
        return None, parser.problems
    return criterion, []


_COMBINATORS = ("all", "any", "not")
_CONDITION_KEYS = ("field", "op", "value")


class _Parser:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.nodes = 0

    def fail(self, code: str, at: str, detail: str) -> None:
        self.problems.append(Problem(f"risk.criteria.{code}", at, detail))

    def node(self, document: object, at: str, depth: int) -> Criterion | None:
        if depth > MAX_DEPTH:
            self.fail("too-deep", at, f"criteria may be nested at most {MAX_DEPTH} levels deep")
            return None
        if not isinstance(document, dict):
            self.fail("not-an-object", at, "a criterion is a JSON object: a combinator (all, "
                      "any, not) or a condition (field, op, value)")
            return None
        self.nodes += 1
        if self.nodes == MAX_NODES + 1:
            self.fail("too-large", at, f"criteria may have at most {MAX_NODES} nodes")
        combinators = [key for key in _COMBINATORS if key in document]
        if combinators:
            return self.combinator(document, combinators, at, depth)
        if any(key in document for key in _CONDITION_KEYS):
            return self.condition(document, at)
        self.fail("unknown-node", at, "a criterion has either one of the keys all, any, not, "
                  "or the keys field, op and value")
        return None

    def combinator(self, document: dict[str, Any], keys: list[str], at: str,
                   depth: int) -> Criterion | None:
        extra = sorted(set(document) - {keys[0]})
        if extra:
            for key in extra:
                self.fail("unknown-key", f"{at}/{_escape(key)}",
                          f"a '{keys[0]}' node has no other key than '{keys[0]}'")
            return None
        key = keys[0]
        if key == "not":
            part = self.node(document["not"], f"{at}/not", depth + 1)
            return None if part is None else Not(part)
        parts = document[key]
        if not isinstance(parts, list):
            self.fail("not-a-list", f"{at}/{key}", f"'{key}' takes a list of criteria")
            return None
        if not parts:
            self.fail("empty-combinator", f"{at}/{key}", f"'{key}' needs at least one criterion")
            return None
        children = [self.node(part, f"{at}/{key}/{i}", depth + 1) for i, part in enumerate(parts)]
        kept = tuple(child for child in children if child is not None)
        if len(kept) != len(children):
            return None
        return AllOf(kept) if key == "all" else AnyOf(kept)

    def condition(self, document: dict[str, Any], at: str) -> Condition | None:
        ok = True
        for key in sorted(set(document) - set(_CONDITION_KEYS)):
            ok = False
            self.fail("unknown-key", f"{at}/{_escape(key)}",
                      "a condition has only the keys field, op and value")
        for key in _CONDITION_KEYS:
            if key not in document:
                ok = False
                self.fail("missing-key", f"{at}/{key}", f"a condition needs '{key}'")
        name, op_name = document.get("field"), document.get("op")
        field = FIELDS.get(name) if isinstance(name, str) else None
        if "field" in document and field is None:
            ok = False
            self.fail("unknown-field", f"{at}/field",
                      f"unknown field {str(name)[:60]!r}; see GET /api/v1/risk/fields")
        op = _operator(op_name)
        if "op" in document and op is None:
            ok = False
            self.fail("unknown-operator", f"{at}/op",
                      f"unknown operator {str(op_name)[:20]!r}; one of "
                      + ", ".join(o.value for o in Operator))
        if field is None or op is None:
            return None
        if op not in OPERATORS[field.type]:
            self.fail("operator-not-allowed", f"{at}/op",
                      f"'{op}' does not apply to the {field.type} field {field.name}; use one "
                      f"of " + ", ".join(o.value for o in OPERATORS[field.type]))
            return None
        if "value" not in document or not ok:
            return None
        return self.value(field, op, document["value"], f"{at}/value")

    def value(self, field: Field, op: Operator, value: object, at: str) -> Condition | None:
        if isinstance(field, CodeField):
            codes = self.codes(op, value, at)
            return None if codes is None else CodeCondition(field, op, codes)
        if isinstance(field, BooleanField):
            if not isinstance(value, bool):
                self.fail("malformed-value", at, f"{field.name} takes true or false")
                return None
            return BooleanCondition(field, op, value)
        return self.numbers(field, op, value, at)

    def codes(self, op: Operator, value: object, at: str) -> tuple[str, ...] | None:
        many = op in (Operator.IN, Operator.NOT_IN) or (
            op is Operator.STARTS_WITH and isinstance(value, list))
        if not many:
            code = self.code(value, at)
            return None if code is None else (code,)
        if not isinstance(value, list) or not value or len(value) > MAX_LIST:
            self.fail("malformed-value", at, f"'{op}' takes a list of 1 to {MAX_LIST} codes")
            return None
        codes = [self.code(item, f"{at}/{i}") for i, item in enumerate(value)]
        return tuple(c for c in codes if c is not None) if None not in codes else None

    def code(self, value: object, at: str) -> str | None:
        if (not isinstance(value, str) or not value or len(value) > MAX_CODE_LENGTH
                or _CONTROL.search(value)):
            self.fail("malformed-value", at,
                      f"a code is a string of 1 to {MAX_CODE_LENGTH} printable characters")
            return None
        return value

    def numbers(self, field: NumberField, op: Operator, value: object,
                at: str) -> NumberCondition | None:
        if op is not Operator.BETWEEN:
            number = self.number(value, at)
            return None if number is None else NumberCondition(field, op, number)
        if not isinstance(value, list) or len(value) != 2:
            self.fail("malformed-value", at, "'between' takes a list [low, high]")
            return None
        low, high = self.number(value[0], f"{at}/0"), self.number(value[1], f"{at}/1")
        if low is None or high is None:
            return None
        if low > high:
            self.fail("malformed-value", at, f"the lower bound {low} is above the upper {high}")
            return None
        return NumberCondition(field, op, low, high)

    def number(self, value: object, at: str) -> Decimal | None:
        number = to_decimal(value)
        if number is None:
            self.fail("malformed-value", at, "a threshold is a finite number or a decimal "
                      "string such as \"1000.50\"")
        return number


def to_decimal(value: object) -> Decimal | None:
    """A JSON number or decimal string as an exact Decimal; None for anything else (booleans,
    NaN, infinities, text)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else None
    if isinstance(value, str) and _DECIMAL.match(value):
        try:
            return Decimal(value)
        except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
            return None
    return None


def _operator(value: object) -> Operator | None:
    try:
        return Operator(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")

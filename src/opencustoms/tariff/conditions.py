"""Measure conditions (TARIC records 435/440): documents presented and price or quantity
thresholds decide whether a measure applies, forbids the goods, or which duty it gives.

Conditions are grouped by condition code (``B`` certificate, ``Q`` endorsed certificate, ``V``
entry price …). In each group the conditions are tried in sequence order; the first whose
requirement is met gives the action:

- a document requirement is met when the goods item presents that document code (exemption
  codes such as ``Y929`` are presented the same way);
- a threshold with a monetary unit compares a price: the customs value per threshold unit
  (``V`` entry price per 100 kg) or, without a unit, the customs value; a threshold without a
  monetary unit compares the quantity in the threshold unit. Ratio conditions divide by the
  supplementary quantity: ``R`` net weight per supplementary unit, ``U`` (without a unit)
  declared value per supplementary unit. Codes ``E`` and ``I`` state a
  maximum (met when the figure is at most the threshold); every other code states a minimum
  (met when the figure is at least the threshold), like the entry price scale of ``V``;
- a condition with neither is the fall-back: always met.

Actions: ``01`` apply the amount of the action (the condition's components), ``27`` apply the
mentioned duty, ``07`` measure not applicable, ``04``/``05``/``06``/``08``/``09`` the goods are
forbidden (:data:`~opencustoms.tariff.model.BLOCKING_ACTIONS`); any other action lets the goods
through with the measure's own duty. A group none of whose conditions is met leaves the measure
not applicable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from opencustoms.tariff.expressions import (
    Converter,
    MissingQuantity,
    MissingRate,
    Quantities,
    format_amount,
    show,
)
from opencustoms.tariff.memo import RecordMemo
from opencustoms.tariff.model import (
    BLOCKING_ACTIONS,
    ConditionAction,
    DutyComponent,
    Measure,
    MeasureCondition,
)
from opencustoms.tariff.units import unit_label

MAXIMUM_CODES = frozenset({"E", "I"})
"""Condition codes whose threshold is a maximum; all others state a minimum."""


@dataclass(frozen=True, slots=True)
class ConditionFacts:
    """What conditions are checked against for one goods item."""

    documents: frozenset[str]
    value: Decimal
    currency: str
    quantity: Quantities
    convert: Converter
    supplementary: Decimal | None = None
    supplementary_unit: str | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result of a measure's conditions for one goods item.

    ``applies`` is False when an action (or no met condition) makes the measure not
    applicable; ``blocking`` is the condition whose action forbids the goods; ``components``
    is the duty to apply (the measure's own unless a condition gives another)."""

    applies: bool
    blocking: MeasureCondition | None
    components: tuple[DutyComponent, ...]
    reasons: tuple[str, ...]
    documents: tuple[str, ...] = ()


def documents_named(measure: Measure) -> frozenset[str]:
    """Every document code the measure's conditions name."""
    return frozenset(c.document for c in measure.conditions if c.document)


def _groups(conditions: Sequence[MeasureCondition]) -> list[list[MeasureCondition]]:
    by_code: dict[str, list[MeasureCondition]] = {}
    for condition in conditions:
        by_code.setdefault(condition.code, []).append(condition)
    return [sorted(group, key=lambda c: c.sequence) for group in by_code.values()]


def _per_supplementary_unit(c: MeasureCondition, facts: ConditionFacts, figure: Decimal,
                            what: str) -> tuple[Decimal | None, str]:
    """Ratio conditions: R (net weight) and U without a unit (declared value) compare the
    figure per supplementary unit; (None, …) when the supplementary quantity is zero."""
    if not (c.code == "R" or (c.code == "U" and not c.threshold_unit)):
        return figure, what
    if facts.supplementary is None:
        raise MissingQuantity(facts.supplementary_unit or "NAR", None)
    what = f"{what} per {unit_label(facts.supplementary_unit or 'NAR')}"
    return (figure / facts.supplementary if facts.supplementary else None), what


def _threshold(c: MeasureCondition, facts: ConditionFacts) -> tuple[bool, str]:
    """Whether the threshold of ``c`` is met, and the comparison as words."""
    assert c.threshold is not None
    label = unit_label(c.threshold_unit, c.threshold_qualifier) if c.threshold_unit else ""
    quantity: Decimal | None = None
    if c.threshold_unit:
        quantity = facts.quantity(c.threshold_unit, c.threshold_qualifier)
        if quantity is None:
            raise MissingQuantity(c.threshold_unit, c.threshold_qualifier)
    per = f" per {label}" if label else ""
    if c.threshold_monetary_unit:
        limit = facts.convert(c.threshold, c.threshold_monetary_unit)
        if limit is None:
            raise MissingRate(c.threshold_monetary_unit)
        if quantity == 0:
            return False, f"no quantity{per} to price"
        figure = facts.value if quantity is None else facts.value / quantity
        what, declared = f"price{per}", f" {facts.currency}"
        stated = f" {c.threshold_monetary_unit}{per}"
    elif quantity is not None:
        limit, figure, what = c.threshold, quantity, "quantity"
        declared = stated = f" {label}"
    else:
        return False, "threshold without unit"
    ratio, what = _per_supplementary_unit(c, facts, figure, what)
    if ratio is None:
        return False, "no supplementary quantity to divide by"
    met = ratio <= limit if c.code in MAXIMUM_CODES else ratio >= limit
    sign = ("≤" if met else ">") if c.code in MAXIMUM_CODES else ("≥" if met else "<")
    return met, f"{what} {show(ratio)}{declared} {sign} {format_amount(c.threshold)}{stated}"


def _first_met(group: list[MeasureCondition],
               facts: ConditionFacts) -> tuple[MeasureCondition | None, str]:
    for c in group:
        if c.is_fallback:
            named = [d.document for d in group if d.document]
            return c, (f"no document {', '.join(named)} presented" if named
                       else "unconditional")
        met, words = (True, "") if c.threshold is None else _threshold(c, facts)
        if c.document is not None and c.document not in facts.documents:
            met, words = False, f"document {c.document} not presented"
        elif c.document is not None:
            words = f"document {c.document} presented" + (f", {words}" if words else "")
        if met:
            return c, words
    return None, "no condition met"


def evaluate_conditions(measure: Measure, facts: ConditionFacts) -> Outcome:
    """Apply the conditions of ``measure`` to one goods item (rules in the module docstring).

    Raises :class:`~opencustoms.tariff.expressions.MissingQuantity` or ``MissingRate`` when
    a threshold needs a quantity or a rate that is not available."""
    if not measure.conditions:  # most measures: the duty as it stands, the same every time
        return unconditional(measure)
    applies, blocking = True, None
    components = measure.components
    replaced = False
    reasons: list[str] = []
    documents: list[str] = []
    for group in _groups(measure.conditions):
        met, words = _first_met(group, facts)
        reasons.append(f"condition {group[0].code}: {words}")
        documents += [c.document for c in group if c.document]
        if met is None or met.action == ConditionAction.MEASURE_NOT_APPLICABLE:
            applies = False
        elif met.action in BLOCKING_ACTIONS:
            blocking = blocking or met
        elif met.components and not replaced:
            components, replaced = met.components, True
    return Outcome(applies, blocking, components, tuple(reasons), tuple(documents))


unconditional: RecordMemo[Measure, Outcome] = RecordMemo(
    lambda measure: Outcome(True, None, measure.components, ()))
"""The outcome of a measure without conditions (frozen, so one per measure is shared): it
needs no facts of the goods item."""

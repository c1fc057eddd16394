"""One goods item under calculation: its facts, and the lines, notes and problems it collects.

Evaluating a measure for the item (conditions, then the duty expression) goes through
:class:`ItemWork`, which turns whatever cannot be evaluated into a problem with a pointer into
the declaration instead of an exception: a missing quantity points at the supplementary
quantity or the declared quantities, a missing rate or an unsupported expression at the
commodity code, a blocking condition at the documents.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from opencustoms.domain.errors import Problem
from opencustoms.domain.goods import GoodsItem
from opencustoms.domain.money import round_to_minor
from opencustoms.tariff import problems as tx
from opencustoms.tariff.assessment import QuotaDraw, TaxLine
from opencustoms.tariff.conditions import (
    ConditionFacts,
    Outcome,
    evaluate_conditions,
    unconditional,
)
from opencustoms.tariff.conversion import MonetaryConverter
from opencustoms.tariff.expressions import (
    RETAIL_PRICE,
    ExpressionContext,
    ExpressionError,
    MissingQuantity,
    MissingRate,
    UnsupportedExpression,
    format_expression,
    work_out,
)
from opencustoms.tariff.measures import describe
from opencustoms.tariff.model import Measure
from opencustoms.tariff.units import ItemQuantities, unit_label


@dataclass(slots=True)
class ItemWork:
    """A goods item being assessed (``index`` is its 0-based position in the declaration)."""

    index: int
    item: GoodsItem
    value: Decimal
    currency: str
    minor: int
    quantities: ItemQuantities
    converter: MonetaryConverter
    lines: list[TaxLine] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    quota_draw: QuotaDraw | None = None
    _facts: ConditionFacts | None = field(default=None, init=False, repr=False)
    _context: ExpressionContext | None = field(default=None, init=False, repr=False)

    @property
    def documents(self) -> frozenset[str]:
        return frozenset(d.code for d in self.item.documents)

    def quantity(self, unit: str, qualifier: str | None = None) -> Decimal | None:
        if unit == RETAIL_PRICE and not qualifier:
            return self.item.quantity(RETAIL_PRICE)
        return self.quantities.get(unit, qualifier)

    def context(self, value: Decimal | None = None) -> ExpressionContext:
        """The context of an expression on ``value``, by default the customs value (made once:
        every duty of the item is evaluated against it)."""
        if value is not None:
            return ExpressionContext(value, self.currency, self.quantity,
                                     self.converter.to_national)
        if self._context is None:
            self._context = ExpressionContext(self.value, self.currency, self.quantity,
                                              self.converter.to_national)
        return self._context

    def facts(self) -> ConditionFacts:
        """The facts every measure's conditions are checked against, made once per item."""
        if self._facts is None:
            self._facts = ConditionFacts(
                self.documents, self.value, self.currency, self.quantity,
                self.converter.to_national, self.quantities.supplementary_quantity,
                self.quantities.supplementary_unit)
        return self._facts

    def outcome(self, measure: Measure) -> Outcome | None:
        """The measure's conditions for this item; None (and a problem) if they cannot be
        checked."""
        if not measure.conditions:  # most measures: spare making the item's facts
            return unconditional(measure)
        try:
            return evaluate_conditions(measure, self.facts())
        except ExpressionError as error:
            self.fail(error, measure)
            return None

    def charge(self, measure: Measure, tax_type: str, outcome: Outcome, *,
               value: Decimal | None = None, why: str = "") -> TaxLine | None:
        """Evaluate the duty ``outcome`` of ``measure``'s conditions gives and add the
        rounded tax line."""
        try:
            exact, base, base_unit, working = work_out(outcome.components, self.context(value))
        except ExpressionError as error:
            self.fail(error, measure)
            return None
        rate = format_expression(outcome.components)
        amount = round_to_minor(exact, self.minor)
        conditions = f" ({'; '.join(outcome.reasons)})" if outcome.reasons else ""
        explanation = (f"{describe(measure)}{why}{conditions}: {rate}: {working}; "
                       f"rounded {amount} {self.currency}")
        line = TaxLine(self.item.sequence, str(tax_type), base, base_unit,
                       rate, amount, measure.sid, measure.type.id, explanation)
        self.lines.append(line)
        return line

    def block(self, measure: Measure, outcome: Outcome) -> None:
        """TX607: a condition forbids the goods unless a document is presented."""
        wanted = ", ".join(dict.fromkeys(outcome.documents)) or "the required document"
        self._add(tx.problem(
            tx.CONDITION_NOT_MET, tx.item_pointer(self.index, "documents"),
            f"goods item {self.item.sequence}: {describe(measure)} forbids the goods unless "
            f"one of {wanted} is presented ({'; '.join(outcome.reasons)})"))

    def fail(self, error: ExpressionError, measure: Measure) -> None:
        """Turn an evaluation error into the problem of the element to correct."""
        where, code = tx.item_pointer(self.index, "commodity_code"), tx.UNSUPPORTED_EXPRESSION
        if isinstance(error, MissingQuantity):
            field_name = ("supplementary_quantity"
                          if self.quantities.needs_supplementary(error.unit, error.qualifier)
                          else "quantities")
            where, code = tx.item_pointer(self.index, field_name), tx.QUANTITY_MISSING
            detail = (f"goods item {self.item.sequence}: {describe(measure)} needs a quantity "
                      f"in {unit_label(error.unit, error.qualifier)} ({error.unit}"
                      f"{'/' + error.qualifier if error.qualifier else ''})")
        elif isinstance(error, MissingRate):
            code = tx.NO_MONETARY_RATE
            detail = (f"goods item {self.item.sequence}: {describe(measure)} is written in "
                      f"{error.currency}, which has no rate to {self.currency} on the date")
        else:
            assert isinstance(error, UnsupportedExpression)
            detail = (f"goods item {self.item.sequence}: {describe(measure)} uses duty "
                      f"expression {error.expression}, which cannot be evaluated")
        self._add(tx.problem(code, where, detail))

    def _add(self, problem: Problem) -> None:
        if problem not in self.problems:
            self.problems.append(problem)

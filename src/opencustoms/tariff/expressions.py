"""Duty expressions: the amount a measure's components give for one goods item.

A duty expression is a sequence of TARIC measure components (record 430), each with a duty
expression id:

- ``01`` the first term: a percentage of the customs value (ad valorem), a percentage of the
  retail price when its unit is ``RET``, or an amount per measurement unit (specific);
- ``04`` (and ``19``/``20`` after a maximum) plus a term; ``02`` minus a term;
- ``15`` (``43``) ``MIN``: the terms that follow form a floor, result = max(result, floor);
- ``17`` (``35``, ``44``) ``MAX``: the terms that follow form a ceiling, result = min(result,
  ceiling); floors are applied before ceilings, so a ceiling below a floor wins;
- ``99`` supplementary unit only: no duty; ``37`` nothing.

Specific amounts in another currency are converted at the rate valid on the date of acceptance
(:mod:`opencustoms.tariff.conversion`). Arithmetic is exact Decimal; nothing is rounded here:
the tax line is rounded once (:func:`opencustoms.domain.money.round_to_minor`). A result below
zero (a ``minus`` term larger than the rest) is no duty: duty is never negative. Agricultural
components (EA, ADSZ, ADFM: Meursing code) are not evaluated: :class:`UnsupportedExpression`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from opencustoms.tariff.memo import RecordMemo
from opencustoms.tariff.model import DutyComponent
from opencustoms.tariff.units import unit_label

FIRST, MINUS, PLUS = "01", "02", "04"
PLUS_IDS = frozenset({FIRST, PLUS, "19", "20"})
MINUS_IDS = frozenset({MINUS})
MIN_IDS = frozenset({"15", "43"})
MAX_IDS = frozenset({"17", "35", "44"})
SUPPLEMENTARY_UNIT = "99"
NOTHING = "37"
RETAIL_PRICE = "RET"

_AGRICULTURAL = {"12": "EA", "14": "EAR", "21": "ADSZ", "25": "ADSZR", "27": "ADFM",
                 "29": "ADFMR"}

Quantities = Callable[[str, str | None], Decimal | None]
"""(unit, qualifier) -> the goods item's quantity in that unit, None if not declared."""

Converter = Callable[[Decimal, str], Decimal | None]
"""(amount, currency) -> the amount in national currency, None if no rate is known."""


class ExpressionError(Exception):
    """A duty expression cannot be evaluated for this goods item."""


class MissingQuantity(ExpressionError):
    def __init__(self, unit: str, qualifier: str | None) -> None:
        super().__init__(f"quantity in {unit_label(unit, qualifier)} ({unit}) missing")
        self.unit, self.qualifier = unit, qualifier


class MissingRate(ExpressionError):
    def __init__(self, currency: str) -> None:
        super().__init__(f"no rate to convert {currency}")
        self.currency = currency


class UnsupportedExpression(ExpressionError):
    def __init__(self, expression: str) -> None:
        super().__init__(f"duty expression {expression} is not supported")
        self.expression = expression


@dataclass(frozen=True, slots=True)
class ExpressionContext:
    """What an expression is evaluated against: the customs value (or VAT base) in national
    ``currency``, the item's quantities (``RET`` is the retail price) and a converter."""

    value: Decimal
    currency: str
    quantity: Quantities
    convert: Converter


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The unrounded amount, the base it was computed on (value or quantity, with its
    currency or unit code) and the working, term by term."""

    amount: Decimal
    base: Decimal
    base_unit: str
    working: str


class _Group:
    """The terms of the main expression, or of one MIN or MAX, as they are added up (a plain
    class: one or more per tax line, a dataclass would cost more to create than it saves)."""

    __slots__ = ("base", "operator", "total", "working")

    def __init__(self, operator: str) -> None:
        self.operator = operator
        self.total = Decimal(0)
        self.base: tuple[Decimal, str] | None = None
        self.working: list[str] = []


_SHORT = 24
"""Longest plain text (sign and point included) formatted from the text alone: up to 24 digits
fit the 28 of the decimal context even with two decimals added, so normalising or quantizing
would be exact and the text gives the same result. Longer figures take the Decimal route."""

_FOUR_PLACES = Decimal("0.0001")
_ZERO = Decimal(0)


def _from_text(whole: str, fraction: str) -> str:
    """``format_amount`` of a finite figure written plainly as ``whole.fraction``."""
    if len(fraction) == 2:
        return f"{whole}.{fraction}"
    fraction = fraction.rstrip("0")
    return f"{whole}.{fraction:0<2}"


def _plain(amount: Decimal) -> str:
    """``f"{amount:f}"`` of a finite amount: ``str`` writes it the same way unless it needs an
    exponent (``1E+2``, ``1E-7``), and is three times quicker."""
    text = str(amount)
    return f"{amount:f}" if "E" in text else text


def format_amount(amount: Decimal) -> str:
    """A rate amount as the tariff writes it: at least two decimals (``10.20``, ``0.125``)."""
    if not amount.is_finite():
        return str(amount)
    text = _plain(amount)
    if len(text) <= _SHORT:  # every explanation formats figures: spare the Decimal work
        whole, _, fraction = text.partition(".")
        return _from_text(whole, fraction)
    if amount.as_tuple().exponent == -2:
        return text
    exponent = amount.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -2:
        return f"{amount.quantize(Decimal('0.01')):f}"
    return f"{amount.normalize():f}"


def show(amount: Decimal, places: int = 4) -> str:
    """A working figure for an explanation: at most ``places`` decimals, at least two."""
    if amount.is_finite():
        text = _plain(amount)
        whole, _, fraction = text.partition(".")
        if len(fraction) <= places:
            if len(text) > _SHORT:
                return format_amount(amount)
            if len(fraction) == 2:  # most working figures: money (``_from_text`` inlined)
                return text
            return _from_text(whole, fraction)
    else:
        exponent = amount.as_tuple().exponent
        if isinstance(exponent, int) and exponent >= -places:
            return format_amount(amount)
    quantum = _FOUR_PLACES if places == 4 else Decimal(1).scaleb(-places)
    return format_amount(amount.quantize(quantum, rounding=ROUND_HALF_UP))


def _term_text(c: DutyComponent) -> str:
    if c.expression in _AGRICULTURAL:
        return _AGRICULTURAL[c.expression]
    if c.expression == SUPPLEMENTARY_UNIT:
        return unit_label(c.unit or "", c.qualifier)
    amount = "?" if c.amount is None else format_amount(c.amount)
    if c.is_percentage:
        return f"{amount} %" + (" / Retail Price" if c.unit == RETAIL_PRICE else "")
    per = f" / {unit_label(c.unit, c.qualifier)}" if c.unit else ""
    return f"{amount} {c.monetary_unit}{per}"


def _operator(c: DutyComponent, first: bool) -> str:
    e = c.expression
    if e in MIN_IDS:
        return "MIN"
    if e in MAX_IDS:
        return "MAX"
    if e in MINUS_IDS:
        return "-"
    if first or e in (SUPPLEMENTARY_UNIT, NOTHING):
        return ""
    return "+"


def format_expression(components: Sequence[DutyComponent]) -> str:
    """The duty expression as written in the tariff, e.g. ``10.20 % + 93.10 EUR / 100 kg`` or
    ``16.50 % / Retail Price + 244.78 GBP / 1000 p/st MIN 320.90 GBP / 1000 p/st``."""
    if isinstance(components, tuple):  # a measure's own components: immutable, remembered
        return _remembered_expression(components)
    return _format_expression(components)


def _format_expression(components: Sequence[DutyComponent]) -> str:
    parts: list[str] = []
    for i, c in enumerate(components):
        if c.expression == NOTHING:
            continue
        operator = _operator(c, i == 0)
        parts.append(f"{operator} {_term_text(c)}" if operator else _term_text(c))
    return " ".join(parts)


_remembered_expression: RecordMemo[tuple[DutyComponent, ...], str] = RecordMemo(
    _format_expression)


def _term(c: DutyComponent, context: ExpressionContext) -> tuple[Decimal, Decimal, str, str]:
    """(amount, base, base unit, working) of one component."""
    if c.amount is None or c.expression in _AGRICULTURAL:
        raise UnsupportedExpression(c.expression)
    if c.is_percentage:
        if c.unit is None:
            base, what = context.value, f"{show(context.value)} {context.currency}"
        elif c.unit == RETAIL_PRICE:
            retail = context.quantity(RETAIL_PRICE, None)
            if retail is None:
                raise MissingQuantity(RETAIL_PRICE, None)
            base, what = retail, f"retail price {show(retail)} {context.currency}"
        else:
            raise UnsupportedExpression(f"{c.expression} (% per {c.unit})")
        return (c.amount * base / 100, base, context.currency,
                f"{format_amount(c.amount)} % of {what}")
    rate = context.convert(c.amount, c.monetary_unit or context.currency)
    if rate is None:
        raise MissingRate(c.monetary_unit or context.currency)
    converted = ("" if c.monetary_unit == context.currency
                 else f" (= {show(rate)} {context.currency})")
    if c.unit is None:
        return rate, Decimal(1), c.monetary_unit or "", f"{_term_text(c)}{converted}"
    quantity = context.quantity(c.unit, c.qualifier)
    if quantity is None:
        raise MissingQuantity(c.unit, c.qualifier)
    label = unit_label(c.unit, c.qualifier)
    return (rate * quantity, quantity, c.unit,
            f"{_term_text(c)}{converted} × {show(quantity)} [{label}]")


def _groups(components: Sequence[DutyComponent], context: ExpressionContext) -> list[_Group]:
    groups = [_Group("")]
    for c in components:
        e = c.expression
        if e in (SUPPLEMENTARY_UNIT, NOTHING):
            continue
        if e in MIN_IDS or e in MAX_IDS:
            groups.append(_Group("MIN" if e in MIN_IDS else "MAX"))
        elif e not in PLUS_IDS and e not in MINUS_IDS:
            raise UnsupportedExpression(e)
        amount, base, unit, working = _term(c, context)
        group = groups[-1]
        sign = -1 if e in MINUS_IDS else 1
        group.total += sign * amount
        group.base = group.base or (base, unit)
        group.working.append(("- " if sign < 0 else "+ " if group.working else "") + working)
    return groups


Worked = tuple[Decimal, Decimal, str, str]
"""An :class:`Evaluation`'s fields in order: amount, base, base unit, working."""


def _ad_valorem(percentage: Decimal, context: ExpressionContext) -> Worked:
    """What the general path gives for one plain percentage of the value, the expression of
    most duties and every VAT line, without its groups: the same sum from zero, the same
    working, the same floor at zero."""
    value, currency = context.value, context.currency
    result = max(_ZERO + percentage * value / 100, _ZERO)
    return (result, value, currency, f"{format_amount(percentage)} % of {show(value)} "
            f"{currency} → {show(result)} {currency}")


def evaluate(components: Sequence[DutyComponent], context: ExpressionContext) -> Evaluation:
    """The duty of ``components`` for ``context`` (TARIC duty expressions, see the module).

    Raises :class:`MissingQuantity`, :class:`MissingRate` or :class:`UnsupportedExpression`
    when the expression cannot be evaluated for this goods item."""
    return Evaluation(*work_out(components, context))


def work_out(components: Sequence[DutyComponent], context: ExpressionContext) -> Worked:
    """:func:`evaluate` as a plain tuple, for the tax line that reads it once: making the
    frozen :class:`Evaluation` costs about as much as rounding the amount."""
    if len(components) == 1:
        c = components[0]
        if (c.expression in PLUS_IDS and c.monetary_unit is None and c.unit is None
                and c.amount is not None):
            return _ad_valorem(c.amount, context)
    groups = _groups(components, context)
    main = groups[0]
    result, decided = main.total, main
    working = " ".join(main.working) or "no duty"
    if len(groups) > 1:  # a MIN or MAX: floors first, then ceilings
        for group in (g for g in groups[1:] if g.operator == "MIN"):
            if group.total > result:
                result, decided = group.total, group
        for group in (g for g in groups[1:] if g.operator == "MAX"):
            if group.total < result:
                result, decided = group.total, group
        working += f" = {show(main.total)}"
        for group in groups[1:]:
            applied = " (applied)" if group is decided else ""
            working += (f"; {group.operator} {' '.join(group.working)} = {show(group.total)}"
                        f"{applied}")
    result = max(result, _ZERO)
    base, unit = decided.base or (context.value, context.currency)
    return result, base, unit, f"{working} → {show(result)} {context.currency}"

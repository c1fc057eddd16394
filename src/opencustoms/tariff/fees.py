"""Customs processing fees from the jurisdiction's fee table (tax type F00).

A fee is charged once per declaration (a declaration-level tax line, item 0) when it is valid
on the date of acceptance and covers the declaration type: a flat amount per declaration plus a
percentage of the total customs value, bounded below by its minimum and above by its maximum
(the pattern of ad valorem processing fees with a floor and a cap, e.g. 19 CFR 24.23). The
amount is rounded once, half-up, to the national minor unit.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from opencustoms.domain.money import round_to_minor
from opencustoms.tariff.assessment import TaxLine
from opencustoms.tariff.expressions import format_amount, show
from opencustoms.tariff.memo import RecordMemo
from opencustoms.tariff.model import Fee, TaxType


def format_fee(fee: Fee, currency: str) -> str:
    """The fee's rate as written: ``5.00 EUR + 0.21 % MIN 25.00 EUR MAX 485.00 EUR``."""
    parts = []
    if fee.per_declaration:
        parts.append(f"{format_amount(fee.per_declaration)} {currency}")
    if fee.percentage or not parts:
        parts.append(f"{format_amount(fee.percentage)} %")
    text = " + ".join(parts)
    if fee.minimum is not None:
        text += f" MIN {format_amount(fee.minimum)} {currency}"
    if fee.maximum is not None:
        text += f" MAX {format_amount(fee.maximum)} {currency}"
    return text


def _rate(fee: Fee, currency: str) -> str:
    """:func:`format_fee`, written once per fee and currency: every declaration pays the
    same few fees."""
    written = _written(fee)
    text = written.get(currency)
    if text is None:
        text = written[currency] = format_fee(fee, currency)
    return text


_written: RecordMemo[Fee, dict[str, str]] = RecordMemo(lambda _fee: {})
"""Fee -> its rate as written, by currency."""


def fee_amount(fee: Fee, total_value: Decimal) -> Decimal:
    """Flat amount + percentage of the total customs value, within minimum and maximum."""
    amount = fee.per_declaration + fee.percentage * total_value / 100
    if fee.minimum is not None:
        amount = max(amount, fee.minimum)
    if fee.maximum is not None:
        amount = min(amount, fee.maximum)
    return max(amount, Decimal(0))


def assess_fees(fees: Iterable[Fee], *, declaration_type: str, on: date, total_value: Decimal,
                currency: str, minor_unit: int) -> tuple[TaxLine, ...]:
    """The fee lines of a declaration of ``declaration_type`` accepted ``on``."""
    lines: list[TaxLine] = []
    for fee in fees:
        if not fee.validity.contains(on) or declaration_type not in fee.declaration_types:
            continue
        exact = fee_amount(fee, total_value)
        amount = round_to_minor(exact, minor_unit)
        rate = _rate(fee, currency)
        explanation = (f"{fee.description or 'customs processing fee'} {fee.code}: {rate} on "
                       f"total customs value {total_value} {currency} → {show(exact)}; "
                       f"rounded {amount} {currency}")
        lines.append(TaxLine(0, str(TaxType.FEE), total_value, currency, rate, amount, fee.code,
                             None, explanation))
    return tuple(lines)

"""Consistency rules on goods items and amounts (RL312-RL328).

Masses, quantities and amounts must be plausible numbers, money must be written to the
currency's minor unit, item prices must add up to the invoice, and procedure codes must fit the
declaration type and each other. A number that is not finite (NaN, infinity) is reported once,
by RL328; the other rules skip it rather than compare it.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from opencustoms.domain.errors import pointer
from opencustoms.domain.money import minor_digits_of
from opencustoms.domain.reference import CodeList
from opencustoms.validation.registry import Finding, RuleContext, RuleFamily, rule
from opencustoms.validation.rules._support import (
    PROCEDURE_CODE,
    amounts,
    attribute,
    flag,
    is_blank,
    is_finite,
    item_pointer,
    items,
)

MAX_DESCRIPTION_LENGTH = 512

ITEM_NUMBERS = ("net_mass", "gross_mass", "supplementary_quantity", "item_price")
"""The numbers of a goods item that RL328 checks, in the order it reports them."""


@rule("RL312", RuleFamily.RULE)
def net_mass_not_above_gross_mass(context: RuleContext) -> Iterator[Finding]:
    """Net mass (DE 6/1) must not exceed gross mass (DE 6/5)."""
    for i, item in items(context.declaration):
        net, gross = item.net_mass, item.gross_mass
        if is_finite(net) and is_finite(gross) and net > gross:
            yield item_pointer(i, "net_mass"), f"net mass {net} kg exceeds gross mass {gross} kg"


@rule("RL313", RuleFamily.RULE)
def net_mass_positive(context: RuleContext) -> Iterator[Finding]:
    """Net mass (DE 6/1) must be greater than zero."""
    for i, item in items(context.declaration):
        if is_finite(item.net_mass) and item.net_mass <= 0:
            yield item_pointer(i, "net_mass"), f"net mass {item.net_mass} is not positive"


@rule("RL314", RuleFamily.RULE)
def gross_mass_positive(context: RuleContext) -> Iterator[Finding]:
    """Gross mass (DE 6/5) must be greater than zero."""
    for i, item in items(context.declaration):
        if is_finite(item.gross_mass) and item.gross_mass <= 0:
            yield item_pointer(i, "gross_mass"), f"gross mass {item.gross_mass} is not positive"


@rule("RL315", RuleFamily.RULE)
def supplementary_quantity_positive(context: RuleContext) -> Iterator[Finding]:
    """Supplementary units (DE 6/2), when given, must be greater than zero."""
    for i, item in items(context.declaration):
        quantity = item.supplementary_quantity
        if quantity is not None and is_finite(quantity) and quantity <= 0:
            yield item_pointer(i, "supplementary_quantity"), (
                f"supplementary quantity {quantity} is not positive")


@rule("RL316", RuleFamily.RULE)
def package_count_positive(context: RuleContext) -> Iterator[Finding]:
    """Number of packages (DE 6/10) must be at least 1; bulk goods may declare 0.

    Bulk and unpacked kinds (``bulk`` attribute true, e.g. VR, NE) have no countable packages,
    so 0 is accepted for them; a negative count is never accepted. An unknown kind is treated
    as packed.
    """
    for i, item in items(context.declaration):
        for j, package in enumerate(item.packages):
            bulk = flag(context.reference, CodeList.PACKAGE_KIND, package.kind, context.on,
                        "bulk")
            least = 0 if bulk else 1
            if package.count < least:
                yield item_pointer(i, "packages", j, "count"), (
                    f"{package.count} packages of kind {package.kind}; at least {least}")


@rule("RL317", RuleFamily.RULE)
def item_price_not_negative(context: RuleContext) -> Iterator[Finding]:
    """Item price (DE 4/14) must not be negative (0 for goods supplied free of charge)."""
    for i, item in items(context.declaration):
        if is_finite(item.item_price) and item.item_price < 0:
            yield item_pointer(i, "item_price"), f"item price {item.item_price} is negative"


@rule("RL318", RuleFamily.RULE)
def amounts_not_negative(context: RuleContext) -> Iterator[Finding]:
    """Invoice, freight and insurance amounts must not be negative."""
    for name, amount in amounts(context.declaration):
        if is_finite(amount.amount) and amount.amount < 0:
            yield pointer(name, "amount"), f"{name} amount {amount.amount} is negative"


def _too_precise(context: RuleContext, value: Decimal, currency: str) -> str | None:
    digits = context.reference.minor_unit(currency)
    if is_finite(value) and minor_digits_of(value) > digits:
        return f"{value} has more decimals than the {digits} of {currency}"
    return None


@rule("RL319", RuleFamily.RULE)
def amounts_in_minor_unit(context: RuleContext) -> Iterator[Finding]:
    """Invoice, freight and insurance amounts have at most the currency's minor digits."""
    for name, amount in amounts(context.declaration):
        detail = _too_precise(context, amount.amount, amount.currency)
        if detail is not None:
            yield pointer(name, "amount"), f"{name} amount {detail}"


@rule("RL320", RuleFamily.RULE)
def item_price_in_minor_unit(context: RuleContext) -> Iterator[Finding]:
    """Item price (DE 4/14) has at most the invoice currency's minor digits."""
    invoice = context.declaration.invoice
    if invoice is None:
        return
    for i, item in items(context.declaration):
        detail = _too_precise(context, item.item_price, invoice.currency)
        if detail is not None:
            yield item_pointer(i, "item_price"), f"item price {detail}"


@rule("RL321", RuleFamily.RULE)
def item_prices_add_up_to_invoice(context: RuleContext) -> Iterator[Finding]:
    """Item prices (DE 4/14) must add up to the total amount invoiced (DE 4/11)."""
    declaration = context.declaration
    invoice = declaration.invoice
    prices = [item.item_price for item in declaration.items]
    if invoice is None or not prices or not all(map(is_finite, [*prices, invoice.amount])):
        return
    total = sum(prices, Decimal(0))
    if total != invoice.amount:
        yield "/invoice/amount", (f"item prices add up to {total} {invoice.currency} but the "
                                  f"invoice amount is {invoice.amount}")


@rule("RL322", RuleFamily.RULE)
def procedure_fits_declaration_type(context: RuleContext) -> Iterator[Finding]:
    """Procedure code (DE 1/10) must be allowed for the declaration type (DE 1/1)."""
    declaration = context.declaration
    kind = declaration.type.value
    for i, item in items(declaration):
        allowed = attribute(context.reference, CodeList.PROCEDURE, item.procedure, context.on,
                            "declaration_types")
        if allowed is not None and kind not in allowed.split():
            yield item_pointer(i, "procedure"), (
                f"procedure {item.procedure} is not allowed on a declaration of type {kind} "
                f"(only {allowed})")


@rule("RL323", RuleFamily.RULE)
def one_requested_procedure_per_declaration(context: RuleContext) -> Iterator[Finding]:
    """All goods items are entered for the same requested procedure (DE 1/10, digits 1-2)."""
    first: str | None = None
    for i, item in items(context.declaration):
        if not PROCEDURE_CODE.fullmatch(item.procedure):
            continue
        if first is None:
            first = item.requested_procedure
        elif item.requested_procedure != first:
            yield item_pointer(i, "procedure"), (
                f"procedure {item.procedure} requests {item.requested_procedure}, other items "
                f"request {first}")


@rule("RL324", RuleFamily.RULE)
def procedure_code_format(context: RuleContext) -> Iterator[Finding]:
    """Procedure code (DE 1/10) must be 4 digits: requested then previous procedure."""
    for i, item in items(context.declaration):
        if not PROCEDURE_CODE.fullmatch(item.procedure):
            yield item_pointer(i, "procedure"), f"procedure code {item.procedure!r} is not 4 digits"


@rule("RL325", RuleFamily.RULE)
def additional_procedure_fits_procedure(context: RuleContext) -> Iterator[Finding]:
    """Additional procedure codes (DE 1/11) must be allowed with the item's procedure code."""
    for i, item in items(context.declaration):
        for j, code in enumerate(item.additional_procedures):
            allowed = attribute(context.reference, CodeList.ADDITIONAL_PROCEDURE, code,
                                context.on, "procedures")
            if allowed is not None and not {"*", item.procedure} & set(allowed.split()):
                yield item_pointer(i, "additional_procedures", j), (
                    f"additional procedure {code} is not allowed with procedure "
                    f"{item.procedure}")


@rule("RL326", RuleFamily.RULE)
def description_not_blank(context: RuleContext) -> Iterator[Finding]:
    """Description of goods (DE 6/8) must not be empty."""
    for i, item in items(context.declaration):
        if is_blank(item.description):
            yield item_pointer(i, "description"), f"goods item {item.sequence} has no description"


@rule("RL327", RuleFamily.RULE)
def description_at_most_512_characters(context: RuleContext) -> Iterator[Finding]:
    """Description of goods (DE 6/8) must have at most 512 characters."""
    for i, item in items(context.declaration):
        if len(item.description) > MAX_DESCRIPTION_LENGTH:
            yield item_pointer(i, "description"), (
                f"description has {len(item.description)} characters; at most "
                f"{MAX_DESCRIPTION_LENGTH}")


@rule("RL328", RuleFamily.RULE)
def numbers_are_finite(context: RuleContext) -> Iterator[Finding]:
    """Masses, quantities and amounts must be ordinary numbers, not NaN or infinity."""
    declaration = context.declaration
    for name, amount in amounts(declaration):
        if amount.amount is not None and not is_finite(amount.amount):
            yield pointer(name, "amount"), f"{amount.amount} is not a finite number"
    for i, item in items(declaration):
        for field in ITEM_NUMBERS:
            value: Decimal | None = getattr(item, field)
            if value is not None and not is_finite(value):
                yield item_pointer(i, field), f"{value} is not a finite number"

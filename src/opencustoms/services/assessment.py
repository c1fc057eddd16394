"""Duties and taxes of a declaration: the tariff engine plus quota draws in the store.

The engine is pure: it reads quota balances through a callback and says how much of each quota
it used. Drawing happens here, inside the registering unit of work, atomically; if a quota ran
out between the calculation and the draw (another lodgement took the rest), the calculation is
repeated with that quota treated as exhausted, so a quota is never oversubscribed and an item
that misses it pays the out-of-quota rate.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from datetime import date
from decimal import Decimal

from opencustoms.domain.assessment import Assessment
from opencustoms.domain.declaration import DeclarationContent
from opencustoms.domain.errors import Problem, RuleViolations
from opencustoms.domain.parties import Party
from opencustoms.services.context import ServiceContext
from opencustoms.services.ports import UnitOfWork
from opencustoms.tariff.calculation import calculate
from opencustoms.validation.engine import validate
from opencustoms.validation.registry import RuleContext

MAX_QUOTA_RETRIES = 5


def assess(ctx: ServiceContext, content: DeclarationContent, on: date, *,
           exhausted: Set[str] = frozenset(),
           credits: Mapping[str, Decimal] | None = None) -> Assessment:
    """Calculate duties and taxes on ``on``; raises RuleViolations for what cannot be taxed.

    ``credits`` are quantities this declaration already holds and gives back (an amendment
    recalculating its own quota use)."""

    def balance(order_number: str) -> Decimal | None:
        if order_number in exhausted:
            return Decimal(0)
        with ctx.reader() as uow:
            stored = uow.quotas.balance(order_number, on)
        if stored is None:
            return None
        return stored + (credits or {}).get(order_number, Decimal(0))

    return calculate(content, on=on, tariff=ctx.tariff(), reference=ctx.reference(),
                     quota_balance=balance)


def control(ctx: ServiceContext, content: DeclarationContent, on: date, actor: Party | None, *,
            credits: Mapping[str, Decimal] | None = None
            ) -> tuple[list[Problem], Assessment | None]:
    """Format-logical control, then the calculation when control passes: every problem found
    and, when there is none, the assessment. Lodgement, amendment and the estimate share it;
    ``actor`` None skips the declarant check (nobody is lodging)."""
    problems = validate(RuleContext(content, ctx.reference(), on, actor))
    if problems:
        return problems, None
    try:
        return [], assess(ctx, content, on, credits=credits)
    except RuleViolations as untaxable:
        return list(untaxable.problems), None


def draw_quotas(uow: UnitOfWork, assessment: Assessment) -> str | None:
    """Draw every quota the assessment used; the order number that ran out, if one did."""
    for draw in assessment.quota_draws:
        if not uow.quotas.draw(draw.order_number, assessment.on, draw.quantity):
            return draw.order_number
    return None


def held_quotas(assessment: Assessment | None) -> dict[str, Decimal]:
    """Quantities of each quota an assessment drew."""
    held: dict[str, Decimal] = {}
    for draw in () if assessment is None else assessment.quota_draws:
        held[draw.order_number] = held.get(draw.order_number, Decimal(0)) + draw.quantity
    return held


def credit_quotas(uow: UnitOfWork, assessment: Assessment | None) -> None:
    """Give back what an earlier assessment drew (amendment, invalidation)."""
    if assessment is None:
        return
    for draw in assessment.quota_draws:
        uow.quotas.credit(draw.order_number, assessment.on, draw.quantity)

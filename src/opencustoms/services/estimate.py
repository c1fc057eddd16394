"""Ask what a declaration would owe, without lodging it (DESIGN.md C3 calculation API)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from opencustoms.domain.assessment import Assessment
from opencustoms.domain.declaration import DeclarationContent
from opencustoms.domain.errors import NotFound, RuleViolations
from opencustoms.domain.reference import Commodity
from opencustoms.services.assessment import control
from opencustoms.services.context import ServiceContext
from opencustoms.tariff.measures import commodity_chain, covers_origin
from opencustoms.tariff.model import Measure


def estimate(ctx: ServiceContext, content: DeclarationContent, on: date) -> Assessment:
    """Run format-logical control (without the declarant check: nobody is lodging) and the
    calculation; nothing is stored and no quota is drawn."""
    problems, assessment = control(ctx, content, on, actor=None)
    if assessment is None:
        raise RuleViolations(problems)
    return assessment


@dataclass(frozen=True, slots=True)
class CommodityMeasures:
    commodity: Commodity
    ancestors: tuple[Commodity, ...]
    measures: tuple[Measure, ...]


def commodity_measures(ctx: ServiceContext, code: str, on: date,
                       origin: str | None = None) -> CommodityMeasures:
    """A nomenclature node, its ancestors, and the measures in force on ``on`` declared on it
    or above it (only those covering ``origin`` when one is given)."""
    reference = ctx.reference()
    node = reference.commodity(code, on)
    if node is None:
        raise NotFound(f"no commodity code {code} valid on {on.isoformat()}",
                       code="tariff.unknown-commodity", pointer="/code")
    chain = commodity_chain(reference, code, on)
    ancestors = tuple(a for a in (reference.commodity(c, on) for c in chain[1:]) if a)
    measures = tuple(m for m in ctx.tariff().measures_on(chain, on)
                     if origin is None or covers_origin(m, origin))
    return CommodityMeasures(node, ancestors, measures)

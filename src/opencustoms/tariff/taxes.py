"""Controls, duties on top of the customs duty, excise and VAT of one goods item.

- Controls: a prohibition (TARIC 277/278) without conditions forbids the goods (TX606); a
  measure whose condition ends on a blocking action forbids them unless the document is
  presented (TX607); a supplementary-unit measure (109/110, expression ``99``) needs its
  quantity (TX605). Benefits (preferences, quotas, suspensions) never block: they are simply
  not applied (:mod:`opencustoms.tariff.duty`).
- Additional duties (A20: 695/696), anti-dumping (A30: 551/552) and countervailing (A40:
  553/554) duties are charged on top of the customs duty, each applicable measure its own
  line; they apply only to their origins and additional codes (anti-dumping rates per producer).
- Excise (E00: 306 …) per applicable measure, e.g. per litre of pure alcohol.
- VAT (B00) on the customs value plus every duty and the excise (EU VAT Directive art. 86(1)
  (a)). Of several VAT measures, the one whose additional code the item declares applies; else
  the only one; else the standard rate, which is the highest.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from opencustoms.tariff import problems as tx
from opencustoms.tariff.expressions import SUPPLEMENTARY_UNIT, MissingQuantity
from opencustoms.tariff.item import ItemWork
from opencustoms.tariff.measures import OPTIONAL_KINDS, InForce, bears_duty, describe
from opencustoms.tariff.model import ERGA_OMNES, Measure, MeasureKind, TaxType

K = MeasureKind
ON_TOP: dict[MeasureKind, TaxType] = {K.ADDITIONAL_DUTY: TaxType.ADDITIONAL_DUTY,
                                      K.ANTI_DUMPING: TaxType.ANTI_DUMPING,
                                      K.COUNTERVAILING: TaxType.COUNTERVAILING}
VAT_BASE_TYPES = frozenset({TaxType.CUSTOMS_DUTY, TaxType.ADDITIONAL_DUTY,
                            TaxType.ANTI_DUMPING, TaxType.COUNTERVAILING, TaxType.EXCISE})
"""Tax lines that go into the VAT base with the customs value."""


def check_controls(work: ItemWork, measures: InForce) -> None:
    """Prohibitions, blocking conditions and supplementary units (see the module)."""
    for measure in measures.applicable:
        kind = measure.type.kind
        if kind in OPTIONAL_KINDS or kind == K.VAT:
            continue
        if kind == K.PROHIBITION and not measure.conditions:
            _prohibit(work, measure)
            continue
        for c in measure.components:
            if (c.expression == SUPPLEMENTARY_UNIT and c.unit
                    and work.quantity(c.unit, c.qualifier) is None):
                work.fail(MissingQuantity(c.unit, c.qualifier), measure)
        if not measure.conditions:
            continue
        outcome = work.outcome(measure)
        if outcome is not None and outcome.blocking is not None:
            work.block(measure, outcome)
        elif outcome is not None and not bears_duty(measure):
            work.notes.append(f"control {describe(measure)}: {'; '.join(outcome.reasons)}")


def _prohibit(work: ItemWork, measure: Measure) -> None:
    item = work.item
    by_origin = measure.area.id != ERGA_OMNES and item.country_of_origin is not None
    where = "country_of_origin" if by_origin else "commodity_code"
    origin = f" from {item.country_of_origin}" if item.country_of_origin else ""
    work.problems.append(tx.problem(
        tx.PROHIBITED, tx.item_pointer(work.index, where),
        f"goods item {item.sequence}: commodity code {item.commodity_code}{origin} is "
        f"prohibited by {describe(measure)}"))


def _charge_all(work: ItemWork, measures: Sequence[Measure], tax_type: str) -> None:
    for measure in measures:
        if not bears_duty(measure):
            continue
        outcome = work.outcome(measure)
        if outcome is None or outcome.blocking is not None:
            continue
        if not outcome.applies:
            work.notes.append(f"{describe(measure)} not applied: "
                              f"{'; '.join(outcome.reasons)}")
            continue
        work.charge(measure, tax_type, outcome)


def assess_on_top(work: ItemWork, measures: InForce) -> None:
    """Additional, anti-dumping and countervailing duties (A20/A30/A40)."""
    for kind, tax_type in ON_TOP.items():
        _charge_all(work, measures.of_kind(kind), tax_type)
    for measure in measures.other_additional_code:
        if measure.type.kind in ON_TOP or measure.type.kind == K.EXCISE:
            work.notes.append(f"{describe(measure)} not applied: it applies only with "
                              f"additional code {measure.additional_code}, not declared")


def assess_excise(work: ItemWork, measures: InForce) -> None:
    """Excise duties (E00)."""
    _charge_all(work, measures.of_kind(K.EXCISE), TaxType.EXCISE)


def _percentage(measure: Measure) -> Decimal:
    return sum((c.amount for c in measure.components
                if c.is_percentage and c.amount is not None), Decimal(0))


def choose_vat(measures: Sequence[Measure], declared: Sequence[str]) -> tuple[Measure, str] | None:
    """The VAT measure of a goods item, and why (rules in the module)."""
    if not measures:
        return None
    for measure in measures:
        if measure.additional_code is not None and measure.additional_code in declared:
            return measure, f"additional code {measure.additional_code} declared"
    if len(measures) == 1:
        return measures[0], "the only VAT rate for this code"
    standard = max(measures, key=_percentage)
    return standard, "standard rate (the highest) as no additional code selects another"


def assess_vat(work: ItemWork, measures: InForce) -> None:
    """VAT (B00) on customs value + duties + excise."""
    chosen = choose_vat(measures.of_kind(K.VAT), work.item.additional_codes)
    if chosen is None:
        work.notes.append("no VAT measure in force for this code: no VAT")
        return
    measure, why = chosen
    outcome = work.outcome(measure)
    if outcome is None:
        return
    if outcome.blocking is not None:
        work.block(measure, outcome)
        return
    if not outcome.applies:
        work.notes.append(f"VAT: {describe(measure)} not applied: {'; '.join(outcome.reasons)}")
        return
    taxed = [line for line in work.lines if line.tax_type in VAT_BASE_TYPES]
    base = work.value + sum((line.amount for line in taxed), Decimal(0))
    parts = " + ".join([f"customs value {work.value}",
                        *(f"{line.tax_type} {line.amount}" for line in taxed)])
    work.notes.append(f"VAT: {describe(measure)} chosen, {why}; VAT base {parts} = {base} "
                      f"{work.currency}")
    work.charge(measure, TaxType.VAT, outcome, value=base,
                why=f", VAT base {base} {work.currency}")

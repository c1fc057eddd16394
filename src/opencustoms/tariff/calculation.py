"""Duties and taxes of a declaration: :func:`calculate`.

For each goods item, in this order:

1. the commodity code must exist, be valid on the date of acceptance and be declarable
   (TX601-TX603); its measures are those of the code and its ancestors in force on that date
   for the item's origin and additional codes (:mod:`opencustoms.tariff.measures`);
2. the customs value (:mod:`opencustoms.tariff.valuation`, WTO Valuation Agreement art. 1 and
   8; UCC art. 70-71);
3. controls and prohibitions (:func:`opencustoms.tariff.taxes.check_controls`);
4. imports (IM): the customs duty, A00 (:mod:`opencustoms.tariff.duty`: third-country duty,
   quota, preference, suspension), then additional, anti-dumping and countervailing duties;
5. imports and the special fiscal territory (CO): excise, then VAT on the customs value plus
   duties and excise. Exports (EX) owe no duty or tax here: only export prohibitions and
   controls apply.

Then the fees of the declaration (:mod:`opencustoms.tariff.fees`). Every line is rounded
once, half-up, to the national minor unit; totals are sums of rounded lines. Whatever cannot be
taxed is collected over all goods items and raised together as
:class:`~opencustoms.domain.errors.RuleViolations` (codes TX6xx,
:mod:`opencustoms.tariff.problems`). The engine is pure: no I/O, the quota balances come from
the caller.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal

from opencustoms.domain.declaration import DeclarationContent, DeclarationType
from opencustoms.domain.errors import Problem, RuleViolations
from opencustoms.domain.goods import GoodsItem
from opencustoms.domain.reference import Commodity, ReferenceData
from opencustoms.tariff import problems as tx
from opencustoms.tariff.assessment import Assessment, ItemAssessment, TaxLine
from opencustoms.tariff.conversion import MonetaryConverter
from opencustoms.tariff.duty import CustomsDuty, QuotaLedger
from opencustoms.tariff.fees import assess_fees
from opencustoms.tariff.item import ItemWork
from opencustoms.tariff.measures import commodity_chain, in_force
from opencustoms.tariff.model import Tariff
from opencustoms.tariff.taxes import assess_excise, assess_on_top, assess_vat, check_controls
from opencustoms.tariff.units import ItemQuantities
from opencustoms.tariff.valuation import customs_values, implausible_numbers

QuotaBalance = Callable[[str], Decimal | None]
"""Quota order number -> remaining balance in the quota's unit (None: unknown)."""


def _no_balance(_order_number: str) -> Decimal | None:
    return None


def _commodity(index: int, item: GoodsItem, reference: ReferenceData,
               on: date) -> Commodity | Problem:
    """The declared commodity, or the problem that makes it unusable (TX601-TX603)."""
    code = item.commodity_code
    commodity = reference.commodity(code, on)
    if commodity is not None and commodity.declarable:
        return commodity
    where = tx.item_pointer(index, "commodity_code")
    if commodity is None and code in reference.nomenclature:
        return tx.problem(tx.COMMODITY_NOT_VALID, where,
                          f"commodity code {code} is not valid on {on.isoformat()}")
    if commodity is None:
        return tx.problem(tx.UNKNOWN_COMMODITY, where,
                          f"commodity code {code} is not in the goods nomenclature")
    return tx.problem(tx.COMMODITY_NOT_DECLARABLE, where,
                      f"commodity code {code} is not declarable: declare a code below it")


class _Calculation:
    """One run of :func:`calculate` over a declaration."""

    def __init__(self, content: DeclarationContent, on: date, tariff: Tariff,
                 reference: ReferenceData, quota_balance: QuotaBalance) -> None:
        self.content, self.on, self.tariff, self.reference = content, on, tariff, reference
        self.currency = reference.jurisdiction.currency
        self.minor = reference.minor_unit(self.currency)
        self.converter = MonetaryConverter(reference, on, tariff)
        self.quotas = QuotaLedger(quota_balance)
        self.problems: list[Problem] = []
        self.day = on.isoformat()

    def run(self) -> Assessment:
        valuation = customs_values(self.content, on=self.on, reference=self.reference)
        self.problems += valuation.problems
        items: list[ItemAssessment] = []
        for i, item in enumerate(self.content.items):
            commodity = _commodity(i, item, self.reference, self.on)
            if isinstance(commodity, Problem):
                self.problems.append(commodity)
                continue
            value = valuation.items[i]
            if value is None:
                continue
            work = ItemWork(i, item, value.value, self.currency, self.minor,
                            ItemQuantities.of_item(item, commodity.supplementary_unit),
                            self.converter, notes=[value.note])
            self._assess(work, commodity)
            self.problems += work.problems
            items.append(ItemAssessment(item.sequence, value.value, tuple(work.lines),
                                        tuple(work.notes), work.quota_draw))
        if self.problems:
            unique = dict.fromkeys(self.problems)
            raise RuleViolations(sorted(unique, key=lambda p: (p.pointer, p.code)))
        fees = assess_fees(self.tariff.fees, declaration_type=self.content.type, on=self.on,
                           total_value=valuation.total, currency=self.currency,
                           minor_unit=self.minor)
        return _assessment(self.currency, self.on, items, fees)

    def _assess(self, work: ItemWork, commodity: Commodity) -> None:
        item, kind = work.item, self.content.type
        chain = commodity_chain(self.reference, item.commodity_code, self.on, leaf=commodity)
        measures = in_force(self.tariff, chain, self.on, origin=item.country_of_origin,
                            additional_codes=item.additional_codes, declaration_type=kind)
        considered = ", ".join(f"{m.type.id} {m.sid}" for m in measures.applicable)
        work.notes.append(f"measures in force for {item.commodity_code} from "
                          f"{item.country_of_origin or 'any origin'} on {self.day}: "
                          f"{considered or 'none'}")
        check_controls(work, measures)
        if kind == DeclarationType.IMPORT:
            CustomsDuty(work, measures, self.tariff, self.reference, self.on,
                        self.quotas).assess()
            assess_on_top(work, measures)
        if kind != DeclarationType.EXPORT:
            assess_excise(work, measures)
            assess_vat(work, measures)


def _assessment(currency: str, on: date, items: list[ItemAssessment],
                fees: Iterable[TaxLine]) -> Assessment:
    fee_lines = tuple(fees)
    totals: dict[str, Decimal] = {}
    for line in [*(line for i in items for line in i.lines), *fee_lines]:
        totals[line.tax_type] = totals.get(line.tax_type, Decimal(0)) + line.amount
    ordered = dict(sorted(totals.items()))
    return Assessment(currency, on, tuple(items), fee_lines, ordered,
                      sum(ordered.values(), Decimal(0)))


def calculate(content: DeclarationContent, *, on: date, tariff: Tariff,
              reference: ReferenceData,
              quota_balance: QuotaBalance = _no_balance) -> Assessment:
    """The duties and taxes owed on ``content`` if accepted on ``on`` (rules in the module).

    ``quota_balance`` answers the remaining balance of a quota order number; items of the
    same declaration drawing on one quota see the balance less earlier items' draws. Raises
    :class:`~opencustoms.domain.errors.RuleViolations` with every TX6xx problem found."""
    implausible = implausible_numbers(content)
    if implausible:
        raise RuleViolations(implausible)
    return _Calculation(content, on, tariff, reference, quota_balance).run()

"""Customs duty (tax type A00): which one measure sets it for a goods item, and why.

The third-country duty (TARIC 103/105) is the baseline and must exist for every imported code.
A lower rate replaces it, in this order, when the declaration claims it and its conditions are
met:

1. a tariff quota (122/123 non-preferential, 143/146 preferential): the item declares the quota
   order number (DE 8/1), the quota is open on the date of acceptance, and its balance, less
   what earlier items of the same declaration draw, covers the item's quantity in the quota's
   unit; then the in-quota rate applies and the draw is recorded. Quotas are first come, first
   served (UCC IA art. 49): the store draws the balance down atomically when it registers;
2. a tariff preference (142/145): the origin is in the preference's area, the preference code
   (DE 4/17) is preferential, and a proof of origin (DE 2/3) is presented: a document of kind
   ``proof_of_origin`` or one the measure's conditions name (UCC art. 64);
3. a suspension (112/115/117/119/141) whose conditions are met (e.g. an end-use authorisation).

A claim that fails falls back to the next, finally to the third-country duty, with a note; a
preference claimed without proof of origin is a warning in the item's notes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from opencustoms.domain.reference import CodeList, ReferenceData
from opencustoms.tariff import problems as tx
from opencustoms.tariff.assessment import QuotaDraw
from opencustoms.tariff.conditions import documents_named
from opencustoms.tariff.expressions import MissingQuantity, format_expression, show
from opencustoms.tariff.item import ItemWork
from opencustoms.tariff.measures import InForce, bears_duty, describe
from opencustoms.tariff.model import Measure, MeasureKind, Tariff, TaxType

K = MeasureKind
PROOF_OF_ORIGIN = "proof_of_origin"


@dataclass(slots=True)
class QuotaLedger:
    """Quota balances as the store reports them, less what this calculation draws."""

    balance: Callable[[str], Decimal | None]
    drawn: dict[str, Decimal] = field(default_factory=dict)

    def available(self, order_number: str) -> Decimal | None:
        balance = self.balance(order_number)
        return None if balance is None else balance - self.drawn.get(order_number, Decimal(0))

    def draw(self, order_number: str, quantity: Decimal) -> None:
        self.drawn[order_number] = self.drawn.get(order_number, Decimal(0)) + quantity


@dataclass(slots=True)
class CustomsDuty:
    """Chooses and charges the customs duty of one goods item (rules in the module)."""

    work: ItemWork
    measures: InForce
    tariff: Tariff
    reference: ReferenceData
    on: date
    quotas: QuotaLedger
    refusals: list[str] = field(default_factory=list)

    def assess(self) -> None:
        baseline = self._third_country()
        if baseline is None:
            return
        measure, why = self._quota() or self._preference() or self._suspension() or (
            baseline, "")
        applied = "third-country duty" if measure is baseline else why.lstrip(", ")
        self.work.notes += [f"warning: {refusal}: {applied} applied"
                            for refusal in self.refusals]
        outcome = self.work.outcome(measure)
        if outcome is None:
            return
        if outcome.blocking is not None:
            self.work.block(measure, outcome)
            return
        if not outcome.applies:
            self._no_duty(f": {'; '.join(outcome.reasons)}")
            return
        self.work.notes.append(f"customs duty: {describe(measure)} applied")
        self.work.charge(measure, TaxType.CUSTOMS_DUTY, outcome, why=why)

    def _third_country(self) -> Measure | None:
        duties = [m for m in self.measures.of_kind(K.THIRD_COUNTRY_DUTY) if bears_duty(m)]
        duties.sort(key=lambda m: m.additional_code is None)
        if not duties:
            self._no_duty("")
            return None
        return duties[0]

    def _no_duty(self, why: str) -> None:
        """TX604: no third-country duty in force (or none whose conditions give one)."""
        item = self.work.item
        self.work.problems.append(tx.problem(
            tx.NO_THIRD_COUNTRY_DUTY, tx.item_pointer(self.work.index, "commodity_code"),
            f"goods item {item.sequence}: no third-country duty for commodity code "
            f"{item.commodity_code} from {item.country_of_origin or 'any origin'} on "
            f"{self.on.isoformat()}{why}"))

    def _rate(self, measure: Measure) -> str:
        return format_expression(measure.components) or "(by condition)"

    def _quota(self) -> tuple[Measure, str] | None:
        order = self.work.item.quota_order_number
        quota_measures = self.measures.of_kind(K.PREFERENTIAL_QUOTA, K.NON_PREFERENTIAL_QUOTA)
        if order is None:
            self.work.notes += [f"quota {m.quota} ({describe(m)}, {self._rate(m)}) not "
                                f"claimed: no quota order number declared"
                                for m in quota_measures]
            return None
        measure = next((m for m in quota_measures if m.quota == order), None)
        quota = self.tariff.quota(order, self.on)
        if measure is None or quota is None:
            self.refusals.append(f"quota {order} declared but not open for this code and "
                                 f"origin on {self.on.isoformat()}")
            return None
        refusal = (self._claim_refused(measure) if measure.type.kind == K.PREFERENTIAL_QUOTA
                   else None) or self._conditions_refused(measure)
        quantity = self.work.quantity(quota.unit)
        if refusal is None and quantity is None:
            self.work.fail(MissingQuantity(quota.unit, None), measure)
            return None
        if refusal is None and quantity is not None:
            refusal = self._draw(order, quantity, quota.unit)
        if refusal is not None:
            self.refusals.append(f"quota {order} not applied: {refusal}")
            return None
        return measure, f", in quota {order}"

    def _draw(self, order: str, quantity: Decimal, unit: str) -> str | None:
        """Draw ``quantity`` from quota ``order``; the reason when the balance is short."""
        available = self.quotas.available(order)
        if available is None or available < quantity:
            left = "no balance known" if available is None else f"{show(available)} {unit} left"
            return f"{left}, the item needs {show(quantity)} {unit}"
        self.quotas.draw(order, quantity)
        self.work.quota_draw = QuotaDraw(order, quantity, unit)
        self.work.notes.append(f"quota {order}: {show(quantity)} {unit} drawn of "
                               f"{show(available)} {unit} available")
        return None

    def _preference(self) -> tuple[Measure, str] | None:
        preferences = self.measures.of_kind(K.TARIFF_PREFERENCE)
        item = self.work.item
        if not self._preferential(item.preference):
            for m in preferences[:1]:
                self.work.notes.append(
                    f"origin {item.country_of_origin} qualifies for {describe(m)} at "
                    f"{self._rate(m)}, but preference code {item.preference} does not claim it")
            return None
        if not preferences:
            self.refusals.append(f"preference {item.preference} claimed but no tariff "
                                 f"preference for origin {item.country_of_origin} on this code")
            return None
        refusals: list[str] = []
        for measure in preferences:
            refusal = self._claim_refused(measure) or self._conditions_refused(measure)
            if refusal is None:
                return measure, f", preference {item.preference}"
            if refusal not in refusals:
                refusals.append(refusal)
        self.refusals += [f"preference {item.preference} claimed but {refusal}"
                          for refusal in refusals]
        return None

    def _suspension(self) -> tuple[Measure, str] | None:
        for measure in self.measures.of_kind(K.SUSPENSION):
            refusal = self._conditions_refused(measure)
            if refusal is None:
                return measure, ", suspension"
            self.work.notes.append(f"suspension {describe(measure)} not applied ({refusal})")
        return None

    def _preferential(self, code: str | None) -> bool:
        entry = (self.reference.entry(CodeList.PREFERENCE, code, self.on)
                 if code is not None else None)
        return (entry is not None
                and entry.attributes.get("preferential", "").strip().lower() == "true")

    def _claim_refused(self, measure: Measure) -> str | None:
        """Why a preferential claim fails: not claimed, or no proof of origin presented."""
        item = self.work.item
        if not self._preferential(item.preference):
            return f"preference code {item.preference} is not preferential"
        named = documents_named(measure)
        for document in item.documents:
            entry = self.reference.entry(CodeList.DOCUMENT, document.code, self.on)
            kind = entry.attributes.get("kind") if entry is not None else None
            if kind == PROOF_OF_ORIGIN or document.code in named:
                return None
        return "no proof of origin"

    def _conditions_refused(self, measure: Measure) -> str | None:
        if not measure.conditions:
            return None
        outcome = self.work.outcome(measure)
        if outcome is None:
            return "its conditions cannot be checked"
        if outcome.applies and outcome.blocking is None and bears_duty(measure):
            return None
        return "; ".join(outcome.reasons)

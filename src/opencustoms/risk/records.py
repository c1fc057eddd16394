"""The goods item of a declaration as the risk engine sees it: one flat, typed record.

Risk scoring works line by line, because fraud (undervaluation, misclassification, a wrong origin
or preference claim) is committed on a goods item. A :class:`RiskRecord` carries what the scoring
model may look at — the parties, the office, the commodity code, the origin, the procedure, the
declared value, mass, quantity, tax rate and duty — and, for history, the outcome of a control:
whether an irregularity was found (``fraud``) and the extra duty it recovered
(``revenue_at_risk``).

Lodged declarations and public datasets (see ``adapters/formats/kcs.py``) are mapped to this one
shape, so the same feature pipeline serves training and scoring.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from opencustoms.domain.assessment import Assessment
from opencustoms.domain.declaration import DeclarationContent

HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class RiskRecord:
    """One goods item of a declaration, with the outcome of its control when known.

    ``commodity_code`` is the declared goods nomenclature code (at least the 6 HS digits when
    known). ``item_price`` is the declared price of the item and ``customs_value`` its customs
    value when assessed (the value features use the customs value first). ``tax_rate`` is the
    ad valorem duty rate in percent; ``duty`` the duty assessed on the item, if any.
    ``categories`` holds further categorical attributes by name (a jurisdiction's own codes,
    e.g. the import use or the courier), used as features when they were seen in training.

    Labels: ``fraud`` is True when a control found an irregularity, False when it found none,
    None when the item was not controlled. ``revenue_at_risk`` is the extra duty the control
    recovered (zero or None when nothing was found).
    """

    declaration_id: str
    date: date
    importer: str
    declarant: str
    office: str
    commodity_code: str
    item_price: Decimal
    origin: str | None = None
    dispatch_country: str | None = None
    seller: str | None = None
    procedure: str | None = None
    transport_mode: str | None = None
    payment: str | None = None
    preference: str | None = None
    customs_value: Decimal | None = None
    quantity: Decimal | None = None
    net_mass: Decimal | None = None
    tax_rate: Decimal | None = None
    duty: Decimal | None = None
    categories: tuple[tuple[str, str], ...] = ()
    fraud: bool | None = None
    revenue_at_risk: Decimal | None = None

    @property
    def value(self) -> Decimal:
        """The value the duty is assessed on: the customs value, else the item price."""
        return self.customs_value if self.customs_value is not None else self.item_price

    @property
    def duty_amount(self) -> Decimal:
        """The duty at stake on the item: the assessed duty, else value × ad valorem rate."""
        if self.duty is not None:
            return self.duty
        if self.tax_rate is None:
            return Decimal(0)
        return self.value * self.tax_rate / HUNDRED

    @property
    def recovered(self) -> Decimal:
        """Revenue a control of this item recovered (duty-at-risk): the assessed extra duty,
        else, for an item found irregular, the duty at stake; zero when nothing was found."""
        if not self.fraud:
            return Decimal(0)
        if self.revenue_at_risk is not None:
            return self.revenue_at_risk
        return self.duty_amount


def records_of(content: DeclarationContent, assessment: Assessment | None,
               on: date, declaration_id: str) -> tuple[RiskRecord, ...]:
    """The goods items of a lodged declaration as risk records (no labels yet).

    The customs value and duty come from the assessment (duty = the item's customs-duty lines,
    tax types A…); the tax rate is that duty as a percentage of the customs value."""
    assessed = {} if assessment is None else {a.sequence: a for a in assessment.items}
    importer = content.importer.id if content.importer and content.importer.id else None
    records = []
    for item in content.items:
        found = assessed.get(item.sequence)
        value = None if found is None else found.customs_value
        duty = None if found is None else sum(
            (line.amount for line in found.lines if line.tax_type.startswith("A")), Decimal(0))
        rate = (duty / value * HUNDRED) if duty is not None and value else None
        records.append(RiskRecord(
            declaration_id=f"{declaration_id}/{item.sequence}", date=on,
            importer=importer or content.declarant, declarant=content.declarant,
            office=content.office_of_declaration, commodity_code=item.commodity_code,
            item_price=item.item_price, origin=item.country_of_origin,
            dispatch_country=content.country_of_dispatch, procedure=item.procedure,
            transport_mode=None if content.transport is None
            else content.transport.mode_at_border,
            preference=item.preference, customs_value=value,
            quantity=item.supplementary_quantity, net_mass=item.net_mass, tax_rate=rate,
            duty=duty))
    return tuple(records)

"""The tariff as data, in the TARIC record structure the EU and UK tariffs share.

A :class:`Measure` says that, on goods of a nomenclature code (and every code below it), from an
origin (a :class:`GeographicalArea`, minus excluded countries), during a validity period, a
:class:`MeasureType` applies: a duty, a preference, a suspension, a quota, an anti-dumping duty,
VAT, excise, a prohibition or a control. Its amount is a duty expression made of
:class:`DutyComponent` records (TARIC record 430); it may depend on :class:`MeasureCondition`
records (TARIC 435/440): a document presented, or a price or quantity threshold.

Records, codes and names follow TARIC3 (``shared/data/schemas/taric3``) so that real tariffs
import without loss: measure type ids (103 third-country duty, 142 preference, 305 VAT …), duty
expression ids (01 ``% or amount``, 04 ``+``, 15 ``MIN``, 17 ``MAX`` …), measurement unit and
qualifier codes (DTN 100 kg, LPA litre of pure alcohol …), condition and action codes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from opencustoms.domain.reference import Validity


class MeasureKind(StrEnum):
    """What a measure type does in a calculation."""

    THIRD_COUNTRY_DUTY = "third_country_duty"
    TARIFF_PREFERENCE = "tariff_preference"
    SUSPENSION = "suspension"
    PREFERENTIAL_QUOTA = "preferential_quota"
    NON_PREFERENTIAL_QUOTA = "non_preferential_quota"
    ANTI_DUMPING = "anti_dumping"
    COUNTERVAILING = "countervailing"
    ADDITIONAL_DUTY = "additional_duty"
    VAT = "vat"
    EXCISE = "excise"
    PROHIBITION = "prohibition"
    RESTRICTION = "restriction"
    SUPPLEMENTARY_UNIT = "supplementary_unit"
    OTHER = "other"


class TaxType(StrEnum):
    """Tax type codes written on tax lines (UCC DE 4/3 style)."""

    CUSTOMS_DUTY = "A00"
    ADDITIONAL_DUTY = "A20"
    ANTI_DUMPING = "A30"
    COUNTERVAILING = "A40"
    VAT = "B00"
    EXCISE = "E00"
    FEE = "F00"


@dataclass(frozen=True, slots=True)
class MeasureType:
    """TARIC measure type (record 230): id, description, and what it does here."""

    id: str
    description: str
    kind: MeasureKind


@dataclass(frozen=True, slots=True)
class GeographicalArea:
    """A country, or a group of countries (TARIC 250/255: ``1011`` erga omnes, ``1013`` EU …).

    ``members`` lists the countries of a group; a country's members are itself. Membership
    validity is resolved by importers for the tariff's period."""

    id: str
    description: str
    members: frozenset[str] = frozenset()

    def covers(self, country: str) -> bool:
        return country == self.id or country in self.members


ERGA_OMNES = "1011"
"""TARIC geographical area of all third countries."""


@dataclass(frozen=True, slots=True)
class DutyComponent:
    """One term of a duty expression (TARIC record 430 measure component).

    ``expression`` is the TARIC duty expression id: ``01`` % or amount, ``02`` minus, ``04``
    plus, ``15`` minimum (a floor), ``17`` maximum (a ceiling), ``99`` supplementary unit only.
    No ``monetary_unit`` means a percentage (of the customs value, or of the retail price when
    ``unit`` is ``RET``); otherwise an amount per ``unit`` (with ``qualifier``), in that
    currency."""

    expression: str
    amount: Decimal | None
    monetary_unit: str | None = None
    unit: str | None = None
    qualifier: str | None = None

    @property
    def is_percentage(self) -> bool:
        return self.monetary_unit is None


class ConditionAction(StrEnum):
    """What happens when a condition is met; the TARIC action codes that matter here."""

    APPLY_AMOUNT = "01"
    NOT_ALLOWED_FREE_CIRCULATION = "04"
    EXPORT_NOT_ALLOWED = "05"
    NOT_ALLOWED = "06"
    MEASURE_NOT_APPLICABLE = "07"
    SUBHEADING_NOT_ALLOWED = "08"
    NOT_ALLOWED_AFTER_CONTROL = "09"
    APPLY_MENTIONED_DUTY = "27"


BLOCKING_ACTIONS = frozenset({"04", "05", "06", "08", "09"})
"""Action codes that forbid the goods when their condition is the one that applies."""


@dataclass(frozen=True, slots=True)
class MeasureCondition:
    """A condition of a measure (TARIC 435 with its 440 components).

    Conditions with the same ``code`` are tried in ``sequence`` order; the first whose
    requirement is met gives the ``action``. A condition with no document and no threshold is
    the fallback that applies when none of the others is met. A threshold is compared with the
    declared value or quantity (e.g. ``V``: entry price per 100 kg)."""

    code: str
    sequence: int
    action: str
    document: str | None = None
    threshold: Decimal | None = None
    threshold_monetary_unit: str | None = None
    threshold_unit: str | None = None
    threshold_qualifier: str | None = None
    components: tuple[DutyComponent, ...] = ()

    @property
    def is_fallback(self) -> bool:
        return self.document is None and self.threshold is None


@dataclass(frozen=True, slots=True)
class Measure:
    """A tariff measure (TARIC record 430), declared on ``commodity`` and every code below."""

    sid: str
    type: MeasureType
    commodity: str
    area: GeographicalArea
    validity: Validity
    components: tuple[DutyComponent, ...] = ()
    conditions: tuple[MeasureCondition, ...] = ()
    excluded: frozenset[str] = frozenset()
    additional_code: str | None = None
    quota: str | None = None
    footnotes: tuple[str, ...] = ()

    def applies_to_origin(self, country: str) -> bool:
        return self.area.covers(country) and country not in self.excluded


@dataclass(frozen=True, slots=True)
class Quota:
    """A tariff quota (TARIC quota order number and definition): a volume for a period, drawn
    first come, first served. The balance lives in the store, not here."""

    order_number: str
    validity: Validity
    volume: Decimal
    unit: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class MonetaryRate:
    """``1 unit of source = rate units of target`` during ``validity`` (e.g. 1 EUR = 0.7298 GBP),
    used to convert specific duties written in another currency."""

    source: str
    target: str
    rate: Decimal
    validity: Validity


@dataclass(frozen=True, slots=True)
class Fee:
    """A customs processing fee from the jurisdiction's fee table: a flat amount per declaration
    plus a percentage of the total customs value, bounded by a minimum and a maximum."""

    code: str
    description: str
    per_declaration: Decimal = Decimal(0)
    percentage: Decimal = Decimal(0)
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    declaration_types: frozenset[str] = frozenset({"IM"})
    validity: Validity = field(default_factory=Validity)


@dataclass(slots=True)
class Tariff:
    """All tariff data of a jurisdiction, indexed by the code measures are declared on."""

    currency: str
    measures: dict[str, list[Measure]] = field(default_factory=dict)
    areas: dict[str, GeographicalArea] = field(default_factory=dict)
    measure_types: dict[str, MeasureType] = field(default_factory=dict)
    quotas: dict[str, list[Quota]] = field(default_factory=dict)
    monetary_rates: list[MonetaryRate] = field(default_factory=list)
    fees: list[Fee] = field(default_factory=list)

    def add_measures(self, measures: Iterable[Measure]) -> None:
        for measure in measures:
            self.measures.setdefault(measure.commodity, []).append(measure)
            self.measure_types.setdefault(measure.type.id, measure.type)
            self.areas.setdefault(measure.area.id, measure.area)

    def measures_on(self, codes: Iterable[str], on: date) -> list[Measure]:
        """Measures valid on ``on`` declared on any of ``codes`` (a code and its ancestors)."""
        return [m for code in codes for m in self.measures.get(code, ())
                if m.validity.contains(on)]

    def quota(self, order_number: str, on: date) -> Quota | None:
        for quota in self.quotas.get(order_number, ()):
            if quota.validity.contains(on):
                return quota
        return None

    def monetary_rate(self, source: str, target: str, on: date) -> Decimal | None:
        for rate in self.monetary_rates:
            if rate.source == source and rate.target == target and rate.validity.contains(on):
                return rate.rate
        return None


MEASURE_KINDS: Mapping[str, MeasureKind] = {
    "103": MeasureKind.THIRD_COUNTRY_DUTY,
    "105": MeasureKind.THIRD_COUNTRY_DUTY,
    "112": MeasureKind.SUSPENSION,
    "115": MeasureKind.SUSPENSION,
    "117": MeasureKind.SUSPENSION,
    "119": MeasureKind.SUSPENSION,
    "141": MeasureKind.SUSPENSION,
    "122": MeasureKind.NON_PREFERENTIAL_QUOTA,
    "123": MeasureKind.NON_PREFERENTIAL_QUOTA,
    "142": MeasureKind.TARIFF_PREFERENCE,
    "145": MeasureKind.TARIFF_PREFERENCE,
    "143": MeasureKind.PREFERENTIAL_QUOTA,
    "146": MeasureKind.PREFERENTIAL_QUOTA,
    "109": MeasureKind.SUPPLEMENTARY_UNIT,
    "110": MeasureKind.SUPPLEMENTARY_UNIT,
    "277": MeasureKind.PROHIBITION,
    "278": MeasureKind.PROHIBITION,
    "305": MeasureKind.VAT,
    "VTS": MeasureKind.VAT,
    "VTZ": MeasureKind.VAT,
    "VTA": MeasureKind.VAT,
    "VTE": MeasureKind.VAT,
    "306": MeasureKind.EXCISE,
    "551": MeasureKind.ANTI_DUMPING,
    "552": MeasureKind.ANTI_DUMPING,
    "553": MeasureKind.COUNTERVAILING,
    "554": MeasureKind.COUNTERVAILING,
    "695": MeasureKind.ADDITIONAL_DUTY,
    "696": MeasureKind.ADDITIONAL_DUTY,
}
"""TARIC measure type id -> kind. Unknown ids are controls (``RESTRICTION``) when they carry
document conditions and no components, else ``OTHER``; importers decide with
:func:`kind_of`."""


def kind_of(type_id: str, series: str | None = None) -> MeasureKind:
    """The kind of a TARIC measure type, by id, else by its measure type series letter
    (A prohibitions, B controls, C duties, D anti-dumping, J additional, P VAT, Q excise)."""
    if type_id in MEASURE_KINDS:
        return MEASURE_KINDS[type_id]
    by_series = {"A": MeasureKind.PROHIBITION, "B": MeasureKind.RESTRICTION,
                 "D": MeasureKind.ANTI_DUMPING, "J": MeasureKind.ADDITIONAL_DUTY,
                 "P": MeasureKind.VAT, "Q": MeasureKind.EXCISE,
                 "O": MeasureKind.SUPPLEMENTARY_UNIT}
    return by_series.get(series or "", MeasureKind.OTHER)

"""Which measures are in force for a goods item: by code, date, origin and additional code.

A measure declared on a code applies to that code and every code below it, so the candidates
of a goods item are the measures of its commodity code and all its ancestors (most specific
first), valid on the date of acceptance. Of those, a measure applies to the item when

- its geographical area covers the country of origin and the origin is not excluded; ``1011``
  (erga omnes) covers every origin, and is the only area that applies when no origin is
  declared (exports);
- it has no additional code, or the item declares that additional code (TARIC: additional
  codes select anti-dumping rates per producer, excise classes, VAT rates …);
- its direction fits the declaration: import (IM) measures for imports; for the special fiscal
  territory (CO: Union goods) only VAT and excise; for exports (EX) only export measures. The
  model has no trade-movement code, so a measure is an export measure when its type
  description mentions export (TARIC 278 *Export prohibition*, 467 *Restriction on export* …).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from opencustoms.domain.declaration import DeclarationType
from opencustoms.domain.reference import Commodity, ReferenceData
from opencustoms.tariff.memo import RecordMemo
from opencustoms.tariff.model import ERGA_OMNES, Measure, MeasureKind, Tariff

K = MeasureKind
CUSTOMS_DUTY_KINDS = frozenset({K.THIRD_COUNTRY_DUTY, K.TARIFF_PREFERENCE, K.SUSPENSION,
                                K.PREFERENTIAL_QUOTA, K.NON_PREFERENTIAL_QUOTA})
"""Measures that set the customs duty (A00); exactly one of them gives it."""

OPTIONAL_KINDS = frozenset({K.TARIFF_PREFERENCE, K.SUSPENSION, K.PREFERENTIAL_QUOTA,
                            K.NON_PREFERENTIAL_QUOTA})
"""Benefits the declarant claims: when their conditions fail they are simply not applied."""

FISCAL_KINDS = frozenset({K.VAT, K.EXCISE})
"""The only measures of a special fiscal territory declaration (CO)."""

MAX_DEPTH = 32


def commodity_chain(reference: ReferenceData, code: str, on: date, *,
                    leaf: Commodity | None = None) -> tuple[str, ...]:
    """``code`` and its ancestors in the nomenclature valid on ``on``, leaf first.

    ``leaf`` is ``code``'s node on ``on`` when the caller has already looked it up."""
    chain: list[str] = []
    current: str | None = code
    if leaf is not None:
        chain.append(code)
        current = leaf.parent
    while current is not None and current not in chain and len(chain) < MAX_DEPTH:
        chain.append(current)
        node = reference.commodity(current, on)
        current = node.parent if node is not None else None
    return tuple(chain)


def covers_origin(measure: Measure, origin: str | None) -> bool:
    """The measure's area covers ``origin`` and does not exclude it (see the module)."""
    if origin is None:
        return measure.area.id == ERGA_OMNES
    if origin in measure.excluded:
        return False
    return measure.area.id == ERGA_OMNES or measure.area.covers(origin)


def is_export_measure(measure: Measure) -> bool:
    return "export" in measure.type.description.lower()


def fits_direction(measure: Measure, declaration_type: DeclarationType) -> bool:
    if declaration_type == DeclarationType.EXPORT:
        return is_export_measure(measure)
    if is_export_measure(measure):
        return False
    return (declaration_type == DeclarationType.IMPORT
            or measure.type.kind in FISCAL_KINDS)


@dataclass(frozen=True, slots=True)
class InForce:
    """The measures of a goods item: those that apply, and those that would apply but for an
    additional code the item does not declare (reported in the explanation)."""

    applicable: tuple[Measure, ...]
    other_additional_code: tuple[Measure, ...]
    _by_kind: dict[MeasureKind, list[Measure]] = field(
        init=False, repr=False, compare=False, default_factory=dict)

    def __post_init__(self) -> None:
        # the assessment of a goods item asks for its measures by kind about ten times:
        # sort them once (frozen, so the index cannot go stale)
        for measure in self.applicable:
            self._by_kind.setdefault(measure.type.kind, []).append(measure)

    def of_kind(self, *kinds: MeasureKind) -> list[Measure]:
        """The applicable measures of ``kinds``, in the order of :attr:`applicable`."""
        if len(kinds) == 1:
            return list(self._by_kind.get(kinds[0], ()))
        return [m for m in self.applicable if m.type.kind in kinds]


def in_force(tariff: Tariff, chain: Iterable[str], on: date, *, origin: str | None,
             additional_codes: Iterable[str],
             declaration_type: DeclarationType) -> InForce:
    """The measures in force on ``on`` for a goods item (rules in the module docstring).

    VAT measures are kept whatever their additional code: the VAT rate is chosen among them
    (:func:`opencustoms.tariff.taxes.choose_vat`)."""
    declared = frozenset(additional_codes)
    applicable: list[Measure] = []
    other: list[Measure] = []
    for measure in tariff.measures_on(chain, on):
        if not (covers_origin(measure, origin) and fits_direction(measure, declaration_type)):
            continue
        code = measure.additional_code
        if code is None or code in declared or measure.type.kind == K.VAT:
            applicable.append(measure)
        else:
            other.append(measure)
    return InForce(tuple(applicable), tuple(other))


def bears_duty(measure: Measure) -> bool:
    """A measure that states an amount (in its components or a condition's); measures of a
    duty type with neither are controls (documents only)."""
    return bool(measure.components) or any(c.components for c in measure.conditions)


def describe(measure: Measure) -> str:
    """``Third country duty 103 (measure 2001, ERGA OMNES)``."""
    return _remembered_description(measure)


def _describe(measure: Measure) -> str:
    area = measure.area.description or measure.area.id
    extra = f", additional code {measure.additional_code}" if measure.additional_code else ""
    return f"{measure.type.description} {measure.type.id} (measure {measure.sid}, {area}{extra})"


_remembered_description: RecordMemo[Measure, str] = RecordMemo(_describe)

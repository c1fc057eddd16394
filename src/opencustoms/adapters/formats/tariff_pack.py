"""The tariff of a jurisdiction pack: measures, geographical areas, quotas and fees as JSON.

A pack's tariff lives in its ``tariff`` folder (``opencustoms/packs/demo/tariff`` for the demo
pack), one file per TARIC record family (see ``TARIFF_FILES``):

``measure_types.json``
    ``[{id, description, kind}]``: TARIC measure type ids (``103`` third-country duty …) and
    their :class:`~opencustoms.tariff.model.MeasureKind` value.
``areas.json``
    ``[{id, description, members}]``: ``1011`` erga omnes, groups (``XG01`` …) with their
    member countries; a two-letter id is a country and has no ``members``.
``measures.json``
    ``[{sid, type, commodity, area, excluded, valid_from, valid_to, components, conditions,
    additional_code, quota, footnotes}]`` with components ``{expression, amount,
    monetary_unit, unit, qualifier}`` (TARIC 430) and conditions ``{code, sequence, action,
    document, threshold, threshold_monetary_unit, threshold_unit, threshold_qualifier,
    components}`` (TARIC 435/440). Only ``sid``, ``type``, ``commodity`` and ``area`` are
    required; a measure applies to ``commodity`` and every code below it.
``quotas.json`` (optional)
    ``[{order_number, description, volume, unit, valid_from, valid_to}]``, one entry per
    quota period.
``additional_codes.json`` (optional)
    ``[{code, description, valid_from, valid_to}]``: the additional codes measures may name.
``fees.json`` (optional)
    ``[{code, description, per_declaration, percentage, minimum, maximum,
    declaration_types, valid_from, valid_to}]``; ``percentage`` is in percent of the customs
    value.
``monetary_rates.json`` (optional)
    ``[{source, target, rate, valid_from, valid_to}]`` to convert amounts written in another
    currency than the jurisdiction's.

Amounts are decimal strings (or JSON numbers, read as :class:`~decimal.Decimal`, never binary
floats). Every ``read_*`` function streams the records of one file; :func:`load_tariff` reads
them all into one :class:`~opencustoms.tariff.model.Tariff` and checks that they refer to each
other correctly. A malformed file raises :class:`PackError` naming the file and the entry.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from decimal import Decimal
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TypeVar

from opencustoms.adapters.formats.pack import (
    PackError,
    PackPath,
    demo_pack,
    read_jurisdiction,
)
from opencustoms.adapters.formats.tariff_pack_records import (
    CURRENCY_CODE,
    ORDER_NUMBER,
    parse_measure,
    tariff_entries,
)
from opencustoms.domain.reference import CodeListEntry
from opencustoms.tariff.model import (
    MEASURE_KINDS,
    Fee,
    GeographicalArea,
    Measure,
    MeasureKind,
    MeasureType,
    MonetaryRate,
    Quota,
    Tariff,
)

TARIFF_FOLDER = "tariff"
"""Name of the tariff folder inside a jurisdiction pack."""

TARIFF_FILES = (
    "measure_types.json",
    "areas.json",
    "measures.json",
    "quotas.json",
    "additional_codes.json",
    "fees.json",
    "monetary_rates.json",
)
"""Files of a pack's tariff folder; the first three are required."""

QUOTA_KINDS = frozenset({MeasureKind.PREFERENTIAL_QUOTA, MeasureKind.NON_PREFERENTIAL_QUOTA})

_Identified = TypeVar("_Identified", MeasureType, GeographicalArea)

_COUNTRY = re.compile(r"[A-Z]{2}")


def demo_tariff() -> Traversable:
    """The tariff folder of the demo jurisdiction pack shipped inside the package."""
    return demo_pack() / TARIFF_FOLDER


def load_tariff(path: PackPath | None = None, *, currency: str | None = None) -> Tariff:
    """Read a pack's whole tariff (the demo pack's by default) into one :class:`Tariff`.

    ``path`` is a pack folder (its ``tariff`` folder is read) or a tariff folder itself. The
    tariff's currency is ``currency``, else the one of the pack's ``jurisdiction.json``.
    Besides reading every file, checks that measures name known measure types, areas,
    additional codes and quota order numbers, that quota measures have an order number, and
    that every currency an amount is written in can be converted into the tariff's.
    """
    folder, pack = _folders(path)
    if currency is None:
        if pack is None:
            raise PackError(f"jurisdiction.json: cannot find the pack of the tariff at {folder}; "
                            "pass the pack folder or the currency")
        currency = read_jurisdiction(pack).currency
    tariff = Tariff(currency)
    tariff.measure_types.update(_unique(read_measure_types(folder), "measure_types.json"))
    tariff.areas.update(_unique(read_areas(folder), "areas.json"))
    for quota in read_quotas(folder):
        tariff.quotas.setdefault(quota.order_number, []).append(quota)
    additional_codes = {entry.code for entry in read_additional_codes(folder)}
    tariff.fees.extend(read_fees(folder))
    tariff.monetary_rates.extend(read_monetary_rates(folder))
    tariff.add_measures(_checked(
        read_measures(folder, tariff.measure_types, tariff.areas), tariff, additional_codes))
    return tariff


def read_measure_types(path: PackPath) -> Iterator[MeasureType]:
    """TARIC measure types with what each does in a calculation (its :class:`MeasureKind`).

    A type listed in :data:`MEASURE_KINDS` must keep the kind given there."""
    file = "measure_types.json"
    for record in tariff_entries(path, file, "measure type", "id"):
        type_id = record.text("id")
        kind = record.choice("kind", MeasureKind)
        if type_id in MEASURE_KINDS and MEASURE_KINDS[type_id] != kind:
            raise record.error(f"measure type {type_id} is {MEASURE_KINDS[type_id].value!r} "
                               f"in TARIC, not {kind.value!r}")
        yield MeasureType(type_id, record.text("description"), kind)


def read_areas(path: PackPath) -> Iterator[GeographicalArea]:
    """Geographical areas: countries (two-letter ids) and groups of countries."""
    file = "areas.json"
    for record in tariff_entries(path, file, "area", "id"):
        area_id = record.text("id")
        members = record.texts("members", required=False)
        if _COUNTRY.fullmatch(area_id):
            if members:
                raise record.error(f"country {area_id} cannot have members")
        elif not members:
            raise record.error(f"group {area_id} needs a non-empty list of 'members'")
        for member in members:
            if not _COUNTRY.fullmatch(member):
                raise record.error(f"member {member!r} is not a two-letter country code")
        yield GeographicalArea(area_id, record.text("description"), frozenset(members))


def read_measures(
    path: PackPath,
    measure_types: Mapping[str, MeasureType] | None = None,
    areas: Mapping[str, GeographicalArea] | None = None,
) -> Iterator[Measure]:
    """Tariff measures, one at a time. Measure types and areas are looked up in the mappings
    given, else read from the same folder."""
    types = dict(measure_types) if measure_types is not None else {
        t.id: t for t in read_measure_types(path)}
    known_areas = dict(areas) if areas is not None else {a.id: a for a in read_areas(path)}
    seen: set[str] = set()
    for record in tariff_entries(path, "measures.json", "measure", "sid"):
        measure = parse_measure(record, types, known_areas)
        if measure.sid in seen:
            raise record.error(f"sid {measure.sid!r} is used by an earlier measure")
        seen.add(measure.sid)
        yield measure


def read_quotas(path: PackPath) -> Iterator[Quota]:
    """Tariff quota periods: order number, volume and its unit, validity."""
    for record in tariff_entries(path, "quotas.json", "quota", "order_number", optional=True):
        validity = record.validity()
        if validity.end is None:
            raise record.error("a quota period needs 'valid_to'")
        yield Quota(
            order_number=record.matching("order_number", ORDER_NUMBER, "six digits"),
            validity=validity,
            volume=record.amount("volume", positive=True),
            unit=record.unit("unit") or record.text("unit"),
            description=record.optional_text("description") or "",
        )


def read_additional_codes(path: PackPath) -> Iterator[CodeListEntry]:
    """Additional codes measures may be declared with (e.g. an exporter under anti-dumping)."""
    for record in tariff_entries(path, "additional_codes.json", "additional code", "code",
                           optional=True):
        yield CodeListEntry(record.text("code"), record.text("description"), record.validity())


def read_fees(path: PackPath) -> Iterator[Fee]:
    """The fee table: per declaration amount plus a percentage of the customs value,
    bounded by an optional minimum and maximum."""
    for record in tariff_entries(path, "fees.json", "fee", "code", optional=True):
        minimum = record.optional_amount("minimum")
        maximum = record.optional_amount("maximum")
        if minimum is not None and maximum is not None and maximum < minimum:
            raise record.error(f"maximum {maximum} is below minimum {minimum}")
        yield Fee(
            code=record.text("code"),
            description=record.text("description"),
            per_declaration=record.optional_amount("per_declaration") or Decimal(0),
            percentage=record.optional_amount("percentage") or Decimal(0),
            minimum=minimum,
            maximum=maximum,
            declaration_types=frozenset(record.texts("declaration_types")),
            validity=record.validity(),
        )


def read_monetary_rates(path: PackPath) -> Iterator[MonetaryRate]:
    """Conversion rates for amounts written in another currency: 1 source = rate target."""
    for record in tariff_entries(path, "monetary_rates.json", "monetary rate", "source",
                           optional=True):
        yield MonetaryRate(
            source=record.matching("source", CURRENCY_CODE, "an ISO 4217 currency code"),
            target=record.matching("target", CURRENCY_CODE, "an ISO 4217 currency code"),
            rate=record.amount("rate", positive=True),
            validity=record.validity(),
        )


def _folders(path: PackPath | None) -> tuple[PackPath, PackPath | None]:
    """(tariff folder, pack folder or None when it cannot be found)."""
    if path is None:
        return demo_tariff(), demo_pack()
    if (path / "jurisdiction.json").is_file():
        return path / TARIFF_FOLDER, path
    if isinstance(path, Path) and (path.parent / "jurisdiction.json").is_file():
        return path, path.parent
    return path, None


def _unique(items: Iterator[_Identified], file: str) -> dict[str, _Identified]:
    found: dict[str, _Identified] = {}
    for item in items:
        if item.id in found:
            raise PackError(f"{file}: id {item.id!r} is defined twice")
        found[item.id] = item
    return found


def _checked(measures: Iterator[Measure], tariff: Tariff, additional_codes: set[str]
             ) -> Iterator[Measure]:
    """Measures that refer correctly to quotas, additional codes and currencies."""
    convertible = {tariff.currency} | {
        r.source for r in tariff.monetary_rates if r.target == tariff.currency}
    for index, measure in enumerate(measures):
        where = f"measures.json: measure entry {index} ({measure.sid!r})"
        is_quota = measure.type.kind in QUOTA_KINDS
        if is_quota != (measure.quota is not None):
            raise PackError(f"{where}: a measure of type {measure.type.id} "
                            f"{'needs' if is_quota else 'cannot have'} a quota order number")
        if measure.quota is not None and measure.quota not in tariff.quotas:
            raise PackError(f"{where}: quota {measure.quota} is not in quotas.json")
        if measure.additional_code is not None and measure.additional_code not in \
                additional_codes:
            raise PackError(f"{where}: additional code {measure.additional_code!r} is not in "
                            "additional_codes.json")
        components = measure.components + tuple(
            c for condition in measure.conditions for c in condition.components)
        for component in components:
            if component.monetary_unit not in (None, *convertible):
                raise PackError(f"{where}: amounts in {component.monetary_unit} cannot be "
                                f"converted into {tariff.currency} (no monetary rate)")
        yield measure

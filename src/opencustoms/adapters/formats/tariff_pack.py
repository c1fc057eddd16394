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
from decimal import Decimal, InvalidOperation
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, TypeVar

from opencustoms.adapters.formats.pack import (
    PackError,
    PackPath,
    _kind,
    _load,
    _Record,
    demo_pack,
    read_jurisdiction,
)
from opencustoms.domain.reference import CodeListEntry
from opencustoms.tariff.model import (
    MEASURE_KINDS,
    DutyComponent,
    Fee,
    GeographicalArea,
    Measure,
    MeasureCondition,
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

MEASUREMENT_UNITS = frozenset({
    "ASV", "BRX", "CCT", "CEN", "CTM", "DAP", "DHS", "DTN", "EUR", "GFI", "GRM", "GRT", "HLT",
    "HMT", "KCC", "KCL", "KGM", "KLT", "KMA", "KMT", "KNI", "KNS", "KPH", "KPO", "KPP", "KSD",
    "KSH", "KUR", "LPA", "LTR", "MIL", "MPR", "MTK", "MTQ", "MTR", "MWH", "NAR", "NCL", "NPR",
    "RET", "SPQ", "SPR", "TJO", "TNE", "WAT",
})
"""TARIC measurement unit codes (DTN 100 kg, HLT hectolitre, LPA litre of pure alcohol, MIL
1,000 items, RET retail price …); a unit outside this list is a typing mistake."""

QUOTA_KINDS = frozenset({MeasureKind.PREFERENTIAL_QUOTA, MeasureKind.NON_PREFERENTIAL_QUOTA})

_Identified = TypeVar("_Identified", MeasureType, GeographicalArea)

_COUNTRY = re.compile(r"[A-Z]{2}")
_CURRENCY = re.compile(r"[A-Z]{3}")
_EXPRESSION = re.compile(r"\d{2}")
_CONDITION_CODE = re.compile(r"[A-Z]{1,2}")
_ORDER_NUMBER = re.compile(r"\d{6}")


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
    for record in _entries(path, file, "measure type", "id"):
        type_id = record.text("id")
        kind = record.choice("kind", MeasureKind)
        if type_id in MEASURE_KINDS and MEASURE_KINDS[type_id] != kind:
            raise record.error(f"measure type {type_id} is {MEASURE_KINDS[type_id].value!r} "
                               f"in TARIC, not {kind.value!r}")
        yield MeasureType(type_id, record.text("description"), kind)


def read_areas(path: PackPath) -> Iterator[GeographicalArea]:
    """Geographical areas: countries (two-letter ids) and groups of countries."""
    file = "areas.json"
    for record in _entries(path, file, "area", "id"):
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
    for record in _entries(path, "measures.json", "measure", "sid"):
        measure = _measure(record, types, known_areas)
        if measure.sid in seen:
            raise record.error(f"sid {measure.sid!r} is used by an earlier measure")
        seen.add(measure.sid)
        yield measure


def read_quotas(path: PackPath) -> Iterator[Quota]:
    """Tariff quota periods: order number, volume and its unit, validity."""
    for record in _entries(path, "quotas.json", "quota", "order_number", optional=True):
        validity = record.validity()
        if validity.end is None:
            raise record.error("a quota period needs 'valid_to'")
        yield Quota(
            order_number=record.matching("order_number", _ORDER_NUMBER, "six digits"),
            validity=validity,
            volume=record.amount("volume", positive=True),
            unit=record.unit("unit") or record.text("unit"),
            description=record.optional_text("description") or "",
        )


def read_additional_codes(path: PackPath) -> Iterator[CodeListEntry]:
    """Additional codes measures may be declared with (e.g. an exporter under anti-dumping)."""
    for record in _entries(path, "additional_codes.json", "additional code", "code",
                           optional=True):
        yield CodeListEntry(record.text("code"), record.text("description"), record.validity())


def read_fees(path: PackPath) -> Iterator[Fee]:
    """The fee table: per declaration amount plus a percentage of the customs value,
    bounded by an optional minimum and maximum."""
    for record in _entries(path, "fees.json", "fee", "code", optional=True):
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
    for record in _entries(path, "monetary_rates.json", "monetary rate", "source",
                           optional=True):
        yield MonetaryRate(
            source=record.matching("source", _CURRENCY, "an ISO 4217 currency code"),
            target=record.matching("target", _CURRENCY, "an ISO 4217 currency code"),
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


def _measure(record: _TariffRecord, types: Mapping[str, MeasureType],
             areas: Mapping[str, GeographicalArea]) -> Measure:
    type_id, area_id = record.text("type"), record.text("area")
    if type_id not in types:
        raise record.error(f"unknown measure type {type_id!r}")
    if area_id not in areas:
        raise record.error(f"unknown geographical area {area_id!r}")
    area = areas[area_id]
    excluded = frozenset(record.texts("excluded", required=False))
    if outside := sorted(excluded - area.members):
        raise record.error(f"excluded {outside} are not members of area {area_id}")
    commodity = record.digits("commodity")
    if len(commodity) not in (2, 4, 6, 8, 10):
        raise record.error(f"'commodity' must have 2, 4, 6, 8 or 10 digits, got {commodity!r}")
    quota = record.optional_text("quota")
    if quota is not None and not _ORDER_NUMBER.fullmatch(quota):
        raise record.error(f"'quota' must be a six-digit order number, got {quota!r}")
    return Measure(
        sid=record.text("sid"),
        type=types[type_id],
        commodity=commodity,
        area=area,
        validity=record.validity(),
        components=record.components("components"),
        conditions=tuple(_condition(c) for c in record.children("conditions", "condition")),
        excluded=excluded,
        additional_code=record.optional_text("additional_code"),
        quota=quota,
        footnotes=tuple(record.texts("footnotes", required=False)),
    )


def _condition(record: _TariffRecord) -> MeasureCondition:
    threshold = record.optional_amount("threshold")
    monetary_unit = record.optional_text("threshold_monetary_unit")
    if monetary_unit is not None and not _CURRENCY.fullmatch(monetary_unit):
        raise record.error(f"'threshold_monetary_unit' must be a currency code, got "
                           f"{monetary_unit!r}")
    return MeasureCondition(
        code=record.matching("code", _CONDITION_CODE, "a condition code letter"),
        sequence=record.integer("sequence"),
        action=record.matching("action", _EXPRESSION, "a two-digit action code"),
        document=record.optional_text("document"),
        threshold=threshold,
        threshold_monetary_unit=monetary_unit,
        threshold_unit=record.unit("threshold_unit"),
        threshold_qualifier=record.optional_text("threshold_qualifier"),
        components=record.components("components"),
    )


def _component(record: _TariffRecord) -> DutyComponent:
    expression = record.matching("expression", _EXPRESSION, "a two-digit duty expression id")
    monetary_unit = record.optional_text("monetary_unit")
    unit = record.unit("unit")
    amount = None if expression == "99" else record.amount("amount")
    if monetary_unit is not None:
        if not _CURRENCY.fullmatch(monetary_unit):
            raise record.error(f"'monetary_unit' must be a currency code, got {monetary_unit!r}")
        if unit is None:
            raise record.error(f"an amount in {monetary_unit} needs the 'unit' it is per")
    elif unit not in (None, "RET") and expression != "99":
        raise record.error(f"a percentage takes no unit other than RET, got {unit!r}")
    return DutyComponent(expression, amount, monetary_unit, unit,
                         record.optional_text("qualifier"))


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


def _entries(path: PackPath, file: str, what: str, key: str, *, optional: bool = False
             ) -> Iterator[_TariffRecord]:
    if optional and not (path / file).is_file():
        return
    items = _load(path, file)
    if not isinstance(items, list):
        raise PackError(f"{file}: expected a list of entries, got {_kind(items)}")
    for index, item in enumerate(items):
        name = item.get(key) if isinstance(item, dict) else None
        label = f"{what} entry {index}" + (f" ({name!r})" if isinstance(name, str) else "")
        yield _TariffRecord(item, file, label)


class _TariffRecord(_Record):
    """A pack record with the getters tariff files need: amounts, nested records."""

    def __init__(self, data: Any, file: str, label: str) -> None:
        super().__init__(data, file, label)
        self._file, self._label = file, label

    def optional_amount(self, key: str, *, positive: bool = False) -> Decimal | None:
        value = self._data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
            raise self.error(f"{key!r} must be a decimal string, got {value!r}")
        try:
            amount = Decimal(value)
        except InvalidOperation as error:
            raise self.error(f"{key!r} is not a decimal number: {value!r}") from error
        if not amount.is_finite() or amount < 0 or (positive and amount == 0):
            sign = "positive" if positive else "zero or positive"
            raise self.error(f"{key!r} must be a {sign} number, got {value!r}")
        return amount

    def amount(self, key: str, *, positive: bool = False) -> Decimal:
        amount = self.optional_amount(key, positive=positive)
        if amount is None:
            raise self.error(f"{key!r} is required")
        return amount

    def integer(self, key: str) -> int:
        value = self._data.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise self.error(f"{key!r} must be a whole number of 1 or more, got {value!r}")
        return value

    def unit(self, key: str) -> str | None:
        value = self.optional_text(key)
        if value is not None and value not in MEASUREMENT_UNITS:
            raise self.error(f"{key!r} is not a TARIC measurement unit code: {value!r}")
        return value

    def matching(self, key: str, pattern: re.Pattern[str], what: str) -> str:
        value = self.text(key)
        if not pattern.fullmatch(value):
            raise self.error(f"{key!r} must be {what}, got {value!r}")
        return value

    def choice(self, key: str, kind: type[MeasureKind]) -> MeasureKind:
        value = self.text(key)
        try:
            return kind(value)
        except ValueError as error:
            raise self.error(f"{key!r} is not one of {[k.value for k in kind]}: "
                             f"{value!r}") from error

    def children(self, key: str, what: str) -> Iterator[_TariffRecord]:
        values = self._data.get(key, [])
        if not isinstance(values, list):
            raise self.error(f"{key!r} must be a list, got {_kind(values)}")
        for index, value in enumerate(values):
            yield _TariffRecord(value, self._file, f"{self._label}, {what} {index}")

    def components(self, key: str) -> tuple[DutyComponent, ...]:
        return tuple(_component(c) for c in self.children(key, "component"))

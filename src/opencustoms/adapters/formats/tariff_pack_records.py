"""Entries of a pack's tariff files read as typed records, and measures built from them.

:class:`TariffRecord` adds to :class:`PackRecord` the getters tariff files need: amounts read
as :class:`~decimal.Decimal`, TARIC measurement units, codes matching a pattern, measure kinds
and nested records. :func:`parse_measure` turns one entry of ``measures.json`` into a
:class:`Measure` with its duty components (TARIC 430) and conditions (TARIC 435/440). Every
problem raises :class:`PackError` naming the file and the entry.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from opencustoms.adapters.formats.pack import (
    PackError,
    PackPath,
    PackRecord,
    json_type_name,
    load_pack_file,
)
from opencustoms.tariff.model import (
    DutyComponent,
    GeographicalArea,
    Measure,
    MeasureCondition,
    MeasureKind,
    MeasureType,
)

MEASUREMENT_UNITS = frozenset({
    "ASV", "BRX", "CCT", "CEN", "CTM", "DAP", "DHS", "DTN", "EUR", "GFI", "GRM", "GRT", "HLT",
    "HMT", "KCC", "KCL", "KGM", "KLT", "KMA", "KMT", "KNI", "KNS", "KPH", "KPO", "KPP", "KSD",
    "KSH", "KUR", "LPA", "LTR", "MIL", "MPR", "MTK", "MTQ", "MTR", "MWH", "NAR", "NCL", "NPR",
    "RET", "SPQ", "SPR", "TJO", "TNE", "WAT",
})
"""TARIC measurement unit codes (DTN 100 kg, HLT hectolitre, LPA litre of pure alcohol, MIL
1,000 items, RET retail price …); a unit outside this list is a typing mistake."""

CURRENCY_CODE = re.compile(r"[A-Z]{3}")
"""An ISO 4217 currency code."""

ORDER_NUMBER = re.compile(r"\d{6}")
"""A TARIC quota order number: six digits."""

_EXPRESSION = re.compile(r"\d{2}")
_CONDITION_CODE = re.compile(r"[A-Z]{1,2}")


def tariff_entries(path: PackPath, file: str, what: str, key: str, *, optional: bool = False
                   ) -> Iterator[TariffRecord]:
    """The entries of the list in ``file``, each labelled ``{what} entry {index} ({key})``.

    An ``optional`` file that is missing yields nothing."""
    if optional and not (path / file).is_file():
        return
    items = load_pack_file(path, file)
    if not isinstance(items, list):
        raise PackError(f"{file}: expected a list of entries, got {json_type_name(items)}")
    for index, item in enumerate(items):
        name = item.get(key) if isinstance(item, dict) else None
        label = f"{what} entry {index}" + (f" ({name!r})" if isinstance(name, str) else "")
        yield TariffRecord(item, file, label)


def parse_measure(record: TariffRecord, types: Mapping[str, MeasureType],
                  areas: Mapping[str, GeographicalArea]) -> Measure:
    """A measure entry, checked against the measure types and areas given by id."""
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
    if quota is not None and not ORDER_NUMBER.fullmatch(quota):
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


def _condition(record: TariffRecord) -> MeasureCondition:
    threshold = record.optional_amount("threshold")
    monetary_unit = record.optional_text("threshold_monetary_unit")
    if monetary_unit is not None and not CURRENCY_CODE.fullmatch(monetary_unit):
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


def _component(record: TariffRecord) -> DutyComponent:
    expression = record.matching("expression", _EXPRESSION, "a two-digit duty expression id")
    monetary_unit = record.optional_text("monetary_unit")
    unit = record.unit("unit")
    amount = None if expression == "99" else record.amount("amount")
    if monetary_unit is not None:
        if not CURRENCY_CODE.fullmatch(monetary_unit):
            raise record.error(f"'monetary_unit' must be a currency code, got {monetary_unit!r}")
        if unit is None:
            raise record.error(f"an amount in {monetary_unit} needs the 'unit' it is per")
    elif unit not in (None, "RET") and expression != "99":
        raise record.error(f"a percentage takes no unit other than RET, got {unit!r}")
    return DutyComponent(expression, amount, monetary_unit, unit,
                         record.optional_text("qualifier"))


class TariffRecord(PackRecord):
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

    def children(self, key: str, what: str) -> Iterator[TariffRecord]:
        values = self._data.get(key, [])
        if not isinstance(values, list):
            raise self.error(f"{key!r} must be a list, got {json_type_name(values)}")
        for index, value in enumerate(values):
            yield TariffRecord(value, self._file, f"{self._label}, {what} {index}")

    def components(self, key: str) -> tuple[DutyComponent, ...]:
        return tuple(_component(c) for c in self.children(key, "component"))

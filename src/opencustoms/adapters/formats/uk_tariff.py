"""Importer for UK Trade Tariff API v2 commodity responses (``/commodities/{code}``, JSON).

The UK service publishes, per declarable commodity, the TARIC records that apply to it, already
resolved: the commodity with its chapter, heading and ancestor lines, and every import measure
in force on it (including those declared on its headings), each with its measure type, origin
area (with the group's members), excluded countries, components, conditions with their
components, additional code, quota order number (with the definition of its current period)
and footnotes. The input is the flattened form of those responses kept by the trade-tariff
duty calculator (``shared/data/uk-tariff/api-fixtures/{uk,xi}``), beside the tariff's
geographical areas and the monthly EUR to GBP rates used to convert duties written in euro.

Mapping to the model (TARIC semantics, see :mod:`opencustoms.adapters.formats.taric3`):

- every measure is attached to the 10-digit leaf code, so the engine needs no UK headings;
- a measure type's kind comes from its id, else its series letter (national types ``VTS``,
  ``VTZ`` VAT, ``DAA``… excise); a type in series A or B is a prohibition or a control;
- condition action codes missing from the response are recovered from the action text;
  conditions are numbered in the order given, per condition code;
- a group's members come from ``geographical_areas.json`` when given (one table for the whole
  tariff), else from the measure's own ``children_geographical_areas``;
- amounts are read as decimals, never binary floats.

Malformed input raises :class:`UkTariffError` naming the file and the measure id.
"""

from __future__ import annotations

import json
import logging
import re
from calendar import monthrange
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from opencustoms.adapters.formats.pack import ReferenceFileError
from opencustoms.adapters.formats.taric_common import (
    NomenclatureLine,
    line_depth,
    measure_type_kind,
    nomenclature_nodes,
)
from opencustoms.domain.reference import (
    CodeList,
    CodeListEntry,
    Commodity,
    ExchangeRate,
    Jurisdiction,
    ReferenceData,
    Validity,
)
from opencustoms.tariff.model import (
    DutyComponent,
    GeographicalArea,
    Measure,
    MeasureCondition,
    MeasureKind,
    MeasureType,
    MonetaryRate,
    Quota,
    Tariff,
)

logger = logging.getLogger(__name__)

JURISDICTIONS: Mapping[str, Jurisdiction] = {
    "uk": Jurisdiction("GB", "United Kingdom (Great Britain)", "GBP"),
    "xi": Jurisdiction("XI", "United Kingdom (Northern Ireland)", "GBP"),
}
"""The two UK tariff services: GB, and XI (Northern Ireland, EU tariff collected in GBP)."""

ACTION_CODES: Mapping[str, str] = {
    "apply the amount of the action (see components)": "01",
    "apply the amount of the action": "01",
    "the entry into free circulation is not allowed": "04",
    "export is not allowed": "05",
    "import is not allowed": "06",
    "measure not applicable": "07",
    "declared subheading not allowed": "08",
    "import/export not allowed after control": "09",
    "declaration to be corrected - box 33, 37, 38, 41 or 46 incorrect": "10",
    "entry into free circulation allowed": "24",
    "export allowed": "25",
    "import allowed": "26",
    "apply the mentioned duty": "27",
    "declared subheading allowed": "28",
    "import/export allowed after control": "29",
}
"""TARIC measure action descriptions (lower case, single spaces) -> action code."""

QUOTA_UNITS: Mapping[str, str] = {
    "kg": "KGM", "kilogram": "KGM", "100 kg": "DTN", "1000 kg": "TNE", "tonne": "TNE",
    "l": "LTR", "litre": "LTR", "hl": "HLT", "1000 l": "KLT", "l alc. 100%": "LPA",
    "p/st": "NAR", "number of items": "NAR", "1000 p/st": "MIL", "m³": "MTQ", "m²": "MTK",
    "pa": "NPR", "1000 pa": "MPR",
}
"""Quota measurement units as the API names them ("Kilogram (kg)") -> TARIC unit code."""


class UkTariffError(ReferenceFileError):
    """A UK Trade Tariff API file is malformed; the message names the file and the measure."""


@dataclass(frozen=True, slots=True)
class UkCommodity:
    """One commodity response: nomenclature nodes (chapter to leaf), the measures on the leaf,
    the areas they name, the quota definitions and the quota balances published with them."""

    code: str
    nodes: tuple[Commodity, ...]
    measures: tuple[Measure, ...]
    areas: Mapping[str, GeographicalArea]
    quotas: tuple[Quota, ...]
    quota_balances: Mapping[str, Decimal]

    @property
    def leaf(self) -> Commodity:
        return next(node for node in self.nodes if node.code == self.code)


def read_uk_geographical_areas(path: Path) -> dict[str, GeographicalArea]:
    """The tariff's geographical areas (``geographical_areas.json``), groups with members."""
    areas: dict[str, GeographicalArea] = {}
    for index, item in enumerate(_as_list(_load(path), path.name, "the file")):
        area = _area(_Obj(item, f"{path.name}: area {index}"), None)
        areas[area.id] = area
    return areas


def read_uk_exchange_rates(path: Path, *, source: str = "EUR") -> list[MonetaryRate]:
    """Monthly rates ``1 source = rate child currency`` (``monetary_exchange_rates.json``),
    each valid from its first to its last day of the month, oldest first."""
    rates: dict[tuple[str, date], MonetaryRate] = {}
    for index, item in enumerate(_as_list(_load(path), path.name, "the file")):
        row = _Obj(item, f"{path.name}: rate {index}")
        attributes = row.obj("attributes") if "attributes" in row.data else row
        start = attributes.day("validity_start_date")
        rate = attributes.decimal("exchange_rate")
        if rate <= 0:
            raise attributes.error(f"exchange_rate must be positive, got {rate}")
        end = start.replace(day=monthrange(start.year, start.month)[1])
        target = attributes.text("child_monetary_unit_code")
        if (target, start) in rates:
            raise attributes.error(f"a second {source}/{target} rate for {start:%Y-%m}")
        rates[(target, start)] = MonetaryRate(source, target, rate, Validity(start, end))
    return sorted(rates.values(), key=lambda r: (r.target, r.validity.start))


def read_uk_commodity(path: Path, *, areas: Mapping[str, GeographicalArea] | None = None,
                      source: str = "uk") -> UkCommodity:
    """One commodity response: nodes, measures (on the leaf code), areas and quotas.

    ``areas`` is the tariff's area table (:func:`read_uk_geographical_areas`); without it the
    members of a group come from the response itself."""
    doc = _Obj(_load(path), path.name)
    code = doc.text("goods_nomenclature_item_id")
    if not re.fullmatch(r"\d{10}", code):
        raise doc.error(f"goods_nomenclature_item_id must be 10 digits, got {code!r}")
    measures: list[Measure] = []
    quotas: dict[tuple[str, date], Quota] = {}
    balances: dict[str, Decimal] = {}
    for raw in doc.objects("import_measures"):
        sid = _Obj(raw, f"{path.name}: measure").data.get("id")
        if isinstance(sid, bool) or not isinstance(sid, int | str) or not str(sid).strip():
            raise UkTariffError(f"{path.name}: measure id must be a number or text, got {sid!r}")
        m = _Obj(raw, f"{path.name}: measure {sid}")
        measures.append(_measure(m, str(sid), code, areas))
        _quota(m, quotas, balances)
    nodes = nomenclature_nodes(_lines(doc, code), source=source)
    unit = next((c.unit for m in measures if m.type.kind is MeasureKind.SUPPLEMENTARY_UNIT
                 for c in m.components if c.unit), None)
    nodes = [replace(n, declarable=doc.flag("declarable"), supplementary_unit=unit)
             if n.code == code else n for n in nodes]
    used = {m.area.id: m.area for m in measures}
    return UkCommodity(code, tuple(nodes), tuple(measures), used, tuple(quotas.values()),
                       balances)


def load_uk_tariff(directory: Path, *, source: str = "uk") -> tuple[ReferenceData, Tariff]:
    """Reference data and tariff of the ``source`` service (``uk`` or ``xi``) from a folder
    laid out like ``api-fixtures``: ``{source}/commodities/*.json``,
    ``{source}/geographical_areas.json`` and ``monetary_exchange_rates.json`` (in the source's
    folder, else in ``xi/``, where the service publishes the EUR rates).

    The jurisdiction's currency is GBP; the EUR rates go into the tariff (``1 EUR = r GBP``)
    and into the reference data (``1 GBP = 1/r EUR``). Two files describing the same commodity
    (the fixtures hold a copy of 7202118000 named 7202999000.json) are resolved in favour of
    the file named after the code; if neither or both are, :class:`UkTariffError`."""
    if source not in JURISDICTIONS:
        raise UkTariffError(f"unknown UK tariff service {source!r}: expected uk or xi")
    folder = directory / source
    area_file = folder / "geographical_areas.json"
    table = read_uk_geographical_areas(area_file) if area_file.is_file() else {}
    commodities = _unique_commodities(folder / "commodities", table, source)
    reference = ReferenceData(JURISDICTIONS[source])
    reference.add_entries(CodeList.CURRENCY, (
        CodeListEntry("GBP", "Pound sterling", attributes={"minor_unit": "2"}),
        CodeListEntry("EUR", "Euro", attributes={"minor_unit": "2"})))
    tariff = Tariff("GBP", areas=dict(table))
    seen: set[str] = set()
    for commodity in commodities:
        reference.add_commodities(n for n in commodity.nodes if n.code not in seen)
        seen.update(n.code for n in commodity.nodes)
        tariff.add_measures(commodity.measures)
        for quota in commodity.quotas:
            if quota not in tariff.quotas.get(quota.order_number, []):
                tariff.quotas.setdefault(quota.order_number, []).append(quota)
    rates_file = next((f for f in (folder / "monetary_exchange_rates.json",
                                   directory / "xi" / "monetary_exchange_rates.json")
                       if f.is_file()), None)
    if rates_file is not None:
        tariff.monetary_rates = read_uk_exchange_rates(rates_file)
        reference.add_exchange_rates(ExchangeRate(r.source, Decimal(1) / r.rate, r.validity)
                                     for r in tariff.monetary_rates if r.target == "GBP")
    return reference, tariff


def _unique_commodities(folder: Path, table: Mapping[str, GeographicalArea],
                        source: str) -> list[UkCommodity]:
    if not folder.is_dir():
        raise UkTariffError(f"{folder}: no commodities folder")
    chosen: dict[str, tuple[Path, UkCommodity]] = {}
    for path in sorted(folder.glob("*.json")):
        commodity = read_uk_commodity(path, areas=table, source=source)
        if commodity.code not in chosen:
            chosen[commodity.code] = (path, commodity)
            continue
        earlier = chosen[commodity.code][0]
        named = [p for p in (earlier, path) if p.stem == commodity.code]
        if len(named) != 1:
            raise UkTariffError(f"{earlier.name} and {path.name} both describe commodity "
                                f"{commodity.code}")
        kept, dropped = (named[0], path if named[0] == earlier else earlier)
        logger.warning("%s and %s both describe commodity %s: %s is loaded, %s is not",
                       earlier.name, path.name, commodity.code, kept.name, dropped.name)
        if kept == path:
            chosen[commodity.code] = (path, commodity)
    return [commodity for _, commodity in chosen.values()]


def _lines(doc: _Obj, code: str) -> list[NomenclatureLine]:
    """Chapter, heading, ancestor lines and the leaf, with depths."""
    lines = []
    for key in ("chapter", "heading"):
        part = doc.opt_obj(key)
        if part is not None:
            item = part.text("goods_nomenclature_item_id")
            lines.append(NomenclatureLine(item, "80", line_depth(item, 0), _text(part)))
    for index, raw in enumerate(_as_list(doc.data.get("ancestors"), doc.where, "ancestors")):
        part = _Obj(raw, f"{doc.where}: ancestor {index}")
        item = part.text("goods_nomenclature_item_id")
        lines.append(NomenclatureLine(item, part.text("producline_suffix"),
                                      line_depth(item, part.integer("number_indents")),
                                      _text(part)))
    lines.append(NomenclatureLine(code, doc.text("producline_suffix"),
                                  line_depth(code, doc.integer("number_indents")), _text(doc)))
    return lines


def _text(part: _Obj) -> str:
    """Plain description; TARIC writes a non-breaking space as ``|``."""
    plain = part.opt_text("description_plain")
    return plain if plain is not None else part.text("description").replace("|", " ")


def _measure(m: _Obj, sid: str, code: str,
             table: Mapping[str, GeographicalArea] | None) -> Measure:
    kind = m.obj("measure_type")
    type_id, series = kind.text("id"), kind.opt_text("measure_type_series_id")
    start, end = m.day("effective_start_date"), m.opt_day("effective_end_date")
    if end is not None and end < start:
        raise m.error(f"effective_end_date {end} is before effective_start_date {start}")
    area = _area(m.obj("geographical_area"), table)
    excluded = {_area_id(_Obj(e, m.where)) for e in m.objects("excluded_countries")}
    excluded_members = (table[e].members for e in excluded if table and e in table)
    additional, order = m.opt_obj("additional_code"), m.opt_obj("order_number")
    return Measure(
        sid=sid,
        type=MeasureType(type_id, kind.opt_text("description") or "",
                         measure_type_kind(type_id, series)),
        commodity=code, area=area, validity=Validity(start, end),
        components=tuple(_component(_Obj(c, m.where)) for c in m.objects("measure_components")),
        conditions=_conditions(m),
        excluded=frozenset(excluded).union(*excluded_members),
        additional_code=additional.text("code") if additional is not None else None,
        quota=order.text("number") if order is not None else None,
        footnotes=tuple(_Obj(f, m.where).text("code") for f in m.objects("footnotes")),
    )


def _area_id(part: _Obj) -> str:
    return part.opt_text("geographical_area_id") or part.text("id")


def _area(part: _Obj, table: Mapping[str, GeographicalArea] | None) -> GeographicalArea:
    area_id = _area_id(part)
    known = table.get(area_id) if table else None
    if known is not None and (known.members or not part.data.get("children_geographical_areas")):
        return known
    members = frozenset(_Obj(c, part.where).text("id")
                        for c in part.objects("children_geographical_areas"))
    return GeographicalArea(area_id, part.opt_text("description") or "", members - {area_id})


def _component(c: _Obj) -> DutyComponent:
    return DutyComponent(c.text("duty_expression_id"), c.opt_decimal("duty_amount"),
                         c.opt_text("monetary_unit_code"), c.opt_text("measurement_unit_code"),
                         c.opt_text("measurement_unit_qualifier_code"))


def _conditions(m: _Obj) -> tuple[MeasureCondition, ...]:
    conditions: list[MeasureCondition] = []
    for raw in m.objects("measure_conditions"):
        c = _Obj(raw, m.where)
        code = c.text("condition_code")
        action = c.opt_text("action_code")
        if action is None:
            text = " ".join((c.opt_text("action") or "").lower().split())
            if text not in ACTION_CODES:
                raise c.error(f"condition {code}: no action code, unknown action {text!r}")
            action = ACTION_CODES[text]
        conditions.append(MeasureCondition(
            code=code, sequence=1 + sum(1 for k in conditions if k.code == code), action=action,
            document=c.opt_text("document_code"), threshold=c.opt_decimal("condition_duty_amount"),
            threshold_monetary_unit=c.opt_text("condition_monetary_unit_code"),
            threshold_unit=c.opt_text("condition_measurement_unit_code"),
            threshold_qualifier=c.opt_text("condition_measurement_unit_qualifier_code"),
            components=tuple(_component(_Obj(k, c.where))
                             for k in c.objects("measure_condition_components")),
        ))
    return tuple(conditions)


def _quota(m: _Obj, quotas: dict[tuple[str, date], Quota], balances: dict[str, Decimal]) -> None:
    order = m.opt_obj("order_number")
    definition = order.opt_obj("definition") if order is not None else None
    if order is None or definition is None:
        return
    number = order.text("number")
    start, end = definition.day("validity_start_date"), definition.opt_day("validity_end_date")
    unit = definition.opt_text("monetary_unit") or definition.text("measurement_unit")
    quota = Quota(number, Validity(start, end), definition.decimal("initial_volume"),
                  _quota_unit(unit, definition), definition.opt_text("description") or "")
    if quotas.setdefault((number, start), quota) != quota:
        raise definition.error(f"quota {number} has two definitions from {start}")
    balance = definition.opt_decimal("balance")
    if balance is not None:
        balances[number] = balance


def _quota_unit(text: str, where: _Obj) -> str:
    """``Kilogram (kg)`` -> ``KGM``; a TARIC code is kept as it is."""
    if re.fullmatch(r"[A-Z]{3}", text):
        return text
    found = re.search(r"\(([^)]+)\)\s*$", text)
    for name in ((found.group(1),) if found else ()) + (text.lower(),):
        if name in QUOTA_UNITS:
            return QUOTA_UNITS[name]
    raise where.error(f"unknown quota measurement unit {text!r}")


def _load(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as stream:
            return json.load(stream, parse_float=Decimal)
    except FileNotFoundError as error:
        raise UkTariffError(f"{path}: missing") from error
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise UkTariffError(f"{path.name}: not valid JSON: {error}") from error


def _as_list(value: Any, where: str, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise UkTariffError(f"{where}: {what} must be a list, got {type(value).__name__}")
    return value


class _Obj:
    """A JSON object of a response, with typed getters that fail naming file and measure."""

    def __init__(self, data: Any, where: str) -> None:
        if not isinstance(data, dict):
            raise UkTariffError(f"{where}: expected an object, got {type(data).__name__}")
        self.data: dict[str, Any] = data
        self.where = where

    def error(self, problem: str) -> UkTariffError:
        return UkTariffError(f"{self.where}: {problem}")

    def opt_text(self, key: str) -> str | None:
        value = self.data.get(key)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise self.error(f"{key!r} must be text, got {value!r}")
        return value.strip() or None

    def text(self, key: str) -> str:
        value = self.opt_text(key)
        if value is None:
            raise self.error(f"{key!r} is required")
        return value

    def integer(self, key: str) -> int:
        value = self.data.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(f"{key!r} must be a whole number, got {value!r}")
        return value

    def flag(self, key: str) -> bool:
        value = self.data.get(key)
        if not isinstance(value, bool):
            raise self.error(f"{key!r} must be true or false, got {value!r}")
        return value

    def opt_decimal(self, key: str) -> Decimal | None:
        value = self.data.get(key)
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, int | str | Decimal):
            raise self.error(f"{key!r} must be a number, got {value!r}")
        try:
            number = Decimal(value)
        except InvalidOperation as error:
            raise self.error(f"{key!r} is not a number: {value!r}") from error
        if not number.is_finite() or number < 0:
            raise self.error(f"{key!r} must be a finite number ≥ 0, got {value!r}")
        return number

    def decimal(self, key: str) -> Decimal:
        value = self.opt_decimal(key)
        if value is None:
            raise self.error(f"{key!r} is required")
        return value

    def opt_day(self, key: str) -> date | None:
        value = self.opt_text(key)
        try:
            return None if value is None else date.fromisoformat(value[:10])
        except ValueError as error:
            raise self.error(f"{key!r} is not a date: {value!r}") from error

    def day(self, key: str) -> date:
        value = self.opt_day(key)
        if value is None:
            raise self.error(f"{key!r} is required")
        return value

    def obj(self, key: str) -> _Obj:
        return _Obj(self.data.get(key), f"{self.where}: {key}")

    def opt_obj(self, key: str) -> _Obj | None:
        return None if self.data.get(key) is None else self.obj(key)

    def objects(self, key: str) -> list[Any]:
        return _as_list(self.data.get(key), self.where, key)

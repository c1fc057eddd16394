"""Importer for TARIC3 XML envelopes, the tariff interchange format of the EU and the UK.

An envelope (``shared/data/schemas/taric3``) carries transactions of records; each record has a
record code, a subrecord code, an update type (1 update, 2 delete, 3 insert) and one business
element. Read here (see :data:`RECORDS`): measure types (235), geographical areas with their
descriptions and memberships (250), quota order numbers and definitions (360, 370), goods
nomenclature lines with indents and descriptions (400), measures with components, conditions,
condition components, excluded areas and footnotes (430).

Other records are counted and skipped. The file is parsed as a stream by the hardened reader
of :mod:`opencustoms.adapters.formats.taric3_reader` (no entity expansion, no network, no huge
trees, no DTD), so memory holds the tariff being built, never the document tree.

:func:`load_taric3` applies the records in order (insert and update replace a record with the
same identity, delete removes it) and builds the tariff model: :class:`Commodity` nodes,
:class:`MeasureType`, :class:`GeographicalArea` with members, :class:`Measure` with components
and conditions (:mod:`opencustoms.adapters.formats.taric3_measures`), :class:`Quota`. The
nomenclature helpers (:mod:`opencustoms.adapters.formats.taric_common`) are shared with the UK
Trade Tariff importer, which reads the same records in JSON.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from opencustoms.adapters.formats.taric3_measures import build_measures
from opencustoms.adapters.formats.taric3_reader import (
    RECORDS,
    Taric3Error,
    TaricRecord,
    TaricRecordStore,
    read_taric3_records,
)
from opencustoms.adapters.formats.taric_common import (
    NomenclatureLine,
    line_depth,
    measure_type_kind,
    nomenclature_nodes,
)
from opencustoms.domain.reference import Commodity
from opencustoms.tariff.model import (
    GeographicalArea,
    Measure,
    MeasureKind,
    MeasureType,
    Quota,
    Tariff,
)

__all__ = [
    "RECORDS",
    "Taric3Error",
    "TaricContent",
    "TaricRecord",
    "load_taric3",
    "read_taric3_records",
]


@dataclass(slots=True)
class TaricContent:
    """The tariff model built from one TARIC3 file."""

    commodities: list[Commodity] = field(default_factory=list)
    measure_types: dict[str, MeasureType] = field(default_factory=dict)
    areas: dict[str, GeographicalArea] = field(default_factory=dict)
    measures: list[Measure] = field(default_factory=list)
    quotas: list[Quota] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)

    def tariff(self, currency: str) -> Tariff:
        """A :class:`Tariff` in ``currency`` holding every area, type, measure and quota."""
        tariff = Tariff(currency, areas=dict(self.areas), measure_types=dict(self.measure_types))
        tariff.add_measures(self.measures)
        for quota in self.quotas:
            tariff.quotas.setdefault(quota.order_number, []).append(quota)
        return tariff


def load_taric3(path: Path, *, members_on: date | None = None,
                source: str = "taric") -> TaricContent:
    """Read a TARIC3 envelope and build the tariff model it describes.

    Group members are the memberships valid on ``members_on`` (all memberships in the file when
    None). Commodity nodes are tagged with ``source``. A record that refers to a measure,
    condition, area or nomenclature line the file does not hold raises :class:`Taric3Error`
    naming the record, except a measure's area or type, which may live in another file."""
    store = TaricRecordStore(path)
    for record in read_taric3_records(path):
        store.apply(record)
    return _Builder(store, members_on, source).build()


class _Builder:
    """Tariff model objects from the records of a :class:`TaricRecordStore`."""

    def __init__(self, store: TaricRecordStore, members_on: date | None, source: str) -> None:
        self.store = store
        self.members_on = members_on
        self.source = source

    def build(self) -> TaricContent:
        content = TaricContent(skipped=self.store.skipped)
        content.measure_types = self.measure_types()
        content.areas = self.areas()
        content.measures = build_measures(self.store, content.measure_types, content.areas)
        content.commodities = self.commodities(content.measures)
        content.quotas = self.quotas()
        return content

    def latest_texts(self, period_tag: str, text_tag: str, owner: str) -> dict[str, str]:
        """Owner sid -> English (else any) description of its latest description period."""
        s = self.store
        starts = {s.field(r, f"{period_tag}.sid"): s.day(r, "validity.start.date")
                  for r in s.rows(period_tag)}
        best: dict[str, tuple[date, bool, str]] = {}
        for r in s.rows(text_tag):
            period = s.field(r, f"{period_tag}.sid")
            if period not in starts:
                raise s.error(r, f"description period {period} is not in the file")
            rank = (starts[period], s.optional(r, "language.id") == "EN",
                    s.optional(r, "description") or "")
            sid = s.field(r, owner)
            if sid not in best or rank[:2] > best[sid][:2]:
                best[sid] = rank
        return {sid: rank[2] for sid, rank in best.items()}

    def measure_types(self) -> dict[str, MeasureType]:
        s = self.store
        texts: dict[str, str] = {}
        for r in s.rows("measure.type.description"):
            if r.fields.get("language.id") == "EN" or s.field(r, "measure.type.id") not in texts:
                texts[s.field(r, "measure.type.id")] = s.optional(r, "description") or ""
        types = {}
        for r in s.rows("measure.type"):
            type_id = s.field(r, "measure.type.id")
            series = s.field(r, "measure.type.series.id")
            types[type_id] = MeasureType(type_id, texts.get(type_id, ""),
                                         measure_type_kind(type_id, series))
        return types

    def areas(self) -> dict[str, GeographicalArea]:
        s = self.store
        texts = self.latest_texts("geographical.area.description.period",
                                  "geographical.area.description", "geographical.area.sid")
        ids = {s.field(r, "geographical.area.sid"): s.field(r, "geographical.area.id")
               for r in s.rows("geographical.area")}
        members: dict[str, set[str]] = {}
        for r in s.rows("geographical.area.membership"):
            member = s.field(r, "geographical.area.sid")
            group = s.field(r, "geographical.area.group.sid")
            for sid in (member, group):
                if sid not in ids:
                    raise s.error(r, f"geographical area sid {sid} is not in the file")
            if self.members_on is None or s.validity(r).contains(self.members_on):
                members.setdefault(group, set()).add(ids[member])
        return {ids[sid]: GeographicalArea(ids[sid], texts.get(sid, ""),
                                           frozenset(members.get(sid, ())))
                for sid in ids}

    def commodities(self, measures: Iterable[Measure]) -> list[Commodity]:
        s = self.store
        indents: dict[str, tuple[date, int]] = {}
        for r in s.rows("goods.nomenclature.indents"):
            sid, start = s.field(r, "goods.nomenclature.sid"), s.day(r, "validity.start.date")
            if sid not in indents or start > indents[sid][0]:
                indents[sid] = (start, s.integer(r, "number.indents"))
        texts = self.latest_texts("goods.nomenclature.description.period",
                                  "goods.nomenclature.description", "goods.nomenclature.sid")
        lines = []
        for r in s.rows("goods.nomenclature"):
            sid = s.field(r, "goods.nomenclature.sid")
            code = s.field(r, "goods.nomenclature.item.id")
            indent = indents.get(sid)
            if indent is None and line_depth(code, 0) > 1:
                raise s.error(r, f"goods nomenclature {code} has no indent record")
            lines.append(NomenclatureLine(code, s.field(r, "producline.suffix"),
                                          line_depth(code, indent[1] if indent else 0),
                                          texts.get(sid, ""), s.validity(r)))
        units = {m.commodity: c.unit for m in measures
                 if m.type.kind is MeasureKind.SUPPLEMENTARY_UNIT for c in m.components if c.unit}
        return [replace(node, supplementary_unit=units.get(node.code))
                for node in nomenclature_nodes(lines, source=self.source)]

    def quotas(self) -> list[Quota]:
        s = self.store
        quotas = []
        for r in s.rows("quota.definition"):
            volume = s.decimal(r, "volume")
            unit = (s.optional(r, "monetary.unit.code") or s.optional(r, "measurement.unit.code")
                    or "")
            if volume is None or not unit:
                raise s.error(r, "a quota definition needs a volume and a unit")
            quotas.append(Quota(s.field(r, "quota.order.number.id"), s.validity(r), volume,
                                unit + (s.optional(r, "measurement.unit.qualifier.code") or ""),
                                s.optional(r, "description") or ""))
        return sorted(quotas, key=lambda q: (q.order_number, q.validity.start))

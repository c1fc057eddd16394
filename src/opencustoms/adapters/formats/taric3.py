"""Importer for TARIC3 XML envelopes, the tariff interchange format of the EU and the UK.

An envelope (``shared/data/schemas/taric3``) carries transactions of records; each record has a
record code, a subrecord code, an update type (1 update, 2 delete, 3 insert) and one business
element. Read here (see :data:`RECORDS`): measure types (235), geographical areas with their
descriptions and memberships (250), quota order numbers and definitions (360, 370), goods
nomenclature lines with indents and descriptions (400), measures with components, conditions,
condition components, excluded areas and footnotes (430).

Other records are counted and skipped. The file is parsed as a stream (lxml ``iterparse``):
each record is turned into a :class:`TaricRecord` and its element freed, so memory holds the
tariff being built, never the document tree. The parser is hardened: no entity expansion, no
network, no huge trees, and a document that declares a DTD (where entity bombs and external
entities live) is refused before any record is read.

:func:`load_taric3` applies the records in order (insert and update replace a record with the
same identity, delete removes it) and builds the tariff model: :class:`Commodity` nodes,
:class:`MeasureType`, :class:`GeographicalArea` with members, :class:`Measure` with components
and conditions, :class:`Quota`. The nomenclature helpers here (:func:`nomenclature_nodes`,
:func:`measure_type_kind`) are shared with the UK Trade Tariff importer, which reads the same
records in JSON.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from lxml import etree  # type: ignore[import-untyped, unused-ignore]

from opencustoms.adapters.formats.pack import ReferenceFileError
from opencustoms.domain.reference import Commodity, Validity
from opencustoms.tariff.model import (
    DutyComponent,
    GeographicalArea,
    Measure,
    MeasureCondition,
    MeasureKind,
    MeasureType,
    Quota,
    Tariff,
    kind_of,
)

ENVELOPE_NS = "urn:publicid:-:DGTAXUD:GENERAL:ENVELOPE:1.0"
TARIC_NS = "urn:publicid:-:DGTAXUD:TARIC:MESSAGE:1.0"

SEPARATOR = " — "
"""Joins the texts of grouping lines to the text of the line below them."""

REAL_LINE = "80"
"""Product line suffix of a real nomenclature line; other suffixes are groupings."""

RECORDS: Mapping[str, tuple[str, tuple[str, ...]]] = {
    "measure.type.series": ("140 00", ("measure.type.series.id",)),
    "measure.type": ("235 00", ("measure.type.id",)),
    "measure.type.description": ("235 05", ("measure.type.id", "language.id")),
    "geographical.area": ("250 00", ("geographical.area.sid",)),
    "geographical.area.description.period": (
        "250 05", ("geographical.area.description.period.sid",)),
    "geographical.area.description": (
        "250 10", ("geographical.area.description.period.sid", "language.id")),
    "geographical.area.membership": (
        "250 15", ("geographical.area.sid", "geographical.area.group.sid",
                   "validity.start.date")),
    "quota.order.number": ("360 00", ("quota.order.number.sid",)),
    "quota.order.number.origin": ("360 10", ("quota.order.number.origin.sid",)),
    "quota.definition": ("370 00", ("quota.definition.sid",)),
    "goods.nomenclature": ("400 00", ("goods.nomenclature.sid",)),
    "goods.nomenclature.indents": ("400 05", ("goods.nomenclature.indent.sid",)),
    "goods.nomenclature.description.period": (
        "400 10", ("goods.nomenclature.description.period.sid",)),
    "goods.nomenclature.description": (
        "400 15", ("goods.nomenclature.description.period.sid", "language.id")),
    "measure": ("430 00", ("measure.sid",)),
    "measure.component": ("430 05", ("measure.sid", "duty.expression.id")),
    "measure.condition": ("430 10", ("measure.condition.sid",)),
    "measure.condition.component": ("430 11", ("measure.condition.sid", "duty.expression.id")),
    "measure.excluded.geographical.area": (
        "430 15", ("measure.sid", "excluded.geographical.area")),
    "footnote.association.measure": (
        "430 20", ("measure.sid", "footnote.type.id", "footnote.id")),
}
"""The records read here: element name -> ("record subrecord" codes, identity fields). A later
record with the same identity replaces an earlier one (or deletes it)."""

UPDATE, DELETE, INSERT = "1", "2", "3"


class Taric3Error(ReferenceFileError):
    """A TARIC3 file is unsafe, not an envelope, or holds a record that cannot be read."""


# --- TARIC structure shared with the UK Trade Tariff importer -------------------------------


@dataclass(frozen=True, slots=True)
class NomenclatureLine:
    """One goods nomenclature line: 10-digit item id, product line suffix, depth in the tree
    (chapter 0, heading 1, then number of indents + 1) and its own text."""

    code: str
    suffix: str
    depth: int
    description: str
    validity: Validity = field(default_factory=Validity)


def line_depth(code: str, indents: int) -> int:
    """Depth of a line in the tree: TARIC gives chapters and headings 0 indents alike."""
    if code[2:] == "00000000":
        return 0
    if code[4:] == "000000":
        return 1
    return indents + 1


def nomenclature_nodes(lines: Iterable[NomenclatureLine], *, source: str) -> list[Commodity]:
    """Commodity nodes of the real lines (suffix 80), parents first.

    A grouping line (another suffix, e.g. "Horses" above "Pure-bred breeding animals") is not
    a node a declarant can use: its text is put in front of the text of the line below it
    (joined with " — ", leaving out a part equal to the one before it), and the node's parent
    is the nearest real line above. A real line with no line below it is declarable.
    """
    ordered = sorted(lines, key=lambda line: (line.code, line.suffix))
    stack: list[NomenclatureLine] = []
    has_children: set[tuple[str, str]] = set()
    placed: list[tuple[NomenclatureLine, str | None, str]] = []
    for line in ordered:
        while stack and stack[-1].depth >= line.depth:
            stack.pop()
        if stack:
            has_children.add((stack[-1].code, stack[-1].suffix))
        groups: list[str] = []
        parent: str | None = None
        for above in reversed(stack):
            if above.suffix == REAL_LINE:
                parent = above.code
                break
            groups.insert(0, above.description)
        if line.suffix == REAL_LINE:
            placed.append((line, parent, _join([*groups, line.description])))
        stack.append(line)
    return [Commodity(line.code, text, parent, (line.code, line.suffix) not in has_children,
                      line.validity, source=source)
            for line, parent, text in placed]


def _join(parts: list[str]) -> str:
    kept: list[str] = []
    for part in parts:
        if part and (not kept or kept[-1] != part):
            kept.append(part)
    return SEPARATOR.join(kept)


CONTROL_SERIES = frozenset({"A", "B"})
"""Measure type series of prohibitions (A) and controls (B): they never charge a duty."""


def measure_type_kind(type_id: str, series: str | None) -> MeasureKind:
    """The kind of a measure type, by id and series (:func:`kind_of`).

    When the source puts a type the model knows as a duty into series A or B, the series wins:
    a control must never be charged as a duty (the UK API fixtures carry a "103 Phytosanitary
    Certificate" and a "105 Import control of organic products" in series B)."""
    kind = kind_of(type_id, series)
    if series in CONTROL_SERIES and kind not in (MeasureKind.PROHIBITION,
                                                 MeasureKind.RESTRICTION):
        return kind_of("", series)
    return kind


# --- streaming reader -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TaricRecord:
    """One record of an envelope: its codes, update type, element name and fields."""

    transaction: str
    record_code: str
    subrecord_code: str
    sequence: str
    update_type: str
    tag: str
    fields: Mapping[str, str]

    @property
    def label(self) -> str:
        return f"record {self.sequence} ({self.tag}, {self.record_code}/{self.subrecord_code})"


def read_taric3_records(path: Path) -> Iterator[TaricRecord]:
    """Yield the records of a TARIC3 envelope in document order, streaming.

    Raises :class:`Taric3Error` before the first record if the document declares a DTD or is
    not an envelope, and on a malformed record (naming it by sequence number)."""
    context = etree.iterparse(
        str(path), events=("start", "end"), resolve_entities=False, no_network=True,
        huge_tree=False, load_dtd=False, dtd_validation=False, remove_comments=True,
        remove_pis=True,
    )
    record_tag = f"{{{TARIC_NS}}}record"
    done_tags = {f"{{{ENVELOPE_NS}}}app.message", f"{{{ENVELOPE_NS}}}transaction"}
    started = False
    try:
        for event, element in context:
            if not started:
                _check_document(element, path)
                started = True
            if event != "end":
                continue
            if element.tag == record_tag:
                yield _record(element, path)
            elif element.tag in done_tags:
                _free(element)
    except etree.XMLSyntaxError as error:
        raise Taric3Error(f"{path.name}: not well-formed XML: {error}") from error


def _check_document(root: Any, path: Path) -> None:
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.system_url:
        raise Taric3Error(f"{path.name}: refused: the document declares a DTD "
                          f"({docinfo.doctype!s}); entity declarations and external "
                          "entities are not accepted in TARIC3 files")
    if root.tag != f"{{{ENVELOPE_NS}}}envelope":
        raise Taric3Error(f"{path.name}: not a TARIC3 envelope (root element {root.tag})")


def _free(element: Any) -> None:
    """Drop a finished element and the siblings before it: memory stays flat."""
    element.clear()
    parent = element.getparent()
    while parent is not None and element.getprevious() is not None:
        del parent[0]


def _record(element: Any, path: Path) -> TaricRecord:
    head: dict[str, str] = {}
    body: Any = None
    for child in element:
        name = etree.QName(child).localname
        if len(child):
            body = child
        else:
            head[name] = (child.text or "").strip()
    sequence = head.get("record.sequence.number", "?")
    where = f"{path.name}: record {sequence}"
    if body is None:
        raise Taric3Error(f"{where}: no business element")
    tag = etree.QName(body).localname
    fields = {etree.QName(c).localname: (c.text or "").strip() for c in body}
    record = TaricRecord(head.get("transaction.id", ""), head.get("record.code", ""),
                         head.get("subrecord.code", ""), sequence, head.get("update.type", ""),
                         tag, fields)
    known = RECORDS.get(tag)
    if known is not None and known[0] != f"{record.record_code} {record.subrecord_code}":
        raise Taric3Error(f"{where}: {tag} must have record code {known[0]}, "
                          f"not {record.record_code} {record.subrecord_code}")
    if record.update_type not in (UPDATE, DELETE, INSERT):
        raise Taric3Error(f"{where}: update type {record.update_type!r} is not 1, 2 or 3")
    element.clear()
    return record


# --- building the tariff model ----------------------------------------------------------------


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
    store = _Store(path)
    for record in read_taric3_records(path):
        store.apply(record)
    return _Builder(store, members_on, source).build()


class _Store:
    """Records by element name and identity, after inserts, updates and deletes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tables: dict[str, dict[tuple[str, ...], TaricRecord]] = {}
        self.skipped: Counter[str] = Counter()

    def apply(self, record: TaricRecord) -> None:
        known = RECORDS.get(record.tag)
        if known is None:
            self.skipped[record.tag] += 1
            return
        key = tuple(self.field(record, name) for name in known[1])
        table = self.tables.setdefault(record.tag, {})
        if record.update_type == DELETE:
            table.pop(key, None)
        else:
            table[key] = record

    def rows(self, tag: str) -> list[TaricRecord]:
        return list(self.tables.get(tag, {}).values())

    def field(self, record: TaricRecord, name: str) -> str:
        value = record.fields.get(name, "")
        if not value:
            raise self.error(record, f"{name} is required")
        return value

    def optional(self, record: TaricRecord, name: str) -> str | None:
        return record.fields.get(name) or None

    def error(self, record: TaricRecord, problem: str) -> Taric3Error:
        return Taric3Error(f"{self.path.name}: {record.label}: {problem}")

    def integer(self, record: TaricRecord, name: str) -> int:
        value = self.field(record, name)
        if not value.isdigit():
            raise self.error(record, f"{name} is not a whole number: {value!r}")
        return int(value)

    def day(self, record: TaricRecord, name: str) -> date:
        value = self.field(record, name)
        try:
            return date.fromisoformat(value)
        except ValueError as error:
            raise self.error(record, f"{name} is not a date: {value!r}") from error

    def validity(self, record: TaricRecord) -> Validity:
        start = self.day(record, "validity.start.date")
        end = (self.day(record, "validity.end.date")
               if self.optional(record, "validity.end.date") else None)
        if end is not None and end < start:
            raise self.error(record, f"validity ends {end} before it starts {start}")
        return Validity(start, end)

    def decimal(self, record: TaricRecord, name: str) -> Decimal | None:
        value = self.optional(record, name)
        if value is None:
            return None
        try:
            number = Decimal(value)
        except InvalidOperation as error:
            raise self.error(record, f"{name} is not a number: {value!r}") from error
        if not number.is_finite():
            raise self.error(record, f"{name} is not a finite number: {value!r}")
        return number


class _Builder:
    def __init__(self, store: _Store, members_on: date | None, source: str) -> None:
        self.store = store
        self.members_on = members_on
        self.source = source

    def build(self) -> TaricContent:
        content = TaricContent(skipped=self.store.skipped)
        content.measure_types = self.measure_types()
        content.areas = self.areas()
        content.measures = self.measures(content.measure_types, content.areas)
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

    def measures(self, types: Mapping[str, MeasureType],
                 areas: Mapping[str, GeographicalArea]) -> list[Measure]:
        s = self.store
        rows = {s.field(r, "measure.sid"): r for r in s.rows("measure")}
        parts = _MeasureParts(s, rows)
        measures = []
        for sid, r in rows.items():
            code = s.optional(r, "goods.nomenclature.item.id")
            if code is None:
                s.skipped["measure without goods code"] += 1
                continue
            type_id, area_id = s.field(r, "measure.type"), s.field(r, "geographical.area")
            components, conditions = parts.components.get(sid, ()), parts.conditions(sid)
            measure_type = types.get(type_id) or MeasureType(
                type_id, "", _unknown_kind(type_id, components, conditions))
            additional = (s.optional(r, "additional.code.type") or "") + (
                s.optional(r, "additional.code") or "")
            measures.append(Measure(
                sid=sid, type=measure_type, commodity=code,
                area=areas.get(area_id) or GeographicalArea(area_id, ""),
                validity=s.validity(r), components=tuple(sorted(components, key=_by_expression)),
                conditions=conditions, excluded=parts.excluded(sid, areas),
                additional_code=additional or None, quota=s.optional(r, "ordernumber"),
                footnotes=tuple(sorted(parts.footnotes.get(sid, ()))),
            ))
        return measures

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


class _MeasureParts:
    """Components, conditions, exclusions and footnotes of measures, by measure sid."""

    def __init__(self, store: _Store, measures: Mapping[str, TaricRecord]) -> None:
        s = self.store = store
        self.components: dict[str, list[DutyComponent]] = {}
        self.footnotes: dict[str, list[str]] = {}
        self.excluded_ids: dict[str, set[str]] = {}
        self.condition_rows: dict[str, list[TaricRecord]] = {}
        conditions: set[str] = set()
        for r in s.rows("measure.condition"):
            self.condition_rows.setdefault(self._owner(r, measures), []).append(r)
            conditions.add(s.field(r, "measure.condition.sid"))
        self.condition_components: dict[str, list[DutyComponent]] = {}
        for r in s.rows("measure.condition.component"):
            condition = s.field(r, "measure.condition.sid")
            if condition not in conditions:
                raise s.error(r, f"measure condition {condition} is not in the file")
            self.condition_components.setdefault(condition, []).append(self._component(r))
        for r in s.rows("measure.component"):
            self.components.setdefault(self._owner(r, measures), []).append(self._component(r))
        for r in s.rows("measure.excluded.geographical.area"):
            self.excluded_ids.setdefault(self._owner(r, measures), set()).add(
                s.field(r, "excluded.geographical.area"))
        for r in s.rows("footnote.association.measure"):
            self.footnotes.setdefault(self._owner(r, measures), []).append(
                s.field(r, "footnote.type.id") + s.field(r, "footnote.id"))

    def _owner(self, record: TaricRecord, measures: Mapping[str, TaricRecord]) -> str:
        sid = self.store.field(record, "measure.sid")
        if sid not in measures:
            raise self.store.error(record, f"measure {sid} is not in the file")
        return sid

    def _component(self, r: TaricRecord) -> DutyComponent:
        s = self.store
        return DutyComponent(s.field(r, "duty.expression.id"), s.decimal(r, "duty.amount"),
                             s.optional(r, "monetary.unit.code"),
                             s.optional(r, "measurement.unit.code"),
                             s.optional(r, "measurement.unit.qualifier.code"))

    def conditions(self, sid: str) -> tuple[MeasureCondition, ...]:
        s = self.store
        conditions = []
        for r in self.condition_rows.get(sid, ()):
            action = s.optional(r, "action.code")
            if action is None:
                raise s.error(r, f"condition of measure {sid} has no action code")
            document = (s.optional(r, "certificate.type.code") or "") + (
                s.optional(r, "certificate.code") or "")
            components = self.condition_components.get(s.field(r, "measure.condition.sid"), [])
            conditions.append(MeasureCondition(
                code=s.field(r, "condition.code"),
                sequence=s.integer(r, "component.sequence.number"), action=action,
                document=document or None, threshold=s.decimal(r, "condition.duty.amount"),
                threshold_monetary_unit=s.optional(r, "condition.monetary.unit.code"),
                threshold_unit=s.optional(r, "condition.measurement.unit.code"),
                threshold_qualifier=s.optional(r, "condition.measurement.unit.qualifier.code"),
                components=tuple(sorted(components, key=_by_expression)),
            ))
        return tuple(sorted(conditions, key=lambda c: (c.code, c.sequence)))

    def excluded(self, sid: str, areas: Mapping[str, GeographicalArea]) -> frozenset[str]:
        """Excluded areas; an excluded group excludes its members too."""
        ids = self.excluded_ids.get(sid, set())
        return frozenset(ids).union(*(areas[i].members for i in ids if i in areas))


def _by_expression(component: DutyComponent) -> str:
    return component.expression


def _unknown_kind(type_id: str, components: Iterable[DutyComponent],
                  conditions: Iterable[MeasureCondition]) -> MeasureKind:
    """Kind of a measure whose type record is not in the file: a control when it only asks
    for documents (see :data:`opencustoms.tariff.model.MEASURE_KINDS`)."""
    kind = kind_of(type_id)
    if (kind is MeasureKind.OTHER and not list(components)
            and any(c.document for c in conditions)):
        return MeasureKind.RESTRICTION
    return kind

"""Reading TARIC3 XML envelopes, the tariff interchange format of the EU and the UK.

An envelope (``shared/data/schemas/taric3``) carries transactions of records; each record has a
record code, a subrecord code, an update type (1 update, 2 delete, 3 insert) and one business
element. :func:`read_taric3_records` parses the file as a stream (lxml ``iterparse``): each
record is turned into a :class:`TaricRecord` and its element freed, so memory holds the tariff
being built, never the document tree. The parser is hardened: no entity expansion, no network,
no huge trees, and a document that declares a DTD (where entity bombs and external entities
live) is refused before any record is read.

:class:`TaricRecordStore` applies the records of :data:`RECORDS` in order (insert and update
replace a record with the same identity, delete removes it), counts the others as skipped, and
reads their fields with errors that name the record.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from lxml import etree  # type: ignore[import-untyped, unused-ignore]

from opencustoms.adapters.formats.pack import ReferenceFileError
from opencustoms.domain.reference import Validity

ENVELOPE_NS = "urn:publicid:-:DGTAXUD:GENERAL:ENVELOPE:1.0"
TARIC_NS = "urn:publicid:-:DGTAXUD:TARIC:MESSAGE:1.0"

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


# --- applying records -------------------------------------------------------------------------


class TaricRecordStore:
    """Records by element name and identity, after inserts, updates and deletes.

    Its getters read a field of a record and raise :class:`Taric3Error` naming the file and
    the record when the field is missing or malformed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tables: dict[str, dict[tuple[str, ...], TaricRecord]] = {}
        self.skipped: Counter[str] = Counter()

    def apply(self, record: TaricRecord) -> None:
        """Insert, replace or delete ``record`` by its identity; count unknown records."""
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
        """The records of element ``tag`` still present, in the order first inserted."""
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

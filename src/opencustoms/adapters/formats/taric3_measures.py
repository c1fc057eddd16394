"""Measures of a TARIC3 file: records 430 (measure, components, conditions, condition
components, excluded areas, footnote associations) assembled into :class:`Measure` objects.

A part (component, condition, exclusion, footnote) that names a measure or condition the file
does not hold raises :class:`Taric3Error` naming the record; a measure's area or type may live
in another file and is then built from its id alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from opencustoms.adapters.formats.taric3_reader import TaricRecord, TaricRecordStore
from opencustoms.tariff.model import (
    DutyComponent,
    GeographicalArea,
    Measure,
    MeasureCondition,
    MeasureKind,
    MeasureType,
    kind_of,
)


def build_measures(store: TaricRecordStore, types: Mapping[str, MeasureType],
                   areas: Mapping[str, GeographicalArea]) -> list[Measure]:
    """The measures of the records in ``store``, with the types and areas given by id.

    A measure without a goods code is counted in ``store.skipped``."""
    s = store
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


class _MeasureParts:
    """Components, conditions, exclusions and footnotes of measures, by measure sid."""

    def __init__(self, store: TaricRecordStore, measures: Mapping[str, TaricRecord]) -> None:
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

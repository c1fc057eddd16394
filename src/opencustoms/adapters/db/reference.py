"""SQL store of reference data: jurisdiction, code lists, nomenclature, offices, rates.

Writers stream: :meth:`SqlReferenceRepository.upsert_commodities` takes any iterable and writes
it in batches (insert, or update on the same code and start of validity), so importing a full
national nomenclature never holds it all in memory. Everything runs in the caller's unit of
work: an import commits as a whole or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any, TypeVar

from sqlalchemy import Executable, Table, delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from opencustoms.adapters.db.tables import (
    CodeListEntryRow,
    CommodityRow,
    ExchangeRateRow,
    JurisdictionRow,
    OfficeRow,
    table_of,
)
from opencustoms.domain.reference import (
    CodeListEntry,
    Commodity,
    ExchangeRate,
    Jurisdiction,
    Office,
    ReferenceData,
    Validity,
)

DEFAULT_BATCH = 1000

_T = TypeVar("_T")


class ReferenceDataMissing(LookupError):
    """The store holds no jurisdiction yet: load a jurisdiction pack first."""


class SqlReferenceRepository:
    """:class:`~opencustoms.services.ports.ReferenceRepository` plus the writers importers use."""

    def __init__(self, session: Session) -> None:
        self._session = session

    # --- reading --------------------------------------------------------------------------

    def load(self) -> ReferenceData:
        """Everything in the store, each code's entries ordered by start of validity."""
        jurisdiction = self._session.scalars(select(JurisdictionRow)).first()
        if jurisdiction is None:
            raise ReferenceDataMissing("no jurisdiction in the store; load a pack first")
        data = ReferenceData(Jurisdiction(jurisdiction.country, jurisdiction.name,
                                          jurisdiction.currency))
        entries = table_of(CodeListEntryRow)
        for row in self._stream(entries, "list", "code", "valid_from"):
            data.add_entries(row.list, [CodeListEntry(
                row.code, row.description, Validity(row.valid_from, row.valid_to),
                dict(row.attributes))])
        data.add_commodities(
            Commodity(row.code, row.description, row.parent, row.declarable,
                      Validity(row.valid_from, row.valid_to), row.supplementary_unit, row.source)
            for row in self._stream(table_of(CommodityRow), "code", "valid_from"))
        data.add_offices(
            Office(row.code, row.name, row.country, frozenset(row.roles),
                   Validity(row.valid_from, row.valid_to))
            for row in self._stream(table_of(OfficeRow), "code", "valid_from"))
        data.add_exchange_rates(
            ExchangeRate(row.currency, row.rate, Validity(row.valid_from, row.valid_to))
            for row in self._stream(table_of(ExchangeRateRow), "currency", "valid_from"))
        return data

    def commodity_count(self) -> int:
        return self._session.execute(select(func.count()).select_from(CommodityRow)).scalar_one()

    def _stream(self, table: Table, *order: str) -> Iterator[Any]:
        statement = select(table).order_by(*(table.c[name] for name in order))
        yield from self._session.execute(statement.execution_options(yield_per=DEFAULT_BATCH))

    # --- writing --------------------------------------------------------------------------

    def set_jurisdiction(self, jurisdiction: Jurisdiction) -> None:
        """Make ``jurisdiction`` the (only) customs territory of the store."""
        self._session.execute(delete(JurisdictionRow))
        self._session.execute(insert(JurisdictionRow).values(
            country=jurisdiction.country, name=jurisdiction.name,
            currency=jurisdiction.currency))

    def replace_pack(self, reference: ReferenceData, *, batch: int = DEFAULT_BATCH) -> None:
        """Replace all reference data with ``reference`` (a jurisdiction pack)."""
        for model in (CodeListEntryRow, CommodityRow, OfficeRow, ExchangeRateRow):
            self._session.execute(delete(model))
        self.set_jurisdiction(reference.jurisdiction)
        for list_name, codes in reference.code_lists.items():
            self.upsert_code_list(list_name, (e for entries in codes.values() for e in entries),
                                  batch=batch)
        self.upsert_commodities(
            (c for versions in reference.nomenclature.values() for c in versions), batch=batch)
        self.upsert_offices(o for versions in reference.offices.values() for o in versions)
        self.upsert_exchange_rates(
            r for versions in reference.exchange_rates.values() for r in versions)

    def write_code_list(self, list_name: str, entries: Iterable[CodeListEntry], *,
                        batch: int = DEFAULT_BATCH) -> int:
        """Replace the whole code list ``list_name`` with ``entries``; returns their count."""
        self._session.execute(delete(CodeListEntryRow)
                              .where(CodeListEntryRow.list_name == list_name))
        return self.upsert_code_list(list_name, entries, batch=batch)

    def upsert_code_list(self, list_name: str, entries: Iterable[CodeListEntry], *,
                         batch: int = DEFAULT_BATCH) -> int:
        return self._upsert(table_of(CodeListEntryRow), entries, batch, lambda e: {
            "list": list_name, "code": e.code, "description": e.description,
            "valid_from": e.validity.start, "valid_to": e.validity.end,
            "attributes": dict(e.attributes)})

    def upsert_commodities(self, commodities: Iterable[Commodity], *,
                           batch: int = DEFAULT_BATCH) -> int:
        """Insert or update nomenclature nodes, ``batch`` rows per statement; returns the count."""
        return self._upsert(table_of(CommodityRow), commodities, batch, lambda c: {
            "code": c.code, "description": c.description, "parent": c.parent,
            "declarable": c.declarable, "valid_from": c.validity.start,
            "valid_to": c.validity.end, "supplementary_unit": c.supplementary_unit,
            "source": c.source})

    def upsert_offices(self, offices: Iterable[Office], *, batch: int = DEFAULT_BATCH) -> int:
        return self._upsert(table_of(OfficeRow), offices, batch, lambda o: {
            "code": o.code, "name": o.name, "country": o.country, "roles": sorted(o.roles),
            "valid_from": o.validity.start, "valid_to": o.validity.end})

    def upsert_exchange_rates(self, rates: Iterable[ExchangeRate], *,
                              batch: int = DEFAULT_BATCH) -> int:
        return self._upsert(table_of(ExchangeRateRow), rates, batch, lambda r: {
            "currency": r.currency, "rate": r.rate, "valid_from": r.validity.start,
            "valid_to": r.validity.end})

    def _upsert(self, table: Table, items: Iterable[_T], batch: int,
                to_row: Callable[[_T], dict[str, Any]]) -> int:
        if batch < 1:
            raise ValueError("batch must be at least 1")
        statement = _upsert_statement(self._session.get_bind().dialect.name, table)
        written = 0
        iterator = iter(items)
        while rows := [to_row(item) for item in islice(iterator, batch)]:
            self._session.execute(statement, rows)
            written += len(rows)
        return written


def _upsert_statement(dialect: str, table: Table) -> Executable:
    """INSERT ... ON CONFLICT (primary key) DO UPDATE, in the dialect's own syntax."""
    keys = [column.name for column in table.primary_key.columns]
    if dialect == "postgresql":
        pg = postgresql.insert(table)
        return pg.on_conflict_do_update(index_elements=keys, set_={
            c.name: pg.excluded[c.name] for c in table.columns if not c.primary_key})
    if dialect == "sqlite":
        lite = sqlite.insert(table)
        return lite.on_conflict_do_update(index_elements=keys, set_={
            c.name: lite.excluded[c.name] for c in table.columns if not c.primary_key})
    return insert(table)  # other databases: plain insert, duplicates raise

"""Reference data: a pack written and read back unchanged; streaming nomenclature upserts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest

from opencustoms.adapters.db.reference import ReferenceDataMissing
from opencustoms.adapters.db.uow import SqlUnitOfWorkFactory
from opencustoms.domain.reference import (
    CodeList,
    CodeListEntry,
    Commodity,
    ExchangeRate,
    Jurisdiction,
    Office,
    ReferenceData,
    Validity,
)

pytestmark = pytest.mark.db

DAY = date(2026, 3, 2)


def small_pack() -> ReferenceData:
    data = ReferenceData(Jurisdiction("XX", "Demo customs territory", "EUR"))
    data.add_entries(CodeList.CURRENCY, [
        CodeListEntry("EUR", "Euro", attributes={"minor_unit": "2"}),
        CodeListEntry("JPY", "Yen", attributes={"minor_unit": "0"}),
    ])
    data.add_entries(CodeList.PROCEDURE, [
        CodeListEntry("4000", "Release for free circulation", Validity(date(2020, 1, 1)),
                      {"declaration_types": "IM"}),
        CodeListEntry("4071", "Free circulation from warehouse",
                      Validity(date(2020, 1, 1), date(2025, 12, 31))),
        CodeListEntry("4071", "Free circulation after customs warehousing",
                      Validity(date(2026, 1, 1))),
    ])
    data.add_commodities([
        Commodity("85", "Electrical machinery", None, False),
        Commodity("8517130000", "Smartphones", "851713", True, Validity(date(2022, 1, 1)),
                  "p/st", "pack"),
    ])
    data.add_offices([Office("XX000100", "Port office", "XX",
                             frozenset({"import", "export"}), Validity(date(2024, 1, 1)))])
    data.add_exchange_rates([
        ExchangeRate("USD", Decimal("1.0850"), Validity(date(2026, 3, 1), date(2026, 3, 31))),
        ExchangeRate("USD", Decimal("1.09125000"), Validity(date(2026, 4, 1), date(2026, 4, 30))),
        ExchangeRate("JPY", Decimal("161.234567891234"), Validity(date(2026, 3, 1))),
    ])
    return data


def test_a_pack_is_read_back_exactly_as_written(uow_factory: SqlUnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        uow.reference.replace_pack(small_pack())
        uow.commit()
    with uow_factory() as uow:
        loaded = uow.reference.load()
    assert loaded == small_pack()
    rate = loaded.exchange_rate("USD", DAY)
    assert rate is not None and str(rate.rate) == "1.0850"
    assert str(loaded.exchange_rates["JPY"][0].rate) == "161.234567891234"
    assert loaded.entry(CodeList.PROCEDURE, "4071", DAY) == CodeListEntry(
        "4071", "Free circulation after customs warehousing", Validity(date(2026, 1, 1)))
    assert loaded.minor_unit("JPY") == 0


def test_replacing_the_pack_drops_what_the_new_pack_lacks(
        uow_factory: SqlUnitOfWorkFactory) -> None:
    smaller = ReferenceData(Jurisdiction("XY", "Other territory", "USD"))
    smaller.add_entries(CodeList.CURRENCY, [CodeListEntry("USD", "Dollar")])
    with uow_factory() as uow:
        uow.reference.replace_pack(small_pack())
        uow.reference.replace_pack(smaller)
        uow.commit()
    with uow_factory() as uow:
        assert uow.reference.load() == smaller


def test_writing_a_code_list_replaces_only_that_list(uow_factory: SqlUnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        uow.reference.replace_pack(small_pack())
        written = uow.reference.write_code_list(CodeList.PROCEDURE, [
            CodeListEntry("7100", "Customs warehousing")])
        uow.commit()
    with uow_factory() as uow:
        loaded = uow.reference.load()
    assert written == 1
    assert set(loaded.codes(CodeList.PROCEDURE)) == {"7100"}
    assert set(loaded.codes(CodeList.CURRENCY)) == {"EUR", "JPY"}


def test_an_empty_store_has_no_reference_data(uow_factory: SqlUnitOfWorkFactory) -> None:
    with uow_factory() as uow, pytest.raises(ReferenceDataMissing, match="load a pack"):
        uow.reference.load()


def _nomenclature(count: int, label: str) -> Iterator[Commodity]:
    for n in range(count):
        code = f"{1000000000 + n * 7:010d}"
        yield Commodity(code, f"{label} {n}", code[:6], True, Validity(date(2026, 1, 1)),
                        source="import")


def test_streaming_upsert_of_5000_commodities_inserts_then_updates(
        uow_factory: SqlUnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        uow.reference.set_jurisdiction(Jurisdiction("XX", "Demo", "EUR"))
        assert uow.reference.upsert_commodities(_nomenclature(5000, "first"), batch=700) == 5000
        uow.commit()
    with uow_factory() as uow:
        assert uow.reference.upsert_commodities(_nomenclature(2500, "second"), batch=700) == 2500
        uow.commit()
    with uow_factory() as uow:
        assert uow.reference.commodity_count() == 5000
        loaded = uow.reference.load()
    assert len(loaded.nomenclature) == 5000
    first = loaded.commodity("1000000000", DAY)
    last = loaded.commodity(f"{1000000000 + 4999 * 7:010d}", DAY)
    assert first is not None and first.description == "second 0"
    assert last is not None and last.description == "first 4999"
    assert first.parent == "100000" and first.source == "import"


def test_an_upsert_batch_must_hold_at_least_one_row(uow_factory: SqlUnitOfWorkFactory) -> None:
    with uow_factory() as uow, pytest.raises(ValueError, match="at least 1"):
        uow.reference.upsert_commodities(_nomenclature(1, "x"), batch=0)

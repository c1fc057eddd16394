"""Listing declarations: every filter, tenant visibility and keyset pagination."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from opencustoms.adapters.db.uow import SqlUnitOfWorkFactory
from opencustoms.domain.declaration import Declaration, DeclarationType
from opencustoms.domain.mrn import MRN
from opencustoms.domain.workflow import Status
from opencustoms.services.ports import DeclarationQuery
from tests.integration.db.builders import (
    BROKER,
    OTHER_TRADER,
    T0,
    TRADER,
    declaration,
    document,
    serial,
)

pytestmark = pytest.mark.db

EX = DeclarationType.EXPORT


@pytest.fixture
def lodged(uow_factory: SqlUnitOfWorkFactory) -> list[Declaration]:
    """23 declarations over 6 days; several share an acceptance time to test tie-breaking."""
    made = []
    for n in range(23):
        made.append(declaration(
            f"LRN-{n:03d}",
            at=T0 + timedelta(days=n // 4),  # four per day, same instant
            serial=serial(1000 - n),  # MRN order differs from insertion order
            declarant=OTHER_TRADER if n % 5 == 0 else TRADER,
            representative=BROKER if n % 3 == 0 else None,
            type_=EX if n % 4 == 1 else DeclarationType.IMPORT,
            status=Status.RELEASED if n % 2 else None,
            codes=("0901110000",) if n % 7 == 0 else ("8517130000", "8471300000"),
        ))
    with uow_factory() as uow:
        for d in made:
            uow.declarations.add(d, content_sha256="cd" * 32, document=document(d))
        uow.commit()
    return made


def _mrns(factory: SqlUnitOfWorkFactory, query: DeclarationQuery) -> list[MRN]:
    with factory() as uow:
        return [d.mrn for d in uow.declarations.list(query)]


def _expected(declarations: list[Declaration],
              keep: Callable[[Declaration], bool]) -> list[MRN]:
    chosen = [d for d in declarations if keep(d)]
    return [d.mrn for d in sorted(chosen, key=lambda d: (d.accepted_at, d.mrn))]


def test_the_list_is_ordered_by_acceptance_time_then_mrn(
        uow_factory: SqlUnitOfWorkFactory, lodged: list[Declaration]) -> None:
    assert _mrns(uow_factory, DeclarationQuery(limit=100)) == _expected(lodged, lambda d: True)


def test_status_filter(uow_factory: SqlUnitOfWorkFactory, lodged: list[Declaration]) -> None:
    got = _mrns(uow_factory, DeclarationQuery(status=Status.RELEASED, limit=100))
    assert got == _expected(lodged, lambda d: d.status is Status.RELEASED)
    assert len(got) == 11


def test_type_filter(uow_factory: SqlUnitOfWorkFactory, lodged: list[Declaration]) -> None:
    got = _mrns(uow_factory, DeclarationQuery(type=EX, limit=100))
    assert got == _expected(lodged, lambda d: d.content.type is EX)
    assert len(got) == 6


def test_commodity_code_filter_matches_full_codes_and_prefixes(
        uow_factory: SqlUnitOfWorkFactory, lodged: list[Declaration]) -> None:
    coffee = _mrns(uow_factory, DeclarationQuery(commodity_code="0901110000", limit=100))
    assert coffee == _expected(lodged, lambda d: "0901110000" in d.content.commodity_codes())
    assert len(coffee) == 4
    chapter_84 = _mrns(uow_factory, DeclarationQuery(commodity_code="84", limit=100))
    assert chapter_84 == _expected(lodged, lambda d: "8471300000" in d.content.commodity_codes())
    assert _mrns(uow_factory, DeclarationQuery(commodity_code="8%", limit=100)) == []


def test_acceptance_date_range_includes_the_start_and_excludes_the_end(
        uow_factory: SqlUnitOfWorkFactory, lodged: list[Declaration]) -> None:
    start, end = T0 + timedelta(days=1), T0 + timedelta(days=3)
    got = _mrns(uow_factory, DeclarationQuery(accepted_from=start, accepted_to=end, limit=100))
    assert got == _expected(lodged, lambda d: start <= d.accepted_at < end)
    assert len(got) == 8


def test_a_trader_sees_only_declarations_that_name_it(
        uow_factory: SqlUnitOfWorkFactory, lodged: list[Declaration]) -> None:
    for party in (TRADER, OTHER_TRADER, BROKER):
        got = _mrns(uow_factory, DeclarationQuery(visible_to=party, limit=100))
        assert got == _expected(lodged, lambda d, p=party: p in d.content.party_ids())
    assert len(_mrns(uow_factory, DeclarationQuery(visible_to=BROKER, limit=100))) == 8


def test_filters_combine(uow_factory: SqlUnitOfWorkFactory, lodged: list[Declaration]) -> None:
    query = DeclarationQuery(visible_to=TRADER, status=Status.RELEASED,
                             commodity_code="8517", limit=100)
    assert _mrns(uow_factory, query) == _expected(lodged, lambda d: (
        TRADER in d.content.party_ids() and d.status is Status.RELEASED
        and "8517130000" in d.content.commodity_codes()))


@pytest.mark.parametrize("page_size", [1, 4, 5, 23, 50])
def test_keyset_pages_return_every_declaration_exactly_once(
        uow_factory: SqlUnitOfWorkFactory, lodged: list[Declaration], page_size: int) -> None:
    seen: list[MRN] = []
    after = None
    pages = 0
    while True:
        with uow_factory() as uow:
            page = uow.declarations.list(DeclarationQuery(after=after, limit=page_size))
        if not page:
            break
        pages += 1
        seen += [d.mrn for d in page]
        after = (page[-1].accepted_at, page[-1].mrn)
    assert seen == _expected(lodged, lambda d: True)
    assert pages == -(-23 // page_size)


def test_a_zero_limit_lists_nothing(uow_factory: SqlUnitOfWorkFactory,
                                    lodged: list[Declaration]) -> None:
    assert _mrns(uow_factory, DeclarationQuery(limit=0)) == []

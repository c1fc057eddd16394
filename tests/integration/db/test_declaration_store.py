"""The declaration store: exact round trip, history in the same transaction, duplicates,
optimistic locking and content versions."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from opencustoms.adapters.db.tables import DeclarationHistoryRow, DeclarationRow
from opencustoms.adapters.db.uow import SqlUnitOfWorkFactory
from opencustoms.adapters.formats.declaration_json import content_to_json
from opencustoms.domain.declaration import Declaration
from opencustoms.domain.errors import StaleVersion
from opencustoms.domain.mrn import MRN
from opencustoms.domain.workflow import Status
from opencustoms.services.ports import DuplicateDeclaration, HistoryEntry
from tests.integration.db.builders import BROKER, T0, TRADER, declaration, document

pytestmark = pytest.mark.db


def _add(factory: SqlUnitOfWorkFactory, *declarations: Declaration) -> None:
    with factory() as uow:
        for d in declarations:
            uow.declarations.add(d, content_sha256="cd" * 32, document=document(d))
        uow.commit()


def test_a_declaration_comes_back_exactly_as_it_was_added(
        uow_factory: SqlUnitOfWorkFactory) -> None:
    at = datetime(2026, 3, 2, 12, 30, 15, 123456, tzinfo=timezone(timedelta(hours=3)))
    original = declaration(at=at, codes=("8517130000", "0901110000"), representative=BROKER)
    _add(uow_factory, original)
    assert original.events == []  # written as history, then cleared

    with uow_factory() as uow:
        loaded = uow.declarations.get(original.mrn)
    assert loaded is not None
    assert loaded.content == original.content
    assert loaded.content.insurance is not None
    assert loaded.content.insurance.amount == Decimal("50.125")
    assert str(loaded.content.items[0].net_mass) == "12.500"
    assert (loaded.mrn, loaded.status, loaded.version) == (original.mrn, Status.ACCEPTED, 1)
    assert loaded.accepted_at == at and loaded.received_at == at
    assert loaded.accepted_at.tzinfo is UTC
    assert loaded.payload_sha256 == original.payload_sha256


def test_find_by_lrn_returns_the_declaration_and_its_content_hash(
        uow_factory: SqlUnitOfWorkFactory) -> None:
    original = declaration("ACME-7")
    _add(uow_factory, original)
    with uow_factory() as uow:
        found = uow.declarations.find_by_lrn(TRADER, original.content.lrn)
        missing = uow.declarations.find_by_lrn(BROKER, original.content.lrn)
    assert found is not None and missing is None
    assert (found[0].mrn, found[1]) == (original.mrn, "cd" * 32)


def test_an_unknown_mrn_is_none(uow_factory: SqlUnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        assert uow.declarations.get(MRN("26XX000000000000R0")) is None


def test_history_and_version_one_are_written_with_the_declaration(
        uow_factory: SqlUnitOfWorkFactory) -> None:
    original = declaration()
    _add(uow_factory, original)
    with uow_factory() as uow:
        history = uow.declarations.history(original.mrn)
        versions = uow.declarations.versions(original.mrn)
    assert history == [HistoryEntry(1, "accepted", 1, "accepted", TRADER, T0, {})]
    assert versions == [(1, T0, document(original))]


def test_leaving_the_unit_of_work_without_commit_leaves_nothing(
        uow_factory: SqlUnitOfWorkFactory) -> None:
    original = declaration()
    with uow_factory() as uow:
        uow.declarations.add(original, content_sha256="cd" * 32, document=document(original))
    with uow_factory() as uow:
        assert uow.declarations.get(original.mrn) is None
        counts = [uow.session.execute(select(func.count()).select_from(t)).scalar_one()
                  for t in (DeclarationRow, DeclarationHistoryRow)]
    assert counts == [0, 0]


def test_a_taken_mrn_raises_duplicate_declaration(uow_factory: SqlUnitOfWorkFactory) -> None:
    first = declaration("LRN-A", serial="000000000001")
    _add(uow_factory, first)
    same_mrn = declaration("LRN-B", serial="000000000001")
    with uow_factory() as uow, pytest.raises(DuplicateDeclaration, match="MRN"):
        uow.declarations.add(same_mrn, content_sha256="cd" * 32, document=document(same_mrn))


def test_a_reused_lrn_raises_duplicate_declaration_and_the_uow_recovers_after_rollback(
        uow_factory: SqlUnitOfWorkFactory) -> None:
    first = declaration("LRN-A", serial="000000000001")
    _add(uow_factory, first)
    again = declaration("LRN-A", serial="000000000002")
    with uow_factory() as uow:
        with pytest.raises(DuplicateDeclaration, match="LRN"):
            uow.declarations.add(again, content_sha256="cd" * 32, document=document(again))
        uow.rollback()
        found = uow.declarations.find_by_lrn(TRADER, again.content.lrn)
    assert found is not None and found[0].mrn == first.mrn


def test_the_same_lrn_is_free_for_another_declarant(uow_factory: SqlUnitOfWorkFactory) -> None:
    _add(uow_factory, declaration("LRN-A"), declaration("LRN-A", declarant=BROKER))
    with uow_factory() as uow:
        assert uow.declarations.find_by_lrn(BROKER, declaration("LRN-A").content.lrn)


def test_of_two_writers_that_read_version_one_only_the_first_saves(
        uow_factory: SqlUnitOfWorkFactory) -> None:
    original = declaration()
    _add(uow_factory, original)
    with uow_factory.read_only() as first_reader, uow_factory.read_only() as second_reader:
        mine = first_reader.declarations.get(original.mrn)
        theirs = second_reader.declarations.get(original.mrn)
    assert mine is not None and theirs is not None
    mine.invalidate(at=T0 + timedelta(hours=1), actor=TRADER, reason="duplicate shipment")
    with uow_factory() as uow:
        uow.declarations.save(mine, expected_version=1)
        uow.commit()
    theirs.invalidate(at=T0 + timedelta(hours=2), actor=TRADER, reason="late")
    with uow_factory() as uow, pytest.raises(StaleVersion, match="no longer at version 1"):
        uow.declarations.save(theirs, expected_version=1)

    with uow_factory() as uow:
        stored = uow.declarations.get(original.mrn)
        history = uow.declarations.history(original.mrn)
    assert stored is not None and (stored.status, stored.version) == (Status.INVALIDATED, 2)
    assert [(h.sequence, h.event, h.version, h.status) for h in history] == [
        (1, "accepted", 1, "accepted"), (2, "invalidated", 2, "invalidated")]
    assert history[1].detail == {"reason": "duplicate shipment"}


def test_an_amendment_keeps_a_new_version_and_rewrites_the_lookup_rows(
        uow_factory: SqlUnitOfWorkFactory) -> None:
    original = declaration(codes=("8517130000",))
    _add(uow_factory, original)
    amended_at = T0 + timedelta(minutes=5)
    with uow_factory() as uow:
        loaded = uow.declarations.get(original.mrn)
        assert loaded is not None
        new_content = replace(declaration(codes=("0901110000", "0902100000")).content,
                              lrn=loaded.content.lrn)
        loaded.amend(new_content, at=amended_at, actor=TRADER, payload_sha256="ef" * 32)
        new_document = content_to_json(new_content)
        assert uow.declarations.versions(original.mrn) == [(1, T0, document(original))]
        uow.declarations.save(loaded, expected_version=1, content_sha256="12" * 32,
                              document=new_document)
        uow.commit()

    with uow_factory() as uow:
        stored = uow.declarations.get(original.mrn)
        found = uow.declarations.find_by_lrn(TRADER, original.content.lrn)
        versions = uow.declarations.versions(original.mrn)
        history = uow.declarations.history(original.mrn)
    assert stored is not None and stored.content == new_content and stored.version == 2
    assert stored.payload_sha256 == "ef" * 32
    assert found is not None and found[1] == "12" * 32
    # Version 1 was the row's own document until this amendment copied it aside.
    assert versions == [(1, T0, document(original)), (2, amended_at, new_document)]
    assert [(h.event, h.version, h.at) for h in history] == [
        ("accepted", 1, T0), ("amended", 2, amended_at)]


def test_saving_an_unknown_declaration_is_a_stale_version(
        uow_factory: SqlUnitOfWorkFactory) -> None:
    never_added = declaration()
    with uow_factory() as uow, pytest.raises(StaleVersion):
        uow.declarations.save(never_added, expected_version=1)


def test_of_two_amendments_racing_on_one_version_one_lands_and_one_is_stale(
        uow_factory: SqlUnitOfWorkFactory) -> None:
    original = declaration(codes=("8517130000",))
    _add(uow_factory, original)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def amend(code: str, minutes: int) -> None:
        with uow_factory.read_only() as uow:
            loaded = uow.declarations.get(original.mrn)
        assert loaded is not None
        content = replace(declaration(codes=(code,)).content, lrn=loaded.content.lrn)
        loaded.amend(content, at=T0 + timedelta(minutes=minutes), actor=TRADER,
                     payload_sha256=f"{minutes:02d}" * 32)
        start.wait()
        try:
            with uow_factory() as uow:
                uow.declarations.save(loaded, expected_version=1, content_sha256="12" * 32,
                                      document=content_to_json(content))
                uow.commit()
            outcomes.append(code)
        except StaleVersion:
            outcomes.append("stale")

    threads = [threading.Thread(target=amend, args=args)
               for args in (("0901110000", 5), ("0902100000", 6))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes)[1] == "stale" and outcomes.count("stale") == 1
    with uow_factory() as uow:
        stored = uow.declarations.get(original.mrn)
        versions = uow.declarations.versions(original.mrn)
        history = uow.declarations.history(original.mrn)
    winner = next(code for code in outcomes if code != "stale")
    assert stored is not None and stored.version == 2
    assert [item.commodity_code for item in stored.content.items] == [winner]
    assert [(v, doc) for v, _, doc in versions] == [
        (1, document(original)), (2, content_to_json(stored.content))]
    assert [h.event for h in history] == ["accepted", "amended"]

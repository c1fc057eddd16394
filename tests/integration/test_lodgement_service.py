"""The lodgement use case on the real store: MRN retry, concurrent replays, rejection log."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from opencustoms import bootstrap
from opencustoms.adapters.db.tables import DeclarationRow, LodgementRejectionRow
from opencustoms.adapters.db.uow import SqlUnitOfWork
from opencustoms.adapters.formats.declaration_json import submission
from opencustoms.domain.errors import RuleViolations
from opencustoms.domain.mrn import is_valid_mrn, new_mrn
from opencustoms.domain.parties import Party, PartyId
from opencustoms.services import lodgement
from opencustoms.services.lodgement import lodge
from tests.e2e.examples import import_declaration
from tests.integration.support import prepared_container

pytestmark = pytest.mark.db


@pytest.fixture
def container(tmp_path: Path) -> Iterator[bootstrap.Container]:
    with prepared_container(tmp_path) as built:
        yield built


def _acme(container: bootstrap.Container) -> Party:
    with container.services.reader() as uow:
        party = uow.parties.get(PartyId("XX100000000001"))
    assert party is not None
    return party


def _count(container: bootstrap.Container, table: type[Any]) -> int:
    with container.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def test_a_taken_mrn_serial_is_retried_with_a_fresh_one(
        container: bootstrap.Container, monkeypatch: pytest.MonkeyPatch) -> None:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    taken, fresh = new_mrn(at, "XX", "IM", "A" * 12), new_mrn(at, "XX", "IM", "B" * 12)
    serials = iter([taken, taken, fresh])
    monkeypatch.setattr(lodgement, "new_mrn", lambda *args: next(serials))
    first = lodge(container.services, submission(import_declaration("RETRY-1")),
                  _acme(container))
    second = lodge(container.services, submission(import_declaration("RETRY-2")),
                   _acme(container))
    assert (first.declaration.mrn, second.declaration.mrn) == (taken, fresh)
    assert second.created and _count(container, DeclarationRow) == 2


def test_rows_staged_before_the_write_lock_are_written_and_a_taken_mrn_still_retried(
        container: bootstrap.Container, monkeypatch: pytest.MonkeyPatch) -> None:
    """The event-loop path (ADR 0010) stages a registration before it takes its turn at the
    write lock: staging runs no statement (no transaction, so no lock); a first attempt that
    fails in that unit of work is rolled back and retried in a new one."""
    at = datetime(2026, 1, 1, tzinfo=UTC)
    taken, fresh = new_mrn(at, "XX", "IM", "C" * 12), new_mrn(at, "XX", "IM", "D" * 12)
    serials = iter([taken, taken, fresh])
    monkeypatch.setattr(lodgement, "new_mrn", lambda *args: next(serials))
    services, acme = container.services, _acme(container)
    lodge(services, submission(import_declaration("STAGED-0")), acme)  # takes the MRN

    prepared = lodgement.prepare(services, submission(import_declaration("STAGED-1")), acme)
    assert isinstance(prepared, lodgement.Registration) and prepared.mrn == taken
    with lodgement.staged(services, prepared) as uow:
        assert isinstance(uow, SqlUnitOfWork)
        assert prepared.staged is not None and not uow.session.in_transaction()
        result = lodgement.register(services, prepared, uow)
    assert result.created and result.declaration.mrn == fresh
    assert result.declaration.status.value == "released"
    assert _count(container, DeclarationRow) == 2
    with services.reader() as reader:
        assert [e.record.event for e in reader.audit.entries(subject=fresh)] == [
            "accepted", "payment_secured", "released"]
        assert reader.audit.entries(subject=taken)[0].record.data["lrn"] == "STAGED-0"


def test_concurrent_lodgements_of_one_lrn_register_exactly_one_declaration(
        container: bootstrap.Container) -> None:
    acme = _acme(container)
    results: list[lodgement.LodgementResult] = []
    barrier = threading.Barrier(6)

    def send() -> None:
        barrier.wait(timeout=10)
        results.append(lodge(container.services, submission(import_declaration("SAME-LRN")),
                             acme))

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == 6
    assert sum(r.created for r in results) == 1
    assert len({r.declaration.mrn for r in results}) == 1
    assert is_valid_mrn(results[0].declaration.mrn)
    assert _count(container, DeclarationRow) == 1


def test_a_rejected_lodgement_is_logged_with_its_errors_and_registers_nothing(
        container: bootstrap.Container) -> None:
    document = import_declaration("BAD-1")
    document["items"][0]["commodity_code"] = "0000000000"
    with pytest.raises(RuleViolations) as caught:
        lodge(container.services, submission(document), _acme(container))
    assert ("CL105", "/items/0/commodity_code") in {(p.code, p.pointer)
                                                    for p in caught.value.problems}
    assert _count(container, DeclarationRow) == 0
    with container.engine.connect() as connection:
        row = connection.execute(select(LodgementRejectionRow)).one()
    assert row.lrn == "BAD-1"
    assert any(p["code"] == "CL105" for p in row.problems)

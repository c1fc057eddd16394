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

"""Concurrent writers: every lodgement commits, none fails with "database is locked"."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from opencustoms.adapters.db.tables import DeclarationHistoryRow, DeclarationRow
from opencustoms.adapters.db.uow import SqlUnitOfWorkFactory
from opencustoms.domain.mrn import MRN
from tests.integration.db.builders import T0, declaration, document, serial

pytestmark = pytest.mark.db

THREADS = 8
PER_THREAD = 25


def _lodge_many(factory: SqlUnitOfWorkFactory, thread: int) -> list[MRN]:
    lodged = []
    for n in range(PER_THREAD):
        number = thread * PER_THREAD + n
        d = declaration(f"LRN-{number:04d}", at=T0 + timedelta(seconds=number),
                        serial=serial(number), codes=("8517130000", "0901110000"))
        with factory() as uow:
            # read, then write, in one unit of work: the pattern that deadlocks SQLite
            # when transactions start deferred
            assert uow.declarations.find_by_lrn(d.content.declarant, d.content.lrn) is None
            uow.declarations.add(d, content_sha256="cd" * 32, document=document(d))
            uow.commit()
        lodged.append(d.mrn)
    return lodged


def test_eight_threads_lodging_25_declarations_each_all_commit(
        uow_factory: SqlUnitOfWorkFactory) -> None:
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        results = list(pool.map(lambda t: _lodge_many(uow_factory, t), range(THREADS)))
    lodged = {mrn for batch in results for mrn in batch}
    assert len(lodged) == THREADS * PER_THREAD
    with uow_factory() as uow:
        count = uow.session.execute(select(func.count()).select_from(DeclarationRow))
        history = uow.session.execute(select(func.count()).select_from(DeclarationHistoryRow))
        stored = set(uow.session.scalars(select(DeclarationRow.mrn)))
        assert (count.scalar_one(), history.scalar_one()) == (200, 200)
    assert stored == lodged

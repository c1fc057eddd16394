"""Quota balances: drawn first come, first served, never below zero, even concurrently."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest

from opencustoms.adapters.db.quotas import SqlQuotaLedger
from opencustoms.adapters.db.uow import SqlUnitOfWorkFactory
from opencustoms.domain.reference import Validity
from opencustoms.tariff.model import Quota

pytestmark = pytest.mark.db

QUOTA = Quota("091001", Validity(date(2026, 1, 1), date(2026, 12, 31)), Decimal("1000.000"),
              "KGM")
ON = date(2026, 6, 1)


@pytest.fixture
def ledger(uow_factory: SqlUnitOfWorkFactory) -> SqlUnitOfWorkFactory:
    with uow_factory() as uow:
        assert SqlQuotaLedger(uow.session).open([QUOTA]) == 1
        assert SqlQuotaLedger(uow.session).open([QUOTA]) == 0
        uow.commit()
    return uow_factory


def test_a_draw_takes_from_the_balance_and_a_credit_gives_back(
        ledger: SqlUnitOfWorkFactory) -> None:
    with ledger() as uow:
        assert uow.quotas.draw("091001", ON, Decimal("250.500"))
        uow.commit()
    with ledger() as uow:
        assert uow.quotas.balance("091001", ON) == Decimal("749.500")
        uow.quotas.credit("091001", ON, Decimal("0.500"))
        uow.commit()
    with ledger() as uow:
        assert uow.quotas.balance("091001", ON) == Decimal("750.000")


def test_a_draw_larger_than_the_balance_takes_nothing(ledger: SqlUnitOfWorkFactory) -> None:
    with ledger() as uow:
        assert not uow.quotas.draw("091001", ON, Decimal("1000.001"))
        assert uow.quotas.balance("091001", ON) == Decimal("1000.000")


def test_no_balance_outside_the_quota_period(ledger: SqlUnitOfWorkFactory) -> None:
    with ledger() as uow:
        assert uow.quotas.balance("091001", date(2027, 1, 1)) is None
        assert not uow.quotas.draw("091001", date(2027, 1, 1), Decimal(1))


def test_concurrent_draws_never_oversubscribe_the_quota(ledger: SqlUnitOfWorkFactory) -> None:
    granted: list[bool] = []
    barrier = threading.Barrier(8)

    def draw() -> None:
        barrier.wait(timeout=10)
        for _ in range(5):
            with ledger() as uow:
                ok = uow.quotas.draw("091001", ON, Decimal("30.000"))
                uow.commit()
            granted.append(ok)

    threads = [threading.Thread(target=draw) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(granted) == 40
    assert sum(granted) == 33  # 33 × 30 = 990 ≤ 1000 < 34 × 30
    with ledger() as uow:
        assert uow.quotas.balance("091001", ON) == Decimal("10.000")

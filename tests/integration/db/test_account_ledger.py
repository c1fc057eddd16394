"""Traders' accounts in the store: round trip, statements, and no double spending under
concurrency."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from opencustoms import bootstrap
from opencustoms.adapters.db.accounts import ENTRIES
from opencustoms.adapters.db.uow import SqlUnitOfWorkFactory
from opencustoms.domain.accounts import Account, AccountEntry, EntryKind, SecuredBy
from opencustoms.domain.parties import PartyId
from opencustoms.domain.reference import Jurisdiction, ReferenceData
from opencustoms.services import payments
from opencustoms.services.context import ServiceContext, SystemClock
from opencustoms.tariff.model import Tariff

pytestmark = pytest.mark.db

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
BETA = PartyId("XX100000000002")
MRNS = [f"26XX00000000000{i}R0" for i in range(10)]
D = Decimal


def open_account(factory: SqlUnitOfWorkFactory, balance: str = "0.00",
                 guarantee: str = "0.00") -> None:
    with factory() as uow:
        assert uow.accounts.open(Account(BETA, "EUR", D(balance), D(guarantee), D("0.00"),
                                         updated_at=AT))
        uow.commit()


def test_an_account_and_its_entries_survive_the_round_trip(
        uow_factory: SqlUnitOfWorkFactory) -> None:
    open_account(uow_factory, "1000.10", "250000.00")
    with uow_factory() as uow:
        account = uow.accounts.get(BETA, lock=True)
        assert account is not None
        entries = account.credit(D("0.05"), "BANK 7", actor=BETA, at=AT + timedelta(hours=1))
        entries += account.secure(D("1000.15"), MRNS[0], actor="system",
                                  at=AT + timedelta(hours=2))[1]
        saved = uow.accounts.save(account, entries)
        uow.commit()
    assert [e.id for e in saved] == sorted(e.id for e in saved if e.id is not None)
    with uow_factory.read_only() as uow:
        stored = uow.accounts.get(BETA)
        statement = uow.accounts.entries(BETA)
    assert stored == Account(BETA, "EUR", D("0.00"), D("250000.00"), D("0.00"),
                             updated_at=AT + timedelta(hours=2))
    assert [(e.kind, e.amount, e.balance_after, e.reference, e.mrn, e.at) for e in statement] \
        == [(EntryKind.PAYMENT, D("0.05"), D("1000.15"), "BANK 7", None, AT + timedelta(hours=1)),
            (EntryKind.DEBIT, D("-1000.15"), D("0.00"), None, MRNS[0], AT + timedelta(hours=2))]
    assert statement == saved


def test_a_snapshot_reads_the_committed_account_without_waiting_for_a_writer(
        uow_factory: SqlUnitOfWorkFactory) -> None:
    assert uow_factory.account_snapshot(BETA) is None
    open_account(uow_factory, "10.00", "500.00")
    committed = Account(BETA, "EUR", D("10.00"), D("500.00"), D("0.00"), updated_at=AT)
    with uow_factory() as uow:
        account = uow.accounts.get(BETA, lock=True)  # a writer holds the account (and lock)
        assert account is not None
        uow.accounts.save(account, account.credit(D("5.00"), "BANK 9", actor=BETA,
                                                  at=AT + timedelta(hours=1)))
        # Read from another connection meanwhile: the last committed state, at once.
        assert uow_factory.account_snapshot(BETA) == committed
        uow.commit()
    assert uow_factory.account_snapshot(BETA) == Account(
        BETA, "EUR", D("15.00"), D("500.00"), D("0.00"), updated_at=AT + timedelta(hours=1))


def test_a_conditional_save_writes_only_over_the_account_it_was_computed_from(
        uow_factory: SqlUnitOfWorkFactory) -> None:
    open_account(uow_factory, "100.00")
    before = uow_factory.account_snapshot(BETA)
    assert before is not None
    later = AT + timedelta(hours=1)
    after = Account(BETA, "EUR", D("40.00"), D("0.00"), D("0.00"), updated_at=later)
    debit = AccountEntry(BETA, EntryKind.DEBIT, D("-60.00"), "EUR", D("40.00"), D("0.00"),
                         "system", later, mrn=MRNS[0])
    moved = Account(BETA, "EUR", D("100.00"), D("0.00"), D("0.00"), updated_at=later)
    with uow_factory() as uow:  # computed from a state that is not the stored one: refused
        assert not uow.accounts.save_if_unchanged(moved, after, [debit])
        uow.commit()
    assert uow_factory.account_snapshot(BETA) == before
    with uow_factory() as uow:
        assert uow.accounts.save_if_unchanged(before, after, [debit])
        uow.commit()
    with uow_factory.read_only() as uow:
        assert uow.accounts.get(BETA) == after
        assert [(e.kind, e.amount, e.mrn) for e in uow.accounts.entries(BETA)][-1] == (
            EntryKind.DEBIT, D("-60.00"), MRNS[0])


def test_an_account_is_opened_only_once(uow_factory: SqlUnitOfWorkFactory) -> None:
    open_account(uow_factory, "10.00")
    with uow_factory() as uow:
        assert not uow.accounts.open(Account(BETA, "EUR", D("99.00"), updated_at=AT))
        assert uow.accounts.get(BETA) == Account(BETA, "EUR", D("10.00"), D("0.00"),
                                                 D("0.00"), updated_at=AT)


def test_saving_an_account_never_opened_fails(uow_factory: SqlUnitOfWorkFactory) -> None:
    with uow_factory() as uow, pytest.raises(LookupError, match="open it first"):
        uow.accounts.save(Account(BETA, "EUR", D("1.00"), updated_at=AT), [])


def test_the_statement_pages_by_entry_id(uow_factory: SqlUnitOfWorkFactory) -> None:
    open_account(uow_factory)
    with uow_factory() as uow:
        account = uow.accounts.get(BETA, lock=True)
        assert account is not None
        uow.accounts.save(account, [e for i in range(5) for e in account.credit(
            D(i + 1), f"P{i}", actor=BETA, at=AT)])
        uow.commit()
    with uow_factory.read_only() as uow:
        first = uow.accounts.entries(BETA, limit=2)
        rest = uow.accounts.entries(BETA, after_id=first[-1].id or 0, limit=10)
        other = uow.accounts.entries(PartyId("XX100000000001"))
    assert [e.reference for e in first] == ["P0", "P1"]
    assert [e.reference for e in rest] == ["P2", "P3", "P4"]
    assert rest[-1].balance_after == D(15)
    assert other == []


def test_secured_duties_are_given_back_on_invalidation(
        uow_factory: SqlUnitOfWorkFactory) -> None:
    open_account(uow_factory, "100.00", "1000.00")
    with uow_factory() as uow:
        assert payments.secure_duties(uow, BETA, MRNS[0], D("60.00"), "EUR", AT, "system") \
            is SecuredBy.CASH
        assert payments.secure_duties(uow, BETA, MRNS[1], D("60.00"), "EUR", AT, "system") \
            is SecuredBy.GUARANTEE
        uow.commit()
    with uow_factory() as uow:
        assert [e.kind for e in uow.accounts.secured_for(MRNS[1])] == [
            EntryKind.GUARANTEE_RESERVATION]
        assert payments.give_back(uow, BETA, MRNS[0], AT, BETA) == D("60.00")
        assert payments.give_back(uow, BETA, MRNS[1], AT, BETA) == D("60.00")
        assert payments.give_back(uow, BETA, MRNS[1], AT, BETA) == D(0)  # nothing left
        uow.commit()
    with uow_factory.read_only() as uow:
        assert uow.accounts.get(BETA) == Account(BETA, "EUR", D("100.00"), D("1000.00"),
                                                 D("0.00"), updated_at=AT)
        kinds = [e.kind for e in uow.accounts.entries(BETA)]
        audited = uow.audit.entries(kind="account", subject=BETA)
    assert kinds == [EntryKind.DEBIT, EntryKind.GUARANTEE_RESERVATION, EntryKind.REFUND,
                     EntryKind.RESERVATION_RELEASE]
    assert [a.record.event for a in audited] == ["duties_secured", "duties_secured",
                                                 "duties_given_back", "duties_given_back"]
    assert audited[0].record.data["amount"] == "60.00"


def test_duties_of_a_party_without_an_account_wait_for_payment(
        uow_factory: SqlUnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        assert payments.secure_duties(uow, BETA, MRNS[0], D("0.01"), "EUR", AT, "system") \
            is None
        assert payments.secure_duties(uow, BETA, MRNS[1], D("0"), "EUR", AT, "system") \
            is SecuredBy.NOTHING_DUE
        uow.commit()
    with uow_factory.read_only() as uow:
        assert uow.accounts.get(BETA) == Account(BETA, "EUR", D(0), D(0), D(0), updated_at=AT)
        assert uow.accounts.entries(BETA) == []


def _in_threads(count: int, work: Callable[[int], object]) -> list[object]:
    results: list[object] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(count)

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            results.append(work(index))
        except BaseException as exc:  # collected and re-raised by the test thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return results


def test_concurrent_lodgements_never_spend_the_same_balance_twice(
        uow_factory: SqlUnitOfWorkFactory) -> None:
    open_account(uow_factory, "500.00")

    def lodge(index: int) -> SecuredBy | None:
        with uow_factory() as uow:
            secured = payments.secure_duties(uow, BETA, MRNS[index], D("100.00"), "EUR", AT,
                                             "system")
            uow.commit()
        return secured

    results = _in_threads(8, lodge)
    assert sorted(map(str, results)) == ["None"] * 3 + ["cash"] * 5
    with uow_factory.read_only() as uow:
        account = uow.accounts.get(BETA)
        debits = [e for e in uow.accounts.entries(BETA) if e.kind is EntryKind.DEBIT]
        count = uow.session.execute(select(func.count()).select_from(ENTRIES)).scalar_one()
    assert account is not None and account.balance == D("0.00")
    assert len(debits) == 5 == count
    assert sorted(e.balance_after for e in debits) == [D("0.00"), D("100.00"), D("200.00"),
                                                         D("300.00"), D("400.00")]


def test_concurrent_first_lodgements_open_one_account(
        uow_factory: SqlUnitOfWorkFactory) -> None:
    def lodge(index: int) -> SecuredBy | None:
        with uow_factory() as uow:
            secured = payments.secure_duties(uow, BETA, MRNS[index], D("1.00"), "EUR", AT,
                                             "system")
            uow.commit()
        return secured

    assert _in_threads(6, lodge) == [None] * 6
    with uow_factory.read_only() as uow:
        assert uow.accounts.get(BETA) == Account(BETA, "EUR", D(0), D(0), D(0), updated_at=AT)


def test_the_demo_accounts_are_opened_once(uow_factory: SqlUnitOfWorkFactory) -> None:
    services = ServiceContext(
        uow=uow_factory, reader=uow_factory.read_only,
        reference=lambda: ReferenceData(Jurisdiction("XX", "Demo", "EUR")),
        tariff=lambda: Tariff("EUR"), clock=SystemClock())
    assert bootstrap.seed_demo_accounts(services) == ["XX100000000001", "XX100000000002"]
    assert bootstrap.seed_demo_accounts(services) == []
    with uow_factory.read_only() as uow:
        acme = uow.accounts.get(PartyId("XX100000000001"))
        beta = uow.accounts.get(BETA)
        beta_entries = uow.accounts.entries(BETA)
    assert acme is not None and beta is not None
    assert (acme.balance, acme.guarantee_reference) == (D("0.00"), D("250000.00"))
    assert (beta.balance, beta.guarantee_reference) == (D("5000.00"), D("0.00"))
    assert [(e.kind, e.amount, e.reference) for e in beta_entries] == [
        (EntryKind.PAYMENT, D("5000.00"), "opening balance")]

"""What a process remembers of its declarants' accounts (``AccountSnapshots``)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from opencustoms.domain.accounts import Account
from opencustoms.domain.parties import PartyId
from opencustoms.services.account_snapshots import AccountSnapshots

AT = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)


def account(party: str, balance: str = "0.00") -> Account:
    return Account(PartyId(party), "EUR", Decimal(balance), None, Decimal("0.00"), AT)


class Store:
    def __init__(self, *accounts: Account) -> None:
        self.accounts = {a.party: a for a in accounts}
        self.reads: list[PartyId] = []

    def read(self, party: PartyId) -> Account | None:
        self.reads.append(party)
        return self.accounts.get(party)


def test_an_account_is_read_once_and_then_remembered() -> None:
    store = Store(account("XX1", "5.00"))
    snapshots = AccountSnapshots(store.read)
    assert snapshots(PartyId("XX1")) == account("XX1", "5.00")
    assert snapshots(PartyId("XX1")) == account("XX1", "5.00")
    assert store.reads == ["XX1"]


def test_a_party_without_an_account_is_asked_for_each_time() -> None:
    """It may open one at any moment (its first lodgement does, in the transaction)."""
    store = Store()
    snapshots = AccountSnapshots(store.read)
    assert snapshots(PartyId("XX1")) is None
    assert snapshots(PartyId("XX1")) is None
    assert store.reads == ["XX1", "XX1"]


def test_a_learnt_account_replaces_the_one_read_and_a_forgotten_one_is_read_again() -> None:
    store = Store(account("XX1", "5.00"))
    snapshots = AccountSnapshots(store.read)
    snapshots(PartyId("XX1"))
    snapshots.learn(account("XX1", "7.00"))
    assert snapshots(PartyId("XX1")) == account("XX1", "7.00")
    snapshots.forget(PartyId("XX1"))
    assert snapshots(PartyId("XX1")) == account("XX1", "5.00")
    assert store.reads == ["XX1", "XX1"]


def test_at_most_size_accounts_are_kept_the_least_recently_learnt_dropped_first() -> None:
    store = Store(account("XX1"), account("XX2"), account("XX3"))
    snapshots = AccountSnapshots(store.read, size=2)
    snapshots(PartyId("XX1"))
    snapshots(PartyId("XX2"))
    snapshots.learn(account("XX1", "1.00"))  # XX1 is now the most recent
    snapshots(PartyId("XX3"))  # XX2 goes
    assert snapshots(PartyId("XX1")) == account("XX1", "1.00")
    snapshots(PartyId("XX2"))
    assert store.reads == ["XX1", "XX2", "XX3", "XX2"]

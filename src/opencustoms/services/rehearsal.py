"""Acceptance rehearsed on a snapshot of the declarant's account, before the write lock.

A lodgement's registering transaction holds the database's write lock (SQLite has one for the
whole file; on PostgreSQL the account row is locked), and every other lodgement waits for it. Most
of what happens at acceptance is computing — securing the duties on the account, routing,
signing the release note, building the audit records and notifications — and almost none of it
needs the lock, only the account it reads. So lodgement first *rehearses* acceptance on a
snapshot of the declarant's account, read without a lock, with :class:`Rehearsal` standing in
for the unit of work; inside the transaction it then locks the account, and if the account is
still exactly as in the snapshot it writes what the rehearsal produced (:meth:`Rehearsal.replay`).
The outcome is the one the transaction would have computed itself, because it depends on nothing
else. If the account moved in between (a payment, another lodgement of the same trader), the
rehearsal is dropped and acceptance runs again inside the transaction, as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from opencustoms.domain.accounts import Account, AccountEntry
from opencustoms.domain.audit import AuditRecord
from opencustoms.domain.declaration import Declaration
from opencustoms.domain.notifications import Notification
from opencustoms.domain.parties import PartyId
from opencustoms.services.clearance import on_acceptance
from opencustoms.services.context import ServiceContext
from opencustoms.services.journal import journal
from opencustoms.services.ports import AuditEntry, Staged, UnitOfWork


class CannotRehearse(Exception):
    """The rehearsal needed something a snapshot cannot give (e.g. opening an account)."""


class _SnapshotAccounts:
    """The declarant's account as read before the transaction; writes are kept, not sent."""

    def __init__(self, snapshot: Account | None) -> None:
        self.snapshot = snapshot
        self.read = False
        self.saved: tuple[Account, list[AccountEntry]] | None = None

    def get(self, party: PartyId, *, lock: bool = False) -> Account | None:
        if self.snapshot is None or party != self.snapshot.party or self.saved is not None:
            raise CannotRehearse(f"no snapshot of {party}'s account")
        self.read = True
        return replace(self.snapshot)

    def open(self, account: Account) -> bool:
        raise CannotRehearse("opening an account is done in the transaction")

    def save(self, account: Account, entries: Sequence[AccountEntry]) -> list[AccountEntry]:
        self.saved = (account, list(entries))
        return list(entries)

    def save_if_unchanged(self, before: Account, account: Account,
                          entries: Sequence[AccountEntry]) -> bool:
        raise CannotRehearse("a conditional save is done in the transaction")

    def entries(self, party: PartyId, *, after_id: int = 0,
                limit: int = 50) -> Sequence[AccountEntry]:
        raise CannotRehearse("statements are read in the transaction")

    def secured_for(self, mrn: str) -> Sequence[AccountEntry]:
        raise CannotRehearse("statements are read in the transaction")


class _KeptRecords:
    """Audit records, in the order they were appended."""

    def __init__(self) -> None:
        self.records: list[AuditRecord] = []

    def append(self, records: Sequence[AuditRecord]) -> None:
        self.records.extend(records)

    def stage(self, records: Sequence[AuditRecord]) -> Staged:
        raise CannotRehearse("the audit log is staged in the transaction")

    def append_staged(self, staged: Staged) -> None:
        raise CannotRehearse("the audit log is written in the transaction")

    def entries(self, *, kind: str | None = None, subject: str | None = None,
                after_seq: int | None = None, limit: int = 100) -> Sequence[AuditEntry]:
        raise CannotRehearse("the audit log is read in the transaction")


class _KeptNotifications:
    """Notifications, in the order they were added."""

    def __init__(self) -> None:
        self.notifications: list[Notification] = []

    def add(self, notifications: Sequence[Notification]) -> None:
        self.notifications.extend(notifications)

    def stage(self, notifications: Sequence[Notification]) -> Staged:
        raise CannotRehearse("the outbox is staged in the transaction")

    def add_staged(self, staged: Staged) -> None:
        raise CannotRehearse("the outbox is written in the transaction")


class Rehearsal:
    """Acceptance of one declaration, computed on a snapshot of its declarant's account."""

    def __init__(self, stand_in: _StandIn) -> None:
        self._stand_in = stand_in

    def stage(self, uow: UnitOfWork) -> tuple[Staged, Staged]:
        """The audit records and notifications made ready for ``uow``'s store, without a
        statement (for :meth:`replay`)."""
        return (uow.audit.stage(self._stand_in.audit.records),
                uow.outbox.stage(self._stand_in.outbox.notifications))

    def replay(self, uow: UnitOfWork, staged: tuple[Staged, Staged]) -> bool:
        """Write the rehearsed outcome in ``uow`` if the account (locked now) is unchanged;
        False, with nothing written, when it moved on since the snapshot. ``staged`` holds the
        audit records and notifications made ready by :meth:`stage`, before the account is
        read, which is the transaction's first statement."""
        accounts = self._stand_in.accounts
        records, notifications = staged
        if accounts.read:
            assert accounts.snapshot is not None
            if accounts.saved is not None:  # the usual case: one conditional write
                if not uow.accounts.save_if_unchanged(accounts.snapshot, *accounts.saved):
                    return False
            elif uow.accounts.get(accounts.snapshot.party, lock=True) != accounts.snapshot:
                return False
        uow.audit.append_staged(records)
        uow.outbox.add_staged(notifications)
        return True

    @property
    def account_after(self) -> Account | None:
        """The declarant's account once :meth:`replay` has been committed: as saved, or as
        read when acceptance did not change it; None when acceptance did not read it."""
        accounts = self._stand_in.accounts
        if accounts.saved is not None:
            return accounts.saved[0]
        return accounts.snapshot if accounts.read else None


def rehearse(ctx: ServiceContext, declaration: Declaration,
             snapshot: Account | None) -> Rehearsal | None:
    """Run acceptance (securing, routing, release) and its journal on ``declaration`` against
    ``snapshot``; None when that needs the database, and then ``declaration`` must be
    discarded (it may be half-way through acceptance)."""
    stand_in = _StandIn(_SnapshotAccounts(snapshot), _KeptRecords(), _KeptNotifications())
    try:
        on_acceptance(ctx, stand_in, declaration)
        journal(stand_in, declaration)
    except CannotRehearse:
        return None
    return Rehearsal(stand_in)


class _StandIn:
    """The parts of a unit of work that acceptance and its journal use."""

    def __init__(self, accounts: _SnapshotAccounts, audit: _KeptRecords,
                 outbox: _KeptNotifications) -> None:
        self.accounts = accounts
        self.audit = audit
        self.outbox = outbox

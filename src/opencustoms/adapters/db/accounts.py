"""Traders' accounts and their statements on SQL.

An account that money is taken from is read with a row lock: ``SELECT … FOR UPDATE`` on
PostgreSQL; on SQLite every writing transaction already holds the database's write lock from
``BEGIN IMMEDIATE``. The arithmetic happens in Python on the locked values (money columns are
exact decimal text on SQLite, where SQL arithmetic would go through binary floats), and the new
values are written back before the transaction ends, so two lodgements can never both spend
the last of a balance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import Connection, Engine, Result, Row, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

from opencustoms.adapters.db.clearance_tables import AccountEntryRow, AccountRow
from opencustoms.adapters.db.prepared import Prepared, connection_of
from opencustoms.adapters.db.tables import table_of
from opencustoms.domain.accounts import Account, AccountEntry, EntryKind
from opencustoms.domain.parties import PartyId

ACCOUNTS = table_of(AccountRow)
ENTRIES = table_of(AccountEntryRow)
A = ACCOUNTS.c
E = ENTRIES.c
MAX_PAGE = 1000

_ACCOUNT_COLUMNS = (A.party_id, A.currency, A.balance, A.guarantee_reference, A.guarantee_used,
                    A.updated_at)
_GET = select(*_ACCOUNT_COLUMNS).where(A.party_id == bindparam("key_party"))
_READ, _READ_LOCKED = Prepared(_GET), Prepared(_GET.with_for_update())
_ENTRY_KEYS = ("party_id", "at", "kind", "amount", "currency", "balance_after",
               "guarantee_used_after", "mrn", "reference", "actor")
_INSERT_ENTRY = Prepared(insert(ENTRIES).returning(E.id), _ENTRY_KEYS)
_SAVE_IF_UNCHANGED = Prepared(
    update(ACCOUNTS).where(
        A.party_id == bindparam("key_party"), A.currency == bindparam("was_currency"),
        A.balance == bindparam("was_balance", type_=A.balance.type),
        A.guarantee_reference == bindparam("was_reference", type_=A.guarantee_reference.type),
        A.guarantee_used == bindparam("was_used", type_=A.guarantee_used.type),
        A.updated_at == bindparam("was_updated", type_=A.updated_at.type))
    .returning(A.party_id),
    ("balance", "guarantee_reference", "guarantee_used", "updated_at"))
_UPDATE = update(ACCOUNTS).where(A.party_id == bindparam("key_party")).returning(A.party_id)
_SAVE: dict[tuple[str, ...], Prepared] = {
    keys: Prepared(_UPDATE, keys)
    for keys in (("balance", "guarantee_reference", "guarantee_used"),
                 ("balance", "guarantee_reference", "guarantee_used", "updated_at"))}


class SqlAccountLedger:
    """:class:`~opencustoms.services.ports.AccountLedger` in the caller's transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def _execute(self, statement: Executable) -> Result[Any]:
        """A Core statement on the session's connection (same transaction, without the ORM's
        per-statement bookkeeping: securing duties is on the lodgement's hot path)."""
        return connection_of(self._session).execute(statement)

    def get(self, party: PartyId, *, lock: bool = False) -> Account | None:
        statement = _READ_LOCKED if lock else _READ
        return _account(statement.first(connection_of(self._session), {"key_party": party}))

    def open(self, account: Account) -> bool:
        """Insert ``account`` unless the party has one: two transactions opening the same
        account at once both succeed, and only the first one's row exists."""
        if account.updated_at is None:
            raise ValueError("an account is opened at a known time (updated_at)")
        values = {"party_id": account.party, "currency": account.currency,
                  "balance": account.balance, "guarantee_reference": account.guarantee_reference,
                  "guarantee_used": account.guarantee_used, "updated_at": account.updated_at}
        dialect = connection_of(self._session).dialect.name
        statement: Any
        if dialect == "postgresql":
            statement = postgresql.insert(ACCOUNTS).values(values).on_conflict_do_nothing()
        elif dialect == "sqlite":
            statement = sqlite.insert(ACCOUNTS).values(values).on_conflict_do_nothing()
        else:  # pragma: no cover - the store runs on SQLite or PostgreSQL only
            raise RuntimeError(f"unsupported database {dialect}")
        inserted = self._execute(statement.returning(A.party_id)).scalar_one_or_none()
        return inserted is not None

    def save(self, account: Account, entries: Sequence[AccountEntry]) -> list[AccountEntry]:
        values: dict[str, Any] = {"balance": account.balance,
                                  "guarantee_reference": account.guarantee_reference,
                                  "guarantee_used": account.guarantee_used}
        if account.updated_at is not None:
            values["updated_at"] = account.updated_at
        connection = connection_of(self._session)
        changed = _SAVE[tuple(values)].scalar(connection, {**values, "key_party": account.party})
        if changed is None:
            raise LookupError(f"no account for {account.party}: open it first")
        return _append_entries(connection, entries)

    def save_if_unchanged(self, before: Account, account: Account,
                          entries: Sequence[AccountEntry]) -> bool:
        if before.party != account.party or before.updated_at is None \
                or account.updated_at is None:
            raise ValueError("compare and save the same party's account, at known times")
        connection = connection_of(self._session)
        changed = _SAVE_IF_UNCHANGED.scalar(connection, {
            "balance": account.balance, "guarantee_reference": account.guarantee_reference,
            "guarantee_used": account.guarantee_used, "updated_at": account.updated_at,
            "key_party": before.party, "was_currency": before.currency,
            "was_balance": before.balance, "was_reference": before.guarantee_reference,
            "was_used": before.guarantee_used, "was_updated": before.updated_at})
        if changed is None:
            return False
        _append_entries(connection, entries)
        return True

    def entries(self, party: PartyId, *, after_id: int = 0,
                limit: int = 50) -> Sequence[AccountEntry]:
        statement = (select(ENTRIES).where(E.party_id == party, E.id > after_id)
                     .order_by(E.id).limit(max(1, min(limit, MAX_PAGE))))
        return [_entry(row) for row in self._execute(statement)]

    def secured_for(self, mrn: str) -> Sequence[AccountEntry]:
        statement = select(ENTRIES).where(E.mrn == mrn).order_by(E.id)
        return [_entry(row) for row in self._execute(statement)]


def account_snapshot(engine: Engine, party: PartyId) -> Account | None:
    """``party``'s account as last committed, read in one statement outside any transaction
    (no session, no BEGIN): the snapshot a lodgement rehearses acceptance on, which its
    transaction then checks against the locked row."""
    return _account(_READ.first_outside(engine, {"key_party": party}))


def _account(row: tuple[Any, ...] | None) -> Account | None:
    if row is None:
        return None
    party_id, currency, balance, reference, used, updated_at = row
    return Account(PartyId(party_id), currency, balance, reference, used, updated_at)


def _append_entries(connection: Connection,
                    entries: Sequence[AccountEntry]) -> list[AccountEntry]:
    """Insert ``entries`` in order; they come back with their ids."""
    return [replace(entry, id=_INSERT_ENTRY.scalar(connection, _entry_values(entry)))
            for entry in entries]


def _entry_values(entry: AccountEntry) -> dict[str, Any]:
    return {"party_id": entry.party, "at": entry.at, "kind": entry.kind.value,
            "amount": entry.amount, "currency": entry.currency,
            "balance_after": entry.balance_after,
            "guarantee_used_after": entry.guarantee_used_after, "mrn": entry.mrn,
            "reference": entry.reference, "actor": entry.actor}


def _entry(row: Row[Any]) -> AccountEntry:
    return AccountEntry(PartyId(row.party_id), EntryKind(row.kind), row.amount, row.currency,
                        row.balance_after, row.guarantee_used_after, row.actor, row.at,
                        mrn=row.mrn, reference=row.reference, id=row.id)

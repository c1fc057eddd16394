"""Tariff quota balances, drawn first come, first served, never below zero.

A draw reads the balance with a row lock (``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite
every writing transaction already holds the database's write lock from ``BEGIN IMMEDIATE``),
so two lodgements can never both take the last of a quota.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from sqlalchemy import insert, or_, select, update
from sqlalchemy.orm import Session

from opencustoms.adapters.db.tables import QuotaBalanceRow, table_of
from opencustoms.tariff.model import Quota

QUOTAS = table_of(QuotaBalanceRow)
Q = QUOTAS.c


class SqlQuotaLedger:
    """:class:`~opencustoms.services.ports.QuotaLedger` on SQLAlchemy."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def open(self, quotas: Iterable[Quota]) -> int:
        """Create the balance of every quota period not yet in the store (full volume)."""
        known = {(r.order_number, r.valid_from) for r in
                 self._session.execute(select(Q.order_number, Q.valid_from))}
        rows = [{"order_number": q.order_number, "valid_from": q.validity.start,
                 "valid_to": q.validity.end, "volume": q.volume, "unit": q.unit,
                 "balance": q.volume}
                for q in quotas if (q.order_number, q.validity.start) not in known]
        if rows:
            self._session.execute(insert(QUOTAS), rows)
        return len(rows)

    def _period(self, order_number: str, on: date, *, lock: bool) -> tuple[date, Decimal] | None:
        statement = select(Q.valid_from, Q.balance).where(
            Q.order_number == order_number, Q.valid_from <= on,
            or_(Q.valid_to.is_(None), Q.valid_to >= on))
        if lock:
            statement = statement.with_for_update()
        row = self._session.execute(statement).first()
        return None if row is None else (row.valid_from, row.balance)

    def balance(self, order_number: str, on: date) -> Decimal | None:
        period = self._period(order_number, on, lock=False)
        return None if period is None else period[1]

    def draw(self, order_number: str, on: date, quantity: Decimal) -> bool:
        """Take ``quantity`` from the balance if all of it is there; False otherwise."""
        period = self._period(order_number, on, lock=True)
        if period is None or period[1] < quantity:
            return False
        self._set(order_number, period[0], period[1] - quantity)
        return True

    def credit(self, order_number: str, on: date, quantity: Decimal) -> None:
        """Give back a quantity drawn earlier (amendment or invalidation)."""
        period = self._period(order_number, on, lock=True)
        if period is not None:
            self._set(order_number, period[0], period[1] + quantity)

    def _set(self, order_number: str, valid_from: date, balance: Decimal) -> None:
        self._session.execute(update(QUOTAS).where(
            Q.order_number == order_number, Q.valid_from == valid_from).values(balance=balance))

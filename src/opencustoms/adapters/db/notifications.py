"""The notification outbox on SQL: notifications are written in the transaction of the change
they report (DESIGN.md C7)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import insert
from sqlalchemy.orm import Session

from opencustoms.adapters.db.clearance_tables import NotificationRow
from opencustoms.adapters.db.tables import table_of
from opencustoms.domain.notifications import Notification

NOTIFICATIONS = table_of(NotificationRow)
_INSERT = insert(NOTIFICATIONS)


class SqlOutbox:
    """:class:`~opencustoms.services.ports.Outbox` in the caller's transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, notifications: Sequence[Notification]) -> None:
        if not notifications:
            return
        self._session.connection().execute(_INSERT, [
            {"party_id": n.party, "function_code": n.function.value, "mrn": n.mrn,
             "lrn": n.lrn, "created_at": n.at, "body": n.body, "acknowledged_at": None}
            for n in notifications])

"""The notification outbox on SQL: notifications are written in the transaction of the change
they report (DESIGN.md C7), then read by the pull API and pushed to webhooks.

Push is a queue of ``webhook_deliveries`` rows. Lodging never looks at webhooks: the delivery
worker *enqueues* (for each active webhook, a delivery per new notification of its party, past
the webhook's high-water mark ``enqueued_through``), *claims* due deliveries under a lease, and
*records* each attempt. Every step is a short transaction of its own; no HTTP call ever runs
inside one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import CursorResult, RowMapping, exists, func, insert, select, update
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql import Executable

from opencustoms.adapters.db.clearance_tables import (
    DeliveryAttemptRow,
    NotificationRow,
    WebhookDeliveryRow,
    WebhookRow,
)
from opencustoms.adapters.db.prepared import Prepared, connection_of
from opencustoms.adapters.db.tables import table_of
from opencustoms.domain.notifications import Notification
from opencustoms.domain.parties import PartyId
from opencustoms.services.ports import (
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    DueDelivery,
    Staged,
    StoredNotification,
    Webhook,
)

NOTIFICATIONS = table_of(NotificationRow)
WEBHOOKS = table_of(WebhookRow)
DELIVERIES = table_of(WebhookDeliveryRow)
ATTEMPTS = table_of(DeliveryAttemptRow)
N, W, D, A = NOTIFICATIONS.c, WEBHOOKS.c, DELIVERIES.c, ATTEMPTS.c
_INSERT = Prepared(insert(NOTIFICATIONS), (
    "party_id", "function_code", "mrn", "lrn", "created_at", "body", "acknowledged_at"))

ENQUEUE_BATCH: Final = 1000
"""Notifications enqueued per webhook and pass; a longer backlog continues on the next pass."""

PENDING: Final = DeliveryStatus.PENDING.value
DEACTIVATED: Final = "webhook deactivated"


class SqlOutbox:
    """:class:`~opencustoms.services.ports.Outbox` in the caller's transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def stage(self, notifications: Sequence[Notification]) -> _StagedNotifications:
        """The rows of ``notifications``, converted for the driver (bodies serialised)."""
        return _StagedNotifications(_INSERT.bind(self._session.get_bind().dialect, [
            {"party_id": n.party, "function_code": n.function.value, "mrn": n.mrn,
             "lrn": n.lrn, "created_at": n.at, "body": n.body, "acknowledged_at": None}
            for n in notifications]))

    def add_staged(self, staged: Staged) -> None:
        if not isinstance(staged, _StagedNotifications):
            raise TypeError("notifications staged by another outbox")
        _INSERT.run_bound(connection_of(self._session), staged.rows)

    def add(self, notifications: Sequence[Notification]) -> None:
        if notifications:
            self.add_staged(self.stage(notifications))


@dataclass(frozen=True, slots=True)
class _StagedNotifications:
    rows: list[Any]


def _notification(row: RowMapping, prefix: str = "") -> StoredNotification:
    return StoredNotification(
        id=row[f"{prefix}id"], party=PartyId(row[f"{prefix}party_id"]),
        function_code=row[f"{prefix}function_code"], mrn=row[f"{prefix}mrn"],
        lrn=row[f"{prefix}lrn"], created_at=row[f"{prefix}created_at"],
        body=row[f"{prefix}body"], acknowledged_at=row[f"{prefix}acknowledged_at"])


def _webhook(row: RowMapping, prefix: str = "") -> Webhook:
    return Webhook(id=row[f"{prefix}id"], party=PartyId(row[f"{prefix}party_id"]),
                   url=row[f"{prefix}url"], secret=row[f"{prefix}secret"],
                   created_at=row[f"{prefix}created_at"], active=row[f"{prefix}active"])


def _write(session: Session, statement: Executable) -> CursorResult[Any]:
    """Run a write on the session's connection, whose result tells rows and keys."""
    return session.connection().execute(statement)


class SqlNotificationStore:
    """:class:`~opencustoms.services.ports.NotificationStore`: the pull side of the outbox."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def page(self, party: PartyId, *, after: int, limit: int,
             unacknowledged: bool = False) -> Sequence[StoredNotification]:
        statement = select(NOTIFICATIONS).where(N.party_id == party, N.id > after)
        if unacknowledged:
            statement = statement.where(N.acknowledged_at.is_(None))
        rows = self._session.execute(statement.order_by(N.id).limit(limit))
        return [_notification(row._mapping) for row in rows]

    def acknowledge(self, party: PartyId, ids: Sequence[int], at: datetime) -> set[int]:
        if not ids:
            return set()
        owned = set(self._session.execute(
            select(N.id).where(N.party_id == party, N.id.in_(set(ids)))).scalars())
        if owned:
            self._session.execute(update(NOTIFICATIONS).where(
                N.id.in_(owned), N.acknowledged_at.is_(None)).values(acknowledged_at=at))
        return owned


class SqlWebhookStore:
    """:class:`~opencustoms.services.ports.WebhookStore`."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, party: PartyId, url: str, secret: str, at: datetime) -> Webhook:
        # Only what is written from now on is pushed: start past the newest notification.
        newest = self._session.execute(select(func.coalesce(func.max(N.id), 0))).scalar_one()
        result = _write(self._session, insert(WEBHOOKS).values(
            party_id=party, url=url, secret=secret, created_at=at, start_after=newest,
            enqueued_through=newest, active=True))
        key = result.inserted_primary_key
        assert key is not None
        return Webhook(id=int(key[0]), party=party, url=url, secret=secret, created_at=at,
                       active=True)

    def get(self, party: PartyId, webhook_id: int) -> Webhook | None:
        row = self._session.execute(select(WEBHOOKS).where(
            W.id == webhook_id, W.party_id == party)).one_or_none()
        return None if row is None else _webhook(row._mapping)

    def list(self, party: PartyId) -> Sequence[Webhook]:
        rows = self._session.execute(select(WEBHOOKS).where(W.party_id == party).order_by(W.id))
        return [_webhook(row._mapping) for row in rows]

    def deactivate(self, party: PartyId, webhook_id: int, at: datetime) -> bool:
        found = _write(self._session, update(WEBHOOKS).where(
            W.id == webhook_id, W.party_id == party).values(active=False)).rowcount
        if not found:
            return False
        self._session.execute(update(DELIVERIES).where(
            D.webhook_id == webhook_id, D.status == PENDING).values(
            status=DeliveryStatus.EXPIRED.value, next_attempt_at=None, last_error=DEACTIVATED))
        return True


_EARLIER, _EARLIER_N = aliased(DELIVERIES), aliased(NOTIFICATIONS)
_BLOCKED = exists().where(
    _EARLIER.c.webhook_id == D.webhook_id, _EARLIER.c.status == PENDING,
    _EARLIER.c.notification_id < D.notification_id,
    _EARLIER_N.c.id == _EARLIER.c.notification_id, _EARLIER_N.c.lrn == N.lrn,
    _EARLIER_N.c.party_id == N.party_id)
"""An earlier delivery of the same declaration (same party and LRN: every notification of a
declaration carries its LRN, even before it has an MRN) to the same webhook is pending."""


class SqlDeliveryQueue:
    """:class:`~opencustoms.services.ports.DeliveryQueue`.

    Claims are safe between processes: a claim sets ``next_attempt_at`` to the end of its lease
    guarded by ``next_attempt_at <= now``, so of two workers that read the same due row only
    one updates it (on SQLite the writer's ``BEGIN IMMEDIATE`` serialises them anyway).
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    def has_work(self, now: datetime) -> bool:
        unqueued = exists().where(W.active, N.party_id == W.party_id, N.id > W.enqueued_through)
        due = exists().where(D.status == PENDING, D.next_attempt_at <= now)
        return bool(self._session.execute(select(unqueued | due)).scalar_one())

    def enqueue(self, now: datetime, settle: timedelta) -> int:
        webhooks = self._session.execute(
            select(W.id, W.party_id, W.enqueued_through).where(W.active).order_by(W.id)
            .with_for_update()).all()
        created = 0
        for webhook in webhooks:
            created += self._enqueue_one(webhook.id, webhook.party_id, webhook.enqueued_through,
                                         now, settled=now - settle)
        return created

    def _enqueue_one(self, webhook_id: int, party: str, through: int, now: datetime,
                     settled: datetime) -> int:
        rows = self._session.execute(
            select(N.id, N.created_at).where(N.party_id == party, N.id > through)
            .order_by(N.id).limit(ENQUEUE_BATCH)).all()
        if not rows:
            return 0
        queued = set(self._session.execute(select(D.notification_id).where(
            D.webhook_id == webhook_id, D.notification_id > through)).scalars())
        new = [{"webhook_id": webhook_id, "notification_id": row.id, "status": PENDING,
                "attempts": 0, "created_at": now, "next_attempt_at": now, "delivered_at": None,
                "last_error": None} for row in rows if row.id not in queued]
        if new:
            self._session.execute(insert(DELIVERIES), new)
        mark = through
        for row in rows:  # the mark passes only notifications too old to be still committing
            if row.created_at > settled:
                break
            mark = row.id
        if mark != through:
            self._session.execute(update(WEBHOOKS).where(W.id == webhook_id).values(
                enqueued_through=mark))
        return len(new)

    def claim(self, now: datetime, lease: timedelta, *, limit: int,
              per_webhook: int) -> Sequence[DueDelivery]:
        rank = func.row_number().over(partition_by=D.webhook_id, order_by=D.notification_id)
        due = (select(D.id.label("delivery_id"), D.attempts, D.created_at.label("queued_at"),
                      rank.label("rank"),
                      *(c.label(f"w_{c.name}") for c in WEBHOOKS.c),
                      *(c.label(f"n_{c.name}") for c in NOTIFICATIONS.c))
               .select_from(DELIVERIES.join(WEBHOOKS, W.id == D.webhook_id)
                            .join(NOTIFICATIONS, N.id == D.notification_id))
               .where(D.status == PENDING, D.next_attempt_at <= now, W.active, ~_BLOCKED)
               .subquery())
        # Rank first: every webhook gets its first due delivery before any gets a second.
        picked = self._session.execute(select(due).where(due.c.rank <= per_webhook)
                                       .order_by(due.c.rank, due.c.n_id).limit(limit)).all()
        claimed = []
        for row in picked:
            won = _write(self._session, update(DELIVERIES).where(
                D.id == row.delivery_id, D.status == PENDING, D.next_attempt_at <= now)
                .values(next_attempt_at=now + lease)).rowcount
            if won:
                mapping = row._mapping
                claimed.append(DueDelivery(
                    id=row.delivery_id, attempts=row.attempts, created_at=row.queued_at,
                    webhook=_webhook(mapping, "w_"), notification=_notification(mapping, "n_")))
        claimed.sort(key=lambda d: (d.webhook.id, d.notification.id))
        return claimed

    def record(self, delivery_id: int, attempt: DeliveryAttempt, status: DeliveryStatus,
               next_attempt_at: datetime | None) -> None:
        self._session.execute(insert(ATTEMPTS).values(
            delivery_id=delivery_id, at=attempt.at, status_code=attempt.status_code,
            error=attempt.error, duration_ms=attempt.duration_ms))
        delivered = status is DeliveryStatus.DELIVERED
        self._session.execute(update(DELIVERIES).where(
            D.id == delivery_id, D.status == PENDING).values(
            attempts=D.attempts + 1, status=status.value, next_attempt_at=next_attempt_at,
            delivered_at=attempt.at if delivered else None,
            last_error=None if delivered else attempt.error))

    def release(self, delivery_ids: Sequence[int], next_attempt_at: datetime) -> None:
        if delivery_ids:
            self._session.execute(update(DELIVERIES).where(
                D.id.in_(delivery_ids), D.status == PENDING).values(
                next_attempt_at=next_attempt_at))

    def list(self, webhook_id: int, *, status: DeliveryStatus | None, after: int,
             limit: int) -> Sequence[Delivery]:
        statement = select(DELIVERIES).where(D.webhook_id == webhook_id, D.id > after)
        if status is not None:
            statement = statement.where(D.status == status.value)
        rows = self._session.execute(statement.order_by(D.id).limit(limit)).all()
        attempts: dict[int, list[DeliveryAttempt]] = defaultdict(list)
        if rows:
            for a in self._session.execute(select(ATTEMPTS).where(
                    A.delivery_id.in_([r.id for r in rows])).order_by(A.id)):
                attempts[a.delivery_id].append(DeliveryAttempt(
                    at=a.at, status_code=a.status_code, error=a.error, duration_ms=a.duration_ms))
        return [Delivery(id=r.id, webhook_id=r.webhook_id, notification_id=r.notification_id,
                         status=DeliveryStatus(r.status), created_at=r.created_at,
                         next_attempt_at=r.next_attempt_at, delivered_at=r.delivered_at,
                         last_error=r.last_error, attempts=tuple(attempts[r.id]))
                for r in rows]


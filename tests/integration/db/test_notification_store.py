"""The notification outbox read by the pull API, webhooks, and the delivery queue on SQL."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import insert, select

from opencustoms.adapters.db.clearance_tables import NotificationRow, WebhookRow
from opencustoms.adapters.db.tables import table_of
from opencustoms.adapters.db.uow import SqlUnitOfWorkFactory
from opencustoms.domain.notifications import FunctionCode, Notification
from opencustoms.services.ports import DeliveryAttempt, DeliveryStatus
from tests.integration.db.builders import OTHER_TRADER, T0, TRADER

pytestmark = pytest.mark.db

SETTLE = timedelta(seconds=10)
LEASE = timedelta(seconds=60)


def _notify(factory: SqlUnitOfWorkFactory, *items: tuple[str, str, FunctionCode],
            at: timedelta = timedelta()) -> list[int]:
    """Write notifications (party, lrn, function) through the outbox; return their ids."""
    with factory() as uow:
        uow.outbox.add([Notification(party, function, lrn, T0 + at, mrn=f"26XX{lrn:>14}",
                                     body={"lrn": lrn}) for party, lrn, function in items])
        uow.commit()
    with factory() as uow:
        ids = uow.session.execute(select(table_of(NotificationRow).c.id).order_by(
            table_of(NotificationRow).c.id.desc()).limit(len(items))).scalars().all()
    return sorted(ids)


def _webhook(factory: SqlUnitOfWorkFactory, party: str = TRADER, url: str = "http://a/") -> int:
    with factory() as uow:
        webhook = uow.webhooks.add(party, url, "secret", T0)  # type: ignore[arg-type]
        uow.commit()
    return webhook.id


def _enqueue_and_claim(factory: SqlUnitOfWorkFactory, now: timedelta = timedelta(),
                       per_webhook: int = 10) -> list[tuple[int, int]]:
    """(webhook id, notification id) of what one pass claims at ``T0 + now``."""
    with factory() as uow:
        uow.deliveries.enqueue(T0 + now, SETTLE)
        claimed = uow.deliveries.claim(T0 + now, LEASE, limit=100, per_webhook=per_webhook)
        uow.commit()
    return [(d.webhook.id, d.notification.id) for d in claimed]


def test_a_party_pulls_only_its_own_notifications_after_the_cursor(
        uow_factory: SqlUnitOfWorkFactory) -> None:
    ids = _notify(uow_factory, (TRADER, "L1", FunctionCode.RECEIVED),
                  (OTHER_TRADER, "L9", FunctionCode.RECEIVED),
                  (TRADER, "L1", FunctionCode.ACCEPTED), (TRADER, "L2", FunctionCode.REJECTED))
    mine = [ids[0], ids[2], ids[3]]
    with uow_factory.read_only() as uow:
        assert [n.id for n in uow.notifications.page(TRADER, after=0, limit=10)] == mine
        assert [n.id for n in uow.notifications.page(TRADER, after=ids[0], limit=1)] == [ids[2]]
        first = uow.notifications.page(TRADER, after=0, limit=1)[0]
    assert (first.function_code, first.lrn, first.body, first.created_at) == (
        "received", "L1", {"lrn": "L1"}, T0)


def test_acknowledging_is_idempotent_and_touches_only_the_partys_own(
        uow_factory: SqlUnitOfWorkFactory) -> None:
    a, other, b = _notify(uow_factory, (TRADER, "L1", FunctionCode.RECEIVED),
                          (OTHER_TRADER, "L9", FunctionCode.RECEIVED),
                          (TRADER, "L2", FunctionCode.RECEIVED))
    with uow_factory() as uow:
        assert uow.notifications.acknowledge(TRADER, [a, other, 999_999], T0) == {a}
        uow.commit()
    with uow_factory() as uow:
        assert uow.notifications.acknowledge(TRADER, [a], T0 + timedelta(hours=1)) == {a}
        uow.commit()
    with uow_factory.read_only() as uow:
        unacknowledged = uow.notifications.page(TRADER, after=0, limit=10, unacknowledged=True)
        everything = {n.id: n for n in uow.notifications.page(TRADER, after=0, limit=10)}
        others = uow.notifications.page(OTHER_TRADER, after=0, limit=10, unacknowledged=True)
    assert [n.id for n in unacknowledged] == [b]
    assert everything[a].acknowledged_at == T0  # the first acknowledgement stands
    assert [n.id for n in others] == [other]


def test_a_webhook_receives_only_its_partys_notifications_written_after_it(
        uow_factory: SqlUnitOfWorkFactory) -> None:
    _notify(uow_factory, (TRADER, "L0", FunctionCode.RECEIVED))
    hook = _webhook(uow_factory)
    later = _notify(uow_factory, (TRADER, "L1", FunctionCode.RECEIVED),
                    (OTHER_TRADER, "L9", FunctionCode.RECEIVED))
    assert _enqueue_and_claim(uow_factory) == [(hook, later[0])]
    with uow_factory() as uow:  # enqueueing again creates nothing twice
        assert uow.deliveries.enqueue(T0 + timedelta(minutes=1), SETTLE) == 0
        uow.commit()


def test_the_high_water_mark_waits_for_late_commits_with_lower_ids(
        uow_factory: SqlUnitOfWorkFactory) -> None:
    hook = _webhook(uow_factory)
    notifications = table_of(NotificationRow)
    row = {"party_id": TRADER, "function_code": "received", "mrn": None, "created_at": T0,
           "body": {}, "acknowledged_at": None}
    with uow_factory() as uow:
        uow.session.execute(insert(notifications), [{**row, "id": 10, "lrn": "L10"}])
        assert uow.deliveries.enqueue(T0, SETTLE) == 1
        uow.commit()
    with uow_factory() as uow:  # id 5 commits after id 10 was seen, within the settle time
        uow.session.execute(insert(notifications), [{**row, "id": 5, "lrn": "L5"}])
        assert uow.deliveries.enqueue(T0 + timedelta(seconds=1), SETTLE) == 1
        uow.commit()
    with uow_factory() as uow:
        assert uow.deliveries.enqueue(T0 + timedelta(minutes=1), SETTLE) == 0
        uow.commit()
        mark = uow.session.execute(select(table_of(WebhookRow).c.enqueued_through).where(
            table_of(WebhookRow).c.id == hook)).scalar_one()
        queued = uow.deliveries.list(hook, status=None, after=0, limit=10)
    assert mark == 10
    assert sorted(d.notification_id for d in queued) == [5, 10]


def test_a_declarations_later_notification_waits_for_the_earlier_one(
        uow_factory: SqlUnitOfWorkFactory) -> None:
    hook = _webhook(uow_factory)
    r1, r2, a1 = _notify(uow_factory, (TRADER, "L1", FunctionCode.RECEIVED),
                         (TRADER, "L2", FunctionCode.RECEIVED),
                         (TRADER, "L1", FunctionCode.ACCEPTED))
    assert _enqueue_and_claim(uow_factory) == [(hook, r1), (hook, r2)]
    assert _enqueue_and_claim(uow_factory) == []  # leased: nobody else takes them
    with uow_factory() as uow:
        first = uow.deliveries.list(hook, status=None, after=0, limit=1)[0]
        uow.deliveries.record(first.id, DeliveryAttempt(T0, 204, None, 12),
                              DeliveryStatus.DELIVERED, None)
        uow.commit()
    assert _enqueue_and_claim(uow_factory, timedelta(seconds=1)) == [(hook, a1)]
    with uow_factory.read_only() as uow:
        delivered = uow.deliveries.list(hook, status=DeliveryStatus.DELIVERED, after=0, limit=9)
    assert [(d.notification_id, d.delivered_at, d.attempts) for d in delivered] == [
        (r1, T0, (DeliveryAttempt(T0, 204, None, 12),))]


def test_an_expired_lease_makes_the_delivery_due_again(
        uow_factory: SqlUnitOfWorkFactory) -> None:
    hook = _webhook(uow_factory)
    (only,) = _notify(uow_factory, (TRADER, "L1", FunctionCode.RECEIVED))
    assert _enqueue_and_claim(uow_factory) == [(hook, only)]
    assert _enqueue_and_claim(uow_factory, LEASE - timedelta(seconds=1)) == []
    assert _enqueue_and_claim(uow_factory, LEASE) == [(hook, only)]


def test_each_webhook_gets_its_share_of_a_pass(uow_factory: SqlUnitOfWorkFactory) -> None:
    busy = _webhook(uow_factory, TRADER)
    quiet = _webhook(uow_factory, OTHER_TRADER)
    mine = _notify(uow_factory, *((TRADER, f"L{i}", FunctionCode.RECEIVED) for i in range(5)))
    (theirs,) = _notify(uow_factory, (OTHER_TRADER, "X1", FunctionCode.RECEIVED))
    assert _enqueue_and_claim(uow_factory, per_webhook=2) == [
        (busy, mine[0]), (busy, mine[1]), (quiet, theirs)]


def test_a_failed_attempt_is_recorded_and_retried_when_due(
        uow_factory: SqlUnitOfWorkFactory) -> None:
    hook = _webhook(uow_factory)
    (only,) = _notify(uow_factory, (TRADER, "L1", FunctionCode.RECEIVED))
    _enqueue_and_claim(uow_factory)
    with uow_factory() as uow:
        (delivery,) = uow.deliveries.list(hook, status=None, after=0, limit=9)
        uow.deliveries.record(delivery.id, DeliveryAttempt(T0, 500, "HTTP 500", 7),
                              DeliveryStatus.PENDING, T0 + timedelta(seconds=3))
        uow.commit()
    assert _enqueue_and_claim(uow_factory, timedelta(seconds=2)) == []
    assert _enqueue_and_claim(uow_factory, timedelta(seconds=3)) == [(hook, only)]
    with uow_factory.read_only() as uow:
        (pending,) = uow.deliveries.list(hook, status=DeliveryStatus.PENDING, after=0, limit=9)
    assert (pending.last_error, [a.status_code for a in pending.attempts]) == ("HTTP 500", [500])


def test_deactivating_expires_pending_deliveries_and_stops_enqueueing(
        uow_factory: SqlUnitOfWorkFactory) -> None:
    hook = _webhook(uow_factory)
    _notify(uow_factory, (TRADER, "L1", FunctionCode.RECEIVED))
    _enqueue_and_claim(uow_factory)
    with uow_factory() as uow:
        assert not uow.webhooks.deactivate(OTHER_TRADER, hook, T0)
        assert uow.webhooks.deactivate(TRADER, hook, T0)
        uow.commit()
    _notify(uow_factory, (TRADER, "L2", FunctionCode.RECEIVED))
    with uow_factory.read_only() as uow:
        assert not uow.deliveries.has_work(T0 + timedelta(hours=1))
        (expired,) = uow.deliveries.list(hook, status=None, after=0, limit=9)
        stored = uow.webhooks.get(TRADER, hook)
        assert uow.webhooks.get(OTHER_TRADER, hook) is None
    assert (expired.status, expired.last_error) == (DeliveryStatus.EXPIRED, "webhook deactivated")
    assert stored is not None and not stored.active


def test_an_idle_queue_reports_no_work(uow_factory: SqlUnitOfWorkFactory) -> None:
    _notify(uow_factory, (TRADER, "L0", FunctionCode.RECEIVED))
    with uow_factory.read_only() as uow:
        assert not uow.deliveries.has_work(T0)  # notifications, but no webhook
    _webhook(uow_factory)
    _notify(uow_factory, (TRADER, "L1", FunctionCode.RECEIVED))
    with uow_factory.read_only() as uow:
        assert uow.deliveries.has_work(T0)
    _enqueue_and_claim(uow_factory, SETTLE)
    with uow_factory.read_only() as uow:
        assert not uow.deliveries.has_work(T0 + SETTLE)  # enqueued, marked and leased


def test_two_workers_claiming_at_once_never_take_the_same_delivery(
        uow_factory: SqlUnitOfWorkFactory) -> None:
    _webhook(uow_factory)
    _notify(uow_factory, *((TRADER, f"L{i}", FunctionCode.RECEIVED) for i in range(20)))
    start = threading.Barrier(2)
    claimed: list[list[int]] = [[], []]

    def claim(slot: int) -> None:
        start.wait()
        with uow_factory() as uow:
            uow.deliveries.enqueue(T0, SETTLE)
            claimed[slot] = [d.id for d in uow.deliveries.claim(T0, LEASE, limit=100,
                                                                 per_webhook=100)]
            uow.commit()

    threads = [threading.Thread(target=claim, args=(slot,)) for slot in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    both = claimed[0] + claimed[1]
    assert len(both) == len(set(both)) == 20

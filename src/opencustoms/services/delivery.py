"""The delivery worker: pushes notifications to traders' webhooks (issue 5 §5).

Each pass enqueues new notifications for every active webhook, claims the due deliveries under a
lease (so several workers, in one process or many, never send the same delivery at once), and
POSTs them: one webhook's deliveries one after the other in notification order, different
webhooks at the same time on a small thread pool, so a slow or failing endpoint only delays its
own queue. A delivery waits while an earlier one of the same declaration to the same webhook is
pending, which keeps each declaration's notifications in order.

Delivery is at least once: an endpoint that processed a request but answered late gets it again.
Receivers deduplicate by the notification id (``OpenCustoms-Notification-Id``). Every request is
signed like Stripe's webhooks: ``OpenCustoms-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of
"<t>.<raw body>" keyed with the webhook's secret>``.

Failures are retried after ``min(max, base * 2**attempts)`` seconds, scaled by a random factor
between 0.5 and 1 (jitter spreads the retries of many deliveries), until the delivery is older
than the give-up time; it is then ``expired``.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import http.client
import json
import logging
import random
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby
from typing import Final
from urllib.parse import urlsplit

from opencustoms.services.notifications import AddressPolicy, Resolver, check_address
from opencustoms.services.notifications import system_resolver as _system_resolver
from opencustoms.services.ports import (
    Clock,
    DeliveryAttempt,
    DeliveryStatus,
    DueDelivery,
    StoredNotification,
    UnitOfWork,
)

log = logging.getLogger("opencustoms.delivery")

SIGNATURE_HEADER: Final = "OpenCustoms-Signature"
SIGNATURE_TOLERANCE_SECONDS: Final = 300
MAX_ERROR_LENGTH: Final = 500
RESPONSE_READ_LIMIT: Final = 64 * 1024


@dataclass(frozen=True, slots=True)
class DeliveryConfig:
    """How the worker retries and paces itself (``OPENCUSTOMS_DELIVERY_*`` settings)."""

    give_up_after: timedelta = timedelta(hours=24)
    backoff_base: float = 2.0
    backoff_max: float = 15 * 60.0
    timeout: float = 5.0
    poll_interval: float = 1.0
    settle: timedelta = timedelta(seconds=10)
    batch: int = 100
    per_webhook: int = 10
    threads: int = 4

    @property
    def lease(self) -> timedelta:
        """Long enough for one webhook's whole batch to time out, twice over."""
        return timedelta(seconds=2 * self.timeout * self.per_webhook + 30)


def retry_delay(attempts: int, config: DeliveryConfig, rng: random.Random) -> timedelta:
    """The wait before the next try of a delivery that has failed ``attempts`` + 1 times:
    ``min(max, base * 2**attempts)``, times a random factor in [0.5, 1]."""
    ceiling = min(config.backoff_max, config.backoff_base * 2.0 ** min(attempts, 62))
    return timedelta(seconds=ceiling * rng.uniform(0.5, 1.0))


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The ``OpenCustoms-Signature`` header value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify_signature(secret: str, header: str, body: bytes, *, now: float,
                     tolerance: int = SIGNATURE_TOLERANCE_SECONDS) -> bool:
    """What a receiver does: the header carries a ``v1`` HMAC of this body and a timestamp
    within ``tolerance`` seconds of ``now`` (which stops replays of old requests)."""
    fields: dict[str, list[str]] = {}
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        fields.setdefault(key, []).append(value)
    try:
        timestamp = int(fields["t"][0])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body).rpartition("v1=")[2]
    return any(hmac.compare_digest(expected, given) for given in fields.get("v1", []))


def payload(notification: StoredNotification) -> bytes:
    """The JSON body of a push: the notification as the pull API shows it."""
    return json.dumps({"id": notification.id, "function_code": notification.function_code,
                       "mrn": notification.mrn, "lrn": notification.lrn,
                       "created_at": notification.created_at.isoformat(),
                       "body": notification.body},
                      separators=(",", ":"), ensure_ascii=False, default=str).encode()


@dataclass(frozen=True, slots=True)
class Answer:
    """What came back from one POST: a status code, or an error without one."""

    status_code: int | None
    error: str | None

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


Sender = Callable[[str, bytes, Mapping[str, str]], Answer]


class HttpSender:
    """POSTs with the standard library, connecting only to addresses the policy allows.

    The host is resolved and checked at every attempt, and the connection goes to the checked
    address (TLS still verifies the certificate for the host name), so a name that starts
    resolving to a forbidden address after registration is refused. Redirects are not
    followed: a 3xx is a failed attempt."""

    def __init__(self, policy: AddressPolicy, timeout: float,
                 resolver: Resolver = _system_resolver) -> None:
        self._policy, self._timeout, self._resolver = policy, timeout, resolver
        self._tls = ssl.create_default_context()

    def __call__(self, url: str, body: bytes, headers: Mapping[str, str]) -> Answer:
        parts = urlsplit(url)
        host, https = parts.hostname or "", parts.scheme.lower() == "https"
        port = parts.port or (443 if https else 80)
        addresses, problem = check_address(self._policy, host, port, self._resolver)
        if problem is not None:
            return Answer(None, f"not sent: {problem.detail}")
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        connection = (_PinnedHttps(host, port, addresses[0], self._timeout, self._tls) if https
                      else _PinnedHttp(host, port, addresses[0], self._timeout))
        try:
            connection.request("POST", target, body=body, headers=dict(headers))
            response = connection.getresponse()
            response.read(RESPONSE_READ_LIMIT)
            status = response.status
        except TimeoutError:
            return Answer(None, f"timed out after {self._timeout:g} s")
        except (OSError, http.client.HTTPException) as exc:
            return Answer(None, f"{type(exc).__name__}: {exc}"[:MAX_ERROR_LENGTH])
        finally:
            connection.close()
        return Answer(status, None if 200 <= status < 300 else f"HTTP {status}")


class _PinnedHttp(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHttps(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float,
                 tls: ssl.SSLContext) -> None:
        super().__init__(host, port, timeout=timeout, context=tls)
        self._address, self._tls = address, tls

    def connect(self) -> None:
        raw = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(raw, server_hostname=self.host)


class DeliveryWorker:
    """Pushes due deliveries; :meth:`run_once` is one pass, :meth:`run_forever` the loop."""

    def __init__(self, uow: Callable[[], UnitOfWork], clock: Clock,
                 config: DeliveryConfig | None = None, *, policy: AddressPolicy | None = None,
                 reader: Callable[[], UnitOfWork] | None = None, sender: Sender | None = None,
                 rng: random.Random | None = None) -> None:
        self._uow, self._reader, self._clock = uow, reader, clock
        self.config = config or DeliveryConfig()
        self._send = sender or HttpSender(policy or AddressPolicy(), self.config.timeout)
        self._rng = rng or random.Random()
        self._pool: ThreadPoolExecutor | None = None

    def run_once(self) -> int:
        """Enqueue, claim and attempt what is due; returns how many attempts were made."""
        claimed = self._claim()
        queues = [list(g) for _, g in groupby(claimed, key=lambda d: d.webhook.id)]
        if len(queues) <= 1:
            return sum(self._deliver(queue) for queue in queues)
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.config.threads, "opencustoms-delivery")
        return sum(self._pool.map(self._deliver, queues))

    def run_forever(self, stop: threading.Event) -> None:
        """Pass after pass until ``stop`` is set; an idle pass waits the poll interval."""
        try:
            while not stop.is_set():
                try:
                    attempted = self.run_once()
                except Exception:  # the loop must outlive a database hiccup; it retries
                    log.exception("delivery pass failed")
                    attempted = 0
                if attempted == 0:
                    stop.wait(self.config.poll_interval)
        finally:
            self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def _claim(self) -> Sequence[DueDelivery]:
        now = self._clock.now()
        if self._reader is not None:  # an idle worker never takes the write lock
            with self._reader() as uow:
                if not uow.deliveries.has_work(now):
                    return ()
        with self._uow() as uow:
            uow.deliveries.enqueue(now, self.config.settle)
            claimed = uow.deliveries.claim(now, self.config.lease, limit=self.config.batch,
                                           per_webhook=self.config.per_webhook)
            uow.commit()
        return claimed

    def _deliver(self, queue: Sequence[DueDelivery]) -> int:
        """One webhook's claimed deliveries in notification order (each of a different
        declaration: the claim holds back later ones of the same declaration).

        An endpoint that answers with an error still gets the other declarations' deliveries:
        the error may be about that one message. One that cannot be reached, or that has used
        up this pass's time (one timeout), gets the rest back unattempted, so a dead or slow
        endpoint costs a pass at most about one timeout and never holds other webhooks up."""
        started = time.monotonic()
        for done, delivery in enumerate(queue, start=1):
            answer, retry_at = self._attempt(delivery)
            rest = [d.id for d in queue[done:]]
            if not rest:
                break
            unreachable = answer.status_code is None
            if unreachable or time.monotonic() - started > self.config.timeout:
                with self._uow() as uow:
                    uow.deliveries.release(rest, (retry_at if unreachable else None)
                                           or self._clock.now())
                    uow.commit()
                return done
        return len(queue)

    def _attempt(self, delivery: DueDelivery) -> tuple[Answer, datetime | None]:
        """Send one delivery and record it: the answer, and when it is tried again (None once
        delivered or expired)."""
        at = self._clock.now()
        body = payload(delivery.notification)
        headers = {"Content-Type": "application/json", "User-Agent": "OpenCustoms-Webhooks/1",
                   "OpenCustoms-Notification-Id": str(delivery.notification.id),
                   "OpenCustoms-Delivery-Id": str(delivery.id),
                   SIGNATURE_HEADER: signature(delivery.webhook.secret, int(at.timestamp()), body)}
        started = time.monotonic()
        try:
            answer = self._send(delivery.webhook.url, body, headers)
        except Exception as exc:  # a sender bug must not leave the delivery leased forever
            log.exception("sending delivery %s failed", delivery.id)
            answer = Answer(None, f"{type(exc).__name__}: {exc}"[:MAX_ERROR_LENGTH])
        attempt = DeliveryAttempt(at=at, status_code=answer.status_code, error=answer.error,
                                  duration_ms=int((time.monotonic() - started) * 1000))
        status, retry_at = self._next(delivery, answer)
        with self._uow() as uow:
            uow.deliveries.record(delivery.id, attempt, status, retry_at)
            uow.commit()
        return answer, retry_at

    def _next(self, delivery: DueDelivery,
              answer: Answer) -> tuple[DeliveryStatus, datetime | None]:
        if answer.delivered:
            return DeliveryStatus.DELIVERED, None
        now = self._clock.now()
        if now - delivery.created_at >= self.config.give_up_after:
            return DeliveryStatus.EXPIRED, None
        return DeliveryStatus.PENDING, now + retry_delay(delivery.attempts, self.config,
                                                         self._rng)


@contextlib.contextmanager
def running_in_background(worker: DeliveryWorker) -> Iterator[threading.Thread]:
    """Run ``worker`` on a daemon thread for the duration of the block (the API's lifespan)."""
    stop = threading.Event()
    thread = threading.Thread(target=worker.run_forever, args=(stop,), daemon=True,
                              name="opencustoms-delivery")
    thread.start()
    try:
        yield thread
    finally:
        stop.set()
        thread.join(timeout=worker.config.timeout * worker.config.per_webhook + 5)


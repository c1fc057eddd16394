"""Ports: what the use cases need from the outside world, as Protocols.

Adapters implement them (``adapters/db`` for the database). A use case runs inside one
:class:`UnitOfWork`: it loads, calls domain methods, and commits; leaving the ``with`` block
without ``commit()`` rolls everything back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from types import TracebackType
from typing import Any, Protocol, Self

from opencustoms.domain.accounts import Account, AccountEntry
from opencustoms.domain.audit import AuditRecord
from opencustoms.domain.control import ControlResult
from opencustoms.domain.declaration import LRN, Declaration, DeclarationType
from opencustoms.domain.errors import Problem
from opencustoms.domain.mrn import MRN
from opencustoms.domain.notifications import Notification
from opencustoms.domain.parties import Party, PartyId
from opencustoms.domain.reference import ReferenceData
from opencustoms.domain.workflow import Status
from opencustoms.risk.model import RiskModel
from opencustoms.risk.profiles import RiskProfile, RiskProfileId


class DuplicateDeclaration(Exception):
    """The store refused an insert: the MRN or the (declarant, LRN) pair already exists."""


@dataclass(frozen=True, slots=True)
class DeclarationQuery:
    """Filters for listing declarations. ``visible_to`` None means every declaration
    (administration staff); otherwise only those naming that party."""

    visible_to: PartyId | None = None
    status: Status | None = None
    statuses: tuple[Status, ...] = ()
    office: str | None = None
    declarant: PartyId | None = None
    type: DeclarationType | None = None
    accepted_from: datetime | None = None
    accepted_to: datetime | None = None
    commodity_code: str | None = None
    after: tuple[datetime, str] | None = None  # keyset cursor: (accepted_at, mrn) of last row
    limit: int = 50


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One state change of a declaration, in the order it happened."""

    sequence: int
    event: str
    version: int
    status: str
    actor: str
    at: datetime
    detail: dict[str, Any]


class Staged(Protocol):
    """Rows a repository made ready before a transaction — values converted, documents
    serialised — so that the write lock is held only to send them. Only the repository that
    staged them writes them."""


class DeclarationRepository(Protocol):
    def stage(self, declaration: Declaration, *, content_sha256: str,
              document: dict[str, Any]) -> Staged:
        """Make :meth:`add`'s rows ready without touching the database (so that it is done
        before the transaction takes the write lock); ``declaration`` must not change before
        :meth:`add_staged` writes them."""

    def add_staged(self, staged: Staged) -> None:
        """Insert what :meth:`stage` made ready, as :meth:`add` does."""

    def add(self, declaration: Declaration, *, content_sha256: str,
            document: dict[str, Any]) -> None:
        """Insert a new declaration and its history entries; ``document`` is its content as
        submitted (``content_from_json(document)`` gives the content back) and is version 1.
        Raises :class:`DuplicateDeclaration` when the MRN or (declarant, LRN) is taken."""

    def get(self, mrn: MRN) -> Declaration | None: ...

    def find_by_lrn(self, declarant: PartyId, lrn: LRN) -> tuple[Declaration, str] | None:
        """The declaration with this declarant and LRN and its content SHA-256, if any."""

    def save(self, declaration: Declaration, *, expected_version: int,
             content_sha256: str | None = None, document: dict[str, Any] | None = None) -> None:
        """Write back a changed declaration with its new history entries (and, when
        ``document`` is given, its new content as submitted, a new version). Raises
        StaleVersion if the stored version is no longer ``expected_version``."""

    def list(self, query: DeclarationQuery) -> Sequence[Declaration]: ...

    def history(self, mrn: MRN) -> Sequence[HistoryEntry]: ...

    def versions(self, mrn: MRN) -> Sequence[tuple[int, datetime, dict[str, Any]]]:
        """Every content version (number, time, document), oldest first."""


class PartyRepository(Protocol):
    def get(self, party_id: PartyId) -> Party | None: ...

    def by_api_key(self, key_id: str, secret_sha256: str) -> Party | None:
        """The party owning the active key ``key_id`` whose secret hashes to ``secret_sha256``."""

    def add(self, party: Party) -> None: ...

    def add_api_key(self, party_id: PartyId, key_id: str, secret_sha256: str,
                    created_at: datetime) -> None: ...

    def authorise(self, representative: PartyId, principal: PartyId) -> None:
        """Record that ``principal`` authorised ``representative`` to act for it."""


class RejectionLog(Protocol):
    def record(self, *, declarant: str, lrn: str, received_at: datetime, payload_sha256: str,
               problems: Sequence[Problem]) -> None:
        """Keep a rejected lodgement with its errors; it never becomes a declaration."""


class QuotaLedger(Protocol):
    def balance(self, order_number: str, on: date) -> Decimal | None:
        """Remaining balance of the quota period containing ``on``; None if there is none."""

    def draw(self, order_number: str, on: date, quantity: Decimal) -> bool:
        """Atomically take ``quantity`` if all of it remains; False (nothing taken) otherwise."""

    def credit(self, order_number: str, on: date, quantity: Decimal) -> None:
        """Give back a quantity drawn earlier."""


class ModelProvider(Protocol):
    def current(self) -> RiskModel | None:
        """The scoring model in service, if one is loaded."""

    def status(self) -> str:
        """``ok <version>``, ``absent`` or ``degraded: <reason>`` (for the health check)."""


class ReferenceRepository(Protocol):
    def load(self) -> ReferenceData:
        """All reference data currently in the store."""


class RiskProfileRepository(Protocol):
    def add(self, profile: RiskProfile) -> None:
        """Insert a new profile with its first version."""

    def add_version(self, profile: RiskProfile) -> None:
        """Insert the next version and make it current; a Conflict (nothing written) when the
        current version is no longer ``profile.version - 1``."""

    def get(self, profile_id: RiskProfileId, version: int | None = None) -> RiskProfile | None:
        """The current version of the profile, or version ``version``."""

    def versions(self, profile_id: RiskProfileId) -> Sequence[RiskProfile]:
        """Every version, oldest first."""

    def current(self) -> Sequence[RiskProfile]:
        """The current version of every profile."""


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One stored entry of the audit log: the record, its place in the chain and its hashes."""

    seq: int
    record: AuditRecord
    prev_hash: str
    hash: str


class AuditLog(Protocol):
    def stage(self, records: Sequence[AuditRecord]) -> Staged:
        """Check ``records`` and make their rows ready, without touching the database."""

    def append_staged(self, staged: Staged) -> None:
        """Append what :meth:`stage` made ready, as :meth:`append` does."""

    def append(self, records: Sequence[AuditRecord]) -> None:
        """Append ``records`` in order to the hash-chained audit log, in the caller's
        transaction: checked at once (ValueError for what canonical JSON refuses), chained and
        written when the unit of work commits. Concurrent writers never fork the chain."""

    def entries(self, *, kind: str | None = None, subject: str | None = None,
                after_seq: int | None = None, limit: int = 100) -> Sequence[AuditEntry]:
        """Entries in chain order, optionally of one kind and subject, after ``after_seq``."""


class Outbox(Protocol):
    def stage(self, notifications: Sequence[Notification]) -> Staged:
        """Make the rows of ``notifications`` ready, without touching the database."""

    def add_staged(self, staged: Staged) -> None:
        """Write what :meth:`stage` made ready, as :meth:`add` does."""

    def add(self, notifications: Sequence[Notification]) -> None:
        """Write ``notifications`` to the outbox in the caller's transaction."""


class Ledgers(Protocol):
    """What securing duties and journalling a declaration's events use of a unit of work
    (lodgement rehearses them on a stand-in: ``services/rehearsal.py``)."""

    @property
    def accounts(self) -> AccountLedger: ...

    @property
    def audit(self) -> AuditLog: ...

    @property
    def outbox(self) -> Outbox: ...


class ReleaseSigner(Protocol):
    """Signs release notes with the administration's key (Ed25519)."""

    @property
    def key_id(self) -> str:
        """Identifies the public key that verifies the signatures (served at /api/v1/keys)."""

    def sign(self, note: dict[str, Any]) -> dict[str, Any]:
        """``note`` with a ``signature`` member added: ``{"alg": "Ed25519", "key_id": …,
        "value": base64 of the signature over the canonical JSON of ``note``}``."""

    def public_keys(self) -> Sequence[dict[str, str]]:
        """The verifying keys as JWKs (``kty`` OKP, ``crv`` Ed25519, ``kid``, ``x``) with their
        PEM form in ``pem``: what third parties fetch to check release notes offline."""


# --- accounts and payments (issue 5) --------------------------------------------------------
class AccountLedger(Protocol):
    """Traders' accounts and their statements. Money is changed in Python on an account read
    with ``lock=True``, so two transactions never both spend the same balance."""

    def get(self, party: PartyId, *, lock: bool = False) -> Account | None:
        """The party's account; with ``lock`` it stays locked against other writers until the
        transaction ends."""

    def open(self, account: Account) -> bool:
        """Insert a new account; False (nothing written) when the party already has one."""

    def save(self, account: Account, entries: Sequence[AccountEntry]) -> list[AccountEntry]:
        """Write back the account and append ``entries``; returns them with their ids."""

    def save_if_unchanged(self, before: Account, account: Account,
                          entries: Sequence[AccountEntry]) -> bool:
        """:meth:`save`, but only if the stored account still equals ``before`` (checked by
        the write itself, which locks the row); False, with nothing written, otherwise."""

    def entries(self, party: PartyId, *, after_id: int = 0,
                limit: int = 50) -> Sequence[AccountEntry]:
        """The statement: the party's entries with an id above ``after_id``, oldest first."""

    def secured_for(self, mrn: str) -> Sequence[AccountEntry]:
        """Every entry naming the declaration ``mrn``, oldest first."""


# --- control results (issue 5) --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReleaseTimes:
    """The measured durations (seconds) of one released declaration."""

    mrn: str
    channel: str
    office: str
    receipt_to_release: float
    acceptance_to_release: float
    control: float | None


class ReleaseTimeReader(Protocol):
    def released_between(self, start: datetime, end: datetime,
                         office: str | None) -> Sequence[ReleaseTimes]:
        """Declarations released in [start, end), optionally of one office."""


class ControlResults(Protocol):
    def add(self, result: ControlResult) -> None:
        """Store a control result of a registered declaration."""

    def for_declaration(self, mrn: str) -> Sequence[ControlResult]:
        """Every result recorded for ``mrn``, oldest first."""


class UnitOfWork(Protocol):
    declarations: DeclarationRepository
    parties: PartyRepository
    rejections: RejectionLog
    quotas: QuotaLedger
    risk_profiles: RiskProfileRepository
    audit: AuditLog
    outbox: Outbox
    control_results: ControlResults
    release_times: ReleaseTimeReader
    accounts: AccountLedger
    notifications: NotificationStore
    webhooks: WebhookStore
    deliveries: DeliveryQueue

    def __enter__(self) -> Self: ...

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        """Roll back whatever was not committed."""

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...


class Clock(Protocol):
    def now(self) -> datetime:
        """Current time, timezone-aware UTC."""


# --- notification delivery: pull, webhooks, push (issue 5 §5) -------------------------------


class DeliveryStatus(StrEnum):
    """Where one push of one notification to one webhook stands."""

    PENDING = "pending"
    DELIVERED = "delivered"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class StoredNotification:
    """A notification as the outbox keeps it: its ``id`` orders notifications and is the pull
    cursor and the receiver's deduplication key."""

    id: int
    party: PartyId
    function_code: str
    mrn: str | None
    lrn: str
    created_at: datetime
    body: dict[str, Any]
    acknowledged_at: datetime | None


@dataclass(frozen=True, slots=True)
class Webhook:
    """A party's push endpoint; ``secret`` signs every delivery (HMAC-SHA256)."""

    id: int
    party: PartyId
    url: str
    secret: str
    created_at: datetime
    active: bool


@dataclass(frozen=True, slots=True)
class DeliveryAttempt:
    """One HTTP attempt: its time, the answer's status code (None when there was none), the
    error, and how long it took."""

    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int


@dataclass(frozen=True, slots=True)
class Delivery:
    """One notification to push to one webhook, with every attempt made so far."""

    id: int
    webhook_id: int
    notification_id: int
    status: DeliveryStatus
    created_at: datetime
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    last_error: str | None
    attempts: Sequence[DeliveryAttempt] = ()


@dataclass(frozen=True, slots=True)
class DueDelivery:
    """A delivery claimed by one worker: everything needed to send it without another read.
    ``attempts`` counts the attempts made before this one."""

    id: int
    webhook: Webhook
    notification: StoredNotification
    attempts: int
    created_at: datetime


class NotificationStore(Protocol):
    def page(self, party: PartyId, *, after: int, limit: int,
             unacknowledged: bool = False) -> Sequence[StoredNotification]:
        """The party's notifications with ``id`` > ``after``, oldest first, at most ``limit``;
        only those not yet acknowledged when ``unacknowledged``."""

    def acknowledge(self, party: PartyId, ids: Sequence[int], at: datetime) -> set[int]:
        """Mark the party's notifications ``ids`` acknowledged at ``at`` (those already
        acknowledged keep their first time). Returns the ids that are the party's; ids of
        other parties or of none are left alone."""


class WebhookStore(Protocol):
    def add(self, party: PartyId, url: str, secret: str, at: datetime) -> Webhook:
        """Register an endpoint; it receives only notifications written after this call."""

    def get(self, party: PartyId, webhook_id: int) -> Webhook | None:
        """The party's webhook ``webhook_id`` (None for another party's)."""

    def list(self, party: PartyId) -> Sequence[Webhook]: ...

    def deactivate(self, party: PartyId, webhook_id: int, at: datetime) -> bool:
        """Stop pushing to the webhook; its pending deliveries expire. False if it is not the
        party's."""


class DeliveryQueue(Protocol):
    def has_work(self, now: datetime) -> bool:
        """Whether anything is to be enqueued or sent (a cheap read, so that an idle worker
        never takes a write lock)."""

    def enqueue(self, now: datetime, settle: timedelta) -> int:
        """Create the deliveries of new notifications for every active webhook; returns how
        many. A webhook's high-water mark only passes notifications older than ``settle``, so
        one committed late with a lower id is still picked up."""

    def claim(self, now: datetime, lease: timedelta, *, limit: int,
              per_webhook: int) -> Sequence[DueDelivery]:
        """Take due deliveries, at most ``per_webhook`` per webhook, in notification order,
        skipping any whose declaration has an earlier delivery to the same webhook still
        pending. Each is leased until ``now + lease``: no other worker takes it meanwhile."""

    def record(self, delivery_id: int, attempt: DeliveryAttempt, status: DeliveryStatus,
               next_attempt_at: datetime | None) -> None:
        """Store an attempt and the delivery's new status (and when to try again)."""

    def release(self, delivery_ids: Sequence[int], next_attempt_at: datetime) -> None:
        """Give claimed deliveries back unattempted, due again at ``next_attempt_at``."""

    def list(self, webhook_id: int, *, status: DeliveryStatus | None, after: int,
             limit: int) -> Sequence[Delivery]:
        """The webhook's deliveries with ``id`` > ``after`` and their attempts, oldest first."""

"""Ports: what the use cases need from the outside world, as Protocols.

Adapters implement them (``adapters/db`` for the database). A use case runs inside one
:class:`UnitOfWork`: it loads, calls domain methods, and commits; leaving the ``with`` block
without ``commit()`` rolls everything back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from types import TracebackType
from typing import Any, Protocol, Self

from opencustoms.domain.audit import AuditRecord
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


class DeclarationRepository(Protocol):
    def add(self, declaration: Declaration, *, content_sha256: str,
            document: dict[str, Any]) -> None:
        """Insert a new declaration, its first version and its history entries.
        Raises :class:`DuplicateDeclaration` when the MRN or (declarant, LRN) is taken."""

    def get(self, mrn: MRN) -> Declaration | None: ...

    def find_by_lrn(self, declarant: PartyId, lrn: LRN) -> tuple[Declaration, str] | None:
        """The declaration with this declarant and LRN and its content SHA-256, if any."""

    def save(self, declaration: Declaration, *, expected_version: int,
             content_sha256: str | None = None, document: dict[str, Any] | None = None) -> None:
        """Write back a changed declaration with its new history entries (and a new version
        snapshot when ``document`` is given). Raises StaleVersion if the stored version is no
        longer ``expected_version``."""

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


class AuditLog(Protocol):
    def append(self, records: Sequence[AuditRecord]) -> None:
        """Append ``records`` in order to the hash-chained audit log, in the caller's
        transaction. Concurrent appenders never fork the chain."""


class Outbox(Protocol):
    def add(self, notifications: Sequence[Notification]) -> None:
        """Write ``notifications`` to the outbox in the caller's transaction."""


class ReleaseSigner(Protocol):
    """Signs release notes with the administration's key (Ed25519)."""

    @property
    def key_id(self) -> str:
        """Identifies the public key that verifies the signatures (served at /api/v1/keys)."""

    def sign(self, note: dict[str, Any]) -> dict[str, Any]:
        """``note`` with a ``signature`` member added: ``{"alg": "Ed25519", "key_id": …,
        "value": base64 of the signature over the canonical JSON of ``note``}``."""


# --- accounts and payments (issue 5) --------------------------------------------------------
# (the AccountLedger protocol)


# --- control results (issue 5) --------------------------------------------------------------
# (the ControlResults protocol)


class UnitOfWork(Protocol):
    declarations: DeclarationRepository
    parties: PartyRepository
    rejections: RejectionLog
    quotas: QuotaLedger
    risk_profiles: RiskProfileRepository
    audit: AuditLog
    outbox: Outbox

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

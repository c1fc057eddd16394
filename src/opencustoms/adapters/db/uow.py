"""The unit of work on SQLAlchemy: one session, one transaction, rolled back unless committed."""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Self

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from opencustoms.adapters.db.accounts import SqlAccountLedger, account_snapshot
from opencustoms.adapters.db.audit import SqlAuditLog
from opencustoms.adapters.db.control_results import SqlControlResults, SqlReleaseTimes
from opencustoms.adapters.db.declarations import SqlDeclarationRepository
from opencustoms.adapters.db.engine import SQLITE_BEGIN
from opencustoms.adapters.db.notifications import (
    SqlDeliveryQueue,
    SqlNotificationStore,
    SqlOutbox,
    SqlWebhookStore,
)
from opencustoms.adapters.db.parties import SqlPartyRepository, SqlRejectionLog
from opencustoms.adapters.db.quotas import SqlQuotaLedger
from opencustoms.adapters.db.reference import SqlReferenceRepository
from opencustoms.adapters.db.risk_profiles import SqlRiskProfileRepository
from opencustoms.domain.accounts import Account
from opencustoms.domain.parties import PartyId
from opencustoms.services.ports import (
    AccountLedger,
    AuditLog,
    ControlResults,
    DeclarationRepository,
    DeliveryQueue,
    NotificationStore,
    Outbox,
    PartyRepository,
    QuotaLedger,
    ReferenceRepository,
    RejectionLog,
    ReleaseTimeReader,
    RiskProfileRepository,
    UnitOfWorkFactory,
    WebhookStore,
)


class SqlUnitOfWork:
    """:class:`~opencustoms.services.ports.UnitOfWork`: repositories sharing one session.

    Use it as a context manager; leaving the block without :meth:`commit` rolls back. After a
    failed statement (e.g. :class:`~opencustoms.services.ports.DuplicateDeclaration`) call
    :meth:`rollback` before using it again.
    """

    # Typed as the ports: mutable Protocol attributes are invariant, so the concrete types
    # here would not satisfy UnitOfWork. ``reference`` is an extra for importers and bootstrap.
    declarations: DeclarationRepository
    parties: PartyRepository
    rejections: RejectionLog
    quotas: QuotaLedger
    risk_profiles: RiskProfileRepository
    audit: AuditLog
    outbox: Outbox
    notifications: NotificationStore
    webhooks: WebhookStore
    deliveries: DeliveryQueue
    accounts: AccountLedger
    control_results: ControlResults
    release_times: ReleaseTimeReader
    reference: SqlReferenceRepository

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("the unit of work is not open: use it in a 'with' block")
        return self._session

    def __enter__(self) -> Self:
        session = self._session_factory()
        self._session = session
        self.declarations = SqlDeclarationRepository(session)
        self.parties = SqlPartyRepository(session)
        self.rejections = SqlRejectionLog(session)
        self.quotas = SqlQuotaLedger(session)
        self.risk_profiles = SqlRiskProfileRepository(session)
        self.reference = SqlReferenceRepository(session)
        self._audit = SqlAuditLog(session)
        self.audit = self._audit
        self.outbox = SqlOutbox(session)
        self.notifications, self.webhooks, self.deliveries = (
            SqlNotificationStore(session), SqlWebhookStore(session), SqlDeliveryQueue(session))
        self.control_results = SqlControlResults(session)
        self.release_times = SqlReleaseTimes(session)
        self.accounts = SqlAccountLedger(session)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        session, self._session = self.session, None
        try:
            if session.in_transaction():
                session.rollback()
        finally:
            session.close()

    def commit(self) -> None:
        self._audit.flush()
        self.session.commit()

    def rollback(self) -> None:
        self._audit.discard()
        self.session.rollback()


class SqlUnitOfWorkFactory:
    """Makes units of work on ``engine``; call it for one that may write.

    On SQLite a unit of work takes the write lock when its transaction starts (``BEGIN
    IMMEDIATE``), so concurrent writers queue instead of failing. Pure reads may use
    :meth:`read_only` (``BEGIN DEFERRED``: never waits for writers in WAL mode); such a unit of
    work must not write. On PostgreSQL both are ordinary READ COMMITTED transactions.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._writer = sessionmaker(engine, expire_on_commit=False, autoflush=False)
        reader = engine.execution_options(**{SQLITE_BEGIN: "DEFERRED"})
        self._reader = sessionmaker(reader, expire_on_commit=False, autoflush=False)

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self._writer)

    def read_only(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self._reader)

    def account_snapshot(self, party: PartyId) -> Account | None:
        """The party's account as last committed, read outside any transaction."""
        return account_snapshot(self.engine, party)

    def dispose(self) -> None:
        """Close the engine's pooled connections."""
        self.engine.dispose()


if TYPE_CHECKING:  # mypy proves that the adapters satisfy the ports

    def _is_unit_of_work_factory(factory: SqlUnitOfWorkFactory) -> UnitOfWorkFactory:
        return factory

    def _is_reference_repository(repository: SqlReferenceRepository) -> ReferenceRepository:
        return repository

"""What every use case needs: a unit-of-work factory, the reference data and a clock."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from opencustoms.domain.reference import ReferenceData
from opencustoms.risk.policy import SelectivityPolicy
from opencustoms.risk.profiles import RiskProfile
from opencustoms.services.account_snapshots import AccountSnapshots
from opencustoms.services.ports import ModelProvider, ReleaseSigner, UnitOfWork
from opencustoms.tariff.model import Tariff


class SystemClock:
    """The real clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class ServiceContext:
    """Dependencies shared by the use cases; built once by ``bootstrap``.

    ``reader`` gives units of work for pure reads (they never wait for writers); use cases that
    write use ``uow``. ``account_snapshot`` gives the account lodgement rehearses acceptance on,
    read outside any transaction or remembered (``None``: a read-only unit of work is used)."""

    uow: Callable[[], UnitOfWork]
    reader: Callable[[], UnitOfWork]
    reference: Callable[[], ReferenceData]
    tariff: Callable[[], Tariff]
    clock: SystemClock
    profiles: Callable[[], Sequence[RiskProfile]] = tuple
    policy: SelectivityPolicy = field(default_factory=SelectivityPolicy)
    model: ModelProvider | None = None
    signer: ReleaseSigner | None = None
    account_snapshot: AccountSnapshots | None = None

"""Composition root: the only place that picks concrete adapters.

``prepare`` makes a data directory ready (migrations, demo jurisdiction pack, demo parties and
their API keys); ``build`` wires the services on the configured database, which
``api.app.create_app`` serves.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field, replace
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from opencustoms.adapters.db.engine import SQLITE_BEGIN, gate_of, make_engine
from opencustoms.adapters.db.migrate import current_revision, upgrade_engine
from opencustoms.adapters.db.quotas import SqlQuotaLedger
from opencustoms.adapters.db.uow import SqlUnitOfWorkFactory
from opencustoms.adapters.formats import cn, hs
from opencustoms.adapters.formats.pack import (
    demo_pack,
    load_pack,
    read_jurisdiction,
    read_parties,
)
from opencustoms.adapters.formats.tariff_pack import load_tariff
from opencustoms.adapters.models.provider import StoredModel
from opencustoms.adapters.signing import FileReleaseSigner
from opencustoms.domain.parties import Party, PartyId
from opencustoms.domain.reference import Commodity, ReferenceData
from opencustoms.risk.policy import SelectivityPolicy
from opencustoms.services import identity, payments
from opencustoms.services.account_snapshots import AccountSnapshots
from opencustoms.services.context import ServiceContext, SystemClock
from opencustoms.services.delivery import DeliveryConfig, DeliveryWorker
from opencustoms.services.notifications import AddressPolicy
from opencustoms.services.selectivity import CachedProfiles
from opencustoms.settings import Settings
from opencustoms.tariff.model import Tariff
from opencustoms.tariff.search import NomenclatureIndex


@dataclass(slots=True)
class PrepareReport:
    revision: str | None
    pack_loaded: bool
    parties_created: list[str] = field(default_factory=list)
    keys_issued: list[str] = field(default_factory=list)
    quotas_opened: int = 0

    def summary(self) -> str:
        pack = "demo pack loaded" if self.pack_loaded else "reference data reused"
        return (f"database at {self.revision}; {pack}; {self.quotas_opened} quota periods "
                f"opened; {len(self.parties_created)} demo parties created; "
                f"{len(self.keys_issued)} API keys issued")


@dataclass(slots=True)
class Container:
    settings: Settings
    engine: Engine
    services: ServiceContext
    reference: ReferenceData
    tariff: Tariff
    search: NomenclatureIndex

    @property
    def writer_turn(self) -> Callable[[], AbstractAsyncContextManager[None]] | None:
        """On SQLite, a turn at the write lock awaited on the event loop (lodgements run there,
        ADR 0010); None on PostgreSQL, or when the settings keep lodgements in threads."""
        gate = gate_of(self.engine)
        if gate is None or not self.settings.lodges_on_event_loop:
            return None
        return gate.turn

    def health(self) -> dict[str, Any]:
        try:
            # A read (BEGIN DEFERRED on SQLite): the check must not queue behind writers.
            with self.engine.connect().execution_options(**{SQLITE_BEGIN: "DEFERRED"}) \
                    as connection:
                connection.execute(text("SELECT 1"))
            database = "ok"
        except Exception as exc:  # the health endpoint reports, it never raises
            database = f"unavailable: {type(exc).__name__}"
        model = "absent" if self.services.model is None else self.services.model.status()
        healthy = database == "ok" and not model.startswith("degraded")
        return {
            "status": "ok" if healthy else "degraded",
            "database": database,
            "model": model,
            "jurisdiction": self.reference.jurisdiction.country,
            "commodity_codes": len(self.reference.nomenclature),
        }

    def close(self) -> None:
        self.engine.dispose()


def _services(engine: Engine, reference: Callable[[], ReferenceData],
              tariff: Callable[[], Tariff]) -> ServiceContext:
    factory = SqlUnitOfWorkFactory(engine)
    return ServiceContext(uow=factory, reader=factory.read_only, reference=reference,
                          tariff=tariff, clock=SystemClock(),
                          profiles=CachedProfiles(factory.read_only),
                          account_snapshot=AccountSnapshots(factory.account_snapshot))


def migrate(settings: Settings) -> str | None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    try:
        upgrade_engine(engine)
    finally:
        engine.dispose()
    return current_revision(settings.database_url)


def prepare(settings: Settings) -> PrepareReport:
    """Migrate, load the demo pack into an empty store, create the demo parties and keys.

    Idempotent: a second run reuses what exists and issues keys only for demo parties that have
    none in the keys file."""
    revision = migrate(settings)
    engine = make_engine(settings.database_url)
    try:
        factory = SqlUnitOfWorkFactory(engine)
        with factory() as uow:
            pack_loaded = uow.reference.commodity_count() == 0
            if pack_loaded:
                uow.reference.replace_pack(load_pack())
            tariff = load_tariff()
            opened = SqlQuotaLedger(uow.session).open(
                quota for periods in tariff.quotas.values() for quota in periods)
            uow.commit()
        report = PrepareReport(revision, pack_loaded, quotas_opened=opened)
        FileReleaseSigner(settings.keys_dir).ensure_key()  # generated on first run
        services = _services(engine, _no_reference, lambda: tariff)
        _seed_demo_parties(services, settings.api_keys_file, report)
        seed_demo_accounts(services)
    finally:
        engine.dispose()
    return report


def _seed_demo_parties(services: ServiceContext, keys_file: Path, report: PrepareReport) -> None:
    keys: dict[str, str] = json.loads(keys_file.read_text()) if keys_file.exists() else {}
    for party in read_parties(demo_pack()):
        with services.reader() as uow:
            exists = uow.parties.get(party.id) is not None
        if not exists:
            identity.register_party(services, party)
            report.parties_created.append(party.id)
        if party.id not in keys:
            keys[party.id] = identity.issue_api_key(services, party.id)
            report.keys_issued.append(party.id)
    if report.keys_issued or not keys_file.exists():
        keys_file.write_text(json.dumps(keys, indent=2) + "\n")
        os.chmod(keys_file, 0o600)


DEMO_ACCOUNTS: dict[PartyId, tuple[Decimal, Decimal]] = {
    PartyId("XX100000000001"): (Decimal("0.00"), Decimal("250000.00")),  # Acme (AEO)
    PartyId("XX100000000002"): (Decimal("5000.00"), Decimal("0.00")),  # Beta
}
"""Demo traders' accounts: (opening cash, guarantee reference amount) in the pack's currency.
Acme's duties are covered by its guarantee, Beta pays from cash until it runs out."""


def seed_demo_accounts(services: ServiceContext) -> list[PartyId]:
    """Open the demo traders' accounts that do not exist yet; returns those opened."""
    currency = read_jurisdiction(demo_pack()).currency
    return [party for party, (cash, guarantee) in DEMO_ACCOUNTS.items()
            if payments.open_account(services, party, currency, cash=cash,
                                     guarantee=guarantee, actor="system")]


def build(settings: Settings) -> Container:
    """Wire the services on the configured (already prepared) database."""
    engine = make_engine(settings.database_url)
    factory = SqlUnitOfWorkFactory(engine)
    with factory.read_only() as uow:
        reference = uow.reference.load()
    tariff = load_tariff()
    search = NomenclatureIndex.build(c for versions in reference.nomenclature.values()
                                     for c in versions)
    services = replace(
        _services(engine, lambda: reference, lambda: tariff),
        model=StoredModel(settings.models_dir),
        signer=FileReleaseSigner(settings.keys_dir),
        policy=_policy(settings))
    return Container(settings, engine, services, reference, tariff, search)


def _policy(settings: Settings) -> SelectivityPolicy:
    policy = SelectivityPolicy(control_threshold=settings.control_priority,
                               audit_threshold=settings.audit_priority)
    if settings.random_share is not None:
        policy = replace(policy, random_share=settings.random_share)
    return policy


def import_nomenclature(settings: Settings, kind: str, source: Path, *, year: int,
                        progress: Callable[[int], None] | None = None) -> int:
    """Stream a public nomenclature (``hs`` CSV or ``cn`` JSON folder) into the store."""
    rows = hs.read_hs_csv(source) if kind == "hs" else cn.read_cn_json(source, year)
    if progress is not None:
        rows = _counted(rows, progress)
    migrate(settings)
    engine = make_engine(settings.database_url)
    try:
        with SqlUnitOfWorkFactory(engine)() as uow:
            count = uow.reference.upsert_commodities(rows)
            uow.commit()
    finally:
        engine.dispose()
    return count


def _counted(rows: Iterator[Commodity], progress: Callable[[int], None]) -> Iterator[Commodity]:
    for done, row in enumerate(rows, start=1):
        if done % 1000 == 0:
            progress(done)
        yield row


def _no_reference() -> ReferenceData:
    raise RuntimeError("this command does not read reference data")


def _no_tariff() -> Tariff:
    raise RuntimeError("this command does not read the tariff")


def _with_services(settings: Settings) -> tuple[Engine, ServiceContext]:
    engine = make_engine(settings.database_url)
    return engine, _services(engine, _no_reference, _no_tariff)


def create_party(settings: Settings, party: Party) -> str:
    """Register ``party`` and issue its first API key."""
    migrate(settings)
    engine, services = _with_services(settings)
    try:
        identity.register_party(services, party)
        return identity.issue_api_key(services, party.id)
    finally:
        engine.dispose()


def create_key(settings: Settings, party_id: PartyId) -> str:
    engine, services = _with_services(settings)
    try:
        return identity.issue_api_key(services, party_id)
    finally:
        engine.dispose()


def delivery_worker(container: Container) -> DeliveryWorker:
    """The webhook delivery worker on ``container``'s store, paced by its settings (run inside
    the API process by ``make run``, or alone by ``opencustoms worker``)."""
    settings, services = container.settings, container.services
    config = DeliveryConfig(give_up_after=timedelta(seconds=settings.delivery_give_up_seconds),
                            backoff_base=settings.delivery_backoff_base_seconds,
                            backoff_max=settings.delivery_backoff_max_seconds,
                            timeout=settings.delivery_timeout_seconds)
    return DeliveryWorker(services.uow, services.clock, config,
                          policy=AddressPolicy.with_extra(settings.webhook_forbidden_networks),
                          reader=services.reader)

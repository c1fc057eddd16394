"""The risk profile store: versions are added, never changed; nothing is half-saved; the
backtest reads stored declarations page by page."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError

from opencustoms.adapters.db.risk_tables import RiskProfileRow, RiskProfileVersionRow
from opencustoms.adapters.db.uow import SqlUnitOfWorkFactory
from opencustoms.domain.errors import Conflict, RuleViolations
from opencustoms.domain.parties import Party, PartyId, Role
from opencustoms.risk.backtest import BacktestPeriod
from opencustoms.risk.profiles import RiskProfile, RiskProfileId, parse_profile
from opencustoms.services import risk_profiles
from opencustoms.services.context import ServiceContext
from tests.integration.db.builders import TRADER, declaration, document, serial

pytestmark = pytest.mark.db

ANALYST = Party(PartyId("XX900000000002"), "Riley Analyst", "XX",
                frozenset({Role.RISK_ANALYST}))
AT = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)


def definition_document(**changes: Any) -> dict[str, Any]:
    return {"name": "Phones from CN", "description": "ad hoc",
            "criteria": {"all": [{"field": "item.commodity_code", "op": "starts_with",
                                  "value": "8517"},
                                 {"field": "item.value", "op": "between",
                                  "value": ["0.10", 1000]}]},
            "valid_from": "2026-03-01", "valid_to": None, "channel": "red",
            "instructions": "Open and count", "weight": "33.3", **changes}


def profile(**changes: Any) -> RiskProfile:
    return RiskProfile.create(parse_profile(definition_document(**changes)),
                              by=ANALYST.id, at=AT)


def count(engine: Engine, table: type[Any]) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


class Clock:
    def __init__(self, now: datetime) -> None:
        self.at = now

    def now(self) -> datetime:
        return self.at


def services(factory: SqlUnitOfWorkFactory, now: datetime = AT) -> ServiceContext:
    def nothing() -> Any:
        raise AssertionError("not needed")

    return ServiceContext(uow=factory, reader=factory.read_only, reference=nothing,
                          tariff=nothing, clock=Clock(now))  # type: ignore[arg-type]


def test_a_stored_profile_reads_back_exactly(uow_factory: SqlUnitOfWorkFactory) -> None:
    stored = profile()
    with uow_factory() as uow:
        uow.risk_profiles.add(stored)
        uow.commit()
    with uow_factory.read_only() as uow:
        assert uow.risk_profiles.get(stored.id) == stored
        assert uow.risk_profiles.get(stored.id, 1) == stored
        assert uow.risk_profiles.get(stored.id, 2) is None
        assert uow.risk_profiles.get(RiskProfileId("RP0000000000")) is None
    assert stored.definition.weight == Decimal("33.3")


def test_a_change_adds_a_version_and_keeps_the_old_one(uow_factory: SqlUnitOfWorkFactory,
                                                       engine: Engine) -> None:
    first = profile()
    second = first.revise(parse_profile(definition_document(channel="yellow", active=False)),
                          by=PartyId("XX900000000003"), at=AT + timedelta(days=1))
    with uow_factory() as uow:
        uow.risk_profiles.add(first)
        uow.commit()
    with uow_factory() as uow:
        uow.risk_profiles.add_version(second)
        uow.commit()
    with uow_factory.read_only() as uow:
        assert uow.risk_profiles.get(first.id) == second
        assert uow.risk_profiles.get(first.id, 1) == first
        assert uow.risk_profiles.versions(first.id) == [first, second]
        assert uow.risk_profiles.current() == [second]
    assert count(engine, RiskProfileRow) == 1
    assert count(engine, RiskProfileVersionRow) == 2


def test_a_version_written_over_a_stale_one_is_a_conflict_and_writes_nothing(
        uow_factory: SqlUnitOfWorkFactory, engine: Engine) -> None:
    first = profile()
    second = first.revise(first.definition, by=ANALYST.id, at=AT)
    with uow_factory() as uow:
        uow.risk_profiles.add(first)
        uow.risk_profiles.add_version(second)
        uow.commit()
    with uow_factory() as uow, pytest.raises(Conflict, match="no longer at version 1"):
        uow.risk_profiles.add_version(second)
    assert count(engine, RiskProfileVersionRow) == 2


def test_a_failed_write_leaves_nothing_behind(uow_factory: SqlUnitOfWorkFactory,
                                              engine: Engine) -> None:
    first = profile()
    with uow_factory() as uow:
        uow.risk_profiles.add(first)
        uow.risk_profiles.add(profile())
        with pytest.raises(IntegrityError):
            uow.risk_profiles.add(first)
    assert count(engine, RiskProfileRow) == 0
    assert count(engine, RiskProfileVersionRow) == 0


def test_current_lists_each_profile_once_in_its_current_version(
        uow_factory: SqlUnitOfWorkFactory) -> None:
    a, b = profile(name="A"), profile(name="B")
    b2 = b.revise(parse_profile(definition_document(name="B2")), by=ANALYST.id, at=AT)
    with uow_factory() as uow:
        for p in (a, b):
            uow.risk_profiles.add(p)
        uow.risk_profiles.add_version(b2)
        uow.commit()
    with uow_factory.read_only() as uow:
        assert sorted(p.definition.name for p in uow.risk_profiles.current()) == ["A", "B2"]


# --- through the use cases ----------------------------------------------------------------


def test_an_invalid_change_writes_no_version(uow_factory: SqlUnitOfWorkFactory,
                                             engine: Engine) -> None:
    ctx = services(uow_factory)
    created = risk_profiles.create_profile(ctx, definition_document(), ANALYST)
    with pytest.raises(RuleViolations):
        risk_profiles.change_profile(ctx, created.current.id,
                                     definition_document(valid_to="2020-01-01"), ANALYST)
    with pytest.raises(RuleViolations):
        risk_profiles.create_profile(ctx, definition_document(weight=500), ANALYST)
    assert count(engine, RiskProfileRow) == 1
    assert count(engine, RiskProfileVersionRow) == 1


def test_a_change_guarded_by_a_stale_version_is_refused(
        uow_factory: SqlUnitOfWorkFactory, engine: Engine) -> None:
    ctx = services(uow_factory)
    created = risk_profiles.create_profile(ctx, definition_document(), ANALYST)
    changed = risk_profiles.change_profile(ctx, created.current.id, definition_document(),
                                           ANALYST, expected_version=1)
    assert [v.version for v in changed.versions] == [1, 2]
    with pytest.raises(Conflict, match="at version 2, not 1"):
        risk_profiles.change_profile(ctx, created.current.id, definition_document(), ANALYST,
                                     expected_version=1)
    assert count(engine, RiskProfileVersionRow) == 2


def test_the_backtest_reads_every_page_of_stored_declarations(
        uow_factory: SqlUnitOfWorkFactory) -> None:
    days = [datetime(2026, 2, 27, 23, 59, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC),
            datetime(2026, 3, 2, 10, tzinfo=UTC), datetime(2026, 3, 31, 23, 59, tzinfo=UTC),
            datetime(2026, 4, 1, tzinfo=UTC)]
    codes = [("8517130000",), ("8517130000",), ("6403000000",), ("6403000000", "8517130000"),
             ("8517130000",)]
    with uow_factory() as uow:
        for n, (at, items) in enumerate(zip(days, codes, strict=True)):
            stored = declaration(f"LRN-{n}", at=at, serial=serial(n), codes=items)
            uow.declarations.add(stored, content_sha256=f"{n:064d}", document=document(stored))
        uow.parties.add(Party(TRADER, "Acme", "XX", frozenset({Role.TRADER}), aeo=True))
        uow.commit()
    phones = parse_profile(definition_document(criteria={"all": [
        {"field": "item.commodity_code", "op": "starts_with", "value": "8517"},
        {"field": "declarant.aeo", "op": "eq", "value": True}]}))
    march = BacktestPeriod(date(2026, 3, 1), date(2026, 3, 31))
    report = risk_profiles.run_backtest(services(uow_factory), phones, march, page_size=2,
                                        outcomes={"nothing": True})
    assert [(m.period, m.declarations, m.hits) for m in report.months] == [("2026-03", 3, 2)]
    assert (report.total.controlled, report.total.extra_workload) == (0, 2)

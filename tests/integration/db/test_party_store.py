"""Parties, representation authorisations, API keys and the rejected-lodgement log."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from opencustoms.adapters.db.tables import LodgementRejectionRow
from opencustoms.adapters.db.uow import SqlUnitOfWorkFactory
from opencustoms.domain.errors import Problem
from opencustoms.domain.parties import Party, PartyId, Role
from tests.integration.db.builders import BROKER, OTHER_TRADER, T0, TRADER

pytestmark = pytest.mark.db

SECRET_HASH = hashlib.sha256(b"s3cret").hexdigest()

ACME = Party(TRADER, "Acme Imports", "XX", frozenset({Role.TRADER}), aeo=True)
BROKERS = Party(BROKER, "Border Brokers", "XX", frozenset({Role.REPRESENTATIVE, Role.TRADER}),
                represents=frozenset({TRADER, OTHER_TRADER}))
OFFICER = Party(PartyId("XXOFFICER0001"), "Officer One", "XX", frozenset({Role.OFFICER}),
                office="XX000100")


@pytest.fixture
def registered(uow_factory: SqlUnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        for party in (ACME, BROKERS, OFFICER):
            uow.parties.add(party)
        uow.parties.add_api_key(TRADER, "k1", SECRET_HASH, T0)
        uow.parties.add_api_key(BROKER, "k2", SECRET_HASH, T0)
        uow.commit()


@pytest.mark.usefixtures("registered")
def test_parties_come_back_with_roles_aeo_office_and_principals(
        uow_factory: SqlUnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        assert [uow.parties.get(p.id) for p in (ACME, BROKERS, OFFICER)] == [
            ACME, BROKERS, OFFICER]
        assert uow.parties.get(PartyId("XX999")) is None


@pytest.mark.usefixtures("registered")
def test_authorising_again_changes_nothing_and_a_new_principal_is_added(
        uow_factory: SqlUnitOfWorkFactory) -> None:
    new_principal = PartyId("XX100000000009")
    with uow_factory() as uow:
        uow.parties.authorise(BROKER, TRADER)
        uow.parties.authorise(BROKER, new_principal)
        uow.parties.authorise(BROKER, new_principal)
        uow.commit()
    with uow_factory() as uow:
        broker = uow.parties.get(BROKER)
    assert broker is not None
    assert broker.represents == {TRADER, OTHER_TRADER, new_principal}


@pytest.mark.usefixtures("registered")
def test_an_api_key_finds_its_party_only_with_the_right_secret_hash(
        uow_factory: SqlUnitOfWorkFactory) -> None:
    with uow_factory.read_only() as uow:
        assert uow.parties.by_api_key("k1", SECRET_HASH) == ACME
        assert uow.parties.by_api_key("k2", SECRET_HASH) == BROKERS
        assert uow.parties.by_api_key("k1", hashlib.sha256(b"guess").hexdigest()) is None
        assert uow.parties.by_api_key("nope", SECRET_HASH) is None


@pytest.mark.usefixtures("registered")
def test_a_revoked_api_key_finds_nobody(uow_factory: SqlUnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        assert uow.parties.revoke_api_key("k1", T0 + timedelta(days=1)) is True
        assert uow.parties.revoke_api_key("k1", T0 + timedelta(days=2)) is False
        uow.commit()
    with uow_factory() as uow:
        assert uow.parties.by_api_key("k1", SECRET_HASH) is None
        assert uow.parties.by_api_key("k2", SECRET_HASH) == BROKERS


def test_a_rejected_lodgement_is_kept_with_every_problem(
        uow_factory: SqlUnitOfWorkFactory) -> None:
    problems = [Problem("R001", "/items/0/commodity_code", "unknown commodity code"),
                Problem("R014", "/items/1/sequence", "item numbers must be 1..n")]
    long_lrn = "L" * 300  # kept as received, even when it breaks the LRN rule
    with uow_factory() as uow:
        uow.rejections.record(declarant=TRADER, lrn=long_lrn, received_at=T0,
                              payload_sha256="ab" * 32, problems=problems)
        uow.commit()
    with uow_factory() as uow:
        assert uow.rejections.count() == 1
        row = uow.session.scalars(select(LodgementRejectionRow)).one()
        stored = (row.declarant, row.lrn, row.received_at, row.problems)
    assert stored[:3] == (TRADER, long_lrn, T0)
    assert stored[3] == [
        {"code": "R001", "pointer": "/items/0/commodity_code",
         "detail": "unknown commodity code"},
        {"code": "R014", "pointer": "/items/1/sequence", "detail": "item numbers must be 1..n"},
    ]

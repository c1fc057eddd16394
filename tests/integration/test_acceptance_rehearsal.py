"""Acceptance rehearsed before the write lock stores exactly what acceptance inside the
transaction stores, and is dropped — never written — when the account moved meanwhile."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from opencustoms import bootstrap
from opencustoms.adapters.db.accounts import ENTRIES
from opencustoms.adapters.formats.declaration_json import submission
from opencustoms.domain.parties import Party, PartyId
from opencustoms.services import lodgement, payments
from opencustoms.services.lodgement import Submission, lodge
from opencustoms.services.rehearsal import rehearse
from tests.e2e.examples import import_declaration
from tests.integration.support import prepared_container

pytestmark = pytest.mark.db

ACME, ADMIN = PartyId("XX100000000001"), PartyId("XX900000000003")


@pytest.fixture
def container(tmp_path: Path) -> Iterator[bootstrap.Container]:
    # no random control: channels are predictable
    with prepared_container(tmp_path, random_share=0.0) as built:
        yield built


def _submission(lrn: str) -> Submission:
    return submission(import_declaration(lrn))


def _party(container: bootstrap.Container, party_id: PartyId) -> Party:
    with container.services.reader() as uow:
        party = uow.parties.get(party_id)
    assert party is not None
    return party


def _stored(container: bootstrap.Container, mrn: str) -> dict[str, Any]:
    """What a lodgement left behind, without the MRN, LRN and times that differ by nature."""
    services = container.services
    with services.reader() as uow:
        declaration = uow.declarations.get(mrn)  # type: ignore[arg-type]
        history = uow.declarations.history(mrn)  # type: ignore[arg-type]
        audit = uow.audit.entries(subject=mrn)
        account = uow.audit.entries(kind="account", subject=ACME)
        notes = [n for n in uow.notifications.page(ACME, after=0, limit=500) if n.mrn == mrn]
    with container.engine.connect() as connection:
        entries = connection.execute(select(ENTRIES.c.kind, ENTRIES.c.amount)
                                     .where(ENTRIES.c.mrn == mrn)).all()
    assert declaration is not None
    return {
        "status": declaration.status, "version": declaration.version,
        "secured": (declaration.amount_secured, declaration.secured_by),
        "released": declaration.released_at == declaration.accepted_at,
        "note_signed": "signature" in (declaration.release_note or {}),
        "history": [(h.event, h.version, h.status, h.actor) for h in history],
        "audit": [(e.record.event, e.record.actor, sorted(e.record.data)) for e in audit],
        "account_audit": [e.record.event for e in account][-1:],
        "notifications": [(n.function_code, n.body.get("event")) for n in notes],
        "entries": [(kind, amount) for kind, amount in entries],
    }


def test_a_rehearsed_lodgement_stores_what_acceptance_in_the_transaction_stores(
        container: bootstrap.Container, monkeypatch: pytest.MonkeyPatch) -> None:
    acme = _party(container, ACME)
    rehearsed = lodge(container.services, _submission("REHEARSED-1"), acme).declaration
    monkeypatch.setattr(lodgement, "rehearse", lambda *args: None)  # acceptance in the lock
    direct = lodge(container.services, _submission("DIRECT-1"), acme).declaration

    stored = _stored(container, rehearsed.mrn)
    assert stored == _stored(container, direct.mrn)
    assert stored["status"].value == "released" and stored["note_signed"]
    assert stored["secured"] == (rehearsed.amount_due, "guarantee")
    assert [event for event, *_ in stored["history"]] == [
        "accepted", "payment_secured", "released"]


def test_a_rehearsal_is_not_written_when_the_account_moved(
        container: bootstrap.Container) -> None:
    services = container.services
    with services.reader() as uow:
        snapshot = uow.accounts.get(ACME)
    submission = _submission("MOVED-1")
    acme = _party(container, ACME)
    # Rehearse on the snapshot, then let a payment change the account before the transaction.
    declaration = lodgement.Declaration.accept(
        lodgement.new_mrn(services.clock.now(), "XX", "IM"), submission.content,
        received_at=services.clock.now(), accepted_at=services.clock.now(),
        payload_sha256=submission.payload_sha256, actor=acme.id,
        assessment=lodgement.control(services, submission.content,
                                     services.clock.now().date(), acme)[1],
        risk=None)
    rehearsal = rehearse(services, declaration, snapshot)
    assert rehearsal is not None
    payments.record_payment(services, _party(container, ADMIN), ACME, Decimal("10.00"), "EUR")
    with services.uow() as uow:
        assert not rehearsal.replay(uow, rehearsal.stage(uow))
        uow.commit()  # nothing was staged: the commit writes nothing
    with services.reader() as uow:
        assert uow.audit.entries(subject=declaration.mrn) == []
        assert [n for n in uow.notifications.page(ACME, after=0, limit=500)
                if n.mrn == declaration.mrn] == []
        account = uow.accounts.get(ACME)
    assert account is not None and account.balance == Decimal("10.00")
    assert account.guarantee_used == Decimal("0.00")


def test_a_lodgement_whose_snapshot_went_stale_secures_on_the_account_as_it_is(
        container: bootstrap.Container, monkeypatch: pytest.MonkeyPatch) -> None:
    """The snapshot says: no cash (so the guarantee would be used). A payment lands before the
    transaction: the declaration is secured from the cash, as the current account allows."""
    services = container.services
    with services.reader() as uow:
        stale = uow.accounts.get(ACME)
    payments.record_payment(services, _party(container, ADMIN), ACME, Decimal("100000.00"),
                            "EUR")
    monkeypatch.setattr(lodgement, "_account_snapshot", lambda *args: stale)
    result = lodge(services, _submission("STALE-1"), _party(container, ACME))
    assert result.declaration.secured_by == "cash"
    assert result.declaration.status.value == "released"
    with services.reader() as uow:
        account = uow.accounts.get(ACME)
    assert account is not None
    assert account.balance == Decimal("100000.00") - result.declaration.amount_due
    assert account.guarantee_used == Decimal("0.00")


def test_the_next_lodgement_rehearses_on_the_account_its_predecessor_left(
        container: bootstrap.Container, monkeypatch: pytest.MonkeyPatch) -> None:
    """The process remembers the account as its own lodgement saved it, and reads it again
    only after a snapshot went stale (a payment here, which lodgement does not see)."""
    services = container.services
    snapshots = services.account_snapshot
    assert snapshots is not None
    reads: list[PartyId] = []
    read = snapshots._read

    def counted(party: PartyId) -> Any:
        reads.append(party)
        return read(party)

    monkeypatch.setattr(snapshots, "_read", counted)
    acme = _party(container, ACME)
    first = lodge(services, _submission("KNOWN-1"), acme).declaration
    second = lodge(services, _submission("KNOWN-2"), acme).declaration
    assert (first.secured_by, second.secured_by) == ("guarantee", "guarantee")
    assert reads == [ACME]  # the second rehearsed on what the first saved
    with services.reader() as uow:
        assert snapshots(ACME) == uow.accounts.get(ACME)

    payments.record_payment(services, _party(container, ADMIN), ACME, Decimal("100000.00"),
                            "EUR")
    third = lodge(services, _submission("KNOWN-3"), acme).declaration
    assert third.secured_by == "cash"  # the stale snapshot was dropped in the transaction
    assert reads == [ACME]
    fourth = lodge(services, _submission("KNOWN-4"), acme).declaration
    assert fourth.secured_by == "cash"
    assert reads == [ACME, ACME]  # the stale snapshot was forgotten, the account read again
    with services.reader() as uow:
        account = uow.accounts.get(ACME)
    assert account is not None
    assert account.balance == Decimal("100000.00") - third.amount_due - fourth.amount_due


def test_concurrent_lodgements_of_one_trader_never_spend_the_same_cash_twice(
        container: bootstrap.Container) -> None:
    services = container.services
    admin, acme = _party(container, ADMIN), _party(container, ACME)
    due = lodge(services, _submission("PRICE-1"), acme).declaration.amount_due
    payments.set_guarantee(services, admin, ACME, due, "EUR")  # all of it reserved: none free
    payments.record_payment(services, admin, ACME, due * 3, "EUR")
    start = threading.Barrier(6)
    outcomes: list[tuple[str, Decimal]] = []

    def lodge_one(n: int) -> None:
        submission = _submission(f"RACE-{n}")
        start.wait()
        declaration = lodge(services, submission, acme).declaration
        outcomes.append((declaration.status.value, declaration.amount_secured))

    threads = [threading.Thread(target=lodge_one, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    waiting = [secured for status, secured in outcomes if status == "awaiting_payment"]
    secured = [secured for status, secured in outcomes if status != "awaiting_payment"]
    # Three were secured from the cash and released, three wait for payment.
    assert waiting == [Decimal("0.00")] * 3 and secured == [due] * 3
    assert sorted(status for status, _ in outcomes) == ["awaiting_payment"] * 3 + ["released"] * 3
    with services.reader() as uow:
        account = uow.accounts.get(ACME)
    assert account is not None and account.balance == Decimal("0.00")

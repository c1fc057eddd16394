"""The clearance workflow under random sequences of allowed and forbidden actions (issue 5 §8).

A Hypothesis state machine lodges declarations (green, yellow or red; by Acme, whose guarantee
it sometimes withdraws, or by Beta, who pays cash) and then pays, claims, inspects, records
control results, submits documents, releases, refuses, amends and invalidates at random, as the
right or the wrong party, sometimes on a stale version. After every step it checks, on the
database itself, that:

1. every declaration is in a known state, reached only through the workflow table;
2. each committed change raised the version by one, and every history entry it wrote carries
   that version and the status it left;
3. the audit log holds exactly one ``declaration`` entry per history entry, in the same order;
4. the notifications are exactly those ``journal.FUNCTION_CODES`` names for the history, for
   every recipient, in order;
5. no account goes below zero, in cash or in free guarantee;
6. an action that raised changed nothing at all;
7. the audit hash chain verifies.

The database is built once for the whole run (examples only add declarations; the checks look
at the declarations of the running example and at every account).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from opencustoms import bootstrap
from opencustoms.adapters.db.audit import verify_chain
from opencustoms.adapters.db.clearance_tables import AccountRow, AuditEntryRow, NotificationRow
from opencustoms.adapters.db.tables import DeclarationHistoryRow, DeclarationRow
from opencustoms.adapters.formats.declaration_json import submission
from opencustoms.domain.accounts import InvalidAccountInput
from opencustoms.domain.control import ControlKind
from opencustoms.domain.errors import Conflict, NotFound, PermissionDenied
from opencustoms.domain.mrn import MRN
from opencustoms.domain.parties import Party, PartyId
from opencustoms.domain.workflow import TRANSITIONS, Status
from opencustoms.risk.profiles import RiskProfile, parse_profile
from opencustoms.services import amendment, clearance, payments
from opencustoms.services.context import ServiceContext
from opencustoms.services.journal import FUNCTION_CODES
from opencustoms.services.lodgement import lodge
from tests.e2e.examples import (
    ACME,
    ADMIN,
    BETA,
    OFFICER,
    export_declaration,
    import_declaration,
)
from tests.integration.support import prepared_container

pytestmark = pytest.mark.db

ANALYST = PartyId("XX900000000002")
ACME_GUARANTEE = Decimal("250000.00")
CONTROL_STATES = frozenset({Status.UNDER_DOCUMENTARY_CONTROL, Status.UNDER_PHYSICAL_CONTROL})
REFUSED = (Conflict, PermissionDenied, NotFound, InvalidAccountInput)
"""What a forbidden action raises: ForbiddenTransition and StaleVersion are Conflicts."""
HOLDER = "holder"
"""Stands for the officer holding the control task (or the demo officer if nobody does)."""
STALE = st.sampled_from([False, False, False, True])
MOSTLY = st.sampled_from([True, True, True, False])
FOCUS = st.integers(0, 255)
"""Three times in four a step acts on a declaration still open, else on the one drawn."""
OFFICERS = st.sampled_from([HOLDER, HOLDER, OFFICER, ADMIN])

DECLARATIONS = DeclarationRow.__table__
HISTORY = DeclarationHistoryRow.__table__
AUDIT = AuditEntryRow.__table__
NOTIFICATIONS = NotificationRow.__table__
ACCOUNTS = AccountRow.__table__


@pytest.fixture(scope="module")
def container(tmp_path_factory: pytest.TempPathFactory) -> Iterator[bootstrap.Container]:
    with prepared_container(tmp_path_factory.mktemp("workflow"), random_share=0) as built:
        yield built


def _profile(channel: str) -> RiskProfile:
    """A profile that sends every declaration of office XX000100 to ``channel``."""
    definition = parse_profile({
        "name": f"Everything ({channel})",
        "criteria": {"all": [{"field": "declaration.office", "op": "eq", "value": "XX000100"}]},
        "valid_from": "2020-01-01", "channel": channel,
        "instructions": "Check the goods against the invoice", "weight": 80})
    return RiskProfile.create(definition, by=ANALYST, at=datetime.now(UTC))


PROFILES = {"green": (), "yellow": (_profile("yellow"),), "red": (_profile("red"),)}


def _beta_import() -> dict[str, Any]:
    """The import example lodged by Beta for itself: duties due, paid from Beta's cash."""
    document = import_declaration()
    document["declarant"] = BETA
    document["importer"] = {"id": BETA, "name": "Beta Machinery Works", "country": "XX"}
    return document


DOCUMENTS: dict[str, Callable[[], dict[str, Any]]] = {
    "acme-import": import_declaration, "beta-import": _beta_import,
    "beta-export": export_declaration}


@dataclass(frozen=True, slots=True)
class Change:
    """One committed change of a declaration as observed after a step: the history entries
    it wrote (``first`` to ``last`` sequence) and the status and version it left."""

    first: int
    last: int
    status: str
    version: int


def _replay(events: list[str]) -> Iterator[Status]:
    """The state after each event, following the workflow table. Claiming a task and securing
    money outside ``awaiting_payment`` (at acceptance, after a control found extra duty) are
    steps without a state change; anything else must be a listed transition."""
    state: Status | None = None
    for event in events:
        if event == "accepted":
            assert state is None, "accepted twice"
            state = Status.ACCEPTED
        elif state is None:
            raise AssertionError(f"{event} before acceptance")
        elif event == "task_claimed":
            assert state in CONTROL_STATES, f"task claimed while {state}"
        elif event == "payment_secured" and state is not Status.AWAITING_PAYMENT:
            assert state in {Status.ACCEPTED} | CONTROL_STATES, f"secured while {state}"
        else:
            found = [t for t in TRANSITIONS if t.source == state and t.event == event]
            assert len(found) == 1, f"no transition from {state} by {event}"
            state = found[0].target
        yield state


class ClearanceWorkflow(RuleBasedStateMachine):
    declarations = Bundle("declarations")

    def __init__(self, container: bootstrap.Container) -> None:
        super().__init__()
        self.engine = container.engine
        self.channel = "green"
        self.ctx: ServiceContext = replace(container.services, model=None,
                                           profiles=lambda: PROFILES[self.channel])
        with self.ctx.reader() as uow:
            found = {p: uow.parties.get(PartyId(p)) for p in (ACME, BETA, OFFICER, ADMIN)}
        self.parties: dict[str, Party] = {}
        for key, party in found.items():
            assert party is not None, key
            self.parties[key] = party
        payments.set_guarantee(self.ctx, self.parties[ADMIN], PartyId(ACME), ACME_GUARANTEE,
                               "EUR")
        self.documents: dict[str, dict[str, Any]] = {}
        self.declarant: dict[str, str] = {}
        self.changes: dict[str, list[Change]] = {}
        self.steps = 0

    # --- observing the database ----------------------------------------------------------

    def _rows(self) -> dict[str, tuple[str, int, int]]:
        """(status, version, number of history entries) of this example's declarations."""
        if not self.declarant:
            return {}
        d, h = DECLARATIONS.c, HISTORY.c
        statement = (select(d.mrn, d.status, d.version, func.count(h.id))
                     .join_from(DECLARATIONS, HISTORY, h.declaration_id == d.id)
                     .where(d.mrn.in_(list(self.declarant)))
                     .group_by(d.mrn, d.status, d.version))
        with self.engine.connect() as connection:
            return {r[0]: (r[1], r[2], r[3]) for r in connection.execute(statement)}

    def _snapshot(self) -> tuple[Any, ...]:
        """Everything a refused action must leave as it was."""
        with self.engine.connect() as connection:
            totals = tuple(connection.execute(select(func.count()).select_from(t)).scalar_one()
                           for t in (AUDIT, NOTIFICATIONS, HISTORY))
            accounts = sorted(tuple(r) for r in connection.execute(select(ACCOUNTS)))
        return self._rows(), totals, accounts

    def _observe(self) -> None:
        """Record the changes committed since the last step, one per declaration that got new
        history entries: a committed change raises the version by exactly one."""
        for mrn, (status, version, count) in self._rows().items():
            changes = self.changes.setdefault(mrn, [])
            seen = changes[-1].last if changes else 0
            if count == seen:
                continue
            previous = changes[-1].version if changes else 0
            assert version == previous + 1, f"{mrn}: version {previous} -> {version}"
            changes.append(Change(seen + 1, count, status, version))

    def _attempt(self, action: Callable[[], object]) -> bool:
        """Run ``action``; if it is refused, check that it changed nothing. True if it ran."""
        before = self._snapshot()
        try:
            action()
        except REFUSED:
            assert self._snapshot() == before, "a refused action changed the database"
            return False
        finally:
            self.steps += 1
        self._observe()
        return True

    def _focus(self, mrn: str, focus: int) -> str:
        """Most declarations are soon released: steer most steps to one still open, so that
        claims, control results and decisions get exercised."""
        closed = {Status.RELEASED, Status.RELEASE_REFUSED, Status.INVALIDATED}
        still_open = sorted(m for m, (status, _, _) in self._rows().items()
                            if Status(status) not in closed)
        if focus % 4 == 0 or not still_open:
            return mrn
        return still_open[focus % len(still_open)]

    def _officer(self, mrn: str, choice: str) -> Party:
        if choice != HOLDER:
            return self.parties[choice]
        statement = select(DECLARATIONS.c.claimed_by).where(DECLARATIONS.c.mrn == mrn)
        with self.engine.connect() as connection:
            holder = connection.execute(statement).scalar_one()
        return self.parties[holder or OFFICER]

    def _version(self, mrn: str, stale: bool) -> int | None:
        if not stale:
            return None
        return self._rows()[mrn][1] - 1

    # --- the trader's side ---------------------------------------------------------------

    @rule(target=declarations, kind=st.sampled_from(sorted(DOCUMENTS)),
          channel=st.sampled_from(sorted(PROFILES)))
    def lodge(self, kind: str, channel: str) -> str:
        document = DOCUMENTS[kind]()
        self.channel = channel
        actor = self.parties[document["declarant"]]
        declaration = lodge(self.ctx, submission(document), actor).declaration
        self.documents[declaration.mrn] = document
        self.declarant[declaration.mrn] = document["declarant"]
        self._observe()
        assert self.changes[declaration.mrn][0].version == 1
        return declaration.mrn

    @rule(withdrawn=st.booleans())
    def set_acme_guarantee(self, withdrawn: bool) -> None:
        amount = Decimal(0) if withdrawn else ACME_GUARANTEE
        self._attempt(lambda: payments.set_guarantee(self.ctx, self.parties[ADMIN],
                                                     PartyId(ACME), amount, "EUR"))

    @rule(party=st.sampled_from([ACME, BETA]), by_officer=st.booleans(),
          amount=st.sampled_from([Decimal("1.00"), Decimal("600.00"), Decimal("3000.00")]),
          mrn=st.none() | declarations)
    def pay(self, party: str, by_officer: bool, amount: Decimal, mrn: str | None) -> None:
        actor = self.parties[OFFICER if by_officer else party]
        self._attempt(lambda: payments.record_payment(self.ctx, actor, PartyId(party), amount,
                                                      "EUR", "stateful test", mrn))

    def _trader(self, mrn: str, as_declarant: bool) -> Party:
        declarant = self.declarant[mrn]
        return self.parties[declarant if as_declarant else ({ACME, BETA} - {declarant}).pop()]

    @rule(mrn=declarations, focus=FOCUS, as_declarant=MOSTLY, stale=STALE)
    def submit_documents(self, mrn: str, focus: int, as_declarant: bool, stale: bool) -> None:
        mrn = self._focus(mrn, focus)
        actor, version = self._trader(mrn, as_declarant), self._version(mrn, stale)
        self._attempt(lambda: clearance.submit_documents(
            self.ctx, actor, MRN(mrn), ({"code": "N935", "reference": "INV-1"},), version))

    @rule(mrn=declarations, focus=FOCUS, as_declarant=MOSTLY, stale=STALE,
          edition=st.integers(1, 99))
    def amend(self, mrn: str, focus: int, as_declarant: bool, stale: bool, edition: int) -> None:
        mrn = self._focus(mrn, focus)
        document = copy.deepcopy(self.documents[mrn])
        document["items"][0]["description"] = f"Goods as amended, edition {edition}"
        actor, version = self._trader(mrn, as_declarant), self._version(mrn, stale)
        if self._attempt(lambda: amendment.amend(self.ctx, MRN(mrn), submission(document),
                                                 actor, version)):
            self.documents[mrn] = document

    @rule(mrn=declarations, focus=FOCUS, as_declarant=MOSTLY, stale=STALE)
    def invalidate(self, mrn: str, focus: int, as_declarant: bool, stale: bool) -> None:
        mrn = self._focus(mrn, focus)
        actor, version = self._trader(mrn, as_declarant), self._version(mrn, stale)
        self._attempt(lambda: amendment.invalidate(self.ctx, MRN(mrn), actor,
                                                   "lodged by mistake", version))

    # --- the officer's side --------------------------------------------------------------

    @rule(mrn=declarations, focus=FOCUS, stale=STALE,
          officer=st.sampled_from([HOLDER, HOLDER, OFFICER, ADMIN, ACME]))
    def claim(self, mrn: str, focus: int, officer: str, stale: bool) -> None:
        mrn = self._focus(mrn, focus)
        actor, version = self._officer(mrn, officer), self._version(mrn, stale)
        self._attempt(lambda: clearance.claim(self.ctx, actor, MRN(mrn), version))

    @rule(mrn=declarations, focus=FOCUS, officer=OFFICERS, stale=STALE)
    def start_inspection(self, mrn: str, focus: int, officer: str, stale: bool) -> None:
        mrn = self._focus(mrn, focus)
        actor, version = self._officer(mrn, officer), self._version(mrn, stale)
        self._attempt(lambda: clearance.start_inspection(self.ctx, actor, MRN(mrn),
                                                         "open the container", version))

    @rule(mrn=declarations, focus=FOCUS, officer=OFFICERS,
          kind=st.sampled_from(list(ControlKind)), irregularity=st.booleans(),
          extra_duty=st.sampled_from([Decimal(0), Decimal("2.50"), Decimal("7.00")]),
          stale=STALE)
    def record_control_result(self, mrn: str, focus: int, officer: str, kind: ControlKind,
                              irregularity: bool, extra_duty: Decimal, stale: bool) -> None:
        mrn = self._focus(mrn, focus)
        actor, version = self._officer(mrn, officer), self._version(mrn, stale)
        findings = clearance.ControlFindings(kind, irregularity, "counted the goods",
                                             extra_duty)
        self._attempt(lambda: clearance.record_control_result(self.ctx, actor, MRN(mrn),
                                                              findings, version))

    @rule(mrn=declarations, focus=FOCUS, stale=STALE,
          officer=st.sampled_from([HOLDER, HOLDER, OFFICER, ADMIN, BETA]))
    def release(self, mrn: str, focus: int, officer: str, stale: bool) -> None:
        mrn = self._focus(mrn, focus)
        actor, version = self._officer(mrn, officer), self._version(mrn, stale)
        self._attempt(lambda: clearance.release(self.ctx, actor, MRN(mrn), version))

    @rule(mrn=declarations, focus=FOCUS, officer=OFFICERS, stale=STALE)
    def refuse(self, mrn: str, focus: int, officer: str, stale: bool) -> None:
        mrn = self._focus(mrn, focus)
        actor, version = self._officer(mrn, officer), self._version(mrn, stale)
        self._attempt(lambda: clearance.refuse(self.ctx, actor, MRN(mrn), "prohibited goods",
                                               version))

    # --- invariants ----------------------------------------------------------------------

    def _history(self, mrn: str) -> list[tuple[int, str, int, str]]:
        h, d = HISTORY.c, DECLARATIONS.c
        statement = (select(h.sequence, h.event, h.version, h.status)
                     .join_from(HISTORY, DECLARATIONS, h.declaration_id == d.id)
                     .where(d.mrn == mrn).order_by(h.sequence))
        with self.engine.connect() as connection:
            return [(r[0], r[1], r[2], r[3]) for r in connection.execute(statement)]

    @invariant()
    def every_state_is_reached_through_the_workflow_table(self) -> None:
        rows = self._rows()
        for mrn, changes in self.changes.items():
            history = self._history(mrn)
            assert [s for s, *_ in history] == list(range(1, len(history) + 1))
            states = list(_replay([event for _, event, _, _ in history]))
            assert Status(rows[mrn][0]) is states[-1]
            for change in changes:
                assert states[change.last - 1] is Status(change.status), (mrn, history)
                for _, event, _, status in history[change.first - 1:change.last]:
                    assert status == change.status, (mrn, event, history)

    @invariant()
    def the_events_of_one_change_carry_its_version(self) -> None:
        for mrn, changes in self.changes.items():
            history = self._history(mrn)
            for change in changes:
                written = history[change.first - 1:change.last]
                assert {version for _, _, version, _ in written} == {change.version}, (
                    mrn, written)

    @invariant()
    def each_history_entry_has_exactly_one_audit_entry(self) -> None:
        a = AUDIT.c
        for mrn in self.changes:
            statement = (select(a.event).where(a.kind == "declaration", a.subject == mrn)
                         .order_by(a.seq))
            with self.engine.connect() as connection:
                audited = list(connection.execute(statement).scalars())
            assert audited == [event for _, event, _, _ in self._history(mrn)], mrn

    @invariant()
    def each_history_entry_has_its_notifications(self) -> None:
        n = NOTIFICATIONS.c
        for mrn, declarant in self.declarant.items():
            expected = [(declarant, code.value) for _, event, _, _ in self._history(mrn)
                        for code in FUNCTION_CODES[event]]
            statement = (select(n.party_id, n.function_code).where(n.mrn == mrn)
                         .order_by(n.id))
            with self.engine.connect() as connection:
                sent = [(r[0], r[1]) for r in connection.execute(statement)]
            assert sent == expected, mrn

    @invariant()
    def no_account_goes_below_zero(self) -> None:
        c = ACCOUNTS.c
        statement = select(c.party_id, c.balance, c.guarantee_reference, c.guarantee_used)
        with self.engine.connect() as connection:
            for party, balance, reference, used in connection.execute(statement):
                assert Decimal(balance) >= 0, (party, balance)
                assert Decimal(used) >= 0, (party, used)
                assert Decimal(reference) - Decimal(used) >= 0, (party, reference, used)

    @invariant()
    def the_audit_chain_verifies(self) -> None:
        if self.steps % 10:
            return
        with self.engine.connect() as connection:
            verification = verify_chain(connection)
        assert verification.ok, verification

    def teardown(self) -> None:
        with self.engine.connect() as connection:
            assert verify_chain(connection).ok


def test_no_sequence_of_actions_breaks_the_clearance_workflow(
        container: bootstrap.Container) -> None:
    # Hypothesis documents a factory as the first argument; its stubs only admit the class.
    run_state_machine_as_test(
        lambda: ClearanceWorkflow(container),  # type: ignore[arg-type]
        settings=settings(max_examples=20, stateful_step_count=30, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow,
                                                 HealthCheck.data_too_large,
                                                 HealthCheck.filter_too_much]))

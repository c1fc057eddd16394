"""The goods declaration aggregate.

A declaration is the act by which a person indicates the customs procedure to be applied to goods
(UCC art. 5(12)). :class:`DeclarationContent` is what the declarant submits; :class:`Declaration`
is the registered aggregate: content plus MRN, status, version and the events it produced.
Nothing but a service changes a declaration, and it does so through the methods here.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, NewType

from opencustoms.domain.assessment import Assessment
from opencustoms.domain.errors import ForbiddenTransition
from opencustoms.domain.events import (
    ControlResultRecorded,
    DeclarationAccepted,
    DeclarationAmended,
    DeclarationInvalidated,
    DocumentsRequested,
    DocumentsSubmitted,
    Event,
    InspectionStarted,
    PaymentSecured,
    Released,
    ReleaseRefused,
    TaskClaimed,
    TaxAssessed,
)
from opencustoms.domain.goods import CountryCode, GoodsItem
from opencustoms.domain.money import CurrencyCode
from opencustoms.domain.mrn import MRN
from opencustoms.domain.parties import PartyId
from opencustoms.domain.selectivity import Channel, RiskDecision
from opencustoms.domain.workflow import Action, Status, Transition, allowed_actions, transition

LRN = NewType("LRN", str)
"""Local Reference Number: the declarant's own reference, unique per declarant (max 22 chars)."""

OfficeCode = NewType("OfficeCode", str)
"""Customs office reference number: country code + 6 characters, e.g. ``XX000100``."""

MAX_LRN_LENGTH = 22
MAX_ITEMS = 999


class DeclarationType(StrEnum):
    """UCC DE 1/1: IM import, EX export, CO special fiscal territory (Union goods)."""

    IMPORT = "IM"
    EXPORT = "EX"
    SPECIAL_FISCAL_TERRITORY = "CO"


class AdditionalType(StrEnum):
    """UCC DE 1/2: A standard, D standard lodged before the goods are presented (pre-lodged)."""

    STANDARD = "A"
    PRE_LODGED = "D"


@dataclass(frozen=True, slots=True)
class Trader:
    """A named party in the declaration (importer, exporter, consignee): id and/or name."""

    id: PartyId | None = None
    name: str | None = None
    country: CountryCode | None = None


@dataclass(frozen=True, slots=True)
class Representative:
    """A customs representative acting for the declarant, with its status (DE 3/21)."""

    id: PartyId
    status: str | None = None


@dataclass(frozen=True, slots=True)
class Amount:
    """An invoice, freight or insurance amount as declared: currency and decimal amount."""

    currency: CurrencyCode
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Transport:
    """Active means of transport crossing the border (DE 7/4, 7/14, 7/15)."""

    mode_at_border: str
    means_identity: str | None = None
    nationality: CountryCode | None = None


@dataclass(frozen=True, slots=True)
class DeclarationContent:
    """Everything the declarant states in one declaration, as submitted."""

    lrn: LRN
    type: DeclarationType
    additional_type: AdditionalType
    declarant: PartyId
    office_of_declaration: OfficeCode
    items: tuple[GoodsItem, ...]
    representative: Representative | None = None
    importer: Trader | None = None
    exporter: Trader | None = None
    consignee: Trader | None = None
    office_of_exit: OfficeCode | None = None
    country_of_dispatch: CountryCode | None = None
    country_of_destination: CountryCode | None = None
    incoterm: str | None = None
    invoice: Amount | None = None
    freight: Amount | None = None
    insurance: Amount | None = None
    deductions: Amount | None = None
    transport: Transport | None = None

    def party_ids(self) -> frozenset[PartyId]:
        """Parties named in the declaration who may see it: declarant, representative,
        importer and exporter."""
        ids = {self.declarant}
        if self.representative is not None:
            ids.add(self.representative.id)
        for trader in (self.importer, self.exporter):
            if trader is not None and trader.id is not None:
                ids.add(trader.id)
        return frozenset(ids)

    def commodity_codes(self) -> frozenset[str]:
        return frozenset(item.commodity_code for item in self.items)


@dataclass(slots=True)
class Declaration:
    """A registered declaration. Its MRN never changes; each amendment bumps ``version``."""

    mrn: MRN
    content: DeclarationContent
    status: Status
    version: int
    received_at: datetime
    accepted_at: datetime
    payload_sha256: str
    assessment: Assessment | None = None
    risk: RiskDecision | None = None
    events: list[Event] = field(default_factory=list)
    # clearance: money secured, the control task, the Time Release Study's moments, the note
    amount_secured: Decimal = Decimal(0)
    extra_duty: Decimal = Decimal(0)
    secured_by: str | None = None
    claimed_by: PartyId | None = None
    claimed_at: datetime | None = None
    control_started_at: datetime | None = None
    control_ended_at: datetime | None = None
    released_at: datetime | None = None
    decided_at: datetime | None = None
    release_note: dict[str, Any] | None = None
    _changed: bool = field(default=False, repr=False, compare=False)
    """Set once this unit of work changed the declaration: one committed change, one version,
    however many workflow steps it took (acceptance and automatic release are version 1)."""

    @classmethod
    def accept(
        cls,
        mrn: MRN,
        content: DeclarationContent,
        *,
        received_at: datetime,
        accepted_at: datetime,
        payload_sha256: str,
        actor: str,
        assessment: Assessment | None = None,
        risk: RiskDecision | None = None,
    ) -> Declaration:
        """Register a validated declaration: it becomes *accepted* under its MRN (UCC art. 172),
        carrying the duties and taxes assessed on it and its selectivity decision."""
        declaration = cls(mrn, content, Status.ACCEPTED, 1, received_at, accepted_at,
                          payload_sha256, assessment, risk, _changed=True)
        declaration.events.append(DeclarationAccepted(mrn, accepted_at, actor, 1))
        return declaration

    def amend(self, content: DeclarationContent, *, at: datetime, actor: str,
              payload_sha256: str, assessment: Assessment | None = None) -> None:
        """Replace the content before release (UCC art. 173) and its recalculated assessment.
        MRN, LRN and declarant stay."""
        step = transition(self.status, Action.AMEND)
        self.content = replace(content, lrn=self.content.lrn)
        self.payload_sha256 = payload_sha256
        self.assessment = assessment
        self._bump()
        self.status = step.target
        self.events.append(DeclarationAmended(self.mrn, at, actor, self.version))

    def invalidate(self, *, at: datetime, actor: str, reason: str) -> None:
        """Invalidate at the declarant's request before release (UCC art. 174)."""
        step = transition(self.status, Action.INVALIDATE)
        self.status = step.target
        self._bump()
        self.events.append(DeclarationInvalidated(self.mrn, at, actor, self.version, reason))

    # --- clearance (DESIGN.md C5) ------------------------------------------------------------

    @property
    def currency(self) -> str:
        return "" if self.assessment is None else self.assessment.currency

    @property
    def amount_due(self) -> Decimal:
        """Duties and taxes assessed at acceptance plus extra duty found by controls."""
        assessed = Decimal(0) if self.assessment is None else self.assessment.total
        return assessed + self.extra_duty

    @property
    def amount_unsecured(self) -> Decimal:
        """What is due and neither paid nor covered by a guarantee."""
        return max(self.amount_due - self.amount_secured, Decimal(0))

    @property
    def channel(self) -> Channel:
        """The selectivity channel; a declaration without a decision needs no control."""
        return Channel.GREEN if self.risk is None else self.risk.channel

    @property
    def control_done(self) -> bool:
        return self.control_ended_at is not None

    @property
    def cleared(self) -> bool:
        """No control is needed, or its result is recorded."""
        return not self.channel.controlled or self.control_done

    def _step(self, action: Action, *, at: datetime) -> Transition:
        step = transition(self.status, action)
        self.status = step.target
        self._bump()
        return step

    def stored(self) -> None:
        """The store wrote the pending events: the next change is a new version."""
        self.events.clear()
        self._changed = False

    def _bump(self) -> None:
        if not self._changed:
            self.version += 1
            self._changed = True

    def _refuse_guard(self, action: Action, why: str) -> ForbiddenTransition:
        return ForbiddenTransition(
            f"'{action}' is not possible now: {why}", state=self.status.value,
            allowed=[a.value for a in allowed_actions(self.status)])

    def assess(self, *, at: datetime, actor: str) -> None:
        """Part of the amount due is not secured: wait for payment."""
        transition(self.status, Action.ASSESS)
        if self.amount_unsecured <= 0:
            raise self._refuse_guard(Action.ASSESS, "the amount due is secured")
        self._step(Action.ASSESS, at=at)
        self.events.append(TaxAssessed(self.mrn, at, actor, self.version,
                                       self.amount_unsecured, self.currency))

    def secure(self, amount: Decimal, *, by: str, at: datetime, actor: str) -> None:
        """Record that ``amount`` more was paid or reserved on a guarantee. Leaving
        awaiting_payment needs the whole amount due secured."""
        self.amount_secured += amount
        self.secured_by = by
        self._bump()
        if self.status is Status.AWAITING_PAYMENT:
            transition(self.status, Action.SECURE_PAYMENT)
            if self.amount_unsecured > 0:
                raise self._refuse_guard(Action.SECURE_PAYMENT, "the amount due is not covered")
            self._step(Action.SECURE_PAYMENT, at=at)
        self.events.append(PaymentSecured(self.mrn, at, actor, self.version, amount,
                                          self.currency, by))

    def nothing_due(self) -> None:
        """Nothing is owed: there is nothing to secure (no event: nothing moved)."""
        if self.secured_by is None:
            self.secured_by = "nothing_due"

    def security_given_back(self) -> None:
        """What was secured went back to the trader (invalidation, re-securing after an
        amendment); the account's own entries record the movement."""
        self.amount_secured = Decimal(0)
        self.secured_by = None

    def request_documents(self, *, at: datetime, actor: str, instructions: str = "") -> None:
        self._step(Action.REQUEST_DOCUMENTS, at=at)
        self.events.append(DocumentsRequested(self.mrn, at, actor, self.version, instructions))

    def submit_documents(self, documents: tuple[dict[str, str], ...], *, at: datetime,
                         actor: str) -> None:
        self._step(Action.SUBMIT_DOCUMENTS, at=at)
        self.events.append(DocumentsSubmitted(self.mrn, at, actor, self.version, documents))

    def start_inspection(self, *, at: datetime, actor: str, instructions: str = "") -> None:
        self._step(Action.START_INSPECTION, at=at)
        self.events.append(InspectionStarted(self.mrn, at, actor, self.version, instructions))

    def claim(self, officer: PartyId, office: str, *, at: datetime) -> None:
        """An officer takes the control task; the control starts with the first claim."""
        if self.status not in (Status.UNDER_DOCUMENTARY_CONTROL,
                               Status.UNDER_PHYSICAL_CONTROL):
            raise ForbiddenTransition(
                f"there is no control task to claim while the declaration is {self.status}",
                state=self.status.value,
                allowed=[a.value for a in allowed_actions(self.status)])
        self.claimed_by = officer
        self.claimed_at = at
        if self.control_started_at is None:
            self.control_started_at = at
        self._bump()
        self.events.append(TaskClaimed(self.mrn, at, officer, self.version, office))

    def _require_claim(self, action: Action, officer: PartyId) -> None:
        transition(self.status, action)
        if self.claimed_by != officer:
            holder = "nobody" if self.claimed_by is None else self.claimed_by
            raise self._refuse_guard(action, f"the control task is held by {holder}; "
                                             "claim it first")

    def record_control_result(self, *, kind: str, irregularity: bool, findings: str,
                              extra_duty: Decimal, at: datetime, actor: PartyId) -> None:
        self._require_claim(Action.RECORD_CONTROL_RESULT, actor)
        self._step(Action.RECORD_CONTROL_RESULT, at=at)
        self.extra_duty += extra_duty
        self.control_ended_at = at
        self.events.append(ControlResultRecorded(self.mrn, at, actor, self.version, kind,
                                                 irregularity, findings, extra_duty,
                                                 self.currency))

    def release(self, *, at: datetime, actor: str, automatic: bool = False) -> None:
        """Release the goods: the amount due is secured and no control is pending."""
        transition(self.status, Action.RELEASE)
        if self.status is not Status.ACCEPTED:
            self._require_claim(Action.RELEASE, PartyId(actor))
        if not self.cleared:
            raise self._refuse_guard(Action.RELEASE, "no control result has been recorded")
        if self.amount_unsecured > 0:
            raise self._refuse_guard(Action.RELEASE, f"{self.amount_unsecured} "
                                                     f"{self.currency} is not secured")
        self._step(Action.RELEASE, at=at)
        self.released_at = self.decided_at = at
        self.events.append(Released(self.mrn, at, actor, self.version, self.channel.value,
                                    automatic))

    def attach_release_note(self, note: dict[str, Any]) -> None:
        """Keep the signed release note issued at release."""
        self.release_note = note

    def refuse(self, *, reason: str, at: datetime, actor: PartyId) -> None:
        self._require_claim(Action.REFUSE, actor)
        self._step(Action.REFUSE, at=at)
        self.decided_at = at
        if self.control_ended_at is None:
            self.control_ended_at = at
        self.events.append(ReleaseRefused(self.mrn, at, actor, self.version, reason))

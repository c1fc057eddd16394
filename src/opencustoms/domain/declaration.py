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
from typing import NewType

from opencustoms.domain.assessment import Assessment
from opencustoms.domain.events import (
    DeclarationAccepted,
    DeclarationAmended,
    DeclarationInvalidated,
    Event,
)
from opencustoms.domain.goods import CountryCode, GoodsItem
from opencustoms.domain.money import CurrencyCode
from opencustoms.domain.mrn import MRN
from opencustoms.domain.parties import PartyId
from opencustoms.domain.selectivity import RiskDecision
from opencustoms.domain.workflow import Action, Status, transition

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
                          payload_sha256, assessment, risk)
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
        self.version += 1
        self.status = step.target
        self.events.append(DeclarationAmended(self.mrn, at, actor, self.version))

    def invalidate(self, *, at: datetime, actor: str, reason: str) -> None:
        """Invalidate at the declarant's request before release (UCC art. 174)."""
        step = transition(self.status, Action.INVALIDATE)
        self.status = step.target
        self.version += 1
        self.events.append(DeclarationInvalidated(self.mrn, at, actor, self.version, reason))

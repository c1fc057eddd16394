"""Domain events: facts about a declaration that other parts of the system react to."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from opencustoms.domain.mrn import MRN


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened to a declaration, at a moment, by an actor."""

    mrn: MRN
    at: datetime
    actor: str
    version: int

    @property
    def name(self) -> str:
        """Stable event name used in history, notifications and the audit trail."""
        return _NAMES[type(self)]

    def detail(self) -> dict[str, Any]:
        """What the event says beyond MRN, time, actor and version, as JSON values (decimals
        and times as text), for the history, the audit trail and notifications."""
        names = _DETAIL_FIELDS.get(type(self))
        if names is None:  # once per event class: dataclasses.fields builds its tuple per call
            names = _DETAIL_FIELDS[type(self)] = tuple(
                f.name for f in dataclasses.fields(self) if f.name not in _BASE_FIELDS)
        return {name: json_value(getattr(self, name)) for name in names}


@dataclass(frozen=True, slots=True)
class DeclarationAccepted(Event):
    """The declaration passed validation and was registered under an MRN."""


@dataclass(frozen=True, slots=True)
class DeclarationAmended(Event):
    """The declarant replaced the declaration's content before release (UCC art. 173)."""


@dataclass(frozen=True, slots=True)
class DeclarationInvalidated(Event):
    """The declaration was invalidated at the declarant's request (UCC art. 174)."""

    reason: str = ""


@dataclass(frozen=True, slots=True)
class TaxAssessed(Event):
    """Duties and taxes are due and not yet secured: the declaration waits for payment."""

    amount: Decimal = Decimal(0)
    currency: str = ""


@dataclass(frozen=True, slots=True)
class PaymentSecured(Event):
    """The amount due was paid from the trader's cash account or reserved on its guarantee."""

    amount: Decimal = Decimal(0)
    currency: str = ""
    secured_by: str = ""


@dataclass(frozen=True, slots=True)
class DocumentsRequested(Event):
    """A documentary control was opened: the trader must present supporting documents."""

    instructions: str = ""


@dataclass(frozen=True, slots=True)
class DocumentsSubmitted(Event):
    """The trader presented documents for the documentary control."""

    documents: tuple[dict[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class InspectionStarted(Event):
    """A physical control of the goods was ordered."""

    instructions: str = ""


@dataclass(frozen=True, slots=True)
class TaskClaimed(Event):
    """An officer took the control task; the control starts."""

    office: str = ""


@dataclass(frozen=True, slots=True)
class ControlResultRecorded(Event):
    """An officer recorded the outcome of a documentary or physical control."""

    kind: str = ""
    irregularity: bool = False
    findings: str = ""
    extra_duty: Decimal = Decimal(0)
    currency: str = ""


@dataclass(frozen=True, slots=True)
class Released(Event):
    """The goods were released for the procedure (UCC art. 194)."""

    channel: str = ""
    automatic: bool = False


@dataclass(frozen=True, slots=True)
class ReleaseRefused(Event):
    """The officer refused to release the goods."""

    reason: str = ""


_NAMES: dict[type[Event], str] = {
    DeclarationAccepted: "accepted",
    DeclarationAmended: "amended",
    DeclarationInvalidated: "invalidated",
    TaxAssessed: "tax_assessed",
    PaymentSecured: "payment_secured",
    DocumentsRequested: "documents_requested",
    DocumentsSubmitted: "documents_submitted",
    InspectionStarted: "inspection_started",
    TaskClaimed: "task_claimed",
    ControlResultRecorded: "control_result_recorded",
    Released: "released",
    ReleaseRefused: "refused",
}

_BASE_FIELDS = frozenset(f.name for f in dataclasses.fields(Event))
_DETAIL_FIELDS: dict[type[Event], tuple[str, ...]] = {}


def json_value(value: Any) -> Any:
    """``value`` as a JSON value: enums by value, decimals and times as text."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple | frozenset | set):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    return str(value)

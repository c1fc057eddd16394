"""Domain events: facts about a declaration that other parts of the system react to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

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


_NAMES: dict[type[Event], str] = {
    DeclarationAccepted: "accepted",
    DeclarationAmended: "amended",
    DeclarationInvalidated: "invalidated",
}

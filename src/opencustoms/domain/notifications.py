"""Notifications: what a trader's system is told about its declarations (DESIGN.md C7).

Every outcome of a declaration becomes a :class:`Notification` addressed to a party, with a
function code saying what happened. Notifications are written to an outbox in the same
transaction as the change they report, then delivered by pull and by push (webhooks).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from opencustoms.domain.parties import PartyId


class FunctionCode(StrEnum):
    """What a notification reports (the message function of a WCO DM response)."""

    RECEIVED = "received"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    DOCUMENTS_REQUIRED = "documents_required"
    PHYSICAL_CONTROL = "physical_control"
    TAX_ASSESSED = "tax_assessed"
    RELEASED = "released"
    REFUSED = "refused"
    INVALIDATED = "invalidated"
    AMENDMENT_ACCEPTED = "amendment_accepted"
    PAYMENT_SECURED = "payment_secured"
    CONTROL_RESULT = "control_result"


@dataclass(frozen=True, slots=True)
class Notification:
    """One message for ``party`` about the declaration ``lrn`` (``mrn`` once registered)."""

    party: PartyId
    function: FunctionCode
    lrn: str
    at: datetime
    mrn: str | None = None
    body: dict[str, Any] = field(default_factory=dict)

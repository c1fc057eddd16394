"""The declaration lifecycle as data: (state, action) -> next state.

DESIGN.md §5. A transition not listed here is forbidden: the service raises
:class:`~opencustoms.domain.errors.ForbiddenTransition` carrying the current state and the
actions that *are* allowed, which the API renders as a 409 problem. Guards that need more than the
state (payment secured, channel green) are named here and evaluated by the services that own the
data they need.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from opencustoms.domain.errors import ForbiddenTransition


class Status(StrEnum):
    """Where a registered declaration stands."""

    ACCEPTED = "accepted"
    AWAITING_PAYMENT = "awaiting_payment"
    UNDER_DOCUMENTARY_CONTROL = "under_documentary_control"
    UNDER_PHYSICAL_CONTROL = "under_physical_control"
    RELEASED = "released"
    RELEASE_REFUSED = "release_refused"
    INVALIDATED = "invalidated"


class Action(StrEnum):
    """What a trader, an officer or the system can do to a declaration."""

    ASSESS = "assess"
    SECURE_PAYMENT = "secure_payment"
    REQUEST_DOCUMENTS = "request_documents"
    SUBMIT_DOCUMENTS = "submit_documents"
    START_INSPECTION = "start_inspection"
    RECORD_CONTROL_RESULT = "record_control_result"
    RELEASE = "release"
    REFUSE = "refuse"
    INVALIDATE = "invalidate"
    AMEND = "amend"


@dataclass(frozen=True, slots=True)
class Transition:
    """One allowed move. ``guard`` names a condition checked by the owning service."""

    source: Status
    action: Action
    target: Status
    event: str
    guard: str | None = None


S, A = Status, Action
_BEFORE_RELEASE = (S.ACCEPTED, S.AWAITING_PAYMENT, S.UNDER_DOCUMENTARY_CONTROL)

_CONTROLS = (S.UNDER_DOCUMENTARY_CONTROL, S.UNDER_PHYSICAL_CONTROL)

TRANSITIONS: tuple[Transition, ...] = (
    Transition(S.ACCEPTED, A.ASSESS, S.AWAITING_PAYMENT, "tax_assessed", "amount_unsecured"),
    Transition(S.AWAITING_PAYMENT, A.SECURE_PAYMENT, S.ACCEPTED, "payment_secured",
               "amount_secured"),
    Transition(S.ACCEPTED, A.RELEASE, S.RELEASED, "released", "secured_and_cleared"),
    Transition(S.ACCEPTED, A.REQUEST_DOCUMENTS, S.UNDER_DOCUMENTARY_CONTROL,
               "documents_requested"),
    Transition(S.ACCEPTED, A.START_INSPECTION, S.UNDER_PHYSICAL_CONTROL, "inspection_started"),
    Transition(S.UNDER_DOCUMENTARY_CONTROL, A.SUBMIT_DOCUMENTS, S.UNDER_DOCUMENTARY_CONTROL,
               "documents_submitted"),
    Transition(S.UNDER_DOCUMENTARY_CONTROL, A.START_INSPECTION, S.UNDER_PHYSICAL_CONTROL,
               "inspection_started"),
    *(Transition(s, A.RECORD_CONTROL_RESULT, s, "control_result_recorded", "claimed")
      for s in _CONTROLS),
    *(Transition(s, A.RELEASE, S.RELEASED, "released", "secured_and_cleared")
      for s in _CONTROLS),
    *(Transition(s, A.ASSESS, S.AWAITING_PAYMENT, "tax_assessed", "amount_unsecured")
      for s in _CONTROLS),
    *(Transition(s, A.REFUSE, S.RELEASE_REFUSED, "refused", "claimed") for s in _CONTROLS),
    *(Transition(s, A.AMEND, s, "amended") for s in _BEFORE_RELEASE),
    *(Transition(s, A.INVALIDATE, S.INVALIDATED, "invalidated") for s in _BEFORE_RELEASE),
)
"""Amendment (UCC art. 173) and invalidation (art. 174) are possible until release, but not
once a physical control has been announced: the goods must first be examined.

Guards, checked by :class:`~opencustoms.domain.declaration.Declaration`:
``amount_unsecured`` — some of the amount due is neither paid nor covered by a guarantee;
``amount_secured`` — all of it now is; ``secured_and_cleared`` — the amount due is secured and
either the channel needs no control or a control result has been recorded; ``claimed`` — an
officer holds the control task. Routing after acceptance or payment is the system's: yellow
opens a documentary control, red a physical one, green and blue are released at once."""

_BY_KEY = {(t.source, t.action): t for t in TRANSITIONS}


def allowed_actions(state: Status) -> tuple[Action, ...]:
    """Actions allowed in ``state``, in declaration order (drives buttons and 409 answers)."""
    return tuple(dict.fromkeys(t.action for t in TRANSITIONS if t.source == state))


def transition(state: Status, action: Action) -> Transition:
    """The transition for ``action`` in ``state``, or :class:`ForbiddenTransition`."""
    found = _BY_KEY.get((state, action))
    if found is None:
        allowed = [a.value for a in allowed_actions(state)]
        raise ForbiddenTransition(
            f"'{action}' is not allowed while the declaration is {state}",
            state=state.value,
            allowed=allowed,
        )
    return found

"""Every change to a declaration leaves three traces in its own transaction: a history entry
(written by the repository), an audit-log entry and the notifications for the trader's side.

:func:`journal` turns the aggregate's pending events into the audit records and notifications and
appends them through the unit of work; call it before ``declarations.add``/``save``, which write
the history and clear the events.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from opencustoms.domain.audit import AuditRecord
from opencustoms.domain.declaration import Declaration
from opencustoms.domain.errors import Problem
from opencustoms.domain.events import Event
from opencustoms.domain.notifications import FunctionCode, Notification
from opencustoms.domain.parties import Party, PartyId
from opencustoms.services.ports import Ledgers

if TYPE_CHECKING:
    from opencustoms.services.lodgement import Submission

F = FunctionCode

FUNCTION_CODES: dict[str, tuple[FunctionCode, ...]] = {
    "accepted": (F.RECEIVED, F.ACCEPTED),
    "amended": (F.AMENDMENT_ACCEPTED,),
    "invalidated": (F.INVALIDATED,),
    "tax_assessed": (F.TAX_ASSESSED,),
    "payment_secured": (F.PAYMENT_SECURED,),
    "documents_requested": (F.DOCUMENTS_REQUIRED,),
    "documents_submitted": (F.RECEIVED,),
    "inspection_started": (F.PHYSICAL_CONTROL,),
    "task_claimed": (),
    "control_result_recorded": (F.CONTROL_RESULT,),
    "released": (F.RELEASED,),
    "refused": (F.REFUSED,),
}
"""The notifications each event produces. Claiming a task is the administration's internal
business: it is audited, but the trader is not told who took it."""


def recipients(declaration: Declaration) -> tuple[PartyId, ...]:
    """The declarant and, when one lodged for it, its representative."""
    content = declaration.content
    parties = [content.declarant]
    if content.representative is not None and content.representative.id != content.declarant:
        parties.append(content.representative.id)
    return tuple(parties)


def journal(uow: Ledgers, declaration: Declaration) -> None:
    """Append the audit records and notifications of ``declaration``'s pending events."""
    events = list(declaration.events)
    if not events:
        return
    uow.audit.append([audit_record(declaration, event) for event in events])
    uow.outbox.add(list(notifications(declaration, events)))


def audit_record(declaration: Declaration, event: Event) -> AuditRecord:
    data: dict[str, Any] = {"version": event.version, **event.detail()}
    if event.name == "accepted":
        data.update(_acceptance_facts(declaration))
    if event.name == "released" and declaration.release_note is not None:
        data["release_note_signature"] = declaration.release_note.get("signature")
    return AuditRecord("declaration", declaration.mrn, event.name, event.actor, event.at, data)


def _acceptance_facts(declaration: Declaration) -> dict[str, Any]:
    """The decisions taken at acceptance: what was submitted, what is due, the channel and why
    (profile versions, model version and score), so the audit trail can replay them."""
    facts: dict[str, Any] = {
        "lrn": declaration.content.lrn,
        "declarant": declaration.content.declarant,
        "payload_sha256": declaration.payload_sha256,
        "received_at": declaration.received_at.isoformat(),
        "amount_due": str(declaration.amount_due),
        "currency": declaration.currency,
    }
    risk = declaration.risk
    if risk is not None:
        facts["selectivity"] = {
            "channel": risk.channel.value,
            "policy_version": risk.policy_version,
            "model_version": risk.model_version,
            "score": None if risk.score is None else f"{risk.score:.6f}",
            "reasons": [{"kind": r.kind, "profile": r.profile, "version": r.version}
                        for r in risk.reasons],
        }
    return facts


def notifications(declaration: Declaration, events: Iterable[Event]) -> Sequence[Notification]:
    parties = recipients(declaration)
    found: list[Notification] = []
    for event in events:
        for code in FUNCTION_CODES[event.name]:
            body = notification_body(declaration, event, code)
            found.extend(Notification(party, code, declaration.content.lrn, event.at,
                                      declaration.mrn, body) for party in parties)
    return found


def notification_body(declaration: Declaration, event: Event,
                      code: FunctionCode) -> dict[str, Any]:
    """What the trader's side is told: never profile criteria, scores or reasons."""
    body: dict[str, Any] = {"event": event.name, "version": event.version,
                            "status": declaration.status.value}
    detail = event.detail()
    if code is F.ACCEPTED:
        body.update(channel=declaration.channel.value, amount_due=str(declaration.amount_due),
                    currency=declaration.currency, accepted_at=declaration.accepted_at.isoformat())
    elif code is F.RECEIVED and event.name == "accepted":
        body.update(received_at=declaration.received_at.isoformat(),
                    payload_sha256=declaration.payload_sha256)
    elif code is F.RELEASED:
        body.update(channel=detail.get("channel"), release_note=declaration.release_note)
    elif code in (F.DOCUMENTS_REQUIRED, F.PHYSICAL_CONTROL):
        body.update(office=declaration.content.office_of_declaration)
    else:
        body.update(detail)
    return body


def rejection_notice(actor: Party, lrn: str, at: datetime, submission: Submission,
                     problems: Sequence[Problem]) -> Notification:
    """A refused lodgement is told to whoever lodged it, with every error."""
    return Notification(actor.id, F.REJECTED, lrn, at, None, {
        "payload_sha256": submission.payload_sha256,
        "errors": [{"code": p.code, "pointer": p.pointer, "detail": p.detail}
                   for p in problems]})

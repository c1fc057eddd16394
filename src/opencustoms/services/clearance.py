"""Clearance: from acceptance to release or refusal (DESIGN.md C5).

At acceptance, in the lodgement's own transaction, the amount due is secured from the trader's
cash account or guarantee and the declaration is routed by its channel: green and blue are
released at once with a signed release note, yellow opens a documentary control, red a physical
one; an amount that cannot be secured leaves it awaiting payment, and a payment routes it on.
Officers work a queue of control tasks for their office: claim, record the control result, then
release or refuse. Every step goes through the workflow table (a forbidden move is a 409 with
the allowed actions), locks optimistically on the version read (two officers deciding at once:
one wins, the other gets a 409), and leaves a history entry, an audit entry and notifications in
the same transaction (:mod:`opencustoms.services.journal`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from opencustoms.domain.control import ControlKind, ControlResult
from opencustoms.domain.declaration import Declaration
from opencustoms.domain.errors import PermissionDenied
from opencustoms.domain.mrn import MRN
from opencustoms.domain.parties import Party, PartyId, Role
from opencustoms.domain.selectivity import Channel
from opencustoms.domain.workflow import Status
from opencustoms.services import payments
from opencustoms.services.access import (
    require_declarant_side,
    require_version,
    require_visible,
)
from opencustoms.services.context import ServiceContext
from opencustoms.services.journal import journal
from opencustoms.services.ports import DeclarationQuery, Ledgers, UnitOfWork

SYSTEM = "system"
"""The actor of automatic steps (routing, automatic release)."""

CONTROL_STATES = (Status.UNDER_DOCUMENTARY_CONTROL, Status.UNDER_PHYSICAL_CONTROL)


# --- automatic steps -------------------------------------------------------------------------


def on_acceptance(ctx: ServiceContext, uow: Ledgers, declaration: Declaration) -> None:
    """Secure the amount due and route a just-accepted declaration, in the lodgement's unit of
    work; the caller then journals and stores it."""
    at = declaration.accepted_at
    _secure(uow, declaration, at, SYSTEM)
    route(ctx, declaration, at)


def route(ctx: ServiceContext, declaration: Declaration, at: datetime) -> None:
    """Move an accepted declaration on: wait for payment, open the control its channel asks
    for, or release it automatically."""
    if declaration.status is not Status.ACCEPTED:
        return
    if declaration.amount_unsecured > 0:
        declaration.assess(at=at, actor=SYSTEM)
        return
    if not declaration.cleared:
        instructions = _instructions(declaration)
        if declaration.channel is Channel.RED:
            declaration.start_inspection(at=at, actor=SYSTEM, instructions=instructions)
        else:
            declaration.request_documents(at=at, actor=SYSTEM, instructions=instructions)
        return
    _release(ctx, declaration, at, SYSTEM, automatic=True)


def _instructions(declaration: Declaration) -> str:
    if declaration.risk is None:
        return ""
    return "\n".join(r.instructions for r in declaration.risk.reasons if r.instructions)


def _secure(uow: Ledgers, declaration: Declaration, at: datetime, actor: str) -> bool:
    """Try to secure what is still due; True when nothing remains unsecured."""
    unsecured = declaration.amount_unsecured
    if unsecured <= 0:
        declaration.nothing_due()
        return True
    by = payments.secure_duties(uow, declaration.content.declarant, declaration.mrn, unsecured,
                                declaration.currency, at, actor)
    if by is None:
        return False
    declaration.secure(unsecured, by=by.value, at=at, actor=actor)
    return True


def _release(ctx: ServiceContext, declaration: Declaration, at: datetime, actor: str, *,
             automatic: bool) -> None:
    declaration.release(at=at, actor=actor, automatic=automatic)
    declaration.attach_release_note(release_note(ctx, declaration, actor))


def release_note(ctx: ServiceContext, declaration: Declaration, actor: str) -> dict[str, Any]:
    """The release note, signed with the administration's key when a signer is configured."""
    assert declaration.released_at is not None
    note: dict[str, Any] = {
        "type": "opencustoms.release-note/1",
        "mrn": declaration.mrn,
        "lrn": declaration.content.lrn,
        "declarant": declaration.content.declarant,
        "office": declaration.content.office_of_declaration,
        "released_at": declaration.released_at.isoformat(),
        "channel": declaration.channel.value,
        "payload_sha256": declaration.payload_sha256,
        "version": declaration.version,
        "amount_secured": str(declaration.amount_secured),
        "currency": declaration.currency,
        "decided_by": actor,
    }
    return note if ctx.signer is None else ctx.signer.sign(note)


def settle_awaiting(ctx: ServiceContext, uow: UnitOfWork, party: PartyId, at: datetime,
                    actor: str) -> list[str]:
    """After money came in for ``party``: secure its declarations awaiting payment, oldest
    first, while the account covers them, and route each on. Returns the MRNs moved."""
    moved: list[str] = []
    query = DeclarationQuery(declarant=party, statuses=(Status.AWAITING_PAYMENT,), limit=1000)
    for declaration in uow.declarations.list(query):
        read_version = declaration.version
        if not _secure(uow, declaration, at, actor):
            continue
        route(ctx, declaration, at)
        journal(uow, declaration)
        uow.declarations.save(declaration, expected_version=read_version)
        moved.append(declaration.mrn)
    return moved


def give_back(uow: UnitOfWork, declaration: Declaration, at: datetime, actor: str) -> None:
    """Return what a declaration had secured (invalidation, or before re-securing an amended
    amount)."""
    if declaration.amount_secured > 0:
        payments.give_back(uow, declaration.content.declarant, declaration.mrn, at, actor)
    declaration.security_given_back()


def resecure_after_amendment(ctx: ServiceContext, uow: UnitOfWork, declaration: Declaration,
                             at: datetime, actor: str) -> None:
    """An amendment recalculated the duties: give back what was secured and secure the new
    amount. A declaration awaiting payment that is now covered moves on; one under control
    that is not covered any more waits for payment when the officer releases it."""
    give_back(uow, declaration, at, actor)
    _secure(uow, declaration, at, actor)
    route(ctx, declaration, at)


# --- the officer's work ----------------------------------------------------------------------


def require_officer(actor: Party) -> None:
    if not actor.roles & {Role.OFFICER, Role.ADMIN}:
        raise PermissionDenied("only customs officers may do this", code="auth.not-officer")


def _require_office(actor: Party, declaration: Declaration) -> None:
    """An officer acts on declarations lodged at their own office; administrators anywhere."""
    require_officer(actor)
    if Role.ADMIN in actor.roles or actor.office is None:
        return
    office = declaration.content.office_of_declaration
    if office != actor.office:
        raise PermissionDenied(
            f"declaration {declaration.mrn} is handled by office {office}, not {actor.office}",
            code="auth.other-office")


def tasks(ctx: ServiceContext, actor: Party, *, office: str | None = None,
          after: tuple[datetime, str] | None = None, limit: int = 50) -> Sequence[Declaration]:
    """The control queue of ``office`` (default: the officer's own), oldest first."""
    require_officer(actor)
    office = office or actor.office
    if (office is not None and actor.office is not None and office != actor.office
            and Role.ADMIN not in actor.roles):
        raise PermissionDenied(f"officers of {actor.office} cannot read the queue of {office}",
                               code="auth.other-office", pointer="/office")
    query = DeclarationQuery(statuses=CONTROL_STATES, office=office, after=after, limit=limit)
    with ctx.reader() as uow:
        return uow.declarations.list(query)


def _load(uow: UnitOfWork, actor: Party, mrn: MRN,
          expected_version: int | None) -> tuple[Declaration, int]:
    declaration = require_visible(actor, uow.declarations.get(mrn), mrn)
    return declaration, require_version(declaration, expected_version)


def _store(uow: UnitOfWork, declaration: Declaration, read_version: int) -> None:
    journal(uow, declaration)
    uow.declarations.save(declaration, expected_version=read_version)
    uow.commit()


def claim(ctx: ServiceContext, actor: Party, mrn: MRN,
          expected_version: int | None = None) -> Declaration:
    """Take the control task of ``mrn``: its control starts now. Taking a task another officer
    holds is allowed (a supervisor reassigns work) and audited."""
    at = ctx.clock.now()
    with ctx.uow() as uow:
        declaration, read_version = _load(uow, actor, mrn, expected_version)
        _require_office(actor, declaration)
        declaration.claim(actor.id, declaration.content.office_of_declaration, at=at)
        _store(uow, declaration, read_version)
    return declaration


def start_inspection(ctx: ServiceContext, actor: Party, mrn: MRN, instructions: str,
                     expected_version: int | None = None) -> Declaration:
    """Order a physical control (from acceptance or to escalate a documentary control)."""
    at = ctx.clock.now()
    with ctx.uow() as uow:
        declaration, read_version = _load(uow, actor, mrn, expected_version)
        _require_office(actor, declaration)
        declaration.start_inspection(at=at, actor=actor.id, instructions=instructions)
        _store(uow, declaration, read_version)
    return declaration


@dataclass(frozen=True, slots=True)
class ControlFindings:
    kind: ControlKind
    irregularity: bool
    findings: str
    extra_duty: Decimal = Decimal(0)
    corrections: dict[str, Any] = field(default_factory=dict)


def record_control_result(ctx: ServiceContext, actor: Party, mrn: MRN,
                          result: ControlFindings,
                          expected_version: int | None = None) -> Declaration:
    """Record what the control found. The result is stored as a label for the risk model;
    extra duty is added to the amount due and secured at once when the account covers it."""
    at = ctx.clock.now()
    with ctx.uow() as uow:
        declaration, read_version = _load(uow, actor, mrn, expected_version)
        _require_office(actor, declaration)
        declaration.record_control_result(kind=result.kind.value,
                                          irregularity=result.irregularity,
                                          findings=result.findings,
                                          extra_duty=result.extra_duty, at=at, actor=actor.id)
        uow.control_results.add(ControlResult(
            mrn, result.kind, actor.id, at, result.irregularity, result.findings,
            result.extra_duty, declaration.currency, result.corrections))
        if result.extra_duty > 0:
            _secure(uow, declaration, at, actor.id)
        _store(uow, declaration, read_version)
    return declaration


def release(ctx: ServiceContext, actor: Party, mrn: MRN,
            expected_version: int | None = None) -> Declaration:
    """Release after control. If extra duty found by the control cannot be secured, the
    declaration waits for payment instead and is released when the payment arrives."""
    at = ctx.clock.now()
    with ctx.uow() as uow:
        declaration, read_version = _load(uow, actor, mrn, expected_version)
        _require_office(actor, declaration)
        if declaration.cleared and not _secure(uow, declaration, at, actor.id):
            declaration.assess(at=at, actor=actor.id)
        else:
            _release(ctx, declaration, at, actor.id, automatic=False)
        _store(uow, declaration, read_version)
    return declaration


def refuse(ctx: ServiceContext, actor: Party, mrn: MRN, reason: str,
           expected_version: int | None = None) -> Declaration:
    """Refuse release (e.g. prohibited goods, irregularity not regularised). What was
    secured stays with the administration until the debt is settled."""
    at = ctx.clock.now()
    with ctx.uow() as uow:
        declaration, read_version = _load(uow, actor, mrn, expected_version)
        _require_office(actor, declaration)
        declaration.refuse(reason=reason, at=at, actor=actor.id)
        _store(uow, declaration, read_version)
    return declaration


# --- the trader's part -----------------------------------------------------------------------


def submit_documents(ctx: ServiceContext, actor: Party, mrn: MRN,
                     documents: tuple[dict[str, str], ...],
                     expected_version: int | None = None) -> Declaration:
    """The declarant's side presents the documents a documentary control asked for."""
    at = ctx.clock.now()
    with ctx.uow() as uow:
        declaration, read_version = _load(uow, actor, mrn, expected_version)
        require_declarant_side(actor, declaration)
        declaration.submit_documents(documents, at=at, actor=actor.id)
        _store(uow, declaration, read_version)
    return declaration


def control_results(ctx: ServiceContext, actor: Party, mrn: MRN) -> Sequence[ControlResult]:
    with ctx.reader() as uow:
        require_visible(actor, uow.declarations.get(mrn), mrn)
        return uow.control_results.for_declaration(mrn)

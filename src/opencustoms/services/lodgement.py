"""Lodge a declaration: idempotency, format-logical control, duties and taxes, selectivity,
registration under an MRN, and — in the same transaction — securing the duties and routing
(automatic release of green declarations; see ``clearance``).

DESIGN.md §4. A lodgement either registers the declaration (committed before the caller is
told) or rejects it with every rule violation at once, changing nothing but the rejection log.
Re-sending the same LRN with the same content returns the registered declaration; the same LRN
with different content is a conflict. The (declarant, LRN) unique index finds resends, so the
common case — a new declaration — costs no extra read.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from opencustoms.domain.accounts import Account
from opencustoms.domain.assessment import Assessment
from opencustoms.domain.declaration import Declaration, DeclarationContent
from opencustoms.domain.errors import LrnReused, RuleViolations
from opencustoms.domain.mrn import new_mrn
from opencustoms.domain.parties import Party, PartyId
from opencustoms.domain.selectivity import RiskDecision
from opencustoms.services.assessment import MAX_QUOTA_RETRIES, assess, control, draw_quotas
from opencustoms.services.clearance import on_acceptance
from opencustoms.services.context import ServiceContext
from opencustoms.services.journal import journal, rejection_notice
from opencustoms.services.ports import DuplicateDeclaration, Staged, UnitOfWork
from opencustoms.services.rehearsal import rehearse
from opencustoms.services.selectivity import select

MRN_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class Submission:
    """A declaration as received: the parsed content, its JSON document and hashes."""

    content: DeclarationContent
    document: dict[str, Any]
    payload_sha256: str
    content_sha256: str


@dataclass(frozen=True, slots=True)
class LodgementResult:
    declaration: Declaration
    created: bool


def lodge(ctx: ServiceContext, submission: Submission, actor: Party) -> LodgementResult:
    """Register ``submission`` for ``actor`` or raise RuleViolations / LrnReused."""
    prepared = prepare(ctx, submission, actor)
    if isinstance(prepared, LodgementResult):
        return prepared
    return register(ctx, prepared)


def prepare(ctx: ServiceContext, submission: Submission,
            actor: Party) -> LodgementResult | Registration:
    """The part of :func:`lodge` before its transaction, which writes nothing for a valid
    declaration: format-logical control, duties and taxes, selectivity, the MRN, acceptance
    rehearsed on the declarant's account. Returns the :class:`Registration` for
    :func:`register`, or the earlier registration when this is a resend that today's rules
    would refuse; raises RuleViolations (after logging the rejection, its own transaction)."""
    received_at = ctx.clock.now()
    content = submission.content
    on = received_at.date()
    problems, assessment = control(ctx, content, on, actor)
    if assessment is None:
        # A resend of a declaration registered earlier answers as a replay even if today's
        # rules would refuse it; only the declarant's side may learn that it exists.
        earlier = _replay(ctx, submission) if actor.may_act_for(content.declarant) else None
        if earlier is not None:
            return earlier
        with ctx.uow() as uow:
            uow.rejections.record(declarant=content.declarant, lrn=content.lrn,
                                  received_at=received_at,
                                  payload_sha256=submission.payload_sha256, problems=problems)
            uow.outbox.add([rejection_notice(actor, content.lrn, received_at, submission,
                                             problems)])
            uow.commit()
        raise RuleViolations(problems)
    risk = select(ctx, content, assessment, on, actor)
    snapshot = _account_snapshot(ctx, content.declarant)
    return Registration(ctx, submission, actor, received_at, assessment, risk, snapshot)


class Registration:
    """A declaration that passed control, accepted under a new MRN and rehearsed on a snapshot
    of its declarant's account (``rehearsal``), ready to be written by :meth:`write`; when it
    cannot be written as prepared — a quota ran out meanwhile, the MRN is taken — :meth:`again`
    makes the next attempt (re-assessed without the exhausted quota, under a new MRN)."""

    def __init__(self, ctx: ServiceContext, submission: Submission, actor: Party,
                 received_at: datetime, assessment: Assessment, risk: RiskDecision,
                 snapshot: Account | None, exhausted: frozenset[str] = frozenset()) -> None:
        self.ctx, self.submission, self.actor = ctx, submission, actor
        self.received_at, self.assessment, self.risk = received_at, assessment, risk
        self.snapshot, self.exhausted = snapshot, exhausted
        self.ran_out: str | None = None
        self.replayed = False
        self.staged: tuple[Staged, tuple[Staged, Staged]] | None = None
        self.accepted_at = ctx.clock.now()
        self.mrn = new_mrn(self.accepted_at, ctx.reference().jurisdiction.country,
                           submission.content.type.value)
        # Acceptance is computed before the transaction takes the write lock; inside, it is
        # written as rehearsed if the declarant's account did not move meanwhile.
        self.declaration = self.accepted()
        self.rehearsal = rehearse(ctx, self.declaration, snapshot)

    def accepted(self) -> Declaration:
        """The declaration accepted under this attempt's MRN, as yet untouched."""
        return Declaration.accept(
            self.mrn, self.submission.content, received_at=self.received_at,
            accepted_at=self.accepted_at, payload_sha256=self.submission.payload_sha256,
            actor=self.actor.id, assessment=self.assessment, risk=self.risk)

    def stage(self, uow: UnitOfWork) -> None:
        """Make the rehearsed rows ready for ``uow``'s store — the declaration's, the audit
        records, the notifications — without a statement, so that a caller holding its turn at
        the write lock only for :meth:`write` need not hold it for this (ADR 0010)."""
        if self.rehearsal is not None and self.staged is None:
            self.staged = (uow.declarations.stage(
                self.declaration, content_sha256=self.submission.content_sha256,
                document=self.submission.document), self.rehearsal.stage(uow))

    def write(self, uow: UnitOfWork) -> LodgementResult | None:
        """Draw the quotas and write the declaration in ``uow``, without committing; None,
        with :attr:`ran_out` set, when a quota ran out (roll ``uow`` back then). A taken MRN or
        LRN raises :class:`DuplicateDeclaration`."""
        self.ran_out = draw_quotas(uow, self.assessment)
        if self.ran_out is not None:
            return None
        if self.rehearsal is not None:
            self.stage(uow)
            assert self.staged is not None
            declaration_rows, records = self.staged
            if self.rehearsal.replay(uow, records):
                uow.declarations.add_staged(declaration_rows)
                self.replayed = True
                return LodgementResult(self.declaration, created=True)
        # Not rehearsed, or the account moved since the snapshot: accept a fresh declaration
        # here, in the transaction.
        declaration = self.accepted()
        on_acceptance(self.ctx, uow, declaration)
        journal(uow, declaration)
        uow.declarations.add(declaration, content_sha256=self.submission.content_sha256,
                             document=self.submission.document)
        return LodgementResult(declaration, created=True)

    def committed(self) -> None:
        """After the commit of :meth:`write`: remember the declarant's account as the replayed
        rehearsal left it, or forget the snapshot that did not hold."""
        snapshots = self.ctx.account_snapshot
        if snapshots is None:
            return
        if not self.replayed or self.rehearsal is None:
            snapshots.forget(self.submission.content.declarant)
        elif (account := self.rehearsal.account_after) is not None:
            snapshots.learn(account)

    def again(self) -> Registration:
        """The next attempt: a new MRN, re-assessed without the quota that ran out."""
        exhausted, assessment = self.exhausted, self.assessment
        if self.ran_out is not None:
            exhausted = exhausted | {self.ran_out}
            assessment = assess(self.ctx, self.submission.content, assessment.on,
                                exhausted=exhausted)
        return Registration(self.ctx, self.submission, self.actor, self.received_at,
                            assessment, self.risk, self.snapshot, exhausted)


def _account_snapshot(ctx: ServiceContext, party: PartyId) -> Account | None:
    """The declarant's account as it is now, read without a lock (see ``rehearsal``)."""
    if ctx.account_snapshot is not None:
        return ctx.account_snapshot(party)
    with ctx.reader() as uow:
        return uow.accounts.get(party)


def _replay(ctx: ServiceContext, submission: Submission) -> LodgementResult | None:
    """The earlier registration of the same (declarant, LRN), if there is one."""
    with ctx.reader() as uow:
        found = uow.declarations.find_by_lrn(submission.content.declarant,
                                             submission.content.lrn)
    if found is None:
        return None
    declaration, content_sha256 = found
    if content_sha256 != submission.content_sha256:
        raise LrnReused(
            f"LRN {submission.content.lrn} was already used by this declarant for declaration "
            f"{declaration.mrn} with different content",
            pointer="/lrn",
        )
    return LodgementResult(declaration, created=False)


@contextmanager
def staged(ctx: ServiceContext, registration: Registration) -> Iterator[UnitOfWork]:
    """A unit of work, no transaction begun yet, with ``registration``'s rows made ready in
    it: for :func:`register`'s first attempt when the caller takes the write lock itself
    (ADR 0010), so that the lock is held for the statements only."""
    with ctx.uow() as uow:
        registration.stage(uow)
        yield uow


def register(ctx: ServiceContext, registration: Registration,
             uow: UnitOfWork | None = None) -> LodgementResult:
    """Write a prepared registration in its own transaction and commit it; on a taken MRN or
    an exhausted quota try again, on a taken LRN answer with the earlier registration (a
    concurrent resend). ``uow``, an open unit of work with no transaction yet (the caller may
    have staged the registration in it), serves the first attempt."""
    for _ in range(MRN_ATTEMPTS + MAX_QUOTA_RETRIES):
        with nullcontext(uow) if uow is not None else ctx.uow() as work:
            uow = None  # it serves one attempt
            try:
                result = registration.write(work)
            except DuplicateDeclaration:
                work.rollback()
                # Either a concurrent lodgement of the same LRN won the race, or (astronomically
                # rarely) the random MRN serial was taken: replay answers the first case.
                earlier = _replay(ctx, registration.submission)
                if earlier is not None:
                    return earlier
            else:
                if result is not None:
                    work.commit()
                    registration.committed()
                    return result
                work.rollback()  # a quota ran out
        registration = registration.again()
    raise RuntimeError("could not allocate a unique MRN")  # pragma: no cover

"""Amend or invalidate a registered declaration (UCC art. 173 and 174).

An amendment replaces the whole content, is validated again like a lodgement, bumps the version
and keeps the earlier versions in the history. MRN, LRN, declarant and declaration type cannot
change: they identify the declaration. Both use cases lock optimistically on the version read.
"""

from __future__ import annotations

from collections.abc import Iterator

from opencustoms.domain.declaration import Declaration, DeclarationContent
from opencustoms.domain.errors import Problem, RuleViolations, StaleVersion
from opencustoms.domain.mrn import MRN
from opencustoms.domain.parties import Party
from opencustoms.domain.workflow import Action, transition
from opencustoms.services.access import (
    require_declarant_side,
    require_version,
    require_visible,
)
from opencustoms.services.assessment import (
    control,
    credit_quotas,
    draw_quotas,
    held_quotas,
)
from opencustoms.services.clearance import give_back, resecure_after_amendment
from opencustoms.services.context import ServiceContext
from opencustoms.services.journal import journal
from opencustoms.services.lodgement import Submission


def _identity_problems(old: DeclarationContent, new: DeclarationContent) -> Iterator[Problem]:
    """AM501-AM503: an amendment may not change what identifies the declaration."""
    if new.lrn != old.lrn:
        yield Problem("AM501", "/lrn", f"the LRN of an amendment must stay {old.lrn}")
    if new.declarant != old.declarant:
        yield Problem("AM502", "/declarant",
                      f"the declarant of an amendment must stay {old.declarant}")
    if new.type != old.type:
        yield Problem("AM503", "/type",
                      f"the declaration type cannot change from {old.type.value}")


def amend(ctx: ServiceContext, mrn: MRN, submission: Submission, actor: Party,
          expected_version: int | None = None) -> Declaration:
    """Replace the content of ``mrn`` with ``submission`` after full re-validation."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        declaration = require_visible(actor, uow.declarations.get(mrn), mrn)
        require_declarant_side(actor, declaration)
        read_version = require_version(declaration, expected_version)
        transition(declaration.status, Action.AMEND)  # 409 before any validation work
        on = declaration.accepted_at.date()  # the date of acceptance decides rules and tariff
        problems = list(_identity_problems(declaration.content, submission.content))
        held = held_quotas(declaration.assessment)
        found, assessment = control(ctx, submission.content, on, actor, credits=held)
        problems += found
        if problems or assessment is None:
            raise RuleViolations(sorted(problems, key=lambda p: (p.pointer, p.code)))
        credit_quotas(uow, declaration.assessment)
        if draw_quotas(uow, assessment) is not None:
            raise StaleVersion("a quota this amendment needs was taken meanwhile; try again")
        declaration.amend(submission.content, at=now, actor=actor.id,
                          payload_sha256=submission.payload_sha256, assessment=assessment)
        resecure_after_amendment(ctx, uow, declaration, now, actor.id)
        journal(uow, declaration)
        uow.declarations.save(declaration, expected_version=read_version,
                              content_sha256=submission.content_sha256,
                              document=submission.document)
        uow.commit()
    return declaration


def invalidate(ctx: ServiceContext, mrn: MRN, actor: Party, reason: str,
               expected_version: int | None = None) -> Declaration:
    """Invalidate ``mrn`` at the declarant's request, before release."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        declaration = require_visible(actor, uow.declarations.get(mrn), mrn)
        require_declarant_side(actor, declaration)
        read_version = require_version(declaration, expected_version)
        declaration.invalidate(at=now, actor=actor.id, reason=reason)
        credit_quotas(uow, declaration.assessment)
        give_back(uow, declaration, now, actor.id)
        journal(uow, declaration)
        uow.declarations.save(declaration, expected_version=read_version)
        uow.commit()
    return declaration

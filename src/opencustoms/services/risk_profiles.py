"""Risk profiles: write, change, read and backtest them (issue 4, items 1 and 5).

Only risk analysts (and administrators) write profiles and run backtests; officers read them;
traders never see them — a profile's criteria tell how declarations are targeted. A change
never overwrites: it adds the next version, optionally guarded by the version the analyst read.
A profile is validated before anything is written, and written in one unit of work.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from opencustoms.domain.audit import AuditRecord, canonical_json
from opencustoms.domain.errors import Conflict, NotFound, PermissionDenied
from opencustoms.domain.parties import ADMINISTRATION_ROLES, Party, PartyId, Role
from opencustoms.risk.backtest import (
    BacktestCase,
    BacktestPeriod,
    BacktestReport,
    BacktestSubject,
    backtest,
)
from opencustoms.risk.criteria import FIELDS, Field
from opencustoms.risk.profiles import (
    ProfileDefinition,
    RiskFacts,
    RiskProfile,
    RiskProfileId,
    parse_profile,
)
from opencustoms.services.context import ServiceContext
from opencustoms.services.ports import DeclarationQuery, UnitOfWork

WRITERS = frozenset({Role.RISK_ANALYST, Role.ADMIN})
PAGE_SIZE = 500


@dataclass(frozen=True, slots=True)
class ProfileHistory:
    """The current version of a profile and every version, oldest first."""

    current: RiskProfile
    versions: Sequence[RiskProfile]


def require_analyst(actor: Party) -> None:
    if not actor.roles & WRITERS:
        raise PermissionDenied("only risk analysts write and backtest risk profiles",
                               code="auth.risk-analyst-only")


def require_administration(actor: Party) -> None:
    if not actor.roles & ADMINISTRATION_ROLES:
        raise PermissionDenied("risk profiles are for the customs administration only",
                               code="auth.administration-only")


def create_profile(ctx: ServiceContext, document: Mapping[str, Any],
                   actor: Party) -> ProfileHistory:
    """Store a new profile as version 1, or raise InvalidProfile with every problem."""
    require_analyst(actor)
    profile = RiskProfile.create(parse_profile(document), by=actor.id, at=ctx.clock.now())
    with ctx.uow() as uow:
        uow.risk_profiles.add(profile)
        uow.audit.append([_audit_record(profile, "created")])
        uow.commit()
    return ProfileHistory(profile, (profile,))


def change_profile(ctx: ServiceContext, profile_id: RiskProfileId, document: Mapping[str, Any],
                   actor: Party, expected_version: int | None = None) -> ProfileHistory:
    """Add the next version of ``profile_id`` (the whole definition is replaced). With
    ``expected_version`` (If-Match), a profile that moved on since is a conflict."""
    require_analyst(actor)
    definition = parse_profile(document)
    with ctx.uow() as uow:
        current = _require(uow, profile_id)
        if expected_version is not None and expected_version != current.version:
            raise Conflict(f"risk profile {profile_id} is at version {current.version}, not "
                           f"{expected_version}", code="risk.profile.stale-version")
        profile = current.revise(definition, by=actor.id, at=ctx.clock.now())
        uow.risk_profiles.add_version(profile)
        uow.audit.append([_audit_record(profile, "revised")])
        versions = uow.risk_profiles.versions(profile_id)
        uow.commit()
    return ProfileHistory(profile, versions)


def get_profile(ctx: ServiceContext, profile_id: RiskProfileId, actor: Party) -> ProfileHistory:
    require_administration(actor)
    with ctx.reader() as uow:
        current = _require(uow, profile_id)
        return ProfileHistory(current, uow.risk_profiles.versions(profile_id))


def get_profile_version(ctx: ServiceContext, profile_id: RiskProfileId, version: int,
                        actor: Party) -> RiskProfile:
    require_administration(actor)
    return load_profile(ctx, profile_id, version)


def list_profiles(ctx: ServiceContext, actor: Party) -> Sequence[RiskProfile]:
    """The current version of every profile."""
    require_administration(actor)
    with ctx.reader() as uow:
        return uow.risk_profiles.current()


def load_profile(ctx: ServiceContext, profile_id: RiskProfileId,
                 version: int | None = None) -> RiskProfile:
    """A stored profile (current version unless ``version``), for the command line."""
    with ctx.reader() as uow:
        found = uow.risk_profiles.get(profile_id, version)
    if found is None:
        which = "" if version is None else f" version {version}"
        raise NotFound(f"no risk profile {profile_id}{which}", code="risk.profile.not-found")
    return found


def _audit_record(profile: RiskProfile, event: str) -> AuditRecord:
    """What the audit log keeps of a profile version: enough to prove later which criteria
    were in force (their SHA-256 matches the stored version) without copying them."""
    document = profile.definition.to_json()
    criteria = hashlib.sha256(canonical_json(document["criteria"])).hexdigest()
    return AuditRecord(kind="risk_profile", subject=profile.id, event=event,
                       actor=profile.created_by, at=profile.created_at,
                       data={"version": profile.version, "channel": document["channel"],
                             "active": document["active"], "criteria_sha256": criteria})


def _require(uow: UnitOfWork, profile_id: RiskProfileId) -> RiskProfile:
    found = uow.risk_profiles.get(profile_id)
    if found is None:
        raise NotFound(f"no risk profile {profile_id}", code="risk.profile.not-found")
    return found


# --- backtest -----------------------------------------------------------------------------


def backtest_profile(ctx: ServiceContext, actor: Party, profile_id: RiskProfileId, *,
                     start: date | None = None, end: date | None = None,
                     draft: Mapping[str, Any] | None = None) -> BacktestReport:
    """Backtest the stored profile ``profile_id`` — or, given ``draft`` (a whole profile
    document; problems point under ``/draft``), that draft as its next version, unsaved."""
    require_analyst(actor)
    period = BacktestPeriod.of(start, end, today=ctx.clock.now().date())
    definition = None if draft is None else parse_profile(draft, at="/draft")
    stored = load_profile(ctx, profile_id)
    if definition is None:
        return run_backtest(ctx, stored, period)
    return run_backtest(ctx, definition, period, revises=profile_id)


def backtest_draft(ctx: ServiceContext, actor: Party, draft: Mapping[str, Any], *,
                   start: date | None = None, end: date | None = None) -> BacktestReport:
    """Backtest a new profile that is not stored (problems point under ``/draft``)."""
    require_analyst(actor)
    period = BacktestPeriod.of(start, end, today=ctx.clock.now().date())
    return run_backtest(ctx, parse_profile(draft, at="/draft"), period)


def run_backtest(ctx: ServiceContext, profile_or_draft: RiskProfile | ProfileDefinition,
                 period: BacktestPeriod, *, outcomes: Mapping[str, bool] | None = None,
                 revises: RiskProfileId | None = None,
                 page_size: int = PAGE_SIZE) -> BacktestReport:
    """Run a stored profile version or a draft definition over the declarations accepted in
    ``period`` (read page by page) and report per month; see :mod:`opencustoms.risk.backtest`.
    ``outcomes`` maps an MRN to its control result (True: irregularity) where one is known;
    ``revises`` names the stored profile a draft would replace (left out of the comparison)."""
    if isinstance(profile_or_draft, RiskProfile):
        subject = BacktestSubject.stored(profile_or_draft)
    else:
        subject = BacktestSubject(profile_or_draft, revises)
    with ctx.reader() as uow:
        others = uow.risk_profiles.current()
    cases = _history(ctx, period, page_size)
    return backtest(subject, cases, period, others=others, outcomes=outcomes)


def _history(ctx: ServiceContext, period: BacktestPeriod,
             page_size: int) -> Iterator[BacktestCase]:
    """Declarations accepted in ``period``, with their facts, one page per unit of work (so no
    read transaction stays open over the whole history)."""
    query = DeclarationQuery(
        accepted_from=datetime.combine(period.start, time(), UTC),
        accepted_to=datetime.combine(period.end + timedelta(days=1), time(), UTC),
        limit=page_size)
    aeo: dict[PartyId, bool] = {}
    while True:
        with ctx.reader() as uow:
            page = uow.declarations.list(query)
            for declarant in {d.content.declarant for d in page} - set(aeo):
                party = uow.parties.get(declarant)
                aeo[declarant] = party is not None and party.aeo
        for declaration in page:
            content = declaration.content
            facts = RiskFacts.of(content, assessment=declaration.assessment,
                                 declarant_aeo=aeo[content.declarant])
            yield BacktestCase(declaration.mrn, declaration.accepted_at.astimezone(UTC).date(),
                               facts)
        if len(page) < page_size:
            return
        query = replace(query, after=(page[-1].accepted_at, page[-1].mrn))


def field_catalogue(actor: Party) -> Sequence[Field]:
    """The fields criteria may name, with their types (administration only)."""
    require_administration(actor)
    return tuple(FIELDS.values())

"""Assign every accepted declaration its channel (issue 4, item 8).

Active risk profiles are read through a short-lived cache (``ServiceContext.profiles``): an
analyst's change reaches lodgement within its time-to-live, and lodgement does not read the
profile tables each time. The declarant's AEO status comes from the authenticated party when it
is the declarant itself, else from the store. When a scoring model is in service every goods item
is scored; the item with the highest priority speaks for the declaration, and its top feature
contributions are kept when the declaration is selected.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date

from opencustoms.domain.assessment import Assessment
from opencustoms.domain.declaration import DeclarationContent
from opencustoms.domain.parties import Party
from opencustoms.domain.selectivity import Channel, RiskDecision
from opencustoms.risk.policy import ModelScore, decide, with_model_thresholds
from opencustoms.risk.profiles import RiskFacts, RiskProfile
from opencustoms.risk.records import records_of
from opencustoms.services.context import ServiceContext
from opencustoms.services.ports import UnitOfWork

PROFILE_CACHE_SECONDS = 10.0


class CachedProfiles:
    """The current version of every profile, reloaded at most every ``ttl`` seconds."""

    def __init__(self, reader: Callable[[], UnitOfWork], ttl: float = PROFILE_CACHE_SECONDS):
        self._reader = reader
        self._ttl = ttl
        self._lock = threading.Lock()
        self._loaded: tuple[float, Sequence[RiskProfile]] | None = None

    def __call__(self) -> Sequence[RiskProfile]:
        with self._lock:
            if self._loaded is None or self._loaded[0] < time.monotonic():
                with self._reader() as uow:
                    profiles = tuple(uow.risk_profiles.current())
                self._loaded = (time.monotonic() + self._ttl, profiles)
            return self._loaded[1]


_draws = random.SystemRandom()


def _declarant_aeo(ctx: ServiceContext, content: DeclarationContent, actor: Party) -> bool:
    if actor.id == content.declarant:
        return actor.aeo
    with ctx.reader() as uow:
        declarant = uow.parties.get(content.declarant)
    return declarant is not None and declarant.aeo


def select(ctx: ServiceContext, content: DeclarationContent, assessment: Assessment | None,
           on: date, actor: Party) -> RiskDecision:
    """The channel of a declaration accepted on ``on``, with every reason."""
    aeo = _declarant_aeo(ctx, content, actor)
    facts = RiskFacts.of(content, assessment=assessment, declarant_aeo=aeo)
    hits = [hit for profile in ctx.profiles() if (hit := profile.hit(facts, on)) is not None]
    model = None if ctx.model is None else ctx.model.current()
    if model is None:
        return decide(ctx.policy, hits, aeo=aeo, draw=_draws.random())
    records = records_of(content, assessment, on, f"{content.declarant}/{content.lrn}")
    scores = model.score_many(records)
    top = max(range(len(scores)), key=lambda i: scores[i].priority)
    best = scores[top]
    score = ModelScore(best.probability, best.priority, best.expected_revenue, (),
                       model.version)
    policy = with_model_thresholds(ctx.policy, model.metrics)
    decision = decide(policy, hits, aeo=aeo, draw=_draws.random(), score=score)
    if decision.channel is Channel.GREEN:
        return decision
    # Explaining costs ~10 ms: only for declarations an officer or auditor will look at.
    explained = model.score(records[top], explain=True).contributions
    return replace(decision, contributions=tuple((c.feature, c.value) for c in explained))

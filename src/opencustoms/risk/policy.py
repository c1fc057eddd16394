"""The selectivity policy: from profile hits, a random draw and a model score to a channel.

Rules, in order (issue 4, item 3):

1. A red profile hit always wins: physical control.
2. Otherwise a yellow profile hit: documentary control.
3. Otherwise a random calibration share of declarations goes to physical control, so the model
   keeps getting unbiased labels. AEO-certified declarants get the relief factor on it.
4. Otherwise, when a model scored the declaration: a priority at or above the control threshold
   (set from the inspection budget when the model was trained) is controlled — red when the
   expected revenue at risk is material, else yellow; a priority at or above the audit
   threshold is released and selected for post-clearance audit (blue). AEO-certified declarants'
   priorities are multiplied by the relief factor first.
5. Everything else is green.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from opencustoms.domain.selectivity import Channel, RiskDecision, RiskReason
from opencustoms.risk.profiles import ProfileChannel, ProfileHit


@dataclass(frozen=True, slots=True)
class ModelScore:
    """What the scoring model says of one declaration."""

    probability: float
    priority: float
    expected_revenue: float
    contributions: tuple[tuple[str, float], ...]
    model_version: str


@dataclass(frozen=True, slots=True)
class SelectivityPolicy:
    version: str = "2026.11-1"
    random_share: float = 0.01
    aeo_relief: float = 0.5
    control_threshold: float | None = None
    audit_threshold: float | None = None
    physical_revenue: float = 500.0


def with_model_thresholds(policy: SelectivityPolicy,
                          metrics: Mapping[str, Any]) -> SelectivityPolicy:
    """The policy with the model's budget cut-offs (set at training, see
    :func:`opencustoms.risk.training.budget_thresholds`) unless the administration set its
    own."""
    if policy.control_threshold is not None:
        return policy
    validation = metrics.get("validation") or {}
    control, audit = validation.get("control_threshold"), validation.get("audit_threshold")
    if control is None:
        return policy
    return replace(policy, control_threshold=float(control),
                   audit_threshold=None if audit is None else float(audit))


def _profile_reason(hit: ProfileHit) -> RiskReason:
    return RiskReason("profile", f"profile {hit.profile} version {hit.version} fired",
                      Channel(hit.channel.value), hit.profile, hit.version, hit.instructions,
                      hit.items)


def decide(policy: SelectivityPolicy, hits: Sequence[ProfileHit], *, aeo: bool, draw: float,
           score: ModelScore | None = None) -> RiskDecision:
    """The channel and its reasons; ``draw`` is a uniform random number in [0, 1)."""
    reasons = [_profile_reason(h) for h in sorted(hits, key=lambda h: (-h.weight, h.profile))]
    model = () if score is None else (score.contributions, score.model_version)

    def decision(channel: Channel, extra: Sequence[RiskReason] = ()) -> RiskDecision:
        return RiskDecision(channel, (*reasons, *extra), policy.version,
                            None if score is None else score.probability,
                            None if score is None else score.priority,
                            model[0] if model else (), model[1] if model else None)

    if any(h.channel == ProfileChannel.RED for h in hits):
        return decision(Channel.RED)
    if hits:
        return decision(Channel.YELLOW)
    relief = policy.aeo_relief if aeo else 1.0
    if draw < policy.random_share * relief:
        return decision(Channel.RED, [RiskReason("random", "random calibration control",
                                                 Channel.RED)])
    if score is None or policy.control_threshold is None:
        return decision(Channel.GREEN)
    priority = score.priority * relief
    extra = [RiskReason("aeo_relief", f"AEO relief ×{relief}")] if aeo else []
    if priority >= policy.control_threshold:
        red = score.expected_revenue >= policy.physical_revenue
        channel = Channel.RED if red else Channel.YELLOW
        return decision(channel, [*extra, RiskReason(
            "model", f"priority {priority:.4f} ≥ control threshold "
                     f"{policy.control_threshold:.4f}", channel)])
    if policy.audit_threshold is not None and priority >= policy.audit_threshold:
        return decision(Channel.BLUE, [*extra, RiskReason(
            "model", f"priority {priority:.4f} ≥ audit threshold {policy.audit_threshold:.4f}",
            Channel.BLUE)])
    return decision(Channel.GREEN, extra)

"""The selectivity policy: red profile hits win, then yellow, then the random share, then the
model's priority against the budget threshold (issue 4, item 3)."""

from __future__ import annotations

from decimal import Decimal

from opencustoms.domain.selectivity import Channel
from opencustoms.risk.policy import (
    ModelScore,
    SelectivityPolicy,
    decide,
    with_model_thresholds,
)
from opencustoms.risk.profiles import ProfileChannel, ProfileHit, RiskProfileId
from opencustoms.risk.training import budget_thresholds

POLICY = SelectivityPolicy(random_share=0.02, aeo_relief=0.5, control_threshold=0.6,
                           audit_threshold=0.3, physical_revenue=500.0)


def hit(channel: ProfileChannel, profile: str = "RP000000000001", weight: int = 50) -> ProfileHit:
    return ProfileHit(RiskProfileId(profile), 3, channel, Decimal(weight), "open crate", (1,))


def score(priority: float, revenue: float = 100.0) -> ModelScore:
    return ModelScore(0.8, priority, revenue, (("origin", 0.7), ("hs4", 0.2)), "m-1")


def test_a_red_profile_hit_wins_over_yellow_hits_and_a_low_score() -> None:
    decision = decide(POLICY, [hit(ProfileChannel.YELLOW, weight=90),
                               hit(ProfileChannel.RED, "RP000000000002", 10)],
                      aeo=True, draw=0.99, score=score(0.01))
    assert decision.channel is Channel.RED
    assert [(r.kind, r.profile, r.version) for r in decision.reasons] == [
        ("profile", "RP000000000001", 3), ("profile", "RP000000000002", 3)]
    assert decision.reasons[0].instructions == "open crate"
    assert decision.model_version == "m-1"


def test_a_yellow_hit_sends_the_declaration_to_documentary_control() -> None:
    decision = decide(POLICY, [hit(ProfileChannel.YELLOW)], aeo=False, draw=0.99)
    assert decision.channel is Channel.YELLOW
    assert decision.policy_version == POLICY.version


def test_the_random_share_selects_for_physical_control() -> None:
    assert decide(POLICY, [], aeo=False, draw=0.019).channel is Channel.RED
    assert decide(POLICY, [], aeo=False, draw=0.021).channel is Channel.GREEN


def test_aeo_relief_halves_the_random_share_and_the_priority() -> None:
    assert decide(POLICY, [], aeo=True, draw=0.015).channel is Channel.GREEN
    relieved = decide(POLICY, [], aeo=True, draw=0.99, score=score(0.8))
    assert relieved.channel is Channel.BLUE  # 0.8 × 0.5 = 0.4: audit, not control
    assert [r.kind for r in relieved.reasons] == ["aeo_relief", "model"]


def test_a_high_priority_is_controlled_physically_when_much_revenue_is_at_risk() -> None:
    assert decide(POLICY, [], aeo=False, draw=0.99,
                  score=score(0.7, revenue=800)).channel is Channel.RED
    assert decide(POLICY, [], aeo=False, draw=0.99,
                  score=score(0.7, revenue=100)).channel is Channel.YELLOW


def test_a_low_priority_or_no_model_releases_green() -> None:
    assert decide(POLICY, [], aeo=False, draw=0.99, score=score(0.1)).channel is Channel.GREEN
    no_model = decide(POLICY, [], aeo=False, draw=0.99)
    assert (no_model.channel, no_model.score, no_model.reasons) == (Channel.GREEN, None, ())


def test_the_models_budget_cut_offs_apply_unless_the_administration_set_its_own() -> None:
    metrics = {"validation": {"control_threshold": 0.7, "audit_threshold": 0.4}}
    from_model = with_model_thresholds(SelectivityPolicy(), metrics)
    assert (from_model.control_threshold, from_model.audit_threshold) == (0.7, 0.4)
    assert with_model_thresholds(POLICY, metrics) == POLICY
    assert with_model_thresholds(SelectivityPolicy(), {}) == SelectivityPolicy()


def test_budget_thresholds_select_the_budget_share_of_the_newest_history() -> None:
    priorities = [i / 1000 for i in range(1000)]
    cuts = budget_thresholds(priorities, 5.0)
    assert cuts["control_threshold"] == 0.950  # the 50th highest of 1,000
    assert cuts["audit_threshold"] == 0.900  # the 100th highest
    assert sum(p >= cuts["control_threshold"] for p in priorities) == 50
    assert budget_thresholds([0.5] * 10, 5.0)["control_threshold"] is None  # k = 0

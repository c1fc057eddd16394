"""The selectivity priority and how its revenue weight is tuned."""

from __future__ import annotations

import numpy as np
import pytest

from opencustoms.risk.selectivity import PriorityPolicy, log_duty_weighted, tune_revenue_weight


def test_priority_adds_the_weighted_expected_revenue_to_the_probability() -> None:
    policy = PriorityPolicy(revenue_weight=0.5, revenue_scale=200.0)
    assert policy.priority(0.3, 100.0) == pytest.approx(0.3 + 0.5 * 100.0 / 200.0)
    np.testing.assert_allclose(policy.priorities([0.3, 0.9], [100.0, 0.0]), [0.55, 0.9])


def test_zero_weight_ranks_by_probability_alone() -> None:
    policy = PriorityPolicy(0.0, 1.0)
    assert policy.priority(0.42, 1e9) == 0.42


def test_a_policy_survives_a_round_trip_and_refuses_a_non_positive_scale() -> None:
    policy = PriorityPolicy(0.1, 56_000.0)
    assert PriorityPolicy.from_dict(policy.to_dict()) == policy
    with pytest.raises(ValueError, match="revenue_scale must be positive"):
        PriorityPolicy.from_dict({"revenue_weight": 0.1, "revenue_scale": 0})


def test_log_duty_baseline_is_probability_times_one_plus_log_duty() -> None:
    np.testing.assert_allclose(log_duty_weighted([0.5, 0.2], [0.0, np.e - 1]), [0.5, 0.4])


def validation_period() -> dict[str, object]:
    """200 items: 20 frauds the model sees well (p 0.9, small duty), 4 big-duty frauds it is
    unsure of (p 0.25), 16 big-duty honest items (p 0.1), the rest honest (p 0.05)."""
    p = np.full(200, 0.05)
    duty = np.full(200, 10.0)
    fraud = np.zeros(200, dtype=bool)
    p[:20], fraud[:20] = 0.9, True
    p[20:24], duty[20:24], fraud[20:24] = 0.25, 10_000.0, True
    p[24:40], duty[24:40] = 0.1, 10_000.0
    revenue = np.where(fraud, duty, 0.0)
    return {"probability": p, "expected_revenue": p * duty, "revenue_scale": 100.0,
            "fraud": fraud, "revenue": revenue, "duty": duty,
            "ids": [f"D{i:03d}" for i in range(200)], "budget_percent": 10}


def test_tuning_takes_the_most_precise_weight_that_dominates_the_value_baselines() -> None:
    tuning = tune_revenue_weight(**validation_period())  # type: ignore[arg-type]
    # 20 slots: the 4 big frauds (all the big revenue) and 16 of the 20 well-seen frauds
    assert tuning.rule == "dominates"
    assert (tuning.precision, tuning.revenue) == (1.0, pytest.approx(40_160 / 40_200))
    assert tuning.baselines["value"][0] == pytest.approx(4 / 20)
    assert tuning.revenue_weight > 0


def test_without_a_dominating_weight_the_target_objective_keeps_the_precision_floor() -> None:
    period = validation_period()
    p, duty, fraud = period["probability"], period["duty"], period["fraud"]
    assert isinstance(p, np.ndarray) and isinstance(duty, np.ndarray)
    assert isinstance(fraud, np.ndarray)
    # one huge-duty fraud the model barely suspects (D100), listed before 39 huge-duty honest
    # items it suspects a little more: the value ranking takes D100 first, no weight can
    p[100], duty[100], fraud[100] = 0.0001, 2e6, True
    p[101:140], duty[101:140] = 0.0002, 2e6
    period["expected_revenue"] = p * duty
    period["revenue"] = np.where(fraud, duty, 0.0)
    tuning = tune_revenue_weight(**period, precision_floor=0.9,  # type: ignore[arg-type]
                                 objective="target")
    assert tuning.rule == "precision_floor"
    assert tuning.precision == 1.0
    assert tuning.baselines["value"][1] > tuning.revenue
    # the 4 big-duty frauds and 16 well-seen ones, more than p·(1 + ln(1 + duty)) finds
    assert tuning.revenue == pytest.approx(40_160 / 2_040_200)
    assert tuning.revenue > tuning.baselines["probability_log_duty"][1]


def look_alike_period() -> dict[str, object]:
    """200 items, budget 10 % (20). 18 small-duty frauds the model sees well (p 0.9); 16
    mid-duty items it cannot tell apart (p 0.3, duty 1,000), 6 of them frauds, ids interleaved;
    the rest honest."""
    p, duty = np.full(200, 0.05), np.full(200, 10.0)
    fraud = np.zeros(200, dtype=bool)
    p[:18], fraud[:18] = 0.9, True
    mid = list(range(20, 36))
    p[mid], duty[mid] = 0.3, 1000.0
    fraud[[20, 22, 24, 26, 28, 30]] = True
    return {"probability": p, "expected_revenue": p * duty, "revenue_scale": 100.0,
            "fraud": fraud, "revenue": np.where(fraud, duty, 0.0), "duty": duty,
            "ids": [f"D{i:03d}" for i in range(200)], "budget_percent": 10}


def test_the_objective_decides_when_no_weight_dominates() -> None:
    target = tune_revenue_weight(**look_alike_period(),  # type: ignore[arg-type]
                                 objective="target")
    dominate = tune_revenue_weight(**look_alike_period(),  # type: ignore[arg-type]
                                   objective="dominate")
    # value ranking: the 16 look-alikes and 4 small frauds, 0.5 / 6,040 of 6,180
    assert target.baselines["value"] == (0.5, pytest.approx(6040 / 6180))
    assert (target.rule, target.precision) == ("precision_floor", 0.95)
    assert (dominate.rule, dominate.precision) == ("near_max_revenue", 0.5)
    assert dominate.revenue == pytest.approx(6040 / 6180)  # equal to the value ranking's
    assert target.alternatives == dominate.alternatives
    assert target.alternatives["target"] < target.alternatives["dominate"]


def test_by_default_the_policy_keeps_the_value_rankings_revenue() -> None:
    default = tune_revenue_weight(**look_alike_period())  # type: ignore[arg-type]
    assert (default.rule, default.precision) == ("near_max_revenue", 0.5)
    assert default.revenue >= default.baselines["value"][1]


def test_an_unknown_objective_is_refused() -> None:
    with pytest.raises(ValueError, match="objective must be one of"):
        tune_revenue_weight(**validation_period(), objective="cheapest")  # type: ignore[arg-type]

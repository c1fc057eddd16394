"""The backtest report: per month declarations, hits, controlled hits, hit rate, extra
workload — computed from facts, without a database."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from opencustoms.domain.parties import PartyId
from opencustoms.risk.backtest import (
    BacktestCase,
    BacktestPeriod,
    BacktestReport,
    BacktestSubject,
    Figures,
    InvalidPeriod,
    backtest,
)
from opencustoms.risk.profiles import ItemFacts, RiskFacts, RiskProfile, parse_profile

ANALYST = PartyId("XX900000000002")
MARCH = BacktestPeriod(date(2026, 3, 1), date(2026, 3, 31))
Q1 = BacktestPeriod(date(2026, 1, 1), date(2026, 3, 31))


def facts(origin: str, code: str = "8712003000") -> RiskFacts:
    item = ItemFacts(1, code, origin, "4000", "100", False, Decimal(100), Decimal(10),
                     Decimal(11), None, Decimal("1.1"), Decimal(10), Decimal(5))
    return RiskFacts("IM", "A", "XX000100", "XX100000000001", None, None, origin, None, "1",
                     "FOB", False, (item,))


def case(mrn: str, day: date, origin: str, code: str = "8712003000") -> BacktestCase:
    return BacktestCase(mrn, day, facts(origin, code))


def definition(criteria: dict[str, Any], **changes: Any) -> Any:
    return parse_profile({"name": "p", "criteria": criteria, "valid_from": "2026-01-01",
                          "channel": "yellow", "instructions": "check", "weight": 10,
                          **changes})


FROM_CN = {"field": "item.origin", "op": "eq", "value": "CN"}
BICYCLES = {"field": "item.commodity_code", "op": "starts_with", "value": "8712"}


def stored(criteria: dict[str, Any], **changes: Any) -> RiskProfile:
    return RiskProfile.create(definition(criteria, **changes), by=ANALYST,
                              at=datetime(2026, 1, 1, tzinfo=UTC))


def run(criteria: dict[str, Any], cases: Iterable[BacktestCase],
        period: BacktestPeriod = MARCH, **kwargs: Any) -> BacktestReport:
    return backtest(BacktestSubject(definition(criteria)), cases, period, **kwargs)


def test_hits_and_hit_share_per_month() -> None:
    cases = [case("M1", date(2026, 1, 5), "CN"), case("M2", date(2026, 1, 9), "DE"),
             case("M3", date(2026, 3, 1), "CN"), case("M4", date(2026, 3, 31), "CN"),
             case("M5", date(2026, 3, 15), "VN")]
    report = run(FROM_CN, cases, Q1)
    assert [(m.period, m.declarations, m.hits, m.hit_share) for m in report.months] == [
        ("2026-01", 2, 1, Decimal("0.5")), ("2026-02", 0, 0, None),
        ("2026-03", 3, 2, Decimal("0.6667"))]
    assert (report.total.declarations, report.total.hits) == (5, 3)
    assert report.total.hit_share == Decimal("0.6")


def test_declarations_outside_the_period_are_not_counted() -> None:
    report = run(FROM_CN, [case("M1", date(2026, 2, 28), "CN"),
                           case("M2", date(2026, 4, 1), "CN")])
    assert report.total == Figures("total")


def test_without_control_results_nothing_is_controlled_and_there_is_no_hit_rate() -> None:
    report = run(FROM_CN, [case("M1", date(2026, 3, 2), "CN")])
    assert (report.total.controlled, report.total.irregularities) == (0, 0)
    assert report.total.hit_rate is None
    assert report.to_json()["total"]["hit_rate"] is None


def test_hit_rate_is_irregularities_among_controlled_hits() -> None:
    cases = [case(f"M{i}", date(2026, 3, 2), "CN") for i in range(4)]
    cases.append(case("MISS", date(2026, 3, 2), "DE"))
    outcomes = {"M0": True, "M1": False, "M2": True, "MISS": True}  # MISS is no hit
    report = run(FROM_CN, cases, outcomes=outcomes)
    assert (report.total.hits, report.total.controlled, report.total.irregularities) == (4, 3, 2)
    assert report.total.hit_rate == Decimal("0.6667")


def test_extra_workload_counts_hits_no_other_profile_in_force_selects() -> None:
    bicycles = stored(BICYCLES)
    expired = stored(FROM_CN, valid_to="2026-02-28")
    inactive = stored(FROM_CN, active=False)
    cases = [case("M1", date(2026, 3, 2), "CN"),                 # bicycles profile has it
             case("M2", date(2026, 3, 2), "CN", "6403000000"),   # only the tested profile
             case("M3", date(2026, 3, 2), "VN")]                 # bicycles only: no hit
    report = run(FROM_CN, cases, others=[bicycles, expired, inactive])
    assert (report.total.hits, report.total.extra_workload) == (2, 1)


def test_a_draft_of_a_stored_profile_is_not_compared_with_that_profile() -> None:
    current = stored(FROM_CN)
    draft = BacktestSubject(definition({"any": [FROM_CN, BICYCLES]}), profile=current.id)
    report = backtest(draft, [case("M1", date(2026, 3, 2), "CN")], MARCH, others=[current])
    assert report.total.extra_workload == 1
    assert report.to_json()["draft"] is True and report.to_json()["profile"] == current.id


def test_the_tested_criteria_apply_whatever_the_profiles_validity_and_active_flag() -> None:
    future = definition(FROM_CN, valid_from="2027-01-01", active=False)
    report = backtest(BacktestSubject(future), [case("M1", date(2026, 3, 2), "CN")], MARCH)
    assert report.total.hits == 1


def test_the_report_as_json() -> None:
    profile = stored(FROM_CN)
    report = backtest(BacktestSubject.stored(profile), [case("M1", date(2026, 3, 2), "CN")],
                      MARCH)
    assert report.to_json() == {
        "profile": profile.id, "version": 1, "draft": False,
        "from": "2026-03-01", "to": "2026-03-31",
        "months": [{"month": "2026-03", "declarations": 1, "hits": 1, "hit_share": 1.0,
                    "controlled": 0, "irregularities": 0, "hit_rate": None,
                    "extra_workload": 1}],
        "total": {"declarations": 1, "hits": 1, "hit_share": 1.0, "controlled": 0,
                  "irregularities": 0, "hit_rate": None, "extra_workload": 1},
    }


# --- the period ---------------------------------------------------------------------------


def test_the_default_period_is_twelve_calendar_months_up_to_today() -> None:
    period = BacktestPeriod.of(None, None, today=date(2026, 3, 15))
    assert period == BacktestPeriod(date(2025, 4, 1), date(2026, 3, 15))
    assert len(period.months()) == 12
    january = BacktestPeriod.of(None, None, today=date(2026, 1, 31))
    assert january.start == date(2025, 2, 1)
    assert BacktestPeriod.of(None, date(2025, 12, 31), today=date(2026, 3, 15)).start == date(
        2025, 1, 1)


def test_months_cover_the_period_across_a_year_end() -> None:
    period = BacktestPeriod.of(date(2025, 11, 30), date(2026, 2, 1), today=date(2026, 3, 1))
    assert period.months() == ["2025-11", "2025-12", "2026-01", "2026-02"]


def test_a_period_ending_before_it_starts_points_at_to() -> None:
    with pytest.raises(InvalidPeriod, match="ends") as raised:
        BacktestPeriod.of(date(2026, 3, 2), date(2026, 3, 1), today=date(2026, 4, 1),
                          at="/body")
    assert [(p.code, p.pointer) for p in raised.value.problems] == [
        ("risk.backtest.invalid-period", "/body/to")]


def test_a_period_longer_than_ten_years_is_refused() -> None:
    with pytest.raises(InvalidPeriod, match="ten years"):
        BacktestPeriod.of(date(2000, 1, 1), date(2026, 1, 1), today=date(2026, 4, 1))

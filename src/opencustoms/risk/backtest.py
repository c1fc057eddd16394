"""Backtest: what a risk profile would have hit on stored history, month by month.

The tested profile's criteria are applied to every declaration accepted in the period,
whatever the profile's validity dates and active flag say — a backtest asks what the criteria
*would have* hit (a draft is typically valid from tomorrow). For each calendar month of the
period the report gives:

- ``declarations``: declarations accepted in the month;
- ``hits``: those the criteria hit; ``hit_share`` = hits / declarations;
- ``controlled``: hits with a known control result; ``irregularities``: those found irregular;
  ``hit_rate`` = irregularities / controlled (none while nothing was controlled);
- ``extra_workload``: hits that no *other* profile would have selected — other profiles as they
  stand now (their current version), counted only when active and valid on the date of
  acceptance. A draft revising a stored profile is not compared with that profile.

Months run on the UTC date of acceptance, the date that decides which profiles apply.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from opencustoms.domain.errors import Problem, RuleViolations
from opencustoms.risk.criteria import matching_items
from opencustoms.risk.profiles import ProfileDefinition, RiskFacts, RiskProfile, RiskProfileId

DEFAULT_MONTHS = 12
MAX_DAYS = 366 * 10
_SHARE = Decimal("0.0001")


class InvalidPeriod(RuleViolations):
    """The backtest period asked for is not one that can be run."""

    code = "risk.backtest.invalid-period"

    def __init__(self, detail: str, at: str) -> None:
        super().__init__([Problem(self.code, at, detail)])
        self.detail = detail
        self.args = (detail,)


@dataclass(frozen=True, slots=True)
class BacktestPeriod:
    """Dates of acceptance from ``start`` to ``end``, both included."""

    start: date
    end: date

    @classmethod
    def of(cls, start: date | None, end: date | None, *, today: date,
           at: str = "") -> BacktestPeriod:
        """The period asked for; by default the :data:`DEFAULT_MONTHS` calendar months up to
        ``today`` (or up to ``end``). An end before the start, or more than ten years, is
        refused with a pointer to ``/to``."""
        end = end or today
        if start is None:
            months_back = end.year * 12 + end.month - DEFAULT_MONTHS
            start = date(months_back // 12, months_back % 12 + 1, 1)
        if end < start:
            raise InvalidPeriod(f"the period ends ({end}) before it starts ({start})", f"{at}/to")
        if (end - start).days > MAX_DAYS:
            raise InvalidPeriod("a backtest covers at most ten years", f"{at}/to")
        return cls(start, end)

    def months(self) -> list[str]:
        found, day = [], self.start.replace(day=1)
        while day <= self.end:
            found.append(month_of(day))
            day = (day + timedelta(days=32)).replace(day=1)
        return found


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


@dataclass(frozen=True, slots=True)
class BacktestCase:
    """One stored declaration: its MRN, its date of acceptance and its facts."""

    mrn: str
    accepted_on: date
    facts: RiskFacts


@dataclass(frozen=True, slots=True)
class BacktestSubject:
    """What is tested: a stored version (``version`` set) or a draft (``version`` None),
    which may revise the stored profile ``profile``."""

    definition: ProfileDefinition
    profile: RiskProfileId | None = None
    version: int | None = None

    @classmethod
    def stored(cls, profile: RiskProfile) -> BacktestSubject:
        return cls(profile.definition, profile.id, profile.version)


@dataclass(frozen=True, slots=True)
class Figures:
    """Counts for one month (``period`` ``YYYY-MM``) or the whole period (``total``)."""

    period: str
    declarations: int = 0
    hits: int = 0
    controlled: int = 0
    irregularities: int = 0
    extra_workload: int = 0

    @property
    def hit_share(self) -> Decimal | None:
        return _share(self.hits, self.declarations)

    @property
    def hit_rate(self) -> Decimal | None:
        return _share(self.irregularities, self.controlled)

    def __add__(self, other: Figures) -> Figures:
        return replace(self, declarations=self.declarations + other.declarations,
                       hits=self.hits + other.hits, controlled=self.controlled + other.controlled,
                       irregularities=self.irregularities + other.irregularities,
                       extra_workload=self.extra_workload + other.extra_workload)

    def to_json(self) -> dict[str, Any]:
        share, rate = self.hit_share, self.hit_rate
        return {"declarations": self.declarations, "hits": self.hits,
                "hit_share": None if share is None else float(share),
                "controlled": self.controlled, "irregularities": self.irregularities,
                "hit_rate": None if rate is None else float(rate),
                "extra_workload": self.extra_workload}


def _share(part: int, whole: int) -> Decimal | None:
    if whole == 0:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(_SHARE, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class BacktestReport:
    subject: BacktestSubject
    period: BacktestPeriod
    months: tuple[Figures, ...]
    total: Figures

    def to_json(self) -> dict[str, Any]:
        """The report as the API and ``opencustoms risk backtest --json`` print it."""
        return {
            "profile": self.subject.profile, "version": self.subject.version,
            "draft": self.subject.version is None,
            "from": self.period.start.isoformat(), "to": self.period.end.isoformat(),
            "months": [{"month": m.period, **m.to_json()} for m in self.months],
            "total": self.total.to_json(),
        }


def backtest(subject: BacktestSubject, cases: Iterable[BacktestCase], period: BacktestPeriod,
             *, others: Sequence[RiskProfile] = (),
             outcomes: Mapping[str, bool] | None = None) -> BacktestReport:
    """Run ``subject`` over ``cases`` (declarations outside ``period`` are ignored).

    ``others`` are the profiles the extra workload is measured against; ``outcomes`` maps an
    MRN to its control result (True: irregularity found), where one exists."""
    counts = {month: Figures(month) for month in period.months()}
    rivals = [other for other in others if other.id != subject.profile]
    criteria = subject.definition.criteria
    for case in cases:
        if not period.start <= case.accepted_on <= period.end:
            continue
        month = month_of(case.accepted_on)
        figures = Figures(month, declarations=1)
        if matching_items(criteria, case.facts) is not None:
            outcome = None if outcomes is None else outcomes.get(case.mrn)
            extra = not any(r.hit(case.facts, case.accepted_on) for r in rivals)
            figures = replace(figures, hits=1, controlled=int(outcome is not None),
                              irregularities=int(bool(outcome)), extra_workload=int(extra))
        counts[month] += figures
    months = tuple(counts.values())
    total = sum(months, Figures("total"))
    return BacktestReport(subject, period, months, total)


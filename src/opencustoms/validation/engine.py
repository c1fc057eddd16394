"""Run the whole rule catalogue over a declaration and collect every problem at once."""

from __future__ import annotations

from opencustoms.domain.errors import Problem
from opencustoms.validation import rules as _rules  # noqa: F401  (registers the catalogue)
from opencustoms.validation.registry import Rule, RuleContext, ordered_rules


def catalogue() -> list[Rule]:
    """Every registered rule, ordered by code."""
    return list(ordered_rules())


def validate(context: RuleContext) -> list[Problem]:
    """All problems found by all rules, ordered by pointer then code (stable for clients).

    The same as extending with each rule's :meth:`Rule.run`, without a list per rule: a valid
    declaration (the common case) runs 76 rules that find nothing."""
    problems: list[Problem] = []
    for registered in ordered_rules():
        for where, detail in registered.check(context):
            problems.append(Problem(registered.code, where, detail))
    if len(problems) > 1:
        problems.sort(key=lambda p: (p.pointer, p.code))
    return problems

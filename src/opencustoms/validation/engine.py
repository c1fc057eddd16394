"""Run the whole rule catalogue over a declaration and collect every problem at once."""

from __future__ import annotations

from opencustoms.domain.errors import Problem
from opencustoms.validation import rules as _rules  # noqa: F401  (registers the catalogue)
from opencustoms.validation.registry import REGISTRY, Rule, RuleContext


def catalogue() -> list[Rule]:
    """Every registered rule, ordered by code."""
    return [REGISTRY[code] for code in sorted(REGISTRY)]


def validate(context: RuleContext) -> list[Problem]:
    """All problems found by all rules, ordered by pointer then code (stable for clients)."""
    problems: list[Problem] = []
    for registered in catalogue():
        problems.extend(registered.run(context))
    return sorted(problems, key=lambda p: (p.pointer, p.code))

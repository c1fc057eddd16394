"""The rule catalogue: every format-logical rule registers here under a stable code.

A rule is a small function over a :class:`RuleContext` that yields ``(pointer, detail)`` for
each violation it finds. Its docstring's first line is the rule's message in the catalogue
(``GET /api/v1/reference/rules``). Codes never change meaning once published; a retired rule
keeps its code out of use.

Code families (DESIGN.md C2): ``CL`` code-list, ``CD`` condition, ``RL`` rule, ``SQ`` sequence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from opencustoms.domain.declaration import DeclarationContent
from opencustoms.domain.errors import Problem
from opencustoms.domain.parties import Party
from opencustoms.domain.reference import ReferenceData


class RuleFamily(StrEnum):
    CODE_LIST = "code-list"
    CONDITION = "condition"
    RULE = "rule"
    SEQUENCE = "sequence"


@dataclass(frozen=True, slots=True)
class RuleContext:
    """What a rule may look at: the declaration, reference data, the acceptance date and the
    authenticated party (None when validating without one, e.g. an estimate)."""

    declaration: DeclarationContent
    reference: ReferenceData
    on: date
    actor: Party | None = None


Finding = tuple[str, str]
"""(JSON Pointer into the submitted document, specific detail)."""

Check = Callable[[RuleContext], Iterable[Finding]]


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    family: RuleFamily
    name: str
    message: str
    check: Check

    def run(self, context: RuleContext) -> list[Problem]:
        return [Problem(self.code, where, detail) for where, detail in self.check(context)]


REGISTRY: dict[str, Rule] = {}

_ORDERED: list[tuple[Rule, ...]] = []
"""The registry ordered by code, computed once after the last registration (every
declaration runs the whole catalogue; sorting it each time is wasted work)."""


def ordered_rules() -> tuple[Rule, ...]:
    """Every registered rule, ordered by code."""
    if not _ORDERED:
        _ORDERED.append(tuple(REGISTRY[code] for code in sorted(REGISTRY)))
    return _ORDERED[0]


def rule(code: str, family: RuleFamily) -> Callable[[Check], Check]:
    """Register ``check`` under ``code``. The docstring's first line becomes the message."""

    def register(check: Check) -> Check:
        if code in REGISTRY:
            raise ValueError(f"rule code {code} registered twice")
        doc = (check.__doc__ or "").strip().splitlines()
        if not doc:
            raise ValueError(f"rule {code} needs a docstring: it is the rule's message")
        REGISTRY[code] = Rule(code, family, check.__name__, doc[0], check)
        _ORDERED.clear()
        return check

    return register

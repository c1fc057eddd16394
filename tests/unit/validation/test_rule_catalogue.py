"""The rule catalogue: stable, unique codes in four families, each with its message."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from opencustoms.validation.engine import catalogue
from opencustoms.validation.registry import RuleContext, RuleFamily, rule

PREFIX = {RuleFamily.CODE_LIST: "CL1", RuleFamily.CONDITION: "CD2", RuleFamily.RULE: "RL3",
          RuleFamily.SEQUENCE: "SQ4"}


def test_catalogue_has_at_least_45_rules_with_unique_codes() -> None:
    codes = [r.code for r in catalogue()]
    assert len(codes) >= 45
    assert len(set(codes)) == len(codes)
    assert codes == sorted(codes)


def test_every_rule_code_matches_its_family() -> None:
    for registered in catalogue():
        assert re.fullmatch(r"(CL1|CD2|RL3|SQ4)\d\d", registered.code), registered.code
        assert registered.code.startswith(PREFIX[registered.family]), registered.code


def test_catalogue_covers_the_four_families() -> None:
    assert {r.family for r in catalogue()} == set(RuleFamily)


def test_every_rule_has_a_one_sentence_message() -> None:
    for registered in catalogue():
        assert registered.message[0].isupper(), registered.code
        assert registered.message.endswith("."), registered.code
        assert 20 <= len(registered.message) <= 100, registered.code


def test_a_code_cannot_be_registered_twice() -> None:
    def duplicate(context: RuleContext) -> Iterator[tuple[str, str]]:
        """Duplicate."""
        yield from ()

    with pytest.raises(ValueError, match="CL101 registered twice"):
        rule("CL101", RuleFamily.CODE_LIST)(duplicate)

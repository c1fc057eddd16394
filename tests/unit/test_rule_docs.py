"""The documented rule catalogue matches the code."""

from __future__ import annotations

from pathlib import Path

from opencustoms.validation.engine import catalogue

DOC = Path(__file__).resolve().parents[2] / "docs" / "validation-rules.md"


def test_every_rule_is_documented_with_its_message() -> None:
    text = DOC.read_text()
    missing = [r.code for r in catalogue()
               if f"| {r.code} | {r.family.value} | {r.message.replace('|', '/')} |" not in text]
    assert missing == []


def test_catalogue_has_at_least_forty_rules() -> None:
    assert len(catalogue()) >= 40

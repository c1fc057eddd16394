"""Selectivity: the channel a declaration takes and the reasons for it (DESIGN.md C4).

Channels follow WCO practice: green (release without control), yellow (documentary control),
red (physical control), blue (released, selected for post-clearance audit). Every decision keeps
its reasons — profiles that fired (with their versions), the random calibration draw, the model
score with its top feature contributions, and the policy and model versions — so that an
officer, an auditor or the trader's appeal can see why.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Channel(StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"
    BLUE = "blue"

    @property
    def controlled(self) -> bool:
        """Yellow and red hold the goods for a control before release."""
        return self in (Channel.YELLOW, Channel.RED)


@dataclass(frozen=True, slots=True)
class RiskReason:
    """One reason behind a decision. ``kind`` is ``profile``, ``random``, ``model`` or
    ``aeo_relief``; a profile reason names the profile version, its channel, the officer's
    instructions and the goods items it matched."""

    kind: str
    detail: str
    channel: Channel | None = None
    profile: str | None = None
    version: int | None = None
    instructions: str | None = None
    items: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class RiskDecision:
    """The selectivity outcome of one declaration."""

    channel: Channel
    reasons: tuple[RiskReason, ...]
    policy_version: str
    score: float | None = None
    priority: float | None = None
    contributions: tuple[tuple[str, float], ...] = ()
    model_version: str | None = None

"""Control results: what an officer found when checking documents or goods.

A result is the ground truth risk management learns from: ``irregularity`` is the label and
``extra_duty`` the revenue a control recovered (DESIGN.md C4, C5).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from opencustoms.domain.parties import PartyId


class ControlKind(StrEnum):
    DOCUMENTARY = "documentary"
    PHYSICAL = "physical"


@dataclass(frozen=True, slots=True)
class ControlResult:
    """The outcome of one control of declaration ``mrn``. ``corrections`` holds corrected
    values by JSON Pointer into the declaration (e.g. ``/goodsItems/0/commodityCode``)."""

    mrn: str
    kind: ControlKind
    officer: PartyId
    recorded_at: datetime
    irregularity: bool
    findings: str
    extra_duty: Decimal
    currency: str
    corrections: dict[str, Any] = field(default_factory=dict)

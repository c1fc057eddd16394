"""Tables of risk management: risk profiles and their versions (issue 4).

``risk_profiles`` holds one row per profile and the number of its current version, the row
writers lock on; ``risk_profile_versions`` keeps every version as written, never updated, so a
decision can always show the version that fired. Declared on the same ``Base`` as every other
table, so migrations and the schema comparison see them.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from opencustoms.adapters.db.tables import PARTY_ID, Base

PROFILE_ID = String(16)


class RiskProfileRow(Base):
    """A risk profile: who created it, when, and which version is current."""

    __tablename__ = "risk_profiles"

    id: Mapped[str] = mapped_column(PROFILE_ID, primary_key=True)
    current_version: Mapped[int]
    created_by: Mapped[str] = mapped_column(PARTY_ID)
    created_at: Mapped[datetime]


class RiskProfileVersionRow(Base):
    """One version of a profile, as the analyst wrote it; criteria as canonical JSON."""

    __tablename__ = "risk_profile_versions"

    profile_id: Mapped[str] = mapped_column(
        PROFILE_ID, ForeignKey("risk_profiles.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    criteria: Mapped[dict[str, Any]]
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]
    channel: Mapped[str] = mapped_column(String(16))
    instructions: Mapped[str] = mapped_column(Text)
    weight: Mapped[Decimal]
    active: Mapped[bool]
    created_by: Mapped[str] = mapped_column(PARTY_ID)
    created_at: Mapped[datetime]

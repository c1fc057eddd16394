"""Risk profiles and their versions (issue 4).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types in tables.py / types.py as they are at this revision.
JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TIMESTAMP = sa.DateTime(timezone=True)
EXACT_DECIMAL = sa.Numeric().with_variant(sa.String(64), "sqlite")
PARTY_ID = sa.String(17)
PROFILE_ID = sa.String(16)


def upgrade() -> None:
    op.create_table(
        "risk_profiles",
        sa.Column("id", PROFILE_ID, nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("created_by", PARTY_ID, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_risk_profiles"),
    )
    op.create_table(
        "risk_profile_versions",
        sa.Column("profile_id", PROFILE_ID, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("criteria", JSON_DOCUMENT, nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("instructions", sa.Text(), nullable=False),
        sa.Column("weight", EXACT_DECIMAL, nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", PARTY_ID, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(["profile_id"], ["risk_profiles.id"], ondelete="CASCADE",
                                name="fk_risk_profile_versions_profile_id_risk_profiles"),
        sa.PrimaryKeyConstraint("profile_id", "version", name="pk_risk_profile_versions"),
    )


def downgrade() -> None:
    op.drop_table("risk_profile_versions")
    op.drop_table("risk_profiles")

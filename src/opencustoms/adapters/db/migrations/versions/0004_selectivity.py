"""Selectivity: each declaration's channel (indexed, for officers' queues) and its decision.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.add_column("declarations", sa.Column("channel", sa.String(8), nullable=True))
    op.add_column("declarations", sa.Column("risk", JSON_DOCUMENT, nullable=True))
    op.create_index("ix_declarations_channel", "declarations", ["channel"])


def downgrade() -> None:
    op.drop_index("ix_declarations_channel", "declarations")
    with op.batch_alter_table("declarations") as batch:
        batch.drop_column("risk")
        batch.drop_column("channel")

"""Duties and taxes: each declaration's assessment, its tax lines, and tariff quota balances.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
EXACT_DECIMAL = sa.Numeric().with_variant(sa.String(64), "sqlite")
SURROGATE_KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column("declarations", sa.Column("assessment", JSON_DOCUMENT, nullable=True))
    op.create_table(
        "declaration_tax_lines",
        sa.Column("declaration_id", SURROGATE_KEY,
                  sa.ForeignKey("declarations.id", ondelete="CASCADE",
                                name="fk_declaration_tax_lines_declaration_id_declarations"),
                  nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("item", sa.Integer(), nullable=False),
        sa.Column("tax_type", sa.String(8), nullable=False),
        sa.Column("base", EXACT_DECIMAL, nullable=False),
        sa.Column("base_unit", sa.String(16), nullable=False),
        sa.Column("rate", sa.Text(), nullable=False),
        sa.Column("amount", EXACT_DECIMAL, nullable=False),
        sa.Column("measure", sa.String(32), nullable=True),
        sa.Column("measure_type", sa.String(8), nullable=True),
        sa.PrimaryKeyConstraint("declaration_id", "line", name="pk_declaration_tax_lines"),
    )
    op.create_index("ix_declaration_tax_lines_tax_type", "declaration_tax_lines", ["tax_type"])
    op.create_table(
        "quota_balances",
        sa.Column("order_number", sa.String(16), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("volume", EXACT_DECIMAL, nullable=False),
        sa.Column("unit", sa.String(16), nullable=False),
        sa.Column("balance", EXACT_DECIMAL, nullable=False),
        sa.PrimaryKeyConstraint("order_number", "valid_from", name="pk_quota_balances"),
    )


def downgrade() -> None:
    op.drop_table("quota_balances")
    op.drop_table("declaration_tax_lines")
    with op.batch_alter_table("declarations") as batch:
        batch.drop_column("assessment")

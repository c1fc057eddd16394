"""Clearance: control results, accounts, notification outbox and webhooks, audit log, and the
clearance columns of declarations.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MONEY = sa.Numeric(asdecimal=True).with_variant(sa.String(64), "sqlite")
TIME = sa.DateTime(timezone=True)
PARTY = sa.String(17)

_DECLARATION_COLUMNS = (
    sa.Column("amount_secured", MONEY, nullable=True),
    sa.Column("extra_duty", MONEY, nullable=True),
    sa.Column("claimed_by", PARTY, nullable=True),
    sa.Column("claimed_at", TIME, nullable=True),
    sa.Column("secured_by", sa.String(16), nullable=True),
    sa.Column("control_started_at", TIME, nullable=True),
    sa.Column("control_ended_at", TIME, nullable=True),
    sa.Column("released_at", TIME, nullable=True),
    sa.Column("decided_at", TIME, nullable=True),
    sa.Column("release_note", JSON_DOCUMENT, nullable=True),
)


def upgrade() -> None:
    for column in _DECLARATION_COLUMNS:
        op.add_column("declarations", column)
    op.create_table(
        "control_results",
        sa.Column("id", KEY, primary_key=True, autoincrement=True),
        sa.Column("declaration_id", KEY, nullable=False),
        sa.Column("mrn", sa.String(18), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("officer", PARTY, nullable=False),
        sa.Column("recorded_at", TIME, nullable=False),
        sa.Column("irregularity", sa.Boolean(), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("extra_duty", MONEY, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("corrections", JSON_DOCUMENT, nullable=False),
        sa.ForeignKeyConstraint(["declaration_id"], ["declarations.id"], ondelete="CASCADE",
                                name="fk_control_results_declaration_id_declarations"),
        sa.PrimaryKeyConstraint("id", name="pk_control_results"),
    )
    op.create_index("ix_control_results_declaration_id", "control_results", ["declaration_id"])
    op.create_index("ix_control_results_mrn", "control_results", ["mrn"])
    op.create_index("ix_control_results_recorded_at", "control_results", ["recorded_at"])
    op.create_table(
        "accounts",
        sa.Column("party_id", PARTY, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("balance", MONEY, nullable=False),
        sa.Column("guarantee_reference", MONEY, nullable=False),
        sa.Column("guarantee_used", MONEY, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("party_id", name="pk_accounts"),
    )
    op.create_table(
        "account_entries",
        sa.Column("id", KEY, primary_key=True, autoincrement=True),
        sa.Column("party_id", PARTY, nullable=False),
        sa.Column("at", TIME, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("balance_after", MONEY, nullable=False),
        sa.Column("guarantee_used_after", MONEY, nullable=False),
        sa.Column("mrn", sa.String(18), nullable=True),
        sa.Column("reference", sa.String(70), nullable=True),
        sa.Column("actor", PARTY, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_account_entries"),
    )
    op.create_index("ix_account_entries_party_id_id", "account_entries", ["party_id", "id"])
    op.create_index("ix_account_entries_mrn", "account_entries", ["mrn"])
    op.create_table(
        "notifications",
        sa.Column("id", KEY, primary_key=True, autoincrement=True),
        sa.Column("party_id", PARTY, nullable=False),
        sa.Column("function_code", sa.String(32), nullable=False),
        sa.Column("mrn", sa.String(18), nullable=True),
        sa.Column("lrn", sa.Text(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("body", JSON_DOCUMENT, nullable=False),
        sa.Column("acknowledged_at", TIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_notifications"),
    )
    op.create_index("ix_notifications_party_id_id", "notifications", ["party_id", "id"])
    op.create_table(
        "webhooks",
        sa.Column("id", KEY, primary_key=True, autoincrement=True),
        sa.Column("party_id", PARTY, nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("secret", sa.String(128), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("start_after", KEY, nullable=False),
        sa.Column("enqueued_through", KEY, nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_webhooks"),
    )
    op.create_index("ix_webhooks_party_id", "webhooks", ["party_id"])
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", KEY, primary_key=True, autoincrement=True),
        sa.Column("webhook_id", KEY, nullable=False),
        sa.Column("notification_id", KEY, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("next_attempt_at", TIME, nullable=True),
        sa.Column("delivered_at", TIME, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["webhook_id"], ["webhooks.id"], ondelete="CASCADE",
                                name="fk_webhook_deliveries_webhook_id_webhooks"),
        sa.ForeignKeyConstraint(["notification_id"], ["notifications.id"], ondelete="CASCADE",
                                name="fk_webhook_deliveries_notification_id_notifications"),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_deliveries"),
        sa.UniqueConstraint("webhook_id", "notification_id",
                            name="uq_webhook_deliveries_webhook_id_notification_id"),
    )
    op.create_index("ix_webhook_deliveries_status_next_attempt_at", "webhook_deliveries",
                    ["status", "next_attempt_at"])
    op.create_table(
        "delivery_attempts",
        sa.Column("id", KEY, primary_key=True, autoincrement=True),
        sa.Column("delivery_id", KEY, nullable=False),
        sa.Column("at", TIME, nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["delivery_id"], ["webhook_deliveries.id"], ondelete="CASCADE",
                                name="fk_delivery_attempts_delivery_id_webhook_deliveries"),
        sa.PrimaryKeyConstraint("id", name="pk_delivery_attempts"),
    )
    op.create_index("ix_delivery_attempts_delivery_id", "delivery_attempts", ["delivery_id"])
    op.create_table(
        "audit_log",
        sa.Column("seq", KEY, nullable=False, autoincrement=False),
        sa.Column("at", TIME, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("event", sa.String(64), nullable=False),
        sa.Column("data", JSON_DOCUMENT, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_audit_log"),
        sa.UniqueConstraint("prev_hash", name="uq_audit_log_prev_hash"),
    )
    op.create_index("ix_audit_log_kind_subject", "audit_log", ["kind", "subject"])


def downgrade() -> None:
    for table in ("audit_log", "delivery_attempts", "webhook_deliveries", "webhooks",
                  "notifications", "account_entries", "accounts", "control_results"):
        op.drop_table(table)
    with op.batch_alter_table("declarations") as batch:
        for column in reversed(_DECLARATION_COLUMNS):
            batch.drop_column(column.name)

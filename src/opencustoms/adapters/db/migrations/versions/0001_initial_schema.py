"""Initial schema: reference data, parties and API keys, declarations with their versions,
history and lookup rows, rejected lodgements.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types in tables.py / types.py as they are at this revision.
JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TIMESTAMP = sa.DateTime(timezone=True)
EXACT_DECIMAL = sa.Numeric().with_variant(sa.String(64), "sqlite")
SURROGATE_KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
PARTY_ID = sa.String(17)
SHA256 = sa.String(64)


def _validity() -> list[sa.Column[object]]:
    return [sa.Column("valid_from", sa.Date(), nullable=False),
            sa.Column("valid_to", sa.Date(), nullable=True)]


def _reference_tables() -> None:
    op.create_table(
        "jurisdiction",
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.PrimaryKeyConstraint("country", name="pk_jurisdiction"),
    )
    op.create_table(
        "code_list_entries",
        sa.Column("list", sa.String(64), nullable=False),
        sa.Column("code", sa.String(35), nullable=False),
        *_validity(),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("attributes", JSON_DOCUMENT, nullable=False),
        sa.PrimaryKeyConstraint("list", "code", "valid_from", name="pk_code_list_entries"),
    )
    op.create_table(
        "commodities",
        sa.Column("code", sa.String(16), nullable=False),
        *_validity(),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("parent", sa.String(16), nullable=True),
        sa.Column("declarable", sa.Boolean(), nullable=False),
        sa.Column("supplementary_unit", sa.String(16), nullable=True),
        sa.Column("source", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("code", "valid_from", name="pk_commodities"),
    )
    op.create_index("ix_commodities_parent", "commodities", ["parent"])
    op.create_table(
        "offices",
        sa.Column("code", sa.String(16), nullable=False),
        *_validity(),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("roles", JSON_DOCUMENT, nullable=False),
        sa.PrimaryKeyConstraint("code", "valid_from", name="pk_offices"),
    )
    op.create_table(
        "exchange_rates",
        sa.Column("currency", sa.String(3), nullable=False),
        *_validity(),
        sa.Column("rate", EXACT_DECIMAL, nullable=False),
        sa.PrimaryKeyConstraint("currency", "valid_from", name="pk_exchange_rates"),
    )


def _party_tables() -> None:
    op.create_table(
        "parties",
        sa.Column("id", PARTY_ID, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("roles", JSON_DOCUMENT, nullable=False),
        sa.Column("aeo", sa.Boolean(), nullable=False),
        sa.Column("office", sa.String(16), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_parties"),
    )
    op.create_table(
        "representations",
        sa.Column("representative", PARTY_ID, nullable=False),
        sa.Column("principal", PARTY_ID, nullable=False),
        sa.ForeignKeyConstraint(["representative"], ["parties.id"], ondelete="CASCADE",
                                name="fk_representations_representative_parties"),
        sa.PrimaryKeyConstraint("representative", "principal", name="pk_representations"),
    )
    op.create_table(
        "api_keys",
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("party_id", PARTY_ID, nullable=False),
        sa.Column("secret_sha256", SHA256, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("revoked_at", TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(["party_id"], ["parties.id"], ondelete="CASCADE",
                                name="fk_api_keys_party_id_parties"),
        sa.PrimaryKeyConstraint("key_id", name="pk_api_keys"),
    )
    op.create_index("ix_api_keys_party_id", "api_keys", ["party_id"])


def _declaration_tables() -> None:
    op.create_table(
        "declarations",
        sa.Column("id", SURROGATE_KEY, autoincrement=True, nullable=False),
        sa.Column("mrn", sa.String(18), nullable=False),
        sa.Column("lrn", sa.String(35), nullable=False),
        sa.Column("declarant", PARTY_ID, nullable=False),
        sa.Column("type", sa.String(2), nullable=False),
        sa.Column("additional_type", sa.String(1), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("office_of_declaration", sa.String(16), nullable=False),
        sa.Column("received_at", TIMESTAMP, nullable=False),
        sa.Column("accepted_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.Column("payload_sha256", SHA256, nullable=False),
        sa.Column("content_sha256", SHA256, nullable=False),
        sa.Column("document", JSON_DOCUMENT, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_declarations"),
        sa.UniqueConstraint("mrn", name="uq_declarations_mrn"),
        sa.UniqueConstraint("declarant", "lrn", name="uq_declarations_declarant_lrn"),
    )
    op.create_index("ix_declarations_accepted_at_mrn", "declarations", ["accepted_at", "mrn"])
    op.create_table(
        "declaration_parties",
        _declaration_fk_column("declaration_parties"),
        sa.Column("party_id", PARTY_ID, nullable=False),
        sa.PrimaryKeyConstraint("declaration_id", "party_id", name="pk_declaration_parties"),
    )
    op.create_index("ix_declaration_parties_party_id", "declaration_parties",
                    ["party_id", "declaration_id"])
    op.create_table(
        "declaration_items",
        _declaration_fk_column("declaration_items"),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("commodity_code", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("declaration_id", "sequence", name="pk_declaration_items"),
    )
    op.create_index("ix_declaration_items_commodity_code", "declaration_items",
                    ["commodity_code"])
    op.create_table(
        "declaration_versions",
        _declaration_fk_column("declaration_versions"),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("payload_sha256", SHA256, nullable=False),
        sa.Column("document", JSON_DOCUMENT, nullable=False),
        sa.PrimaryKeyConstraint("declaration_id", "version", name="pk_declaration_versions"),
    )
    op.create_table(
        "declaration_history",
        sa.Column("id", SURROGATE_KEY, autoincrement=True, nullable=False),
        _declaration_fk_column("declaration_history"),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("detail", JSON_DOCUMENT, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_declaration_history"),
        sa.UniqueConstraint("declaration_id", "sequence",
                            name="uq_declaration_history_declaration_id_sequence"),
    )
    op.create_table(
        "lodgement_rejections",
        sa.Column("id", SURROGATE_KEY, autoincrement=True, nullable=False),
        sa.Column("declarant", sa.Text(), nullable=False),
        sa.Column("lrn", sa.Text(), nullable=False),
        sa.Column("received_at", TIMESTAMP, nullable=False),
        sa.Column("payload_sha256", SHA256, nullable=False),
        sa.Column("problems", JSON_DOCUMENT, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_lodgement_rejections"),
    )
    op.create_index("ix_lodgement_rejections_declarant_lrn", "lodgement_rejections",
                    ["declarant", "lrn"])


def _declaration_fk_column(table: str) -> sa.Column[object]:
    return sa.Column("declaration_id", SURROGATE_KEY,
                     sa.ForeignKey("declarations.id", ondelete="CASCADE",
                                   name=f"fk_{table}_declaration_id_declarations"),
                     nullable=False)


def upgrade() -> None:
    _reference_tables()
    _party_tables()
    _declaration_tables()


def downgrade() -> None:
    for table in ("lodgement_rejections", "declaration_history", "declaration_versions",
                  "declaration_items", "declaration_parties", "declarations", "api_keys",
                  "representations", "parties", "exchange_rates", "offices", "commodities",
                  "code_list_entries", "jurisdiction"):
        op.drop_table(table)

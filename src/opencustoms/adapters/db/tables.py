"""The relational schema, as typed SQLAlchemy declarative classes.

A declaration is stored as its JSON content document (rebuilt with ``content_from_json``) plus
the columns the system filters and locks on. Side tables make filtering cheap: the parties named
in a declaration (tenant isolation) and its goods items' commodity codes. Every content version
and every state change is kept. Constraint names follow :data:`NAMING_CONVENTION` so that
migrations and error handling can rely on them.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar, cast

from sqlalchemy import Date, ForeignKey, Index, MetaData, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from opencustoms.adapters.db.types import JSON_DOCUMENT, SURROGATE_KEY, ExactDecimal, UtcDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

UQ_DECLARATION_MRN = "uq_declarations_mrn"
UQ_DECLARATION_LRN = "uq_declarations_declarant_lrn"

PARTY_ID = String(17)  # EORI: 2 letters + up to 15 characters
SHA256 = String(64)
CODE = String(35)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UtcDateTime,
        Decimal: ExactDecimal,
        date: Date,
        dict[str, Any]: JSON_DOCUMENT,
        list[Any]: JSON_DOCUMENT,
        list[str]: JSON_DOCUMENT,
    }


# --- reference data -------------------------------------------------------------------------


class JurisdictionRow(Base):
    """The customs territory administered: one row."""

    __tablename__ = "jurisdiction"

    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3))


class CodeListEntryRow(Base):
    __tablename__ = "code_list_entries"

    list_name: Mapped[str] = mapped_column("list", String(64), primary_key=True)
    code: Mapped[str] = mapped_column(CODE, primary_key=True)
    valid_from: Mapped[date] = mapped_column(primary_key=True)
    valid_to: Mapped[date | None]
    description: Mapped[str] = mapped_column(Text)
    attributes: Mapped[dict[str, Any]]


class CommodityRow(Base):
    """A goods nomenclature node; the primary key (code, valid_from) indexes lookups by code."""

    __tablename__ = "commodities"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    valid_from: Mapped[date] = mapped_column(primary_key=True)
    valid_to: Mapped[date | None]
    description: Mapped[str] = mapped_column(Text)
    parent: Mapped[str | None] = mapped_column(String(16), index=True)
    declarable: Mapped[bool]
    supplementary_unit: Mapped[str | None] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(32))


class OfficeRow(Base):
    __tablename__ = "offices"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    valid_from: Mapped[date] = mapped_column(primary_key=True)
    valid_to: Mapped[date | None]
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    roles: Mapped[list[str]]


class ExchangeRateRow(Base):
    """Units of ``currency`` per unit of the jurisdiction's currency; exact decimal."""

    __tablename__ = "exchange_rates"

    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    valid_from: Mapped[date] = mapped_column(primary_key=True)
    valid_to: Mapped[date | None]
    rate: Mapped[Decimal]


# --- parties and identity -------------------------------------------------------------------


class PartyRow(Base):
    __tablename__ = "parties"

    id: Mapped[str] = mapped_column(PARTY_ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    roles: Mapped[list[str]]
    aeo: Mapped[bool]
    office: Mapped[str | None] = mapped_column(String(16))


class RepresentationRow(Base):
    """``principal`` authorised ``representative`` to lodge for it."""

    __tablename__ = "representations"

    representative: Mapped[str] = mapped_column(
        PARTY_ID, ForeignKey("parties.id", ondelete="CASCADE"), primary_key=True)
    principal: Mapped[str] = mapped_column(PARTY_ID, primary_key=True)


class ApiKeyRow(Base):
    """An API key: only the SHA-256 of its secret is stored."""

    __tablename__ = "api_keys"

    key_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    party_id: Mapped[str] = mapped_column(
        PARTY_ID, ForeignKey("parties.id", ondelete="CASCADE"), index=True)
    secret_sha256: Mapped[str] = mapped_column(SHA256)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


# --- declarations ---------------------------------------------------------------------------


class DeclarationRow(Base):
    __tablename__ = "declarations"
    __table_args__ = (
        UniqueConstraint("mrn", name=UQ_DECLARATION_MRN),
        UniqueConstraint("declarant", "lrn", name=UQ_DECLARATION_LRN),
        Index("ix_declarations_accepted_at_mrn", "accepted_at", "mrn"),
    )

    id: Mapped[int] = mapped_column(SURROGATE_KEY, primary_key=True, autoincrement=True)
    mrn: Mapped[str] = mapped_column(String(18))
    lrn: Mapped[str] = mapped_column(CODE)
    declarant: Mapped[str] = mapped_column(PARTY_ID)
    type: Mapped[str] = mapped_column(String(2))
    additional_type: Mapped[str] = mapped_column(String(1))
    status: Mapped[str] = mapped_column(String(32))
    version: Mapped[int]
    office_of_declaration: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[datetime]
    accepted_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    payload_sha256: Mapped[str] = mapped_column(SHA256)
    content_sha256: Mapped[str] = mapped_column(SHA256)
    document: Mapped[dict[str, Any]]
    assessment: Mapped[dict[str, Any] | None]
    channel: Mapped[str | None] = mapped_column(String(8), index=True)
    risk: Mapped[dict[str, Any] | None]
    # clearance (issue 5): who holds the task, how duties were secured, the times a Time
    # Release Study measures, and the signed release note
    amount_secured: Mapped[Decimal | None]
    extra_duty: Mapped[Decimal | None]
    claimed_by: Mapped[str | None] = mapped_column(PARTY_ID)
    claimed_at: Mapped[datetime | None]
    secured_by: Mapped[str | None] = mapped_column(String(16))
    control_started_at: Mapped[datetime | None]
    control_ended_at: Mapped[datetime | None]
    released_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    release_note: Mapped[dict[str, Any] | None]


def _declaration_fk() -> Any:
    return ForeignKey("declarations.id", ondelete="CASCADE")


class DeclarationPartyRow(Base):
    """A party named in a declaration, who may therefore see it (tenant filtering)."""

    __tablename__ = "declaration_parties"
    __table_args__ = (Index("ix_declaration_parties_party_id", "party_id", "declaration_id"),)

    declaration_id: Mapped[int] = mapped_column(SURROGATE_KEY, _declaration_fk(),
                                                primary_key=True)
    party_id: Mapped[str] = mapped_column(PARTY_ID, primary_key=True)


class DeclarationItemRow(Base):
    """The commodity code of each goods item, for filtering by commodity code."""

    __tablename__ = "declaration_items"

    declaration_id: Mapped[int] = mapped_column(SURROGATE_KEY, _declaration_fk(),
                                                primary_key=True)
    sequence: Mapped[int] = mapped_column(primary_key=True)
    commodity_code: Mapped[str] = mapped_column(String(16), index=True)


class DeclarationVersionRow(Base):
    """One content version as submitted (1 = lodgement, then one per amendment)."""

    __tablename__ = "declaration_versions"

    declaration_id: Mapped[int] = mapped_column(SURROGATE_KEY, _declaration_fk(),
                                                primary_key=True)
    version: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime]
    payload_sha256: Mapped[str] = mapped_column(SHA256)
    document: Mapped[dict[str, Any]]


class DeclarationHistoryRow(Base):
    """One state change, written in the same transaction as the change itself."""

    __tablename__ = "declaration_history"
    __table_args__ = (UniqueConstraint("declaration_id", "sequence"),)

    id: Mapped[int] = mapped_column(SURROGATE_KEY, primary_key=True, autoincrement=True)
    declaration_id: Mapped[int] = mapped_column(SURROGATE_KEY, _declaration_fk())
    sequence: Mapped[int]
    event: Mapped[str] = mapped_column(String(64))
    version: Mapped[int]
    status: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    detail: Mapped[dict[str, Any]]


class DeclarationTaxLineRow(Base):
    """One tax line of the current assessment (revenue queries read these, not the JSON)."""

    __tablename__ = "declaration_tax_lines"
    __table_args__ = (Index("ix_declaration_tax_lines_tax_type", "tax_type"),)

    declaration_id: Mapped[int] = mapped_column(SURROGATE_KEY, _declaration_fk(),
                                                primary_key=True)
    line: Mapped[int] = mapped_column(primary_key=True)
    item: Mapped[int]
    tax_type: Mapped[str] = mapped_column(String(8))
    base: Mapped[Decimal]
    base_unit: Mapped[str] = mapped_column(String(16))
    rate: Mapped[str] = mapped_column(Text)
    amount: Mapped[Decimal]
    measure: Mapped[str | None] = mapped_column(String(32))
    measure_type: Mapped[str | None] = mapped_column(String(8))


class QuotaBalanceRow(Base):
    """The remaining balance of a tariff quota for one period, drawn down atomically."""

    __tablename__ = "quota_balances"

    order_number: Mapped[str] = mapped_column(String(16), primary_key=True)
    valid_from: Mapped[date] = mapped_column(primary_key=True)
    valid_to: Mapped[date | None]
    volume: Mapped[Decimal]
    unit: Mapped[str] = mapped_column(String(16))
    balance: Mapped[Decimal]


class LodgementRejectionRow(Base):
    """A lodgement refused by validation, with every problem found; never a declaration.
    Declarant and LRN are kept as received, however long or malformed."""

    __tablename__ = "lodgement_rejections"
    __table_args__ = (Index("ix_lodgement_rejections_declarant_lrn", "declarant", "lrn"),)

    id: Mapped[int] = mapped_column(SURROGATE_KEY, primary_key=True, autoincrement=True)
    declarant: Mapped[str] = mapped_column(Text)
    lrn: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime]
    payload_sha256: Mapped[str] = mapped_column(SHA256)
    problems: Mapped[list[Any]]


metadata = Base.metadata


def table_of(model: type[Base]) -> Table:
    """The Core table of a mapped class, for statements that bypass the ORM unit of work."""
    return cast(Table, model.__table__)


from opencustoms.adapters.db import clearance_tables, risk_tables  # noqa: E402, F401 - registers

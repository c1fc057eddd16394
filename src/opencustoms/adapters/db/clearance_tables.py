"""Tables of clearance (issue 5): control results, traders' accounts, the notification outbox
and its webhook deliveries, and the hash-chained audit log.

Declared on the same ``Base`` as every other table, so migrations and the schema comparison see
them. Money columns are :class:`~opencustoms.adapters.db.types.ExactDecimal`: arithmetic on them
happens in Python under a row lock, never in SQL (SQLite keeps them as text).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from opencustoms.adapters.db.tables import PARTY_ID, SHA256, Base
from opencustoms.adapters.db.types import SURROGATE_KEY


class ControlResultRow(Base):
    """The outcome of a documentary or physical control, recorded by an officer. Results with
    their irregularity flag and extra duty are the risk model's labels."""

    __tablename__ = "control_results"

    id: Mapped[int] = mapped_column(SURROGATE_KEY, primary_key=True, autoincrement=True)
    declaration_id: Mapped[int] = mapped_column(
        SURROGATE_KEY, ForeignKey("declarations.id", ondelete="CASCADE"), index=True)
    mrn: Mapped[str] = mapped_column(String(18), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # documentary | physical
    officer: Mapped[str] = mapped_column(PARTY_ID)
    recorded_at: Mapped[datetime] = mapped_column(index=True)
    irregularity: Mapped[bool]
    findings: Mapped[str] = mapped_column(Text)
    extra_duty: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    corrections: Mapped[dict[str, Any]]


class AccountRow(Base):
    """A trader's cash account and guarantee with the customs administration.

    ``balance`` is cash available; ``guarantee_reference`` is the amount the guarantee covers
    and ``guarantee_used`` the part reserved by declarations not yet paid. Neither ``balance``
    nor the free guarantee ever goes below zero."""

    __tablename__ = "accounts"

    party_id: Mapped[str] = mapped_column(PARTY_ID, primary_key=True)
    currency: Mapped[str] = mapped_column(String(3))
    balance: Mapped[Decimal]
    guarantee_reference: Mapped[Decimal]
    guarantee_used: Mapped[Decimal]
    updated_at: Mapped[datetime]


class AccountEntryRow(Base):
    """One movement on an account (the statement): payment, debit, guarantee reservation or
    discharge, refund. Amounts are signed from the trader's point of view."""

    __tablename__ = "account_entries"
    __table_args__ = (Index("ix_account_entries_party_id_id", "party_id", "id"),)

    id: Mapped[int] = mapped_column(SURROGATE_KEY, primary_key=True, autoincrement=True)
    party_id: Mapped[str] = mapped_column(PARTY_ID)
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(32))
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    balance_after: Mapped[Decimal]
    guarantee_used_after: Mapped[Decimal]
    mrn: Mapped[str | None] = mapped_column(String(18), index=True)
    reference: Mapped[str | None] = mapped_column(String(70))
    actor: Mapped[str] = mapped_column(PARTY_ID)


class NotificationRow(Base):
    """The outbox: one notification for one party, written with the change it reports. Its
    ``id`` orders notifications and is the pull cursor."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_party_id_id", "party_id", "id"),)

    id: Mapped[int] = mapped_column(SURROGATE_KEY, primary_key=True, autoincrement=True)
    party_id: Mapped[str] = mapped_column(PARTY_ID)
    function_code: Mapped[str] = mapped_column(String(32))
    mrn: Mapped[str | None] = mapped_column(String(18))
    lrn: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    body: Mapped[dict[str, Any]]
    acknowledged_at: Mapped[datetime | None]


class WebhookRow(Base):
    """A party's push endpoint. The secret signs deliveries (HMAC-SHA256); only notifications
    created after the webhook (``id`` > ``start_after``) are pushed to it."""

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(SURROGATE_KEY, primary_key=True, autoincrement=True)
    party_id: Mapped[str] = mapped_column(PARTY_ID, index=True)
    url: Mapped[str] = mapped_column(Text)
    secret: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime]
    start_after: Mapped[int] = mapped_column(SURROGATE_KEY)
    enqueued_through: Mapped[int] = mapped_column(SURROGATE_KEY)
    active: Mapped[bool]


class WebhookDeliveryRow(Base):
    """One notification to push to one webhook, and where its delivery stands."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("webhook_id", "notification_id"),
        Index("ix_webhook_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(SURROGATE_KEY, primary_key=True, autoincrement=True)
    webhook_id: Mapped[int] = mapped_column(
        SURROGATE_KEY, ForeignKey("webhooks.id", ondelete="CASCADE"))
    notification_id: Mapped[int] = mapped_column(
        SURROGATE_KEY, ForeignKey("notifications.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))  # pending | delivered | expired
    attempts: Mapped[int]
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class DeliveryAttemptRow(Base):
    """One HTTP attempt of a delivery, visible to the trader."""

    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(SURROGATE_KEY, primary_key=True, autoincrement=True)
    delivery_id: Mapped[int] = mapped_column(
        SURROGATE_KEY, ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    status_code: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int]


class AuditEntryRow(Base):
    """One entry of the append-only audit log. ``hash`` is the SHA-256 of the entry's canonical
    JSON, which includes ``prev_hash``, the hash of the entry before it."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_kind_subject", "kind", "subject"),)

    seq: Mapped[int] = mapped_column(SURROGATE_KEY, primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(64))
    event: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]]
    prev_hash: Mapped[str] = mapped_column(SHA256, unique=True)
    hash: Mapped[str] = mapped_column(SHA256)

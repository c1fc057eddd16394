"""Column types that keep the domain's guarantees on both SQLite and PostgreSQL.

- :class:`UtcDateTime`: timestamps go in as timezone-aware values, are stored in UTC and come
  back timezone-aware UTC (SQLite has no time zones and returns naive values).
- :class:`ExactDecimal`: ``Decimal`` in, the same ``Decimal`` out. PostgreSQL keeps it as an
  unconstrained ``NUMERIC``; SQLite would turn ``NUMERIC`` into a binary float, so there the
  value is kept as its decimal text.
- :data:`JSON_DOCUMENT`: JSON, stored as ``JSONB`` on PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Dialect, Integer, Numeric, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator, TypeEngine


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware timestamp, normalised to UTC on the way in and on the way out."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: the store only takes aware timestamps")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class ExactDecimal(TypeDecorator[Decimal]):
    """An exact decimal number: never a float, scale preserved as written."""

    impl = Numeric(asdecimal=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(64))
        return dialect.type_descriptor(Numeric(asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            raise TypeError(f"{value!r} is not a Decimal")
        return str(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(str(value))


JSON_DOCUMENT = JSON().with_variant(JSONB(), "postgresql")
"""A JSON document column: ``JSONB`` on PostgreSQL, JSON text on SQLite."""

SURROGATE_KEY = BigInteger().with_variant(Integer(), "sqlite")
"""64-bit surrogate keys; SQLite needs ``INTEGER PRIMARY KEY`` to autoincrement."""

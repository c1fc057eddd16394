"""Prepared statements write and read exactly what SQLAlchemy's own execution would, inside the
session's transaction, and fail the way it fails."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    func,
    insert,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from opencustoms.adapters.db.prepared import Prepared, connection_of
from opencustoms.adapters.db.types import JSON_DOCUMENT, ExactDecimal, UtcDateTime

pytestmark = pytest.mark.db

METADATA = MetaData()
SAMPLES = Table(
    "prepared_samples", METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("code", String(16), nullable=False, unique=True),
    Column("amount", ExactDecimal(), nullable=True),
    Column("at", UtcDateTime(), nullable=True),
    Column("naive", DateTime(), nullable=True),
    Column("document", JSON_DOCUMENT, nullable=True),
)
KEYS = ("code", "amount", "at", "naive", "document")
INSERT = Prepared(insert(SAMPLES).returning(SAMPLES.c.id), KEYS)
INSERT_MANY = Prepared(insert(SAMPLES), KEYS)
BY_CODE = Prepared(select(SAMPLES.c.id, SAMPLES.c.amount, SAMPLES.c.at, SAMPLES.c.naive,
                          SAMPLES.c.document).where(SAMPLES.c.code == bindparam("code")))
NEWEST = Prepared(select(SAMPLES.c.code).order_by(SAMPLES.c.id.desc()).limit(1))
ROW = {"code": "A", "amount": Decimal("1234.50"),
       "at": datetime(2026, 3, 2, 10, 30, 15, 123456, tzinfo=timezone(timedelta(hours=1))),
       "naive": datetime(2026, 3, 2, 8, 0), "document": {"b": [1, "x"], "a": None, "é": "ü"}}


@pytest.fixture
def samples(engine: Engine) -> Engine:
    METADATA.create_all(engine)
    return engine


def test_values_round_trip_as_through_core(samples: Engine) -> None:
    with Session(samples) as session:
        new_id = INSERT.scalar(connection_of(session), ROW)
        session.execute(insert(SAMPLES), [{**ROW, "code": "B"}])  # the same row through Core
        session.commit()
    with Session(samples) as session:
        connection = connection_of(session)
        prepared = BY_CODE.first(connection, {"code": "A"})
        core = connection.execute(select(SAMPLES.c.id, SAMPLES.c.amount, SAMPLES.c.at,
                                         SAMPLES.c.naive, SAMPLES.c.document)
                                  .where(SAMPLES.c.code == "B")).one()
        stored = connection.execute(select(SAMPLES).where(SAMPLES.c.code == "A")).one()
    assert prepared is not None
    assert prepared[0] == new_id == stored.id
    # Exact decimal (scale kept), aware UTC time, naive time, JSON document — as Core has them.
    assert prepared[1:] == tuple(core)[1:] == (
        Decimal("1234.50"), datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=UTC),
        datetime(2026, 3, 2, 8, 0), {"b": [1, "x"], "a": None, "é": "ü"})
    assert str(prepared[1]) == "1234.50"
    assert BY_CODE.first(connection_of(Session(samples)), {"code": "missing"}) is None


def test_rows_join_the_sessions_transaction(samples: Engine) -> None:
    with Session(samples) as session:
        INSERT_MANY.execute_many(connection_of(session), [
            {**ROW, "code": f"R{i}"} for i in range(3)])
        assert NEWEST.scalar(connection_of(session)) == "R2"  # the bound LIMIT 1 is applied
        session.rollback()
        assert connection_of(session).execute(
            select(func.count()).select_from(SAMPLES)).scalar_one() == 0
        INSERT_MANY.execute_many(connection_of(session), [{**ROW, "code": "kept"}])
        session.commit()
    with Session(samples) as session:
        codes = connection_of(session).execute(select(SAMPLES.c.code)).scalars().all()
    assert codes == ["kept"]


def test_a_unique_violation_raises_sqlalchemys_integrity_error(samples: Engine) -> None:
    with Session(samples) as session:
        INSERT.scalar(connection_of(session), ROW)
        with pytest.raises(IntegrityError) as raised:
            INSERT.scalar(connection_of(session), {**ROW, "amount": Decimal("1")})
        session.rollback()
    assert "prepared_samples" in str(raised.value.orig) or getattr(
        raised.value.orig, "sqlstate", None) == "23505"


def test_a_missing_value_is_refused_not_written_as_null(samples: Engine) -> None:
    row: dict[str, Any] = {key: value for key, value in ROW.items() if key != "amount"}
    with Session(samples) as session:
        with pytest.raises(KeyError, match="amount"):
            INSERT.scalar(connection_of(session), row)
        with pytest.raises(ValueError, match="naive datetime"):  # the column type still checks
            INSERT.scalar(connection_of(session), {**ROW, "at": datetime(2026, 1, 1)})
        session.rollback()
        assert connection_of(session).execute(
            select(func.count()).select_from(SAMPLES)).scalar_one() == 0


def test_many_rows_go_in_chunks_and_a_failure_in_any_chunk_fails_the_whole_write(
        samples: Engine) -> None:
    rows = [{**ROW, "code": f"M{i:04d}", "amount": Decimal(i) / 100} for i in range(450)]
    with Session(samples) as session:
        INSERT_MANY.execute_many(connection_of(session), rows)  # 450 × 5 values: 3 chunks
        session.commit()
    with Session(samples) as session:
        stored = connection_of(session).execute(
            select(SAMPLES.c.code, SAMPLES.c.amount).order_by(SAMPLES.c.id)).all()
    assert [(code, amount) for code, amount in stored] == [
        (row["code"], row["amount"]) for row in rows]
    with Session(samples) as session:
        clash = [{**ROW, "code": f"N{i:04d}"} for i in range(400)] + [{**ROW, "code": "M0001"}]
        with pytest.raises(IntegrityError):
            INSERT_MANY.execute_many(connection_of(session), clash)
        session.rollback()
        assert connection_of(session).execute(
            select(func.count()).select_from(SAMPLES)).scalar_one() == 450

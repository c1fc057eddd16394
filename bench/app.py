"""The API as served, plus the baseline route the lodgement benchmark compares against.

``uvicorn --factory bench.app:create_bench_app`` (with the repository root on ``PYTHONPATH``)
serves exactly what ``opencustoms.api.app.create_app`` builds, with two extra routes.

``GET /api/bench/worker`` names the worker process that answers (the benchmark's client uses
it to spread its connections evenly over the workers).

``POST /api/bench/baseline`` takes a minimal JSON document and inserts it into the
``bench_baseline`` table of the same database. It goes through the same server stack as
``POST /api/v1/declarations``: the same FastAPI application and ASGI middleware (the path is
under ``/api/`` so the middleware buffers and checks the body as it does for lodgements), the
same authentication dependency, a pydantic body model, the same thread pool hop, and a write
unit of work of the same factory on the same engine (``BEGIN IMMEDIATE`` on SQLite, commit
before the answer). What it leaves out is exactly the lodgement's own work: parsing the
declaration, replay lookup, format-logical control, MRN allocation and the declaration's rows.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    insert,
)
from sqlalchemy.schema import CreateTable
from starlette.concurrency import run_in_threadpool

from opencustoms.adapters.db.uow import SqlUnitOfWork
from opencustoms.api.app import create_app
from opencustoms.api.deps import Services, TraderSide
from opencustoms.services.context import ServiceContext

BASELINE_PATH = "/api/bench/baseline"
WORKER_PATH = "/api/bench/worker"
BASELINE_TABLE = "bench_baseline"

_metadata = MetaData()
BASELINE = Table(
    BASELINE_TABLE, _metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("party", String(17), nullable=False),
    Column("document", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
_INSERT = insert(BASELINE).returning(BASELINE.c.id)


class BaselineIn(BaseModel):
    """A minimal JSON document."""

    model_config = ConfigDict(extra="forbid")

    lrn: Annotated[str, Field(max_length=70)]
    note: Annotated[str, Field(max_length=200)]


class BaselineOut(BaseModel):
    id: int
    lrn: str


def ensure_baseline_table(engine: Engine) -> None:
    """Create ``bench_baseline`` if it is missing; safe when several workers race."""
    with engine.begin() as connection:
        connection.execute(CreateTable(BASELINE, if_not_exists=True))


def _insert(services: ServiceContext, party: str, document: dict[str, Any]) -> int:
    with services.uow() as uow:
        if not isinstance(uow, SqlUnitOfWork):  # pragma: no cover - the bench serves SQL only
            raise TypeError("the baseline needs the SQL unit of work")
        new_id = uow.session.execute(_INSERT, {
            "party": party, "document": document, "created_at": datetime.now(UTC),
        }).scalar_one()
        uow.commit()
    return int(new_id)


def add_baseline_route(app: FastAPI) -> None:
    @app.post(BASELINE_PATH, status_code=201, response_model=BaselineOut, tags=["bench"],
              summary="Benchmark baseline: insert a minimal JSON document")
    async def bench_baseline(body: BaselineIn, services: Services,
                             party: TraderSide) -> BaselineOut:
        document = body.model_dump(mode="json")
        new_id = await run_in_threadpool(_insert, services, party.id, document)
        return BaselineOut(id=new_id, lrn=body.lrn)


def add_worker_route(app: FastAPI) -> None:
    @app.get(WORKER_PATH, tags=["bench"], summary="Benchmark: which worker process answers")
    async def bench_worker() -> dict[str, int]:
        """The process id of the worker serving this connection: the benchmark's client
        spreads its keep-alive connections evenly over the workers with it."""
        return {"pid": os.getpid()}


def create_bench_app() -> FastAPI:
    """``create_app()`` on the settings from the environment, plus the baseline route."""
    app = create_app()
    ensure_baseline_table(app.state.container.engine)
    add_baseline_route(app)
    add_worker_route(app)
    return app

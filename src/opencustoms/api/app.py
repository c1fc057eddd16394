"""The FastAPI application: routes, error handlers, middleware."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from opencustoms import __version__, bootstrap
from opencustoms.api import problems
from opencustoms.api.middleware import CorrelationAndLimits
from opencustoms.api.routes import (
    audit,
    clearance,
    declarations,
    keys,
    notifications,
    payments,
    reference,
    risk,
    tariff,
)
from opencustoms.services.context import ServiceContext
from opencustoms.services.delivery import running_in_background
from opencustoms.services.notifications import AddressPolicy
from opencustoms.settings import Settings

DESCRIPTION = """Lodgement, format-logical control and registration of goods declarations.

Authenticate with `Authorization: Bearer <API key>` or `X-API-Key: <API key>`. Every error is
an RFC 9457 `application/problem+json` body with an `errors` list of `{code, pointer, detail}`;
every response carries an `X-Correlation-ID` header."""


def build_app(services: ServiceContext, health: Callable[[], dict[str, Any]],
              max_body_bytes: int, lodgements_at_once: int = 1,
              writer_turn: Callable[[], AbstractAsyncContextManager[None]] | None = None
              ) -> FastAPI:
    """Assemble the API around already-built services (see ``bootstrap``). With
    ``writer_turn``, lodgements run on the event loop and await their turn at the write lock
    (ADR 0010); without, in at most ``lodgements_at_once`` worker threads."""
    app = FastAPI(title="OpenCustoms", version=__version__, description=DESCRIPTION)
    app.state.services = services
    app.state.lodgements_at_once = lodgements_at_once
    app.state.writer_turn = writer_turn
    problems.install(app)
    app.include_router(declarations.router)
    app.include_router(clearance.router)
    app.include_router(reference.router)
    app.include_router(tariff.router)
    app.include_router(risk.router)
    app.include_router(notifications.router)
    app.include_router(payments.router)
    app.include_router(keys.router)
    app.include_router(audit.router)

    @app.get("/healthz", tags=["operations"], summary="Liveness, database and model check")
    def healthz() -> JSONResponse:
        """200 while lodging works (a degraded model only lowers selectivity to profiles and
        the random share); 503 when the database is unreachable."""
        report = health()
        return JSONResponse(report, status_code=200 if report["database"] == "ok" else 503)

    app.add_middleware(CorrelationAndLimits, max_body_bytes=max_body_bytes)
    return app


def create_app(settings: Settings | None = None) -> FastAPI:
    """The application on a prepared database; ``uvicorn --factory`` calls it with settings
    from the environment."""
    container = bootstrap.build(settings or Settings.from_env())
    app = build_app(container.services, container.health, container.settings.max_body_bytes,
                    container.settings.lodgements_at_once, container.writer_turn)
    app.state.container = container
    app.state.search = container.search
    app.state.address_policy = AddressPolicy.with_extra(
        container.settings.webhook_forbidden_networks)
    if container.settings.delivery_worker:
        _run_delivery_worker(app, container)
    return app


def _run_delivery_worker(app: FastAPI, container: bootstrap.Container) -> None:
    """Push notifications from inside the API process while it serves (``make run`` needs no
    broker and no second command). Each uvicorn worker process runs one; their leases keep
    them from sending a delivery twice at once."""
    worker = bootstrap.delivery_worker(container)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        with running_in_background(worker):
            yield

    app.router.lifespan_context = lifespan

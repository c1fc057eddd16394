"""The dependencies every request resolves run on the event loop: FastAPI sends a plain ``def``
dependency to the thread pool, one round trip between the loop and a worker thread per
dependency and request, which the API's hot path (authentication on every call) must not pay."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from opencustoms.api import deps
from tests.e2e.conftest import MakeApi
from tests.e2e.examples import ACME, import_declaration

pytestmark = pytest.mark.db

THREAD_POOL_ALLOWED = {deps.get_reference}
"""Reads reference data that may be reloaded from the database: it may block, so it keeps its
thread (and only the reference endpoints use it)."""


def _api_routes(routes: Any) -> Iterator[APIRoute]:
    """Every API route, inside the included routers too."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):  # how FastAPI keeps an included router
            yield from _api_routes(route.original_router.routes)


def _calls(dependant: Dependant) -> Iterator[Any]:
    for dependency in dependant.dependencies:
        if dependency.call is not None:
            yield dependency.call
        yield from _calls(dependency)


def test_every_route_dependency_but_the_reference_data_is_a_coroutine(
        make_api: MakeApi) -> None:
    routes = list(_api_routes(make_api().app.routes))
    calls = {call for route in routes for call in _calls(route.dependant)}

    blocking = {call.__qualname__ for call in calls
                if not inspect.iscoroutinefunction(call) and call not in THREAD_POOL_ALLOWED}

    assert len(routes) > 30
    assert {deps.get_services, deps.current_party, deps.trader_side} <= calls
    assert blocking == set()


def test_an_unseen_key_is_still_checked_against_the_store(make_api: MakeApi,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    api = make_api()
    monkeypatch.setattr(deps, "_cache", deps._AuthCache())  # nothing remembered
    looked_up: list[str] = []
    real = deps.authenticate

    def counting(services: Any, raw: str) -> Any:
        looked_up.append(raw)
        return real(services, raw)

    monkeypatch.setattr(deps, "authenticate", counting)

    first = api.lodge(import_declaration("DEPS-1"), ACME)
    second = api.lodge(import_declaration("DEPS-2"), ACME)

    assert (first.status_code, second.status_code) == (201, 201)
    assert looked_up == [api.keys[ACME]]  # once; the second request used the remembered party

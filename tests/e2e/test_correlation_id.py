"""Every response carries X-Correlation-ID; a safe incoming one is echoed."""

from __future__ import annotations

import re

import pytest

from tests.e2e.examples import ACME, import_declaration
from tests.e2e.support import DECLARATIONS, Api, assert_problem

pytestmark = pytest.mark.db

GENERATED = re.compile(r"^[0-9a-f]{32}$")


def test_a_successful_lodgement_carries_a_generated_correlation_id(api: Api) -> None:
    response = api.lodge(import_declaration(), ACME)

    assert response.status_code == 201
    assert GENERATED.match(response.headers["x-correlation-id"])


def test_an_incoming_correlation_id_is_echoed(api: Api) -> None:
    response = api.lodge(import_declaration(), ACME,
                         headers={"X-Correlation-ID": "trader-req:42.a"})

    assert response.status_code == 201
    assert response.headers["x-correlation-id"] == "trader-req:42.a"


def test_an_incoming_correlation_id_is_echoed_on_an_error_and_in_the_body(api: Api) -> None:
    response = api.client.get(f"{DECLARATIONS}/26XX000000000000R0",
                              headers={**api.auth(ACME), "X-Correlation-ID": "abc-123"})

    body = assert_problem(response, 404, "declaration.not-found", "")
    assert response.headers["x-correlation-id"] == "abc-123"
    assert body["correlation_id"] == "abc-123"


@pytest.mark.parametrize("unsafe", ["has spaces in it", "x" * 65, "semi;colon"])
def test_an_unsafe_correlation_id_is_replaced_by_a_generated_one(api: Api, unsafe: str) -> None:
    response = api.client.get("/healthz", headers={"X-Correlation-ID": unsafe})

    assert response.status_code == 200
    assert GENERATED.match(response.headers["x-correlation-id"])


@pytest.mark.parametrize(("method", "path", "headers", "status"), [
    ("GET", "/healthz", {}, 200),
    ("GET", "/openapi.json", {}, 200),
    ("GET", DECLARATIONS, {}, 401),
    ("POST", DECLARATIONS, {"Content-Type": "text/plain"}, 415),
    ("GET", "/api/v1/nowhere", {}, 404),
])
def test_every_response_carries_a_correlation_id(api: Api, method: str, path: str,
                                                 headers: dict[str, str], status: int) -> None:
    response = api.client.request(method, path, headers=headers, content=b"x")

    assert response.status_code == status
    assert GENERATED.match(response.headers["x-correlation-id"])

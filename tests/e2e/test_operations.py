"""Health and documentation are served without a key; an unexpected error is a generic 500."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import MakeApi
from tests.e2e.support import DECLARATIONS, Api, assert_problem

pytestmark = pytest.mark.db

SECRET = "connection string postgres://admin:hunter2@db"


def test_health_answers_without_a_key_with_the_database_state(api: Api) -> None:
    response = api.client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["database"], body["jurisdiction"]) == ("ok", "ok", "XX")
    assert body["commodity_codes"] >= 200


def test_the_openapi_document_is_served_without_a_key(api: Api) -> None:
    response = api.client.get("/openapi.json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    assert DECLARATIONS in paths
    assert {"get", "post"} <= paths[DECLARATIONS].keys()
    assert f"{DECLARATIONS}/{{mrn}}/amendments" in paths


def test_the_interactive_documentation_is_served_without_a_key(api: Api) -> None:
    response = api.client.get("/docs")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "/openapi.json" in response.text


def test_an_unknown_path_is_a_problem_404(api: Api) -> None:
    response = api.client.get("/api/v1/nowhere")

    body = assert_problem(response, 404, "not-found")
    assert body["detail"] == "Not Found"
    assert body["errors"] == [{"code": "not-found", "pointer": "", "detail": "Not Found"}]


def test_a_wrong_method_is_a_problem_405(api: Api) -> None:
    response = api.client.delete(DECLARATIONS)

    body = assert_problem(response, 405, "method-not-allowed")
    assert [e["code"] for e in body["errors"]] == ["method-not-allowed"]


def _failing_api(make_api: MakeApi) -> Api:
    api = make_api(raise_server_exceptions=False)

    @api.app.get("/api/v1/boom")
    def boom() -> None:
        raise RuntimeError(SECRET)

    return api


def test_an_unexpected_error_gives_a_generic_problem_without_its_text(make_api: MakeApi) -> None:
    api = _failing_api(make_api)

    response = api.client.get("/api/v1/boom")

    assert response.status_code == 500
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == "internal-error"
    assert body["errors"] == [{"code": "internal-error", "pointer": "",
                               "detail": "the server failed to process the request"}]
    assert body["detail"] == "the server failed to process the request"
    assert "hunter2" not in response.text
    assert "RuntimeError" not in response.text
    assert body["correlation_id"]


def test_an_unexpected_error_still_carries_the_correlation_id_header(
        make_api: MakeApi) -> None:
    api = _failing_api(make_api)

    response = api.client.get("/api/v1/boom", headers={"X-Correlation-ID": "trace-500"})

    assert response.status_code == 500
    assert response.headers.get("x-correlation-id") == "trace-500"
    assert response.json()["correlation_id"] == "trace-500"

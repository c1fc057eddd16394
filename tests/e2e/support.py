"""Helpers for driving the API: authentication headers per demo party and problem checks."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient

from opencustoms.settings import Settings
from tests.e2e.examples import OFFICER

DECLARATIONS = "/api/v1/declarations"
PROBLEM_JSON = "application/problem+json"


@dataclass
class Api:
    """A running application with its settings, a test client and the demo API keys."""

    settings: Settings
    app: FastAPI
    client: TestClient
    keys: dict[str, str]

    def auth(self, party: str) -> dict[str, str]:
        """``Authorization: Bearer`` for the demo party ``party``."""
        return {"Authorization": f"Bearer {self.keys[party]}"}

    def lodge(self, document: dict[str, Any], party: str,
              headers: dict[str, str] | None = None) -> httpx.Response:
        return self.client.post(DECLARATIONS, json=document,
                                headers={**self.auth(party), **(headers or {})})

    def post_raw(self, path: str, body: bytes, party: str,
                 content_type: str = "application/json") -> httpx.Response:
        headers = {**self.auth(party), "Content-Type": content_type}
        return self.client.post(path, content=body, headers=headers)

    def get(self, path: str, party: str, **kwargs: Any) -> httpx.Response:
        return self.client.get(path, headers=self.auth(party), **kwargs)

    def lodged(self, document: dict[str, Any], party: str) -> dict[str, Any]:
        """Lodge ``document`` and return the registered declaration (it must be a 201)."""
        response = self.lodge(document, party)
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    def mrns(self, party: str = OFFICER, **params: Any) -> list[str]:
        """MRNs of every declaration ``party`` sees (an officer sees all), following cursors."""
        found: list[str] = []
        cursor = None
        for _ in range(100):
            query = {**params, "limit": 500, **({"cursor": cursor} if cursor else {})}
            response = self.get(DECLARATIONS, party, params=query)
            assert response.status_code == 200, response.text
            page = response.json()
            found += [d["mrn"] for d in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                return found
        raise AssertionError("the listing never ended")


def assert_problem(response: httpx.Response, status: int, code: str,
                   pointer: str | None = None) -> dict[str, Any]:
    """``response`` is a problem+json with ``status`` and ``code``; when ``pointer`` is given,
    one of its errors points there. Returns the body for further checks."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] == f"urn:opencustoms:problem:{code}"
    assert body["correlation_id"] == response.headers["x-correlation-id"]
    if pointer is not None:
        assert pointer in pointers(body), body["errors"]
    return body


def pointers(body: dict[str, Any]) -> list[str]:
    return [error["pointer"] for error in body["errors"]]


def errors_by_code(body: dict[str, Any]) -> dict[str, list[str]]:
    """Rule code -> pointers of the errors carrying it."""
    found: dict[str, list[str]] = {}
    for error in body["errors"]:
        found.setdefault(error["code"], []).append(error["pointer"])
    return found


def compact(document: dict[str, Any]) -> bytes:
    return json.dumps(document, separators=(",", ":")).encode()

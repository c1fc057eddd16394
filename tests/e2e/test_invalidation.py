"""Invalidating a declaration at the declarant's request (UCC art. 174)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.e2e.examples import ACME, BROKER, import_declaration, represented_import
from tests.e2e.support import DECLARATIONS, Api, assert_problem

pytestmark = [pytest.mark.db, pytest.mark.usefixtures("unsecured")]


def _invalidate(api: Api, mrn: str, body: dict[str, Any], party: str = ACME,
                headers: dict[str, str] | None = None) -> httpx.Response:
    return api.client.post(f"{DECLARATIONS}/{mrn}/invalidation", json=body,
                           headers={**api.auth(party), **(headers or {})})


def test_invalidation_sets_the_status_to_invalidated(api: Api) -> None:
    mrn = api.lodged(import_declaration(), ACME)["mrn"]

    response = _invalidate(api, mrn, {"reason": "goods not shipped"})

    assert response.status_code == 200, response.text
    assert (response.json()["mrn"], response.json()["status"]) == (mrn, "invalidated")
    assert api.get(f"{DECLARATIONS}/{mrn}", ACME).json()["status"] == "invalidated"


def test_invalidation_is_recorded_in_the_history_with_its_reason(api: Api) -> None:
    mrn = api.lodged(import_declaration(), ACME)["mrn"]
    assert _invalidate(api, mrn, {"reason": "goods not shipped"}).status_code == 200

    history = api.get(f"{DECLARATIONS}/{mrn}/history", ACME).json()

    last = history["entries"][-1]
    assert [e["event"] for e in history["entries"]] == ["accepted", "tax_assessed",
                                                        "invalidated"]
    assert (last["status"], last["actor"]) == ("invalidated", ACME)
    assert last["detail"]["reason"] == "goods not shipped"
    assert len(history["versions"]) == 1


def test_the_representative_invalidates_for_the_declarant(api: Api) -> None:
    mrn = api.lodged(represented_import(), BROKER)["mrn"]

    response = _invalidate(api, mrn, {"reason": "duplicate entry"}, party=BROKER)

    assert response.status_code == 200, response.text
    assert api.get(f"{DECLARATIONS}/{mrn}", ACME).json()["status"] == "invalidated"


def test_a_second_invalidation_is_a_forbidden_transition(api: Api) -> None:
    mrn = api.lodged(import_declaration(), ACME)["mrn"]
    first = _invalidate(api, mrn, {"reason": "goods not shipped"})

    second = _invalidate(api, mrn, {"reason": "again"})

    body = assert_problem(second, 409, "declaration.forbidden-transition", "")
    assert (body["state"], body["allowed_actions"]) == ("invalidated", [])
    history = api.get(f"{DECLARATIONS}/{mrn}/history", ACME).json()
    assert [e["event"] for e in history["entries"]] == ["accepted", "tax_assessed",
                                                        "invalidated"]
    assert api.get(f"{DECLARATIONS}/{mrn}", ACME).json()["version"] == first.json()["version"]


@pytest.mark.parametrize(("body", "pointer", "code"), [
    ({}, "/reason", "schema.missing"),
    ({"reason": ""}, "/reason", "schema.string_too_short"),
    ({"reason": "x" * 513}, "/reason", "schema.string_too_long"),
    ({"reason": "ok", "urgent": True}, "/urgent", "schema.extra_forbidden"),
])
def test_an_invalidation_without_a_proper_reason_is_refused(api: Api, body: dict[str, Any],
                                                            pointer: str, code: str) -> None:
    mrn = api.lodged(import_declaration(), ACME)["mrn"]

    response = _invalidate(api, mrn, body)

    problem = assert_problem(response, 400, "request.schema", pointer)
    assert [e["code"] for e in problem["errors"]] == [code]
    read = api.get(f"{DECLARATIONS}/{mrn}", ACME).json()
    assert (read["status"], read["version"]) == ("awaiting_payment", 1)


def test_an_invalidation_on_a_stale_version_is_refused(api: Api) -> None:
    document = import_declaration()
    mrn = api.lodged(document, ACME)["mrn"]
    document["items"][0]["description"] = "Smartphones, 256 GB"
    amended = api.client.post(f"{DECLARATIONS}/{mrn}/amendments", json=document,
                              headers=api.auth(ACME))
    assert amended.json()["version"] == 2

    response = _invalidate(api, mrn, {"reason": "late"}, headers={"If-Match": '"1"'})

    assert_problem(response, 409, "declaration.stale-version", "")
    assert api.get(f"{DECLARATIONS}/{mrn}", ACME).json()["status"] == "awaiting_payment"


def test_invalidating_an_unknown_mrn_is_404(api: Api) -> None:
    response = _invalidate(api, "26XX000000000000R0", {"reason": "nothing"})

    assert_problem(response, 404, "declaration.not-found", "")

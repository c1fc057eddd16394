"""No key, a wrong key or a wrong scheme: 401 with WWW-Authenticate; customs staff may not lodge.

Health and the API documentation are the only things served without a key (see
``test_operations.py``).
"""

from __future__ import annotations

import pytest

from tests.e2e.examples import ACME, ADMIN, OFFICER, import_declaration
from tests.e2e.support import DECLARATIONS, Api, assert_problem

pytestmark = [pytest.mark.db, pytest.mark.usefixtures("unsecured")]

PROTECTED = [
    ("GET", DECLARATIONS),
    ("GET", f"{DECLARATIONS}/26XX000000000000R0"),
    ("GET", f"{DECLARATIONS}/26XX000000000000R0/history"),
    ("GET", "/api/v1/reference/rules"),
    ("GET", "/api/v1/reference/procedure"),
    ("GET", "/api/v1/reference/nomenclature"),
    ("GET", "/api/v1/reference/offices"),
    ("GET", "/api/v1/reference/exchange-rates"),
]



@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_a_request_without_a_key_is_refused_with_401(api: Api, method: str, path: str) -> None:
    response = api.client.request(method, path)

    assert_problem(response, 401, "auth.unauthenticated", "")
    assert response.headers["www-authenticate"] == "Bearer"


def test_lodging_without_a_key_is_refused_and_stores_nothing(api: Api) -> None:
    response = api.client.post(DECLARATIONS, json=import_declaration())

    assert_problem(response, 401, "auth.unauthenticated", "")
    assert response.headers["www-authenticate"] == "Bearer"
    assert api.mrns() == []


@pytest.mark.parametrize("header", [
    {"Authorization": "Bearer oc_000000000000_not-the-secret"},
    {"Authorization": "Bearer not-a-key-at-all"},
    {"X-API-Key": "oc_000000000000_not-the-secret"},
    {"X-API-Key": ""},
])
def test_a_wrong_key_is_refused_with_401(api: Api, header: dict[str, str]) -> None:
    response = api.client.post(DECLARATIONS, json=import_declaration(), headers=header)

    assert_problem(response, 401, "auth.unauthenticated", "")
    assert response.headers["www-authenticate"] == "Bearer"
    assert api.mrns() == []


def test_a_real_key_id_with_another_secret_is_refused(api: Api) -> None:
    key_id = api.keys[ACME].split("_")[1]

    response = api.client.get(DECLARATIONS,
                              headers={"Authorization": f"Bearer oc_{key_id}_guessed"})

    assert_problem(response, 401, "auth.unauthenticated", "")


@pytest.mark.parametrize("authorization", ["Basic {key}", "Token {key}", "{key}", "Bearer",
                                           "Bearer "])
def test_a_malformed_authorization_header_is_refused_with_401(api: Api,
                                                              authorization: str) -> None:
    header = authorization.format(key=api.keys[ACME])

    response = api.client.post(DECLARATIONS, json=import_declaration(),
                               headers={"Authorization": header})

    assert_problem(response, 401, "auth.unauthenticated", "")
    assert response.headers["www-authenticate"] == "Bearer"
    assert api.mrns() == []


def test_the_key_may_come_in_x_api_key(api: Api) -> None:
    response = api.client.post(DECLARATIONS, json=import_declaration(),
                               headers={"X-API-Key": api.keys[ACME]})

    assert response.status_code == 201, response.text
    assert response.json()["declarant"] == ACME


def test_the_bearer_scheme_is_case_insensitive(api: Api) -> None:
    response = api.client.get(DECLARATIONS,
                              headers={"Authorization": f"bearer {api.keys[ACME]}"})

    assert response.status_code == 200


@pytest.mark.parametrize("staff", [OFFICER, ADMIN])
def test_customs_staff_may_not_lodge(api: Api, staff: str) -> None:
    response = api.lodge(import_declaration(), staff)

    assert_problem(response, 403, "auth.trader-only", "")
    assert api.mrns() == []


def test_an_officer_may_not_amend_or_invalidate(api: Api) -> None:
    document = import_declaration()
    mrn = api.lodged(document, ACME)["mrn"]
    document["items"][0]["description"] = "Smartphones, 256 GB"

    amended = api.client.post(f"{DECLARATIONS}/{mrn}/amendments", json=document,
                              headers=api.auth(OFFICER))
    invalidated = api.client.post(f"{DECLARATIONS}/{mrn}/invalidation",
                                  json={"reason": "officer tries"}, headers=api.auth(OFFICER))

    assert_problem(amended, 403, "auth.trader-only", "")
    assert_problem(invalidated, 403, "auth.trader-only", "")
    read = api.get(f"{DECLARATIONS}/{mrn}", ACME).json()
    assert (read["status"], read["version"]) == ("awaiting_payment", 1)


@pytest.mark.parametrize("action", ["amendments", "invalidation"])
def test_changing_a_declaration_without_a_key_is_refused(api: Api, action: str) -> None:
    document = import_declaration()
    mrn = api.lodged(document, ACME)["mrn"]

    response = api.client.post(f"{DECLARATIONS}/{mrn}/{action}",
                               json=document if action == "amendments" else {"reason": "x"})

    assert_problem(response, 401, "auth.unauthenticated", "")
    read = api.get(f"{DECLARATIONS}/{mrn}", ACME).json()
    assert (read["status"], read["version"]) == ("awaiting_payment", 1)

"""Control characters (NUL above all) in a request: 400 or 404 on both stores, never a 500.

PostgreSQL cannot store U+0000 in text or JSONB, SQLite can: the API refuses such input itself,
at its pointer, so both stores behave the same and nothing is stored.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.examples import ACME, import_declaration
from tests.e2e.support import DECLARATIONS, Api, assert_problem, errors_by_code

pytestmark = [pytest.mark.db, pytest.mark.usefixtures("unsecured")]


@pytest.mark.parametrize("action", ["", "/history"])
def test_an_mrn_with_a_nul_character_is_not_found(api: Api, action: str) -> None:
    response = api.get(f"{DECLARATIONS}/26XX%00{action}", ACME)

    assert_problem(response, 404, "declaration.not-found", "")


def test_an_lrn_with_a_nul_character_is_a_schema_error(api: Api) -> None:
    response = api.lodge(import_declaration("ACME\u0000-1"), ACME)

    body = assert_problem(response, 400, "request.schema", "/lrn")
    assert errors_by_code(body) == {"schema.control_character": ["/lrn"]}
    assert api.mrns() == []


@pytest.mark.parametrize(("field", "value", "pointer"), [
    (("items", 0, "description"), "Smart\u0000phones", "/items/0/description"),
    (("items", 0, "description"), "Smart\u001bphones", "/items/0/description"),
    (("exporter", "name"), "Shenzhen\u0000Widget", "/exporter/name"),
    (("items", 0, "commodity_code"), "8517\u00001300", "/items/0/commodity_code"),
    (("items", 0, "packages", 0, "marks"), "ACME\u007f1-10", "/items/0/packages/0/marks"),
])
def test_text_with_a_control_character_is_refused_at_its_pointer(
        api: Api, field: tuple[str | int, ...], value: str, pointer: str) -> None:
    document = import_declaration()
    *path, name = field
    target: Any = document
    for step in path:
        target = target[step]
    target[name] = value

    response = api.lodge(document, ACME)

    body = assert_problem(response, 400, "request.schema", pointer)
    assert errors_by_code(body) == {"schema.control_character": [pointer]}
    assert api.mrns() == []


def test_an_amendment_with_a_nul_character_changes_nothing(api: Api) -> None:
    document = import_declaration()
    mrn = api.lodged(document, ACME)["mrn"]
    document["items"][0]["description"] = "Smart\u0000phones"

    response = api.client.post(f"{DECLARATIONS}/{mrn}/amendments", json=document,
                               headers=api.auth(ACME))

    assert_problem(response, 400, "request.schema", "/items/0/description")
    read = api.get(f"{DECLARATIONS}/{mrn}", ACME).json()
    assert read["version"] == 1
    assert read["declaration"]["items"][0]["description"] == "Smartphones, 128 GB"


def test_an_ordinary_unicode_text_is_accepted(api: Api) -> None:
    document = import_declaration()
    document["exporter"]["name"] = "Shenzhen Widget Co — 深圳小部件"

    response = api.lodge(document, ACME)

    assert response.status_code == 201, response.text
    assert response.json()["declaration"]["exporter"]["name"] == "Shenzhen Widget Co — 深圳小部件"

"""Bodies that are not a declaration: 400 with every schema error, 415 for other media types.

Each is refused before anything is stored: the list of declarations stays empty.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.examples import ACME, import_declaration
from tests.e2e.support import DECLARATIONS, Api, assert_problem, compact, errors_by_code, pointers

pytestmark = pytest.mark.db


@pytest.mark.parametrize("raw", [b'{"lrn": "X", ', b"not json at all", b"{'lrn': 'X'}"])
def test_malformed_json_is_refused_with_400(api: Api, raw: bytes) -> None:
    response = api.post_raw(DECLARATIONS, raw, ACME)

    assert_problem(response, 400, "request.malformed-json", "")
    assert api.mrns() == []


def test_an_empty_body_is_a_missing_document(api: Api) -> None:
    response = api.post_raw(DECLARATIONS, b"", ACME)

    body = assert_problem(response, 400, "request.schema", "")
    assert errors_by_code(body) == {"schema.missing": [""]}
    assert api.mrns() == []


def test_a_mass_written_as_a_json_number_is_a_schema_error_at_its_pointer(api: Api) -> None:
    document = import_declaration()
    document["items"][0]["net_mass"] = 12.5

    response = api.lodge(document, ACME)

    body = assert_problem(response, 400, "request.schema", "/items/0/net_mass")
    assert pointers(body) == ["/items/0/net_mass"]
    assert api.mrns() == []


def test_a_package_count_written_as_words_is_a_schema_error_at_its_pointer(api: Api) -> None:
    document = import_declaration()
    document["items"][0]["packages"][0]["count"] = "ten"

    response = api.lodge(document, ACME)

    body = assert_problem(response, 400, "request.schema", "/items/0/packages/0/count")
    assert pointers(body) == ["/items/0/packages/0/count"]
    assert api.mrns() == []


def test_a_package_count_written_as_a_numeric_string_is_a_schema_error(api: Api) -> None:
    document = import_declaration()
    document["items"][0]["packages"][0]["count"] = "10"

    response = api.lodge(document, ACME)

    body = assert_problem(response, 400, "request.schema", "/items/0/packages/0/count")
    assert errors_by_code(body) == {"schema.int_type": ["/items/0/packages/0/count"]}
    assert api.mrns() == []


def test_an_item_sequence_written_as_a_boolean_is_a_schema_error(api: Api) -> None:
    document = import_declaration()
    document["items"][0]["sequence"] = True

    response = api.lodge(document, ACME)

    body = assert_problem(response, 400, "request.schema", "/items/0/sequence")
    assert errors_by_code(body) == {"schema.int_type": ["/items/0/sequence"]}
    assert api.mrns() == []


@pytest.mark.parametrize(("place", "pointer"), [
    ((), "/colour"),
    (("items", 0), "/items/0/colour"),
    (("items", 0, "packages", 0), "/items/0/packages/0/colour"),
    (("invoice",), "/invoice/colour"),
])
def test_an_unknown_field_is_refused_with_a_pointer_to_it(api: Api, place: tuple[Any, ...],
                                                          pointer: str) -> None:
    document = import_declaration()
    target: Any = document
    for step in place:
        target = target[step]
    target["colour"] = "blue"

    response = api.lodge(document, ACME)

    body = assert_problem(response, 400, "request.schema", pointer)
    assert errors_by_code(body) == {"schema.extra_forbidden": [pointer]}
    assert api.mrns() == []


def test_every_schema_error_is_reported_at_once(api: Api) -> None:
    document = import_declaration()
    document["type"] = "XY"
    del document["office_of_declaration"]
    document["invoice"]["amount"] = 12500
    document["items"][0]["gross_mass"] = "fifteen"
    document["items"][0]["colour"] = "blue"

    response = api.lodge(document, ACME)

    body = assert_problem(response, 400, "request.schema")
    assert sorted(pointers(body)) == sorted([
        "/type", "/office_of_declaration", "/invoice/amount", "/items/0/gross_mass",
        "/items/0/colour",
    ])
    assert body["detail"].startswith("5 schema error")
    assert all(e["detail"] for e in body["errors"])
    assert api.mrns() == []


def test_a_json_array_instead_of_an_object_is_a_schema_error(api: Api) -> None:
    response = api.post_raw(DECLARATIONS, b"[1, 2]", ACME)

    assert_problem(response, 400, "request.schema", "")
    assert api.mrns() == []


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml",
                                          "application/x-www-form-urlencoded"])
def test_a_body_that_is_not_json_is_refused_with_415(api: Api, content_type: str) -> None:
    body = compact(import_declaration())

    response = api.post_raw(DECLARATIONS, body, ACME, content_type=content_type)

    assert_problem(response, 415, "request.unsupported-media-type", "")
    assert api.mrns() == []


def test_a_body_without_content_type_is_refused_with_415(api: Api) -> None:
    response = api.client.post(DECLARATIONS, content=compact(import_declaration()),
                               headers=api.auth(ACME))

    assert_problem(response, 415, "request.unsupported-media-type", "")
    assert api.mrns() == []


def test_json_with_a_charset_parameter_is_accepted(api: Api) -> None:
    response = api.post_raw(DECLARATIONS, compact(import_declaration()), ACME,
                            content_type="application/json; charset=utf-8")

    assert response.status_code == 201, response.text

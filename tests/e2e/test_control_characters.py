"""NUL characters in a request: a clear answer on both stores, never a 500.

PostgreSQL cannot store U+0000 in text or JSONB, SQLite can: the API must refuse such input
itself (or answer as for any other unknown value) so both stores behave the same.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.dbutil import server_database_url
from tests.e2e.examples import ACME, import_declaration
from tests.e2e.support import DECLARATIONS, Api, assert_problem

pytestmark = pytest.mark.db

ON_POSTGRESQL = server_database_url() is not None


@pytest.mark.xfail(ON_POSTGRESQL, strict=True, reason="bug: on PostgreSQL the MRN with a NUL "
                   "reaches the query and psycopg raises DataError: 500 instead of 404")
def test_an_mrn_with_a_nul_character_is_not_found(api: Api) -> None:
    response = api.get(f"{DECLARATIONS}/26XX%00", ACME)

    assert_problem(response, 404, "declaration.not-found", "")


@pytest.mark.xfail(ON_POSTGRESQL, strict=True, reason="bug: on PostgreSQL recording the "
                   "rejection (lodgement_rejections.lrn) fails on the NUL: 500 instead of 422")
def test_an_lrn_with_a_nul_character_breaks_rule_RL303(api: Api) -> None:
    response = api.lodge(import_declaration("ACME\u0000-1"), ACME)

    body = assert_problem(response, 422, "declaration.rule-violations", "/lrn")
    assert [e["code"] for e in body["errors"]] == ["RL303"]
    assert api.mrns() == []


@pytest.mark.xfail(strict=True, reason="bug: no schema or rule refuses NUL in free text; "
                   "SQLite stores it (201), PostgreSQL JSONB rejects it (500)")
@pytest.mark.parametrize(("field", "pointer"), [
    (("items", 0, "description"), "/items/0/description"),
    (("exporter", "name"), "/exporter/name"),
])
def test_free_text_with_a_nul_character_is_refused_at_its_pointer(
        api: Api, field: tuple[str | int, ...], pointer: str) -> None:
    document = import_declaration()
    *path, name = field
    target: Any = document
    for step in path:
        target = target[step]
    target[name] = "Smart\u0000phones"

    response = api.lodge(document, ACME)

    assert response.status_code in (400, 422), response.text
    assert pointer in [e["pointer"] for e in response.json()["errors"]]
    assert api.mrns() == []

"""Listing declarations: filters, cursor pagination, visibility, bad parameters."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from tests.e2e.examples import ACME, BETA, OFFICER, export_declaration, import_declaration
from tests.e2e.support import DECLARATIONS, Api, assert_problem

pytestmark = [pytest.mark.db, pytest.mark.usefixtures("unsecured")]


def _lodge_imports(api: Api, count: int) -> list[dict[str, Any]]:
    return [api.lodged(import_declaration(), ACME) for _ in range(count)]


def test_pages_of_two_return_five_declarations_each_exactly_once(api: Api) -> None:
    lodged = [d["mrn"] for d in _lodge_imports(api, 5)]
    seen: list[str] = []
    sizes: list[int] = []
    cursor: str | None = None

    for _ in range(5):
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = api.get(DECLARATIONS, ACME, params=params).json()
        sizes.append(len(page["items"]))
        seen += [d["mrn"] for d in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert sizes == [2, 2, 1]
    assert seen == lodged


def test_a_page_that_holds_everything_has_no_next_cursor(api: Api) -> None:
    _lodge_imports(api, 2)

    page = api.get(DECLARATIONS, ACME, params={"limit": 2}).json()

    assert (len(page["items"]), page["next_cursor"]) == (2, None)


def test_the_status_filter_finds_the_invalidated_declaration(api: Api) -> None:
    first, second = (d["mrn"] for d in _lodge_imports(api, 2))
    invalidated = api.client.post(f"{DECLARATIONS}/{second}/invalidation",
                                  json={"reason": "duplicate"}, headers=api.auth(ACME))
    assert invalidated.status_code == 200

    assert api.mrns(ACME, status="invalidated") == [second]
    assert api.mrns(ACME, status="awaiting_payment") == [first]
    assert api.mrns(ACME, status="released") == []


def test_the_type_filter_separates_imports_from_exports(api: Api) -> None:
    imported = api.lodged(import_declaration(), ACME)["mrn"]
    exported = api.lodged(export_declaration(), BETA)["mrn"]

    assert api.mrns(OFFICER, type="EX") == [exported]
    assert api.mrns(OFFICER, type="IM") == [imported]
    assert api.mrns(BETA, type="IM") == []


@pytest.mark.parametrize(("code", "expected"), [
    ("8517130000", ["import"]),
    ("8517", ["import"]),
    ("843149", ["export"]),
    ("84", ["export"]),
    ("85", ["import"]),
    ("0101", []),
])
def test_the_commodity_code_filter_matches_any_item_by_prefix(api: Api, code: str,
                                                              expected: list[str]) -> None:
    mrns = {"import": api.lodged(import_declaration(), ACME)["mrn"],
            "export": api.lodged(export_declaration(), BETA)["mrn"]}

    assert api.mrns(OFFICER, commodity_code=code) == [mrns[name] for name in expected]


def test_accepted_from_is_inclusive_and_accepted_to_exclusive(api: Api) -> None:
    first, second, third = _lodge_imports(api, 3)
    at = second["accepted_at"]

    assert api.mrns(ACME, accepted_from=at) == [second["mrn"], third["mrn"]]
    assert api.mrns(ACME, accepted_to=at) == [first["mrn"]]
    assert api.mrns(ACME, accepted_from=first["accepted_at"],
                    accepted_to=third["accepted_at"]) == [first["mrn"], second["mrn"]]


def test_a_time_with_another_offset_is_compared_in_utc(api: Api) -> None:
    first, second = _lodge_imports(api, 2)
    at = datetime.fromisoformat(second["accepted_at"]).astimezone(timezone(timedelta(hours=2)))
    assert at.isoformat().endswith("+02:00")

    assert api.mrns(ACME, accepted_from=at.isoformat()) == [second["mrn"]]
    assert api.mrns(ACME, accepted_to=at.isoformat()) == [first["mrn"]]


@pytest.mark.parametrize("value", ["2026-01-01", "2026-01-01T00:00:00"])
@pytest.mark.parametrize("name", ["accepted_from", "accepted_to"])
def test_a_time_without_time_zone_is_refused_with_its_pointer(api: Api, name: str,
                                                               value: str) -> None:
    api.lodged(import_declaration(), ACME)

    response = api.get(DECLARATIONS, ACME, params={name: value})

    assert_problem(response, 400, "request.parameters", f"/query/{name}")


def test_a_cursor_with_a_time_without_zone_is_refused(api: Api) -> None:
    forged = base64.urlsafe_b64encode(b"2026-01-01T00:00:00|26XX000000000000R0").decode()

    response = api.get(DECLARATIONS, ACME, params={"cursor": forged})

    assert_problem(response, 400, "request.cursor", "/query/cursor")


def test_the_listing_items_carry_the_declaration_and_its_links(api: Api) -> None:
    lodged = api.lodged(import_declaration(), ACME)

    page = api.get(DECLARATIONS, ACME).json()

    assert page["items"] == [lodged]


@pytest.mark.parametrize("cursor", ["not-a-cursor", "abc", "bm90IGEgY3Vyc29y",
                                    "eHx5", "!!!!"])
def test_a_cursor_the_api_did_not_issue_is_refused(api: Api, cursor: str) -> None:
    response = api.get(DECLARATIONS, ACME, params={"cursor": cursor})

    assert_problem(response, 400, "request.cursor", "/query/cursor")


@pytest.mark.parametrize(("params", "pointer"), [
    ({"limit": 0}, "/query/limit"),
    ({"limit": 501}, "/query/limit"),
    ({"limit": "many"}, "/query/limit"),
    ({"status": "lost"}, "/query/status"),
    ({"type": "XY"}, "/query/type"),
    ({"commodity_code": "85a7"}, "/query/commodity_code"),
    ({"accepted_from": "yesterday"}, "/query/accepted_from"),
])
def test_a_bad_listing_parameter_is_refused_with_its_pointer(api: Api, params: dict[str, Any],
                                                              pointer: str) -> None:
    response = api.get(DECLARATIONS, ACME, params=params)

    body = assert_problem(response, 400, "request.parameters", pointer)
    assert len(body["errors"]) == 1

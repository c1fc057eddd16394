"""Bodies over the configured limit get 413 before anything reads them; 10,000 goods items.

The limit is ``max_body_bytes`` (default 5 MB). A declaration with more than 999 goods items
that fits under the limit reaches format-logical control and is refused by RL305.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from opencustoms.settings import DEFAULT_MAX_BODY_BYTES
from tests.e2e.conftest import MakeApi
from tests.e2e.examples import ACME, import_declaration
from tests.e2e.support import DECLARATIONS, Api, assert_problem, compact, errors_by_code

pytestmark = [pytest.mark.db, pytest.mark.usefixtures("unsecured")]

SMALL_LIMIT = 10_000
MANY_ITEMS = 10_000


def _padded(size: int) -> bytes:
    """A valid JSON declaration of exactly ``size`` bytes (padded with insignificant spaces)."""
    body = compact(import_declaration())
    assert len(body) <= size
    return body + b" " * (size - len(body))


def _many_items() -> dict[str, Any]:
    document = import_declaration()
    item = document["items"][0]
    document["items"] = [{**item, "sequence": n} for n in range(1, MANY_ITEMS + 1)]
    return document


def test_a_body_of_exactly_the_limit_is_accepted(make_api: MakeApi) -> None:
    api = make_api(max_body_bytes=SMALL_LIMIT)

    response = api.post_raw(DECLARATIONS, _padded(SMALL_LIMIT), ACME)

    assert response.status_code == 201, response.text


def test_a_body_over_a_configured_limit_is_refused_with_413(make_api: MakeApi) -> None:
    api = make_api(max_body_bytes=SMALL_LIMIT)

    response = api.post_raw(DECLARATIONS, _padded(SMALL_LIMIT + 1), ACME)

    body = assert_problem(response, 413, "request.too-large", "")
    assert str(SMALL_LIMIT) in body["detail"]
    assert api.mrns() == []


def test_a_streamed_body_without_length_over_the_limit_is_refused_with_413(
        make_api: MakeApi) -> None:
    api = make_api(max_body_bytes=SMALL_LIMIT)
    raw = _padded(3 * SMALL_LIMIT)

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(raw), 4096):
            yield raw[start:start + 4096]

    response = api.client.post(DECLARATIONS, content=chunks(),
                               headers={**api.auth(ACME), "Content-Type": "application/json"})

    assert "content-length" not in response.request.headers
    assert_problem(response, 413, "request.too-large", "")
    assert api.mrns() == []


def test_an_amendment_over_the_limit_is_refused_with_413(make_api: MakeApi) -> None:
    api = make_api(max_body_bytes=SMALL_LIMIT)
    lodged = api.lodged(import_declaration(), ACME)

    response = api.post_raw(f"{DECLARATIONS}/{lodged['mrn']}/amendments",
                            _padded(SMALL_LIMIT + 1), ACME)

    assert_problem(response, 413, "request.too-large", "")
    assert api.get(f"{DECLARATIONS}/{lodged['mrn']}", ACME).json()["version"] == 1


def test_a_six_megabyte_body_is_over_the_default_limit(api: Api) -> None:
    assert api.settings.max_body_bytes == DEFAULT_MAX_BODY_BYTES == 5 * 1024 * 1024

    response = api.post_raw(DECLARATIONS, _padded(6 * 1024 * 1024), ACME)

    assert_problem(response, 413, "request.too-large", "")
    assert api.mrns() == []


def test_ten_thousand_items_under_the_limit_break_rule_RL305(api: Api) -> None:
    raw = compact(_many_items())
    assert len(raw) < DEFAULT_MAX_BODY_BYTES

    response = api.post_raw(DECLARATIONS, raw, ACME)

    body = assert_problem(response, 422, "declaration.rule-violations", "/items")
    assert errors_by_code(body)["RL305"] == ["/items"]
    assert api.mrns() == []


def test_ten_thousand_items_over_the_default_limit_get_413(api: Api) -> None:
    raw = json.dumps(_many_items(), indent=2).encode()
    assert len(raw) > DEFAULT_MAX_BODY_BYTES

    response = api.post_raw(DECLARATIONS, raw, ACME)

    assert_problem(response, 413, "request.too-large", "")
    assert api.mrns() == []


def test_ten_thousand_items_under_a_raised_limit_break_rule_RL305(make_api: MakeApi) -> None:
    api = make_api(max_body_bytes=16 * 1024 * 1024)
    raw = json.dumps(_many_items(), indent=2).encode()

    response = api.post_raw(DECLARATIONS, raw, ACME)

    body = assert_problem(response, 422, "declaration.rule-violations", "/items")
    assert errors_by_code(body)["RL305"] == ["/items"]
    assert api.mrns() == []

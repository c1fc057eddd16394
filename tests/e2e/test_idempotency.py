"""Re-sending an LRN (issue 2, item 8): same content gives the same MRN, other content 409."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.e2e.examples import ACME, import_declaration
from tests.e2e.support import DECLARATIONS, Api, assert_problem

pytestmark = [pytest.mark.db, pytest.mark.usefixtures("unsecured")]

THREADS = 8


def test_resending_the_same_lrn_and_content_returns_the_first_mrn_with_200(api: Api) -> None:
    document = import_declaration()
    first = api.lodge(document, ACME)

    again = api.lodge(document, ACME)

    assert (first.status_code, again.status_code) == (201, 200)
    mrn = first.json()["mrn"]
    assert again.json()["mrn"] == mrn
    assert again.json()["version"] == 1
    assert again.headers["location"] == f"{DECLARATIONS}/{mrn}"
    assert api.mrns() == [mrn]


def test_the_same_content_written_differently_is_still_a_replay(api: Api) -> None:
    document = import_declaration()
    mrn = api.lodged(document, ACME)["mrn"]
    reordered = dict(reversed(list(document.items())))
    raw = json.dumps(reordered, indent=4, sort_keys=False).encode()

    again = api.post_raw(DECLARATIONS, raw, ACME)

    assert again.status_code == 200, again.text
    assert again.json()["mrn"] == mrn
    assert api.mrns() == [mrn]


def test_the_same_lrn_with_other_content_is_refused_and_changes_nothing(api: Api) -> None:
    document = import_declaration()
    lodged = api.lodged(document, ACME)
    document["items"][0]["description"] = "Smartphones, 256 GB"

    response = api.lodge(document, ACME)

    body = assert_problem(response, 409, "declaration.lrn-reused", "/lrn")
    assert lodged["mrn"] in body["detail"]
    assert api.mrns() == [lodged["mrn"]]
    read = api.get(f"{DECLARATIONS}/{lodged['mrn']}", ACME).json()
    assert read["version"] == 1
    assert read["declaration"]["items"][0]["description"] == "Smartphones, 128 GB"


def test_eight_simultaneous_lodgements_of_one_document_register_it_once(api: Api) -> None:
    document = import_declaration()
    start = threading.Barrier(THREADS)

    def send(_: int) -> httpx.Response:
        start.wait(timeout=10)
        return api.lodge(document, ACME)

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        responses = list(pool.map(send, range(THREADS)))

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * (THREADS - 1) + [201], [r.text for r in responses]
    mrns = {r.json()["mrn"] for r in responses}
    assert len(mrns) == 1
    assert api.mrns() == list(mrns)
    history = api.get(f"{DECLARATIONS}/{mrns.pop()}/history", ACME).json()
    assert [e["event"] for e in history["entries"]] == ["accepted", "tax_assessed"]

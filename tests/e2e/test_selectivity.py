"""Every lodgement gets a channel; officers see why, traders only see the channel (issue 4,
item 8)."""

from __future__ import annotations

import pytest

from tests.e2e.examples import ACME, OFFICER, import_declaration
from tests.e2e.support import DECLARATIONS, Api

pytestmark = pytest.mark.db

ANALYST = "XX900000000002"


def _red_profile_on_smartphones(api: Api) -> str:
    response = api.client.post("/api/v1/risk/profiles", headers=api.auth(ANALYST), json={
        "name": "Smartphones from CN", "criteria": {"all": [
            {"field": "item.commodity_code", "op": "starts_with", "value": "851713"},
            {"field": "item.origin", "op": "eq", "value": "CN"}]},
        "valid_from": "2026-01-01", "channel": "red",
        "instructions": "Count the handsets against the invoice", "weight": 80})
    assert response.status_code == 201, response.text
    profile_id: str = response.json()["id"]
    return profile_id


def test_a_red_profile_hit_selects_the_declaration_with_its_reasons(api: Api) -> None:
    profile_id = _red_profile_on_smartphones(api)
    lodged = api.lodged(import_declaration(), ACME)
    assert lodged["channel"] == "red"
    assert lodged["risk"] is None  # the trader sees the channel, never the profile
    seen = api.get(f"{DECLARATIONS}/{lodged['mrn']}", OFFICER).json()
    reason = seen["risk"]["reasons"][0]
    assert (reason["kind"], reason["profile"], reason["version"]) == ("profile", profile_id, 1)
    assert reason["instructions"] == "Count the handsets against the invoice"
    assert reason["items"] == [1]
    assert seen["risk"]["policy_version"]


def test_without_a_hit_a_declaration_is_green_or_randomly_selected(api: Api) -> None:
    lodged = api.lodged(import_declaration(), ACME)
    seen = api.get(f"{DECLARATIONS}/{lodged['mrn']}", OFFICER).json()
    if seen["channel"] == "red":
        assert [r["kind"] for r in seen["risk"]["reasons"]] == ["random"]
    else:
        assert (seen["channel"], seen["risk"]["reasons"]) == ("green", [])

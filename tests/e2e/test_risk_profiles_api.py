"""Risk profiles through the API: write, version, read, backtest; who may do what; bad input
(issue 4, items 1 and 5)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.e2e.examples import ACME, ADMIN, BETA, OFFICER, import_declaration, unique_lrn
from tests.e2e.support import Api, assert_problem, compact

pytestmark = pytest.mark.db

ANALYST = "XX900000000002"
PROFILES = "/api/v1/risk/profiles"
UNKNOWN = "RP0123456789"

BICYCLES_FROM_ASIA = {"all": [
    {"field": "item.commodity_code", "op": "starts_with", "value": "8712"},
    {"field": "item.origin", "op": "in", "value": ["CN", "VN"]},
]}


def profile(**changes: Any) -> dict[str, Any]:
    return {"name": "Bicycles from CN/VN", "description": "Anti-dumping circumvention",
            "criteria": BICYCLES_FROM_ASIA, "valid_from": "2026-01-01", "valid_to": None,
            "channel": "yellow", "instructions": "Check the certificate of origin",
            "weight": 60, **changes}


def create(api: Api, party: str = ANALYST, **changes: Any) -> httpx.Response:
    return api.client.post(PROFILES, json=profile(**changes), headers=api.auth(party))


def created(api: Api, **changes: Any) -> dict[str, Any]:
    response = create(api, **changes)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def put(api: Api, profile_id: str, document: dict[str, Any], party: str = ANALYST,
        headers: dict[str, str] | None = None) -> httpx.Response:
    return api.client.put(f"{PROFILES}/{profile_id}", json=document,
                          headers={**api.auth(party), **(headers or {})})


def run_backtest(api: Api, profile_id: str, body: dict[str, Any] | None = None,
                 party: str = ANALYST) -> httpx.Response:
    return api.client.post(f"{PROFILES}/{profile_id}/backtest", json=body or {},
                           headers=api.auth(party))


# --- writing and versions -----------------------------------------------------------------


def test_an_analyst_writes_a_profile_as_version_1(api: Api) -> None:
    response = create(api)
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["location"] == f"{PROFILES}/{body['id']}"
    assert response.headers["etag"] == '"1"'
    assert body["version"] == 1
    assert body["criteria"] == BICYCLES_FROM_ASIA
    assert (body["channel"], body["weight"], body["active"]) == ("yellow", 60.0, True)
    assert (body["valid_from"], body["valid_to"]) == ("2026-01-01", None)
    assert body["created_by"] == ANALYST
    assert [v["version"] for v in body["versions"]] == [1]
    assert api.get(response.headers["location"], ANALYST).json() == body


def test_a_change_adds_a_version_and_old_versions_stay_readable(api: Api) -> None:
    first = created(api)
    changed = profile(channel="red", weight="75.5", valid_to="2026-12-31")
    response = put(api, first["id"], changed)
    assert response.status_code == 200, response.text
    second = response.json()
    assert (second["id"], second["version"], second["channel"]) == (first["id"], 2, "red")
    assert response.headers["etag"] == '"2"'
    assert [v["version"] for v in second["versions"]] == [1, 2]
    old = api.get(f"{PROFILES}/{first['id']}/versions/1", OFFICER).json()
    assert (old["version"], old["channel"], old["weight"]) == (1, "yellow", 60.0)
    current = api.get(f"{PROFILES}/{first['id']}", OFFICER).json()
    assert (current["version"], current["weight"], current["valid_to"]) == (2, 75.5,
                                                                            "2026-12-31")
    listed = api.get(PROFILES, OFFICER).json()["items"]
    assert [(p["id"], p["version"]) for p in listed] == [(first["id"], 2)]


def test_if_match_guards_a_change_against_a_stale_version(api: Api) -> None:
    first = created(api)
    assert put(api, first["id"], profile(), headers={"If-Match": '"1"'}).status_code == 200
    stale = put(api, first["id"], profile(weight=1), headers={"If-Match": '"1"'})
    assert_problem(stale, 409, "risk.profile.stale-version")
    assert_problem(put(api, first["id"], profile(), headers={"If-Match": "one"}), 400,
                   "request.if-match")
    assert [v["version"] for v in api.get(f"{PROFILES}/{first['id']}",
                                          ANALYST).json()["versions"]] == [1, 2]


def test_an_administrator_may_write_profiles(api: Api) -> None:
    assert create(api, ADMIN).status_code == 201


def test_the_field_catalogue_names_types_and_operators(api: Api) -> None:
    response = api.get("/api/v1/risk/fields", OFFICER)
    assert response.status_code == 200
    fields = {f["name"]: f for f in response.json()}
    assert fields["item.value"]["type"] == "number"
    assert "between" in fields["item.value"]["operators"]
    assert fields["item.origin"]["level"] == "item"
    assert fields["declarant.aeo"]["operators"] == ["eq", "ne"]


# --- who may do what ----------------------------------------------------------------------


def test_officers_read_profiles_but_may_not_write_or_backtest_them(api: Api) -> None:
    first = created(api)
    assert api.get(f"{PROFILES}/{first['id']}", OFFICER).status_code == 200
    assert_problem(create(api, OFFICER), 403, "auth.risk-analyst-only")
    assert_problem(put(api, first["id"], profile(), OFFICER), 403, "auth.risk-analyst-only")
    assert_problem(run_backtest(api, first["id"], party=OFFICER), 403, "auth.risk-analyst-only")
    assert api.get(f"{PROFILES}/{first['id']}", ANALYST).json()["version"] == 1


@pytest.mark.parametrize("trader", [ACME, BETA, "XX200000000001"])
def test_traders_get_403_on_every_risk_path(api: Api, trader: str) -> None:
    first = created(api)
    path = f"{PROFILES}/{first['id']}"
    for read in (PROFILES, path, f"{path}/versions/1", "/api/v1/risk/fields"):
        body = assert_problem(api.get(read, trader), 403, "auth.administration-only")
        assert "criteria" not in str(body)
    assert_problem(create(api, trader), 403, "auth.risk-analyst-only")
    assert_problem(put(api, first["id"], profile(), trader), 403, "auth.risk-analyst-only")
    assert_problem(run_backtest(api, first["id"], party=trader), 403, "auth.risk-analyst-only")
    # Refused before the body is checked: the schema's errors tell a trader nothing either.
    assert_problem(api.post_raw(PROFILES, b"{}", trader), 403, "auth.risk-analyst-only")


def test_without_credentials_it_is_401(api: Api) -> None:
    assert_problem(api.client.get(PROFILES), 401, "auth.unauthenticated")


# --- unknown profiles -------------------------------------------------------------------


@pytest.mark.parametrize("profile_id", [UNKNOWN, "not-an-id", "rp0123456789x"])
def test_an_unknown_profile_is_404(api: Api, profile_id: str) -> None:
    assert_problem(api.get(f"{PROFILES}/{profile_id}", OFFICER), 404, "risk.profile.not-found")
    assert_problem(put(api, profile_id, profile()), 404, "risk.profile.not-found")
    assert_problem(run_backtest(api, profile_id), 404, "risk.profile.not-found")


def test_an_unknown_version_is_404(api: Api) -> None:
    first = created(api)
    assert_problem(api.get(f"{PROFILES}/{first['id']}/versions/2", ANALYST), 404,
                   "risk.profile.not-found")
    assert_problem(api.get(f"{PROFILES}/{UNKNOWN}/versions/1", ANALYST), 404,
                   "risk.profile.not-found")


# --- bad input: a clear error with a pointer, nothing saved -------------------------------


def test_an_unknown_field_is_422_with_its_pointer(api: Api) -> None:
    criteria = {"all": [BICYCLES_FROM_ASIA["all"][0],
                        {"field": "item.colour", "op": "eq", "value": "red"}]}
    body = assert_problem(create(api, criteria=criteria), 422, "risk.profile.invalid",
                          "/criteria/all/1/field")
    assert body["errors"][0]["code"] == "risk.criteria.unknown-field"
    assert api.get(PROFILES, ANALYST).json()["items"] == []


def test_contradictory_validity_is_422_at_valid_to(api: Api) -> None:
    response = create(api, valid_from="2026-06-01", valid_to="2026-05-31")
    body = assert_problem(response, 422, "risk.profile.invalid", "/valid_to")
    assert body["errors"][0]["code"] == "risk.profile.valid-to-before-valid-from"
    assert api.get(PROFILES, ANALYST).json()["items"] == []


def test_a_change_with_bad_input_adds_no_version(api: Api) -> None:
    first = created(api)
    response = put(api, first["id"], profile(weight=101, criteria={"any": []}))
    body = assert_problem(response, 422, "risk.profile.invalid")
    assert sorted(e["pointer"] for e in body["errors"]) == ["/criteria/any", "/weight"]
    assert api.get(f"{PROFILES}/{first['id']}", ANALYST).json()["version"] == 1


@pytest.mark.parametrize("threshold", [b"NaN", b"Infinity", b'"12,5"', b'"abc"', b"true"])
def test_a_malformed_threshold_is_422_at_the_value(api: Api, threshold: bytes) -> None:
    document = compact(profile(criteria={"field": "item.value", "op": "gt", "value": 0}))
    raw = document.replace(b'"value":0', b'"value":' + threshold)
    body = assert_problem(api.post_raw(PROFILES, raw, ANALYST), 422, "risk.profile.invalid",
                          "/criteria/value")
    assert body["errors"][0]["code"] == "risk.criteria.malformed-value"


def test_fields_outside_the_schema_are_400(api: Api) -> None:
    response = create(api, owner="me")
    assert_problem(response, 400, "request.schema", "/owner")


# --- backtest -----------------------------------------------------------------------------


def _goods(code: str, origin: str, price: str, declarant: str = ACME,
           **item: Any) -> dict[str, Any]:
    """The import example reshaped to one item of ``code`` from ``origin`` at ``price`` EUR,
    CIF, so the customs value is the price."""
    document = import_declaration(unique_lrn("RISK"))
    document.update(incoterm="CIF", invoice={"currency": "EUR", "amount": price},
                    declarant=declarant)
    document["importer"]["id"] = declarant
    document.pop("freight")
    document.pop("insurance")
    document["country_of_dispatch"] = origin
    line = document["items"][0]
    line.update(commodity_code=code, country_of_origin=origin, item_price=price,
                net_mass="100.000", gross_mass="110.000", supplementary_quantity="10", **item)
    return document


@pytest.fixture
def history(api: Api) -> list[str]:
    """Four lodged declarations: bicycles from CN (Acme, AEO) and VN (Beta, not AEO),
    footwear from DE, and the smartphones of the import example."""
    lodged = [
        api.lodged(_goods("8712003000", "CN", "1000.00", additional_codes=["C001"]), ACME),
        api.lodged(_goods("8712003000", "VN", "1000.00", BETA, additional_codes=["C999"]),
                   BETA),
        api.lodged(_goods("6403990000", "DE", "300.00"), ACME),
        api.lodged(import_declaration(), ACME),
    ]
    return [d["mrn"] for d in lodged]


def _total(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    months = body["months"]
    assert sum(m["hits"] for m in months) == body["total"]["hits"]
    assert sum(m["declarations"] for m in months) == body["total"]["declarations"]
    total: dict[str, Any] = body["total"]
    return total


def test_a_backtest_counts_the_declarations_a_profile_would_have_hit(
        api: Api, history: list[str]) -> None:
    bicycles = created(api)
    response = run_backtest(api, bicycles["id"])
    total = _total(response)
    assert (total["declarations"], total["hits"], total["hit_share"]) == (4, 2, 0.5)
    assert (total["controlled"], total["hit_rate"]) == (0, None)
    assert total["extra_workload"] == 2
    body = response.json()
    assert (body["profile"], body["version"], body["draft"]) == (bicycles["id"], 1, False)
    assert len(body["months"]) == 12
    no_body = api.post_raw(f"{PROFILES}/{bicycles['id']}/backtest", b"", ANALYST)
    assert _total(no_body) == total


def test_extra_workload_leaves_out_hits_other_profiles_already_select(
        api: Api, history: list[str]) -> None:
    bicycles = created(api)
    created(api, name="Anything from CN", criteria={"field": "item.origin", "op": "eq",
                                                   "value": "CN"})
    total = _total(run_backtest(api, bicycles["id"]))
    assert (total["hits"], total["extra_workload"]) == (2, 1)  # VN is new work, CN is not


def test_a_draft_is_backtested_without_being_saved(api: Api, history: list[str]) -> None:
    bicycles = created(api)
    draft = profile(criteria={"all": [
        {"field": "item.value", "op": "gt", "value": "900"},
        {"not": {"field": "declarant.aeo", "op": "eq", "value": True}}]})
    response = run_backtest(api, bicycles["id"], {"draft": draft})
    assert _total(response)["hits"] == 1  # Beta's bicycles: the only non-AEO declarant
    assert response.json()["draft"] is True
    assert api.get(f"{PROFILES}/{bicycles['id']}", ANALYST).json()["version"] == 1
    unsaved = api.client.post("/api/v1/risk/backtests", json={"draft": draft},
                              headers=api.auth(ANALYST))
    assert _total(unsaved)["hits"] == 1
    assert len(api.get(PROFILES, ANALYST).json()["items"]) == 1


def test_a_backtest_over_a_period_without_declarations_counts_nothing(
        api: Api, history: list[str]) -> None:
    bicycles = created(api)
    response = run_backtest(api, bicycles["id"], {"from": "2025-01-01", "to": "2025-02-15"})
    assert [m["month"] for m in response.json()["months"]] == ["2025-01", "2025-02"]
    assert _total(response)["declarations"] == 0
    assert response.json()["total"]["hit_share"] is None


def test_backtest_bad_input_points_into_the_body(api: Api) -> None:
    bicycles = created(api)
    draft = profile(criteria={"field": "item.origin", "op": "gt", "value": "CN"})
    assert_problem(run_backtest(api, bicycles["id"], {"draft": draft}), 422,
                   "risk.profile.invalid", "/draft/criteria/op")
    assert_problem(run_backtest(api, bicycles["id"], {"from": "2026-03-02", "to": "2026-03-01"}),
                   422, "risk.backtest.invalid-period", "/to")
    assert_problem(run_backtest(api, bicycles["id"], {"since": "2026-01-01"}), 400,
                   "request.schema", "/since")
    assert_problem(api.client.post("/api/v1/risk/backtests", json={},
                                   headers=api.auth(ANALYST)), 400, "request.schema", "/draft")

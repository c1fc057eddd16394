"""From acceptance to release (issue 5): automatic release, the officer's queue and decisions,
payments that move waiting declarations on, signed release notes, and release-time figures."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest

from opencustoms.adapters.signing import verify_release_note
from opencustoms.domain.parties import Party, PartyId, Role
from opencustoms.services import identity
from tests.e2e.examples import ACME, BETA, OFFICER, export_declaration, import_declaration
from tests.e2e.support import DECLARATIONS, Api, assert_problem

pytestmark = pytest.mark.db

ANALYST = "XX900000000002"
ADMIN = "XX900000000003"


def _profile(api: Api, channel: str) -> str:
    response = api.client.post("/api/v1/risk/profiles", headers=api.auth(ANALYST), json={
        "name": f"Smartphones ({channel})", "criteria": {"all": [
            {"field": "item.commodity_code", "op": "starts_with", "value": "851713"}]},
        "valid_from": "2026-01-01", "channel": channel,
        "instructions": "Count the handsets against the invoice", "weight": 80})
    assert response.status_code == 201, response.text
    profile_id: str = response.json()["id"]
    return profile_id


def _post(api: Api, path: str, party: str, body: dict[str, Any] | None = None,
          headers: dict[str, str] | None = None) -> Any:
    return api.client.post(path, json=body or {}, headers={**api.auth(party), **(headers or {})})


def _history(api: Api, mrn: str) -> list[tuple[str, str]]:
    entries = api.get(f"{DECLARATIONS}/{mrn}/history", OFFICER).json()["entries"]
    return [(e["event"], e["actor"]) for e in entries]


def _notifications(api: Api, party: str, mrn: str) -> list[str]:
    response = api.get("/api/v1/notifications", party, params={"limit": 500})
    assert response.status_code == 200, response.text
    return [n["function_code"] for n in response.json()["items"] if n["mrn"] == mrn]


def _audit_events(api: Api, mrn: str) -> list[str]:
    response = api.get("/api/v1/audit", ADMIN, params={"kind": "declaration", "subject": mrn})
    assert response.status_code == 200, response.text
    return [e["event"] for e in response.json()["items"]]


def _red(api: Api) -> str:
    _profile(api, "red")
    lodged = api.lodged(import_declaration(), ACME)
    assert (lodged["status"], lodged["channel"]) == ("under_physical_control", "red")
    mrn: str = lodged["mrn"]
    return mrn


# --- automatic release ---------------------------------------------------------------------


def test_a_green_declaration_with_secured_duties_is_released_in_its_lodgement(api: Api) -> None:
    lodged = api.lodged(import_declaration(), ACME)

    mrn = lodged["mrn"]
    assert (lodged["status"], lodged["channel"], lodged["version"]) == ("released", "green", 1)
    clearance = lodged["clearance"]
    assert clearance["secured_by"] == "guarantee"
    assert clearance["amount_secured"] == clearance["amount_due"] != "0"
    assert clearance["released_at"] is not None
    assert _history(api, mrn) == [("accepted", ACME), ("payment_secured", "system"),
                                  ("released", "system")]
    assert _audit_events(api, mrn) == ["accepted", "payment_secured", "released"]
    assert _notifications(api, ACME, mrn) == ["received", "accepted", "payment_secured",
                                              "released"]
    account = api.get(f"/api/v1/accounts/{ACME}", ACME).json()
    assert account["guarantee_used"] == clearance["amount_due"]


def test_the_release_note_verifies_offline_with_the_published_key(api: Api) -> None:
    mrn = api.lodged(import_declaration(), ACME)["mrn"]

    note = api.get(f"{DECLARATIONS}/{mrn}/release-note", ACME).json()

    keys = api.client.get("/api/v1/keys").json()["keys"]
    key = next(k for k in keys if k["kid"] == note["signature"]["key_id"])
    assert (note["mrn"], note["channel"], note["decided_by"]) == (mrn, "green", "system")
    assert verify_release_note(note, key["pem"])
    forged = {**note, "amount_secured": "0.00"}
    assert not verify_release_note(forged, key["pem"])


def test_an_unreleased_declaration_has_no_release_note(api: Api, unsecured: None) -> None:
    mrn = api.lodged(import_declaration(), ACME)["mrn"]

    response = api.get(f"{DECLARATIONS}/{mrn}/release-note", ACME)

    assert_problem(response, 404, "release-note.not-found")


# --- payment -------------------------------------------------------------------------------


def test_an_unpaid_declaration_waits_and_a_payment_releases_it(api: Api,
                                                               unsecured: None) -> None:
    lodged = api.lodged(import_declaration(), ACME)
    mrn, due = lodged["mrn"], lodged["clearance"]["amount_due"]
    assert lodged["status"] == "awaiting_payment"
    assert _notifications(api, ACME, mrn) == ["received", "accepted", "tax_assessed"]

    paid = _post(api, "/api/v1/payments", ADMIN, {
        "party": ACME, "amount": {"value": due, "currency": "EUR"}, "reference": "BANK-1"})

    assert paid.status_code == 201, paid.text
    assert paid.json()["settled"] == [mrn]
    read = api.get(f"{DECLARATIONS}/{mrn}", ACME).json()
    assert (read["status"], read["version"]) == ("released", 2)
    assert read["clearance"]["secured_by"] == "cash"
    assert api.get(f"/api/v1/accounts/{ACME}", ACME).json()["balance"] == "0.00"
    assert _notifications(api, ACME, mrn)[-2:] == ["payment_secured", "released"]


# --- the officer's work --------------------------------------------------------------------


def test_a_red_declaration_goes_from_the_queue_through_control_to_release(api: Api) -> None:
    mrn = _red(api)

    queue = api.get("/api/v1/tasks", OFFICER).json()["items"]
    assert [t["mrn"] for t in queue] == [mrn]
    assert queue[0]["channel"] == "red"
    assert queue[0]["instructions"] == ["Count the handsets against the invoice"]
    claimed = _post(api, f"/api/v1/tasks/{mrn}/claim", OFFICER)
    assert claimed.json()["claimed_by"] == OFFICER
    recorded = _post(api, f"{DECLARATIONS}/{mrn}/control-results", OFFICER, {
        "kind": "physical", "irregularity": True, "findings": "12 handsets more than invoiced",
        "extra_duty": {"currency": "EUR", "amount": "120.00"},
        "corrections": {"/items/0/quantity": "112"}})
    assert recorded.status_code == 201, recorded.text
    released = _post(api, f"{DECLARATIONS}/{mrn}/release", OFFICER)

    body = released.json()
    assert released.status_code == 200, released.text
    assert body["status"] == "released"
    clearance = body["clearance"]
    assert clearance["control_started_at"] <= clearance["control_ended_at"]
    assert clearance["control_ended_at"] <= clearance["released_at"]
    first_due = Decimal(api.get(f"{DECLARATIONS}/{mrn}/history", OFFICER).json()[
        "entries"][1]["detail"]["amount"])
    assert Decimal(clearance["amount_due"]) == first_due + Decimal("120.00")
    assert clearance["amount_secured"] == clearance["amount_due"]
    assert [e for e, _ in _history(api, mrn)] == [
        "accepted", "payment_secured", "inspection_started", "task_claimed",
        "control_result_recorded", "payment_secured", "released"]
    assert _audit_events(api, mrn) == [e for e, _ in _history(api, mrn)]
    assert _notifications(api, ACME, mrn) == [
        "received", "accepted", "payment_secured", "physical_control", "control_result",
        "payment_secured", "released"]
    results = api.get(f"{DECLARATIONS}/{mrn}/control-results", ACME).json()["items"]
    assert [(r["irregularity"], r["extra_duty"]["amount"], r["officer"]) for r in results] == [
        (True, "120.00", None)]
    assert api.get("/api/v1/tasks", OFFICER).json()["items"] == []


def test_a_yellow_declaration_needs_documents_then_a_documentary_result(api: Api) -> None:
    _profile(api, "yellow")
    mrn = api.lodged(import_declaration(), ACME)["mrn"]
    assert api.get(f"{DECLARATIONS}/{mrn}", ACME).json()["status"] == (
        "under_documentary_control")

    submitted = _post(api, f"{DECLARATIONS}/{mrn}/documents", ACME, {
        "documents": [{"code": "N935", "reference": "INV-2026-0042"}]})
    assert submitted.status_code == 200, submitted.text
    _post(api, f"/api/v1/tasks/{mrn}/claim", OFFICER)
    _post(api, f"{DECLARATIONS}/{mrn}/control-results", OFFICER, {
        "kind": "documentary", "irregularity": False, "findings": "invoice matches"})
    released = _post(api, f"{DECLARATIONS}/{mrn}/release", OFFICER)

    assert released.json()["status"] == "released"
    assert "documents_required" in _notifications(api, ACME, mrn)


def test_an_officer_refuses_release_with_a_reason(api: Api) -> None:
    mrn = _red(api)
    _post(api, f"/api/v1/tasks/{mrn}/claim", OFFICER)

    refused = _post(api, f"{DECLARATIONS}/{mrn}/refusal", OFFICER,
                    {"reason": "goods prohibited: counterfeit marks"})

    assert refused.json()["status"] == "release_refused"
    assert _notifications(api, ACME, mrn)[-1] == "refused"
    assert api.get(f"{DECLARATIONS}/{mrn}/release-note", ACME).status_code == 404


# --- forbidden moves and bad input ---------------------------------------------------------


def test_release_before_a_control_result_is_a_conflict_naming_the_allowed_actions(
        api: Api) -> None:
    mrn = _red(api)
    _post(api, f"/api/v1/tasks/{mrn}/claim", OFFICER)

    response = _post(api, f"{DECLARATIONS}/{mrn}/release", OFFICER)

    body = assert_problem(response, 409, "declaration.forbidden-transition")
    assert body["state"] == "under_physical_control"
    assert body["allowed_actions"] == ["record_control_result", "release", "assess", "refuse"]
    assert "no control result" in body["detail"]
    assert api.get(f"{DECLARATIONS}/{mrn}", OFFICER).json()["status"] == (
        "under_physical_control")


def test_recording_a_result_without_claiming_the_task_is_refused(api: Api) -> None:
    mrn = _red(api)

    response = _post(api, f"{DECLARATIONS}/{mrn}/control-results", OFFICER, {
        "kind": "physical", "irregularity": False, "findings": "ok"})

    assert_problem(response, 409, "declaration.forbidden-transition")
    assert api.get(f"{DECLARATIONS}/{mrn}/control-results", OFFICER).json()["items"] == []


def test_a_released_declaration_cannot_be_refused(api: Api) -> None:
    mrn = api.lodged(import_declaration(), ACME)["mrn"]

    response = _post(api, f"{DECLARATIONS}/{mrn}/refusal", OFFICER, {"reason": "too late"})

    body = assert_problem(response, 409, "declaration.forbidden-transition")
    assert (body["state"], body["allowed_actions"]) == ("released", [])


@pytest.mark.parametrize(("path", "code"), [
    ("/api/v1/tasks", "auth.not-officer"),
    ("/api/v1/stats/release-times", "auth.not-administration")])
def test_traders_may_not_read_officer_endpoints(api: Api, path: str, code: str) -> None:
    assert_problem(api.get(path, ACME), 403, code)


@pytest.mark.parametrize(("action", "body"), [
    ("control-results", {"kind": "physical", "irregularity": False, "findings": "ok"}),
    ("release", {}), ("refusal", {"reason": "no"}), ("inspection", {})])
def test_a_trader_calling_officer_actions_gets_403_and_nothing_changes(
        api: Api, action: str, body: dict[str, Any]) -> None:
    mrn = _red(api)

    response = _post(api, f"{DECLARATIONS}/{mrn}/{action}", ACME, body)

    assert_problem(response, 403, "auth.not-officer")
    read = api.get(f"{DECLARATIONS}/{mrn}", OFFICER).json()
    assert (read["status"], read["version"]) == ("under_physical_control", 1)


def test_an_officer_of_another_office_may_not_act(api: Api) -> None:
    mrn = _red(api)
    services = api.app.state.services
    other = Party(PartyId("XX900000000009"), "Olu Officer", "XX", frozenset({Role.OFFICER}),
                  office="XX000200")
    identity.register_party(services, other)
    key = identity.issue_api_key(services, other.id)

    response = api.client.post(f"/api/v1/tasks/{mrn}/claim", json={},
                               headers={"Authorization": f"Bearer {key}"})

    assert_problem(response, 403, "auth.other-office")
    assert api.get(f"{DECLARATIONS}/{mrn}", OFFICER).json()["clearance"]["claimed_by"] is None


@pytest.mark.parametrize(("extra_duty", "pointer", "code"), [
    ({"currency": "USD", "amount": "10.00"}, "/extra_duty/currency", "control.currency"),
    ({"currency": "EUR", "amount": "-1.00"}, "/extra_duty/amount", "control.negative-amount"),
    ({"currency": "EUR", "amount": "1.001"}, "/extra_duty/amount",
     "control.amount-precision"),
])
def test_a_bad_extra_duty_is_refused_and_changes_nothing(api: Api, extra_duty: dict[str, str],
                                                         pointer: str, code: str) -> None:
    mrn = _red(api)
    _post(api, f"/api/v1/tasks/{mrn}/claim", OFFICER)

    response = _post(api, f"{DECLARATIONS}/{mrn}/control-results", OFFICER, {
        "kind": "physical", "irregularity": True, "findings": "x", "extra_duty": extra_duty})

    assert_problem(response, 422, code, pointer)
    read = api.get(f"{DECLARATIONS}/{mrn}", OFFICER).json()
    assert (read["version"], read["clearance"]["control_ended_at"]) == (2, None)


def test_an_unknown_mrn_is_404_for_officer_actions(api: Api) -> None:
    response = _post(api, f"{DECLARATIONS}/26XX000000000000R0/release", OFFICER)
    assert_problem(response, 404, "declaration.not-found")


# --- concurrency ------------------------------------------------------------------------------


def test_a_decision_on_a_stale_version_is_refused(api: Api) -> None:
    mrn = _red(api)
    _post(api, f"/api/v1/tasks/{mrn}/claim", OFFICER)
    _post(api, f"{DECLARATIONS}/{mrn}/control-results", OFFICER, {
        "kind": "physical", "irregularity": False, "findings": "ok"})
    version = api.get(f"{DECLARATIONS}/{mrn}", OFFICER).json()["version"]
    first = _post(api, f"{DECLARATIONS}/{mrn}/release", OFFICER,
                  headers={"If-Match": f'"{version}"'})

    second = _post(api, f"{DECLARATIONS}/{mrn}/refusal", OFFICER, {"reason": "late"},
                   headers={"If-Match": f'"{version}"'})

    assert first.status_code == 200
    assert_problem(second, 409, "declaration.stale-version")
    assert api.get(f"{DECLARATIONS}/{mrn}", OFFICER).json()["status"] == "released"


def test_two_decisions_at_once_one_wins_the_other_gets_409(api: Api) -> None:
    mrn = _red(api)
    _post(api, f"/api/v1/tasks/{mrn}/claim", OFFICER)
    _post(api, f"{DECLARATIONS}/{mrn}/control-results", OFFICER, {
        "kind": "physical", "irregularity": False, "findings": "ok"})

    def decide(action: str) -> int:
        body = {"reason": "refused"} if action == "refusal" else {}
        status: int = _post(api, f"{DECLARATIONS}/{mrn}/{action}", OFFICER, body).status_code
        return status

    with ThreadPoolExecutor(max_workers=2) as pool:
        statuses = sorted(pool.map(decide, ["release", "refusal"]))

    assert statuses == [200, 409]
    decisions = [e for e, _ in _history(api, mrn) if e in ("released", "refused")]
    assert len(decisions) == 1


# --- release-time statistics ---------------------------------------------------------------


def test_release_times_are_reported_per_channel_and_office(api: Api) -> None:
    mrn = _red(api)
    _post(api, f"/api/v1/tasks/{mrn}/claim", OFFICER)
    _post(api, f"{DECLARATIONS}/{mrn}/control-results", OFFICER, {
        "kind": "physical", "irregularity": False, "findings": "ok"})
    _post(api, f"{DECLARATIONS}/{mrn}/release", OFFICER)
    export = api.lodged(export_declaration(), BETA)  # no duties, no profile hit: released
    assert (export["status"], export["channel"]) == ("released", "green")
    green_office = export["declaration"]["office_of_declaration"]

    stats = api.get("/api/v1/stats/release-times", OFFICER).json()

    groups = {(g["channel"], g["office"]): g for g in stats["groups"]}
    assert stats["released"] == 2
    assert {("red", "XX000100"), ("green", green_office)} <= set(groups)
    red = groups[("red", "XX000100")]
    assert (red["control"]["count"], red["receipt_to_release"]["count"]) == (1, 1)
    assert red["receipt_to_release"]["median_seconds"] >= red["control"]["median_seconds"]
    assert groups[("green", green_office)]["control"] == {
        "count": 0, "median_seconds": None, "p90_seconds": None}
    assert sum(g["receipt_to_release"]["count"] for g in stats["groups"]
               if g["channel"] == "all") == 2


def test_a_reversed_period_is_refused(api: Api) -> None:
    response = api.get("/api/v1/stats/release-times", OFFICER,
                       params={"from": "2026-12-01T00:00:00Z", "to": "2026-11-01T00:00:00Z"})
    assert_problem(response, 422, "stats.period", "/from")


def test_extra_duty_paid_later_is_secured_and_released_in_one_version(api: Api,
                                                                       unsecured: None) -> None:
    _profile(api, "red")
    lodged = api.lodged(import_declaration(), ACME)
    mrn, due = lodged["mrn"], lodged["clearance"]["amount_due"]
    assert lodged["status"] == "awaiting_payment"
    _post(api, "/api/v1/payments", ADMIN, {"party": ACME,
                                           "amount": {"value": due, "currency": "EUR"}})
    assert api.get(f"{DECLARATIONS}/{mrn}", OFFICER).json()["status"] == (
        "under_physical_control")
    _post(api, f"/api/v1/tasks/{mrn}/claim", OFFICER)
    _post(api, f"{DECLARATIONS}/{mrn}/control-results", OFFICER, {
        "kind": "physical", "irregularity": True, "findings": "undervalued",
        "extra_duty": {"currency": "EUR", "amount": "7.00"}})
    waiting = _post(api, f"{DECLARATIONS}/{mrn}/release", OFFICER).json()
    assert (waiting["status"], waiting["clearance"]["amount_secured"]) == (
        "awaiting_payment", due)

    paid = _post(api, "/api/v1/payments", ADMIN, {
        "party": ACME, "amount": {"value": "7.00", "currency": "EUR"}})

    assert paid.json()["settled"] == [mrn]
    read = api.get(f"{DECLARATIONS}/{mrn}", OFFICER).json()
    assert read["status"] == "released"
    history = api.get(f"{DECLARATIONS}/{mrn}/history", OFFICER).json()["entries"]
    last_change = [(e["event"], e["version"]) for e in history if e["version"] == read["version"]]
    assert last_change == [("payment_secured", read["version"]), ("released", read["version"])]

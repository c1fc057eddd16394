"""Pull, acknowledge and webhook registration through the API (issue 5 §5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from opencustoms.domain.notifications import FunctionCode, Notification
from opencustoms.domain.parties import PartyId
from tests.e2e.examples import ACME, BETA, BROKER, OFFICER
from tests.e2e.support import Api, assert_problem

pytestmark = pytest.mark.db

NOTIFICATIONS = "/api/v1/notifications"
WEBHOOKS = "/api/v1/webhooks"
AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def write(api: Api, *addressed: tuple[str, str]) -> list[int]:
    """Write notifications (party, LRN) through the outbox; their ids in order."""
    services = api.app.state.services
    with services.uow() as uow:
        uow.outbox.add([Notification(PartyId(party), FunctionCode.ACCEPTED, lrn,
                                     AT + timedelta(seconds=i), mrn=f"26XX0000000000{i:04d}",
                                     body={"status": "accepted"})
                        for i, (party, lrn) in enumerate(addressed)])
        uow.commit()
    ids: list[int] = []
    for party in {p for p, _ in addressed}:
        ids += [n["id"] for n in api.get(NOTIFICATIONS, party).json()["items"]]
    return sorted(ids)


def ids_of(api: Api, party: str, **params: object) -> list[int]:
    response = api.get(NOTIFICATIONS, party, params=params)
    assert response.status_code == 200, response.text
    return [n["id"] for n in response.json()["items"]]


def test_nothing_to_pull_answers_an_empty_page_with_the_same_cursor(api: Api) -> None:
    response = api.get(NOTIFICATIONS, ACME, params={"after": 17})
    assert response.status_code == 200
    assert response.json() == {"items": [], "next": 17}


def test_a_trader_pulls_its_own_notifications_page_by_page(api: Api) -> None:
    a1, _, a2, a3 = write(api, (ACME, "L1"), (BETA, "B1"), (ACME, "L2"), (ACME, "L1"))
    first = api.get(NOTIFICATIONS, ACME, params={"limit": 2}).json()
    assert [n["id"] for n in first["items"]] == [a1, a2]
    assert first["next"] == a2
    assert first["items"][0] == {
        "id": a1, "function_code": "accepted", "mrn": "26XX00000000000000", "lrn": "L1",
        "created_at": "2026-03-02T09:30:00Z", "acknowledged_at": None,
        "body": {"status": "accepted"}}
    assert ids_of(api, ACME, after=first["next"]) == [a3]


def test_a_representative_pulls_what_is_addressed_to_it(api: Api) -> None:
    _, mine = write(api, (ACME, "L1"), (BROKER, "R1"))
    assert ids_of(api, BROKER) == [mine]


def test_acknowledged_notifications_leave_the_unacknowledged_feed(api: Api) -> None:
    a1, a2, a3 = write(api, (ACME, "L1"), (ACME, "L2"), (ACME, "L3"))
    for _ in range(2):  # idempotent
        response = api.client.post(f"{NOTIFICATIONS}/{a1}/acknowledgement", json={},
                                   headers=api.auth(ACME))
        assert response.status_code == 204
    response = api.client.post(f"{NOTIFICATIONS}/acknowledgements", json={"ids": [a2, a1]},
                               headers=api.auth(ACME))
    assert response.status_code == 204
    assert ids_of(api, ACME, unacknowledged="true") == [a3]
    acknowledged = api.get(NOTIFICATIONS, ACME).json()["items"][0]["acknowledged_at"]
    assert acknowledged is not None


def test_registering_a_webhook_shows_its_secret_once(api: Api) -> None:
    response = api.client.post(WEBHOOKS, json={"url": "http://127.0.0.1:9/hook"},
                               headers=api.auth(ACME))
    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["location"] == f"{WEBHOOKS}/{created['id']}"
    assert created["url"] == "http://127.0.0.1:9/hook" and created["active"] is True
    assert len(created["secret"]) == 43  # 32 random bytes, base64url
    listed = api.get(WEBHOOKS, ACME).json()["items"]
    assert listed == [{key: created[key] for key in created if key != "secret"}]
    assert api.get(WEBHOOKS, BETA).json()["items"] == []


def test_a_deleted_webhook_is_listed_inactive(api: Api) -> None:
    created = api.client.post(WEBHOOKS, json={"url": "https://127.0.0.1/in"},
                              headers=api.auth(ACME)).json()
    response = api.client.delete(f"{WEBHOOKS}/{created['id']}", headers=api.auth(ACME))
    assert response.status_code == 204
    assert [w["active"] for w in api.get(WEBHOOKS, ACME).json()["items"]] == [False]
    deliveries = api.get(f"{WEBHOOKS}/{created['id']}/deliveries", ACME)
    assert deliveries.json() == {"items": [], "next": 0}


def test_officers_have_no_notification_feed(api: Api) -> None:
    assert_problem(api.get(NOTIFICATIONS, OFFICER), 403, "auth.trader-only")
    assert_problem(api.client.post(WEBHOOKS, json={"url": "http://127.0.0.1/"},
                                   headers=api.auth(OFFICER)), 403, "auth.trader-only")

"""Unhappy paths of the notification and webhook endpoints: each answers a problem+json with
its code and pointer, and changes nothing (issue 5 §5)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from opencustoms.adapters.db.clearance_tables import WebhookRow
from opencustoms.adapters.db.tables import table_of
from opencustoms.domain.notifications import FunctionCode, Notification
from opencustoms.domain.parties import PartyId
from tests.e2e.examples import ACME, BETA
from tests.e2e.support import Api, assert_problem
from tests.e2e.test_notifications_api import AT

pytestmark = pytest.mark.db

NOTIFICATIONS = "/api/v1/notifications"
WEBHOOKS = "/api/v1/webhooks"


def webhook_rows(api: Api) -> int:
    with api.app.state.container.engine.connect() as connection:
        count: int = connection.execute(
            select(func.count()).select_from(table_of(WebhookRow))).scalar_one()
    return count


def one_notification(api: Api, party: str) -> int:
    services = api.app.state.services
    with services.uow() as uow:
        uow.outbox.add([Notification(PartyId(party), FunctionCode.RECEIVED, "L1", AT)])
        uow.commit()
    items = api.get(NOTIFICATIONS, party).json()["items"]
    return int(items[-1]["id"])


@pytest.mark.parametrize(("url", "code"), [
    ("ftp://trader.example/in", "webhook.url-scheme"),
    ("javascript:alert(1)", "webhook.url-scheme"),
    ("http:///no-host", "webhook.url-host"),
    ("http://169.254.169.254/latest/meta-data/", "webhook.url-forbidden-address"),
    ("http://[fe80::1]/", "webhook.url-forbidden-address"),
    ("http://[fd00:ec2::254]/", "webhook.url-forbidden-address"),
    ("http://100.100.100.200/", "webhook.url-forbidden-address"),
    ("http://0.0.0.0:8000/", "webhook.url-forbidden-address"),
    ("http://metadata.google.internal/computeMetadata/v1/", "webhook.url-forbidden-host"),
    ("https://user:pw@127.0.0.1/", "webhook.url-credentials"),
])
def test_a_webhook_url_that_is_not_http_or_points_at_a_forbidden_address_is_refused(
        api: Api, url: str, code: str) -> None:
    response = api.client.post(WEBHOOKS, json={"url": url}, headers=api.auth(ACME))
    body = assert_problem(response, 422, "webhook.invalid-url", "/url")
    assert [e["code"] for e in body["errors"]] == [code]
    assert webhook_rows(api) == 0


def test_a_forbidden_network_configured_by_the_administration_is_refused(api: Api) -> None:
    from opencustoms.services.notifications import AddressPolicy

    api.app.state.address_policy = AddressPolicy.with_extra(["127.0.0.0/8"])
    response = api.client.post(WEBHOOKS, json={"url": "http://127.0.0.1:8080/"},
                               headers=api.auth(ACME))
    assert_problem(response, 422, "webhook.invalid-url", "/url")
    assert webhook_rows(api) == 0


@pytest.mark.parametrize(("body", "pointer"), [
    ({"url": "https://127.0.0.1/", "secret": "chosen-by-me"}, "/secret"),
    ({}, "/url"),
    ({"url": 42}, "/url"),
    ({"url": "https://127.0.0.1/" + "a" * 2100}, "/url"),
])
def test_a_webhook_body_off_the_schema_is_refused(api: Api, body: dict[str, object],
                                                   pointer: str) -> None:
    response = api.client.post(WEBHOOKS, json=body, headers=api.auth(ACME))
    assert_problem(response, 400, "request.schema", pointer)
    assert webhook_rows(api) == 0


@pytest.mark.parametrize(("params", "pointer"), [
    ({"after": "garbage"}, "/query/after"),
    ({"after": "-1"}, "/query/after"),
    ({"limit": "0"}, "/query/limit"),
    ({"limit": "501"}, "/query/limit"),
    ({"unacknowledged": "perhaps"}, "/query/unacknowledged"),
])
def test_a_bad_cursor_or_limit_is_refused(api: Api, params: dict[str, str],
                                          pointer: str) -> None:
    assert_problem(api.get(NOTIFICATIONS, ACME, params=params), 400, "request.parameters",
                   pointer)


def test_another_partys_notification_cannot_be_acknowledged(api: Api) -> None:
    theirs = one_notification(api, BETA)
    response = api.client.post(f"{NOTIFICATIONS}/{theirs}/acknowledgement", json={},
                               headers=api.auth(ACME))
    assert_problem(response, 404, "notification.not-found", "")
    assert api.get(NOTIFICATIONS, BETA).json()["items"][0]["acknowledged_at"] is None


def test_a_batch_with_a_foreign_id_acknowledges_nothing(api: Api) -> None:
    mine, theirs = one_notification(api, ACME), one_notification(api, BETA)
    response = api.client.post(f"{NOTIFICATIONS}/acknowledgements",
                               json={"ids": [mine, theirs]}, headers=api.auth(ACME))
    assert_problem(response, 404, "notification.not-found", "/ids/1")
    assert api.get(NOTIFICATIONS, ACME).json()["items"][0]["acknowledged_at"] is None


@pytest.mark.parametrize(("body", "pointer"), [
    ({"ids": []}, "/ids"), ({"ids": ["x"]}, "/ids/0"), ({"ids": [1], "all": True}, "/all")])
def test_a_malformed_acknowledgement_batch_is_refused(api: Api, body: dict[str, object],
                                                      pointer: str) -> None:
    response = api.client.post(f"{NOTIFICATIONS}/acknowledgements", json=body,
                               headers=api.auth(ACME))
    assert_problem(response, 400, "request.schema", pointer)


def test_another_partys_webhook_is_not_found_and_stays_active(api: Api) -> None:
    created = api.client.post(WEBHOOKS, json={"url": "http://127.0.0.1/"},
                              headers=api.auth(ACME)).json()
    path = f"{WEBHOOKS}/{created['id']}"
    assert_problem(api.client.delete(path, headers=api.auth(BETA)), 404, "webhook.not-found")
    assert_problem(api.get(f"{path}/deliveries", BETA), 404, "webhook.not-found")
    assert [w["active"] for w in api.get(WEBHOOKS, ACME).json()["items"]] == [True]


def test_an_acknowledgement_carries_an_empty_object(api: Api) -> None:
    mine = one_notification(api, ACME)
    response = api.client.post(f"{NOTIFICATIONS}/{mine}/acknowledgement", json={"all": True},
                               headers=api.auth(ACME))
    assert_problem(response, 400, "request.schema", "/all")
    assert api.get(NOTIFICATIONS, ACME).json()["items"][0]["acknowledged_at"] is None


def test_an_unknown_delivery_status_is_refused(api: Api) -> None:
    created = api.client.post(WEBHOOKS, json={"url": "http://127.0.0.1/"},
                              headers=api.auth(ACME)).json()
    response = api.get(f"{WEBHOOKS}/{created['id']}/deliveries", ACME,
                       params={"status": "lost"})
    assert_problem(response, 400, "request.parameters", "/query/status")


def test_pulling_without_credentials_is_refused(api: Api) -> None:
    assert_problem(api.client.get(NOTIFICATIONS), 401, "auth.unauthenticated")

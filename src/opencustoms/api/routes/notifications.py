"""Notification endpoints: pull and acknowledge, register webhooks and see their deliveries
(issue 5 §5). Traders and representatives see only notifications addressed to them; others'
ids are simply not found. The contract is described in ``docs/notifications.md``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from opencustoms.api.deps import Services, TraderSide
from opencustoms.api.schemas import Problem, Strict
from opencustoms.domain.errors import NotFound
from opencustoms.services import notifications as service
from opencustoms.services.notifications import MAX_PAGE, MAX_URL_LENGTH, AddressPolicy
from opencustoms.services.ports import Delivery, DeliveryStatus, StoredNotification, Webhook

router = APIRouter(prefix="/api/v1", tags=["notifications"])
WEBHOOKS = "/api/v1/webhooks"

ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "content": {"application/problem+json": {}}}
    for status in (400, 401, 403, 404, 413, 415, 422)
}


async def address_policy(request: Request) -> AddressPolicy:
    """The forbidden addresses configured for this application (the defaults if none)."""
    policy = getattr(request.app.state, "address_policy", None)
    return policy if isinstance(policy, AddressPolicy) else AddressPolicy()


Policy = Annotated[AddressPolicy, Depends(address_policy)]
After = Annotated[int, Query(ge=0, description="cursor: the `next` of the previous page "
                                                "(0 or absent: from the start)")]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE)]


class NotificationOut(BaseModel):
    id: int = Field(description="orders notifications; the cursor, and the key to deduplicate")
    function_code: str = Field(examples=["accepted"])
    mrn: str | None
    lrn: str
    created_at: datetime
    acknowledged_at: datetime | None
    body: dict[str, Any]


class NotificationPage(BaseModel):
    items: list[NotificationOut]
    next: int = Field(description="pass as `after` to get what comes next")


class AcknowledgementIn(Strict):
    """An empty object: every POST of this API carries a JSON body."""


class AcknowledgementsIn(Strict):
    ids: list[int] = Field(min_length=1, max_length=MAX_PAGE)


class WebhookIn(Strict):
    url: str = Field(max_length=MAX_URL_LENGTH, examples=["https://trader.example/customs"])


class WebhookOut(BaseModel):
    id: int
    url: str
    created_at: datetime
    active: bool
    links: dict[str, str]


class WebhookCreated(WebhookOut):
    secret: str = Field(description="signs every delivery (HMAC-SHA256); shown only once")


class WebhookList(BaseModel):
    items: list[WebhookOut]


class AttemptOut(BaseModel):
    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int


class DeliveryOut(BaseModel):
    id: int
    notification_id: int
    status: DeliveryStatus
    created_at: datetime
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    last_error: str | None
    attempts: list[AttemptOut]


class DeliveryPage(BaseModel):
    items: list[DeliveryOut]
    next: int


def _notification_out(n: StoredNotification) -> NotificationOut:
    return NotificationOut(id=n.id, function_code=n.function_code, mrn=n.mrn, lrn=n.lrn,
                           created_at=n.created_at, acknowledged_at=n.acknowledged_at,
                           body=n.body)


def _webhook_fields(w: Webhook) -> dict[str, Any]:
    return {"id": w.id, "url": w.url, "created_at": w.created_at, "active": w.active,
            "links": {"self": f"{WEBHOOKS}/{w.id}",
                      "deliveries": f"{WEBHOOKS}/{w.id}/deliveries"}}


def _delivery_out(d: Delivery) -> DeliveryOut:
    return DeliveryOut(
        id=d.id, notification_id=d.notification_id, status=d.status, created_at=d.created_at,
        next_attempt_at=d.next_attempt_at, delivered_at=d.delivered_at, last_error=d.last_error,
        attempts=[AttemptOut(at=a.at, status_code=a.status_code, error=a.error,
                             duration_ms=a.duration_ms) for a in d.attempts])


@router.get("/notifications", response_model=NotificationPage, responses=ERRORS,
            summary="Pull the caller's notifications after a cursor")
def pull(services: Services, party: TraderSide, after: After = 0, limit: Limit = 100,
         unacknowledged: bool = False) -> NotificationPage:
    page = service.pull(services, party, after=after, limit=limit,
                        unacknowledged=unacknowledged)
    return NotificationPage(items=[_notification_out(n) for n in page.items], next=page.next)


@router.post("/notifications/{notification_id}/acknowledgement", status_code=204,
             responses=ERRORS, summary="Acknowledge one notification (idempotent)")
def acknowledge_one(notification_id: int, services: Services, party: TraderSide,
                    _: AcknowledgementIn | None = None) -> Response:
    try:
        service.acknowledge(services, party, [notification_id])
    except NotFound as exc:  # the id is in the path, not in a body: point at the request
        raise NotFound(exc.detail, code=exc.code) from None
    return Response(status_code=204)


@router.post("/notifications/acknowledgements", status_code=204, responses=ERRORS,
             summary="Acknowledge several notifications; none if any is not the caller's")
def acknowledge_many(body: AcknowledgementsIn, services: Services,
                     party: TraderSide) -> Response:
    service.acknowledge(services, party, body.ids)
    return Response(status_code=204)


@router.post("/webhooks", status_code=201, response_model=WebhookCreated, responses=ERRORS,
             summary="Register a push endpoint; the answer shows its signing secret once")
def register(body: WebhookIn, response: Response, services: Services, party: TraderSide,
             policy: Policy) -> WebhookCreated:
    webhook = service.register_webhook(services, party, body.url, policy=policy)
    response.headers["Location"] = f"{WEBHOOKS}/{webhook.id}"
    return WebhookCreated(**_webhook_fields(webhook), secret=webhook.secret)


@router.get("/webhooks", response_model=WebhookList, responses=ERRORS,
            summary="The caller's webhooks (without their secrets)")
def list_webhooks(services: Services, party: TraderSide) -> WebhookList:
    return WebhookList(items=[WebhookOut(**_webhook_fields(w))
                              for w in service.webhooks(services, party)])


@router.delete("/webhooks/{webhook_id}", status_code=204, responses=ERRORS,
               summary="Stop pushing to a webhook; its pending deliveries expire")
def deactivate(webhook_id: int, services: Services, party: TraderSide) -> Response:
    service.deactivate_webhook(services, party, webhook_id)
    return Response(status_code=204)


@router.get("/webhooks/{webhook_id}/deliveries", response_model=DeliveryPage, responses=ERRORS,
            summary="A webhook's deliveries with every attempt")
def list_deliveries(webhook_id: int, services: Services, party: TraderSide,
                    status: DeliveryStatus | None = None, after: After = 0,
                    limit: Limit = 100) -> DeliveryPage:
    found = service.deliveries(services, party, webhook_id, status=status, after=after,
                               limit=limit)
    return DeliveryPage(items=[_delivery_out(d) for d in found],
                        next=found[-1].id if found else after)

"""Notifications for traders: pull them, acknowledge them, and register webhooks to have them
pushed (issue 5 §5, DESIGN.md C7).

A notification belongs to the party it is addressed to; traders and representatives read and
acknowledge only their own. A webhook URL is checked before it is stored: http or https, a host,
and no address a server-side request must never reach — link-local (where cloud metadata
services live), the metadata addresses themselves, unspecified and multicast addresses. Names
are resolved and every address they resolve to is checked; the delivery worker checks again at
each attempt, since a name may resolve elsewhere later (DNS rebinding). Loopback and private
networks are allowed by default: traders' systems often sit on a private network; an operator
may forbid more with ``OPENCUSTOMS_WEBHOOK_FORBIDDEN_NETWORKS``.
"""

from __future__ import annotations

import ipaddress
import secrets
import socket
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final
from urllib.parse import urlsplit

from opencustoms.domain.errors import (
    DomainError,
    NotFound,
    PermissionDenied,
    Problem,
    RuleViolations,
)
from opencustoms.domain.parties import Party, Role
from opencustoms.services.context import ServiceContext
from opencustoms.services.ports import Delivery, DeliveryStatus, StoredNotification, Webhook

MAX_PAGE: Final = 500
MAX_URL_LENGTH: Final = 2048
SECRET_BYTES: Final = 32

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Sequence[str]]
"""Host name and port -> the addresses it resolves to (raises ``OSError`` if it does not)."""

ALWAYS_FORBIDDEN: Final[tuple[tuple[str, str], ...]] = (
    ("169.254.169.254/32", "the cloud metadata service"),
    ("fd00:ec2::254/128", "the cloud metadata service"),
    ("100.100.100.200/32", "the cloud metadata service"),
    ("169.254.0.0/16", "a link-local address"),
    ("fe80::/10", "a link-local address"),
    ("0.0.0.0/8", "an unspecified address"),
    ("::/128", "an unspecified address"),
    ("224.0.0.0/4", "a multicast address"),
    ("ff00::/8", "a multicast address"),
    ("255.255.255.255/32", "the broadcast address"),
)
"""Networks no webhook may point at, whatever the configuration, with the reason shown."""

METADATA_NAMES: Final = frozenset({
    "metadata", "metadata.google.internal", "metadata.goog", "instance-data",
    "instance-data.ec2.internal", "metadata.azure.com", "metadata.tencentyun.com"})


class InvalidWebhookUrl(RuleViolations):
    """The webhook URL cannot be registered; every reason points at ``/url``."""

    code = "webhook.invalid-url"


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """Which addresses webhooks may not point at: :data:`ALWAYS_FORBIDDEN` plus ``extra``."""

    extra: tuple[IPNetwork, ...] = ()
    names: frozenset[str] = METADATA_NAMES
    _networks: tuple[tuple[IPNetwork, str], ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        always = tuple((ipaddress.ip_network(n), why) for n, why in ALWAYS_FORBIDDEN)
        configured = tuple((n, "a network the administration forbids") for n in self.extra)
        object.__setattr__(self, "_networks", always + configured)

    @classmethod
    def with_extra(cls, networks: Iterable[str]) -> AddressPolicy:
        """The policy forbidding also the CIDR blocks ``networks`` (from the settings)."""
        return cls(extra=tuple(ipaddress.ip_network(n, strict=False) for n in networks))

    def refusal(self, address: IPAddress) -> str | None:
        """Why ``address`` may not be called, or None when it may."""
        mapped = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) else None
        for candidate in (address, mapped):
            if candidate is None:
                continue
            for network, why in self._networks:
                if candidate.version == network.version and candidate in network:
                    return why
        return None

    def forbidden_name(self, host: str) -> bool:
        return host.lower().rstrip(".") in self.names


def system_resolver(host: str, port: int) -> Sequence[str]:
    """Every address ``host`` resolves to, IPv4 and IPv6."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def check_address(policy: AddressPolicy, host: str, port: int,
                  resolver: Resolver = system_resolver) -> tuple[list[str], Problem | None]:
    """The addresses ``host`` stands for, and the problem if any of them is forbidden.

    Shared by registration and by the delivery worker, which connects only to the addresses
    checked here."""
    if policy.forbidden_name(host):
        return [], _url_problem("forbidden-host", f"{host} is a cloud metadata service name")
    literal = _ip_literal(host)
    try:
        addresses = [str(literal)] if literal is not None else list(resolver(host, port))
    except (OSError, UnicodeError) as exc:
        return [], _url_problem("unresolvable", f"{host} does not resolve: {exc}")
    if not addresses:
        return [], _url_problem("unresolvable", f"{host} does not resolve to any address")
    for text in addresses:
        why = policy.refusal(ipaddress.ip_address(text.split("%", 1)[0]))
        if why is not None:
            shown = host if literal is not None else f"{host} ({text})"
            return addresses, _url_problem("forbidden-address", f"{shown} is {why}")
    return addresses, None


def check_url(url: str, policy: AddressPolicy,
              resolver: Resolver = system_resolver) -> list[Problem]:
    """Every reason ``url`` cannot be a webhook (empty when it can)."""
    if len(url) > MAX_URL_LENGTH:
        return [_url_problem("too-long", f"at most {MAX_URL_LENGTH} characters")]
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        return [_url_problem("malformed", f"not a URL: {exc}")]
    if parts.scheme.lower() not in ("http", "https"):
        return [_url_problem("scheme", f"the scheme must be http or https, not "
                                       f"{parts.scheme or 'none'!r}")]
    if not parts.hostname:
        return [_url_problem("host", "the URL must name a host")]
    if parts.username is not None or parts.password is not None:
        return [_url_problem("credentials", "credentials in the URL are not accepted; "
                                            "verify the signature instead")]
    _, problem = check_address(policy, parts.hostname,
                               port or (443 if parts.scheme.lower() == "https" else 80), resolver)
    return [] if problem is None else [problem]


def _ip_literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return None


def _url_problem(kind: str, detail: str) -> Problem:
    return Problem(f"webhook.url-{kind}", "/url", detail)


def require_trader_side(party: Party) -> None:
    """Notifications are addressed to traders and their representatives."""
    if not party.roles & {Role.TRADER, Role.REPRESENTATIVE}:
        raise PermissionDenied("notifications and webhooks are for traders and representatives",
                               code="auth.trader-only")


# --- pull -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NotificationPage:
    """A page of notifications; ``next`` is the cursor for the following page (the last id
    returned, or the cursor asked for when nothing new has come)."""

    items: Sequence[StoredNotification]
    next: int


def pull(services: ServiceContext, party: Party, *, after: int = 0, limit: int = 100,
         unacknowledged: bool = False) -> NotificationPage:
    """The party's notifications after the cursor ``after``, oldest first."""
    require_trader_side(party)
    if not 1 <= limit <= MAX_PAGE:
        raise DomainError(f"limit must be 1 to {MAX_PAGE}", code="request.limit",
                          pointer="/query/limit")
    with services.reader() as uow:
        items = uow.notifications.page(party.id, after=max(after, 0), limit=limit,
                                       unacknowledged=unacknowledged)
    return NotificationPage(items, items[-1].id if items else max(after, 0))


def acknowledge(services: ServiceContext, party: Party, ids: Sequence[int]) -> None:
    """Mark the party's notifications ``ids`` as processed. Idempotent; if any id is not one
    of the party's notifications, nothing is acknowledged."""
    require_trader_side(party)
    with services.uow() as uow:
        owned = uow.notifications.acknowledge(party.id, ids, services.clock.now())
        missing = [(i, n) for i, n in enumerate(ids) if n not in owned]
        if missing:
            raise NotFound(f"no notification {missing[0][1]}", code="notification.not-found",
                           pointer=f"/ids/{missing[0][0]}")
        uow.commit()


# --- webhooks -------------------------------------------------------------------------------


def register_webhook(services: ServiceContext, party: Party, url: str, *,
                     policy: AddressPolicy | None = None,
                     resolver: Resolver = system_resolver) -> Webhook:
    """Register ``url`` as the party's push endpoint with a fresh secret (the caller shows it
    once). Notifications written from now on are pushed to it."""
    require_trader_side(party)
    problems = check_url(url, policy or AddressPolicy(), resolver)
    if problems:
        raise InvalidWebhookUrl(problems)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    with services.uow() as uow:
        webhook = uow.webhooks.add(party.id, url.strip(), secret, services.clock.now())
        uow.commit()
    return webhook


def webhooks(services: ServiceContext, party: Party) -> Sequence[Webhook]:
    require_trader_side(party)
    with services.reader() as uow:
        return uow.webhooks.list(party.id)


def deactivate_webhook(services: ServiceContext, party: Party, webhook_id: int) -> None:
    """Stop pushing to the webhook; its deliveries still pending expire."""
    require_trader_side(party)
    with services.uow() as uow:
        if not uow.webhooks.deactivate(party.id, webhook_id, services.clock.now()):
            raise NotFound(f"no webhook {webhook_id}", code="webhook.not-found")
        uow.commit()


def deliveries(services: ServiceContext, party: Party, webhook_id: int, *,
               status: DeliveryStatus | None = None, after: int = 0,
               limit: int = 100) -> Sequence[Delivery]:
    """The webhook's deliveries with every attempt, so the trader sees what was tried."""
    require_trader_side(party)
    with services.reader() as uow:
        if uow.webhooks.get(party.id, webhook_id) is None:
            raise NotFound(f"no webhook {webhook_id}", code="webhook.not-found")
        return uow.deliveries.list(webhook_id, status=status, after=after,
                                   limit=min(max(limit, 1), MAX_PAGE))

"""Which webhook URLs are refused, and why (issue 5 §5: no link-local or metadata targets).

Name resolution is the one outside service here; a table stands in for DNS."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from opencustoms.services.notifications import AddressPolicy, check_url

DNS = {
    "trader.example": ["203.0.113.5"],
    "dual.example": ["203.0.113.7", "2001:db8::7"],
    "rebind.example": ["203.0.113.9", "169.254.169.254"],
    "sneaky.example": ["::ffff:169.254.169.254"],
    "intranet.example": ["10.1.2.3"],
}


def resolver(host: str, port: int) -> Sequence[str]:
    try:
        return DNS[host]
    except KeyError:
        raise OSError(f"[Errno -2] Name or service not known: {host}") from None


def refuse(host: str, port: int) -> Sequence[str]:
    raise AssertionError(f"{host} should have been refused before resolving it")


def codes(url: str, policy: AddressPolicy | None = None) -> list[tuple[str, str]]:
    return [(p.code, p.pointer) for p in check_url(url, policy or AddressPolicy(), resolver)]


@pytest.mark.parametrize("url", [
    "https://trader.example/customs?box=1",
    "https://dual.example:8443/hook",
    "http://127.0.0.1:8080/notifications",
    "http://[::1]:9000/",
    "http://10.1.2.3/hook",
    "HTTPS://TRADER.EXAMPLE/",
])
def test_http_and_https_urls_on_public_loopback_and_private_hosts_are_accepted(
        url: str) -> None:
    assert codes(url) == []


@pytest.mark.parametrize("url", [
    "ftp://trader.example/in", "javascript:alert(1)", "file:///etc/passwd",
    "trader.example/hook", "gopher://127.0.0.1:70/", "",
])
def test_schemes_other_than_http_and_https_are_refused(url: str) -> None:
    assert codes(url) == [("webhook.url-scheme", "/url")]


@pytest.mark.parametrize("url", ["http:///path", "https://", "http://:80/"])
def test_a_url_without_a_host_is_refused(url: str) -> None:
    assert codes(url) == [("webhook.url-host", "/url")]


@pytest.mark.parametrize(("url", "why"), [
    ("http://169.254.169.254/latest/meta-data/", "the cloud metadata service"),
    ("http://[fd00:ec2::254]/", "the cloud metadata service"),
    ("http://100.100.100.200/", "the cloud metadata service"),
    ("http://169.254.10.20:8080/", "a link-local address"),
    ("http://[fe80::1]/", "a link-local address"),
    ("http://[fe80::1%25eth0]/", "a link-local address"),
    ("http://0.0.0.0:8000/", "an unspecified address"),
    ("http://[::]/", "an unspecified address"),
    ("http://[::ffff:169.254.169.254]/", "the cloud metadata service"),
    ("http://224.0.0.1/", "a multicast address"),
])
def test_link_local_metadata_unspecified_and_multicast_addresses_are_refused(
        url: str, why: str) -> None:
    (problem,) = check_url(url, AddressPolicy(), refuse)
    assert (problem.code, problem.pointer) == ("webhook.url-forbidden-address", "/url")
    assert problem.detail.endswith(f"is {why}")


@pytest.mark.parametrize("url", [
    "http://metadata.google.internal/computeMetadata/v1/", "http://METADATA.GOOGLE.INTERNAL./",
    "https://metadata/", "http://instance-data.ec2.internal/",
])
def test_metadata_service_names_are_refused_without_resolving_them(url: str) -> None:
    (problem,) = check_url(url, AddressPolicy(), refuse)
    assert (problem.code, problem.pointer) == ("webhook.url-forbidden-host", "/url")


def test_a_name_is_refused_when_any_of_its_addresses_is_forbidden() -> None:
    (problem,) = check_url("https://rebind.example/", AddressPolicy(), resolver)
    assert problem.code == "webhook.url-forbidden-address"
    assert problem.detail == "rebind.example (169.254.169.254) is the cloud metadata service"
    assert codes("https://sneaky.example/") == [("webhook.url-forbidden-address", "/url")]


def test_a_name_that_does_not_resolve_is_refused() -> None:
    assert codes("https://nowhere.example/") == [("webhook.url-unresolvable", "/url")]


@pytest.mark.parametrize(("url", "code"), [
    ("https://user:pass@trader.example/", "webhook.url-credentials"),
    ("http://trader.example:99999/", "webhook.url-malformed"),
    ("https://trader.example/" + "a" * 2048, "webhook.url-too-long"),
])
def test_credentials_bad_ports_and_overlong_urls_are_refused(url: str, code: str) -> None:
    assert codes(url) == [(code, "/url")]


def test_the_administration_may_forbid_more_networks() -> None:
    policy = AddressPolicy.with_extra(["10.0.0.0/8", "2001:db8::/32"])
    assert codes("http://10.1.2.3/", policy) == [("webhook.url-forbidden-address", "/url")]
    assert codes("https://intranet.example/", policy) == [
        ("webhook.url-forbidden-address", "/url")]
    assert codes("https://dual.example/", policy) == [("webhook.url-forbidden-address", "/url")]
    assert codes("http://127.0.0.1/", policy) == []

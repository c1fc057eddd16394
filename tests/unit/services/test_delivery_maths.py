"""Signatures, retry schedule and payload of webhook deliveries (issue 5 §5)."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opencustoms.domain.parties import PartyId
from opencustoms.services.delivery import (
    DeliveryConfig,
    payload,
    retry_delay,
    signature,
    verify_signature,
)
from opencustoms.services.ports import StoredNotification

SECRET = "whsec_test"
T = 1767225600
BODY = b'{"id":1}'
KNOWN = "c288d7ec0b1747de22e35fbdbabba9772c8e0d64b7db67e546bc92b86c005ab8"
CONFIG = DeliveryConfig(backoff_base=2.0, backoff_max=900.0)


def test_the_signature_is_the_hmac_sha256_of_timestamp_dot_body() -> None:
    assert signature(SECRET, T, BODY) == f"t={T},v1={KNOWN}"


def test_a_receiver_accepts_the_signature_of_the_body_it_got() -> None:
    assert verify_signature(SECRET, f"t={T},v1={KNOWN}", BODY, now=T + 10)


def test_a_receiver_refuses_a_changed_body_another_secret_or_a_malformed_header() -> None:
    header = signature(SECRET, T, BODY)
    assert not verify_signature(SECRET, header, b'{"id":2}', now=T)
    assert not verify_signature("whsec_other", header, BODY, now=T)
    assert not verify_signature(SECRET, f"v1={KNOWN}", BODY, now=T)
    assert not verify_signature(SECRET, f"t=soon,v1={KNOWN}", BODY, now=T)


def test_a_receiver_refuses_a_replay_older_than_five_minutes() -> None:
    header = signature(SECRET, T, BODY)
    assert verify_signature(SECRET, header, BODY, now=T + 300)
    assert not verify_signature(SECRET, header, BODY, now=T + 301)


def test_one_matching_signature_among_several_is_enough() -> None:
    assert verify_signature(SECRET, f"t={T},v1={'0' * 64},v1={KNOWN}", BODY, now=T)


def test_retries_double_from_two_seconds_up_to_fifteen_minutes_with_jitter() -> None:
    rng, replay = random.Random(20261128), random.Random(20261128)
    delays = [retry_delay(n, CONFIG, rng).total_seconds() for n in range(12)]
    ceilings = [2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900]
    assert delays == pytest.approx([c * replay.uniform(0.5, 1.0) for c in ceilings], abs=1e-6)
    assert all(c / 2 <= d <= c for d, c in zip(delays, ceilings, strict=True))


@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=0))
def test_a_retry_never_waits_less_than_half_or_more_than_the_ceiling(attempts: int,
                                                                   seed: int) -> None:
    delay = retry_delay(attempts, CONFIG, random.Random(seed))
    ceiling = min(900.0, 2.0 * 2.0 ** min(attempts, 62))
    assert timedelta(seconds=ceiling / 2) <= delay <= timedelta(seconds=ceiling)


def test_the_payload_is_the_notification_as_compact_json() -> None:
    notification = StoredNotification(
        id=42, party=PartyId("XX100000000001"), function_code="released", mrn="26XX000000000042",
        lrn="LRN-1", created_at=datetime(2026, 3, 2, 9, 30, tzinfo=UTC),
        body={"status": "released", "amount": "12.50"}, acknowledged_at=None)
    raw = payload(notification)
    assert b" " not in raw.replace(b"12.50", b"")
    assert json.loads(raw) == {
        "id": 42, "function_code": "released", "mrn": "26XX000000000042", "lrn": "LRN-1",
        "created_at": "2026-03-02T09:30:00+00:00",
        "body": {"status": "released", "amount": "12.50"}}

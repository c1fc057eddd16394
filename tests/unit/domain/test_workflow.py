"""The lifecycle table (DESIGN.md §5) and the aggregate's use of it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from opencustoms.domain.declaration import (
    LRN,
    AdditionalType,
    Declaration,
    DeclarationContent,
    DeclarationType,
    OfficeCode,
)
from opencustoms.domain.errors import ForbiddenTransition
from opencustoms.domain.events import DeclarationAccepted, DeclarationAmended
from opencustoms.domain.goods import CommodityCode, GoodsItem
from opencustoms.domain.mrn import MRN
from opencustoms.domain.parties import PartyId
from opencustoms.domain.workflow import TRANSITIONS, Action, Status, allowed_actions, transition

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _content(lrn: str = "LRN-1") -> DeclarationContent:
    item = GoodsItem(1, CommodityCode("8517130000"), "Phones", "4000", Decimal("1"),
                     Decimal("2"), Decimal("10.00"))
    return DeclarationContent(LRN(lrn), DeclarationType.IMPORT, AdditionalType.STANDARD,
                              PartyId("XX100000000001"), OfficeCode("XX000100"), (item,))


def _accepted(*, stored: bool = True) -> Declaration:
    """A declaration as accepted, and by default as the store keeps it after the lodgement's
    commit (its events written, its next change a new version)."""
    declaration = Declaration.accept(MRN("26XXABCDEF123456R0"), _content(), received_at=AT,
                                     accepted_at=AT, payload_sha256="0" * 64,
                                     actor="XX100000000001")
    if stored:
        declaration.stored()
    return declaration


def test_released_refused_and_invalidated_are_final() -> None:
    for state in (Status.RELEASED, Status.RELEASE_REFUSED, Status.INVALIDATED):
        assert allowed_actions(state) == ()


def test_every_state_but_the_final_ones_has_a_way_forward() -> None:
    sources = {t.source for t in TRANSITIONS}
    assert sources == set(Status) - {Status.RELEASED, Status.RELEASE_REFUSED, Status.INVALIDATED}


def test_forbidden_transition_names_state_and_allowed_actions() -> None:
    with pytest.raises(ForbiddenTransition, match="'amend' is not allowed") as caught:
        transition(Status.UNDER_PHYSICAL_CONTROL, Action.AMEND)
    assert caught.value.state == "under_physical_control"
    assert caught.value.allowed == ("record_control_result", "release", "assess", "refuse")


def test_acceptance_records_an_accepted_event_at_version_one() -> None:
    declaration = _accepted(stored=False)
    assert declaration.status is Status.ACCEPTED
    assert declaration.version == 1
    assert declaration.events == [DeclarationAccepted(declaration.mrn, AT, "XX100000000001", 1)]


def test_amendment_bumps_version_and_keeps_the_lrn() -> None:
    declaration = _accepted()
    declaration.amend(replace(_content("OTHER")), at=AT, actor="XX100000000001",
                      payload_sha256="1" * 64)
    assert declaration.version == 2
    assert declaration.content.lrn == "LRN-1"
    assert declaration.payload_sha256 == "1" * 64
    assert isinstance(declaration.events[-1], DeclarationAmended)


def test_invalidated_declaration_cannot_be_amended() -> None:
    declaration = _accepted()
    declaration.invalidate(at=AT, actor="XX100000000001", reason="duplicate")
    assert declaration.status is Status.INVALIDATED
    with pytest.raises(ForbiddenTransition):
        declaration.amend(_content(), at=AT, actor="XX100000000001", payload_sha256="2" * 64)
    assert declaration.version == 2

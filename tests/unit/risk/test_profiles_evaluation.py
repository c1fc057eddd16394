"""When a profile fires: all/any/not, the any-item semantics, thresholds, facts, validity."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from opencustoms.domain.assessment import Assessment, ItemAssessment, TaxLine
from opencustoms.domain.declaration import (
    LRN,
    AdditionalType,
    DeclarationContent,
    DeclarationType,
    OfficeCode,
    Trader,
    Transport,
)
from opencustoms.domain.goods import CommodityCode, CountryCode, GoodsItem
from opencustoms.domain.parties import PartyId
from opencustoms.risk.criteria import matching_items, parse_criteria
from opencustoms.risk.profiles import (
    ProfileChannel,
    ProfileHit,
    RiskFacts,
    RiskProfile,
    parse_profile,
)

ACME = PartyId("XX100000000001")
ANALYST = PartyId("XX900000000002")


def goods(sequence: int, code: str = "8712003000", origin: str | None = "CN", *,
          price: str = "1000.00", net: str = "100", gross: str = "110",
          quantity: str | None = "10", preference: str | None = "100",
          customs_value: str | None = None) -> GoodsItem:
    return GoodsItem(
        sequence=sequence, commodity_code=CommodityCode(code), description="goods",
        procedure="4000", net_mass=Decimal(net), gross_mass=Decimal(gross),
        item_price=Decimal(price),
        country_of_origin=None if origin is None else CountryCode(origin),
        preference=preference,
        supplementary_quantity=None if quantity is None else Decimal(quantity),
        customs_value=None if customs_value is None else Decimal(customs_value))


def content(*items: GoodsItem, **header: Any) -> DeclarationContent:
    base = DeclarationContent(
        lrn=LRN("LRN-1"), type=DeclarationType.IMPORT, additional_type=AdditionalType.STANDARD,
        declarant=ACME, office_of_declaration=OfficeCode("XX000100"),
        items=items or (goods(1),), importer=Trader(id=ACME), country_of_dispatch=CountryCode("CN"),
        incoterm="FOB", transport=Transport(mode_at_border="1"))
    return replace(base, **header)


def facts(*items: GoodsItem, aeo: bool = False, assessment: Assessment | None = None,
          **header: Any) -> RiskFacts:
    return RiskFacts.of(content(*items, **header), assessment=assessment, declarant_aeo=aeo)


def fires(criteria: dict[str, Any], on: RiskFacts) -> tuple[int, ...] | None:
    criterion, problems = parse_criteria(criteria)
    assert criterion is not None, problems
    return matching_items(criterion, on)


def cond(field: str, op: str, value: Any) -> dict[str, Any]:
    return {"field": field, "op": op, "value": value}


# --- combinators --------------------------------------------------------------------------


def test_all_needs_every_part_and_any_needs_one() -> None:
    road = facts(transport=Transport(mode_at_border="3"))
    by_road = cond("declaration.transport_mode", "eq", "3")
    from_de = cond("declaration.dispatch_country", "eq", "DE")
    assert fires({"all": [by_road, from_de]}, road) is None
    assert fires({"any": [by_road, from_de]}, road) == ()
    assert fires({"not": from_de}, road) == ()
    assert fires({"not": {"any": [by_road, from_de]}}, road) is None


def test_header_only_criteria_fire_for_the_declaration_without_items() -> None:
    assert fires(cond("declaration.importer", "eq", ACME), facts(goods(1), goods(2))) == ()


def test_the_issue_example_fires_on_bicycles_from_china_by_a_non_aeo_declarant() -> None:
    example = {"all": [cond("item.commodity_code", "starts_with", "8712"),
                       cond("item.origin", "in", ["CN", "VN"]),
                       {"not": cond("declarant.aeo", "eq", True)}]}
    assert fires(example, facts(goods(1, origin="VN"))) == (1,)
    assert fires(example, facts(goods(1, origin="VN"), aeo=True)) is None
    assert fires(example, facts(goods(1, origin="DE"))) is None


# --- item semantics -----------------------------------------------------------------------


def test_item_conditions_joined_by_all_must_hold_for_the_same_item() -> None:
    bicycles_from_de = goods(1, "8712003000", "DE")
    screws_from_cn = goods(2, "7318150000", "CN")
    bicycles_from_cn = {"all": [cond("item.commodity_code", "starts_with", "8712"),
                                cond("item.origin", "eq", "CN")]}
    assert fires(bicycles_from_cn, facts(bicycles_from_de, screws_from_cn)) is None
    assert fires(bicycles_from_cn, facts(bicycles_from_de, screws_from_cn,
                                         goods(3, "8712003000", "CN"))) == (3,)


def test_any_item_reports_every_item_that_matches() -> None:
    found = fires(cond("item.origin", "eq", "CN"),
                  facts(goods(1), goods(2, origin="DE"), goods(3)))
    assert found == (1, 3)


def test_not_on_an_item_condition_means_some_item_does_not_satisfy_it() -> None:
    not_cn = {"not": cond("item.origin", "eq", "CN")}
    assert fires(not_cn, facts(goods(1), goods(2, origin="DE"))) == (2,)
    assert fires(not_cn, facts(goods(1), goods(2))) is None


def test_header_and_item_conditions_combine_per_item() -> None:
    criteria = {"any": [cond("declaration.dispatch_country", "eq", "CN"),
                        cond("item.value", "gt", 5000)]}
    # The header part holds, so every item satisfies the tree.
    assert fires(criteria, facts(goods(1), goods(2))) == (1, 2)
    dispatched_de = facts(goods(1), goods(2, price="9000"), country_of_dispatch="DE")
    assert fires(criteria, dispatched_de) is None  # no customs value known: see below
    valued = facts(goods(1, customs_value="100"), goods(2, customs_value="9000"),
                   country_of_dispatch="DE")
    assert fires(criteria, valued) == (2,)


# --- thresholds and missing values ----------------------------------------------------------


@pytest.mark.parametrize(("op", "threshold", "expected"), [
    ("gt", "1000", False), ("ge", "1000", True), ("lt", "1000", False), ("le", "1000", True),
    ("eq", "1000.000", True), ("ne", "1000", False), ("gt", "999.99", True),
    ("between", ["1000", "2000"], True), ("between", ["500", "1000"], True),
    ("between", ["1000.01", "2000"], False),
])
def test_thresholds_compare_exact_decimals_with_inclusive_bounds(
        op: str, threshold: Any, expected: bool) -> None:
    on = facts(goods(1, customs_value="1000.00"))
    assert (fires(cond("item.value", op, threshold), on) is not None) is expected


def test_a_condition_on_a_missing_value_is_false_whatever_the_operator() -> None:
    no_importer = facts(importer=None)
    assert fires(cond("declaration.importer", "ne", "XX1"), no_importer) is None
    assert fires(cond("declaration.importer", "not_in", ["XX1"]), no_importer) is None
    assert fires({"not": cond("declaration.importer", "eq", "XX1")}, no_importer) == ()
    no_quantity = facts(goods(1, customs_value="100", quantity=None))
    assert fires(cond("item.unit_value", "lt", 1_000_000), no_quantity) is None


def test_codes_compare_exactly_and_prefixes_match_from_the_start() -> None:
    on = facts(goods(1, "8712003000"))
    assert fires(cond("item.commodity_code", "starts_with", ["9999", "87"]), on) == (1,)
    assert fires(cond("item.commodity_code", "starts_with", "712"), on) is None
    assert fires(cond("item.origin", "eq", "cn"), on) is None


# --- the facts ----------------------------------------------------------------------------


def _assessment(*items: tuple[int, str, list[tuple[str, str]]]) -> Assessment:
    assessed = tuple(
        ItemAssessment(seq, Decimal(value), tuple(
            TaxLine(seq, tax, Decimal(value), "EUR", "x", Decimal(amount), None, None)
            for tax, amount in lines))
        for seq, value, lines in items)
    return Assessment("EUR", date(2026, 3, 1), assessed, (), {}, Decimal(0))


def test_values_and_duties_come_from_the_assessment_in_national_currency() -> None:
    assessment = _assessment((1, "2000.00", [("A00", "200.00"), ("A30", "50.00"),
                                             ("B00", "450.00")]))
    item = facts(goods(1, customs_value="1500", net="40", gross="50", quantity="8"),
                 assessment=assessment).items[0]
    assert item.value == Decimal("2000.00")
    assert item.duty == Decimal("250.00")  # customs duties (A…), not VAT
    assert item.unit_value == Decimal(250)
    assert item.value_per_kg == Decimal(50)
    assert item.gross_net_ratio == Decimal("1.25")


def test_without_an_assessment_the_declared_customs_value_counts_and_duty_is_unknown() -> None:
    item = facts(goods(1, customs_value="1500", net="0")).items[0]
    assert item.value == Decimal(1500)
    assert item.duty is None
    assert item.value_per_kg is None and item.gross_net_ratio is None


@pytest.mark.parametrize(("preference", "claimed"), [
    ("100", False), ("120", False), ("200", True), ("300", True), (None, False)])
def test_a_preference_is_claimed_unless_its_code_starts_with_1(
        preference: str | None, claimed: bool) -> None:
    on = facts(goods(1, preference="100"), goods(2, preference=preference))
    assert on.items[1].preference_claimed is claimed
    assert (fires(cond("declaration.preference_claimed", "eq", True), on) == ()) is claimed
    assert (fires(cond("item.preference_claimed", "eq", True), on) == (2,)) is claimed


# --- the profile: validity and the hit ----------------------------------------------------


def profile(**changes: Any) -> RiskProfile:
    document = {"name": "Bicycles from CN", "criteria": cond("item.origin", "eq", "CN"),
                "valid_from": "2026-03-01", "valid_to": "2026-03-31", "channel": "red",
                "instructions": "Open the container", "weight": 80, **changes}
    return RiskProfile.create(parse_profile(document), by=ANALYST,
                              at=datetime(2026, 2, 1, tzinfo=UTC))


@pytest.mark.parametrize(("day", "in_force"), [
    (date(2026, 2, 28), False), (date(2026, 3, 1), True), (date(2026, 3, 31), True),
    (date(2026, 4, 1), False)])
def test_a_profile_fires_only_within_its_validity_both_ends_included(
        day: date, in_force: bool) -> None:
    assert (profile().hit(facts(), day) is not None) is in_force


def test_an_open_ended_profile_fires_from_its_first_day_on() -> None:
    open_ended = profile(valid_to=None)
    assert open_ended.hit(facts(), date(2099, 1, 1)) is not None
    assert open_ended.hit(facts(), date(2026, 2, 28)) is None


def test_an_inactive_profile_never_fires() -> None:
    assert profile(active=False).hit(facts(), date(2026, 3, 10)) is None


def test_a_hit_names_the_version_channel_weight_and_matching_items() -> None:
    revised = profile().revise(profile().definition, by=ANALYST,
                               at=datetime(2026, 2, 2, tzinfo=UTC))
    hit = revised.hit(facts(goods(1, origin="DE"), goods(2)), date(2026, 3, 10))
    assert hit == ProfileHit(revised.id, 2, ProfileChannel.RED, Decimal(80),
                             "Open the container", (2,))

"""Risk profiles: an analyst's targeting rule as data — criteria, validity, channel, weight.

A profile *fires* on a declaration when it is active, the declaration's date of acceptance lies
within its validity (both ends included; no end means open-ended) and its criteria hold (see
:mod:`opencustoms.risk.criteria` for the grammar and the goods-item semantics). A yellow profile
asks for a documentary control, a red one for a physical control; the officer reads the
profile's instructions.

Profiles are versioned: a change never alters a version, it adds the next one, so a decision
keeps pointing at the (profile, version) that fired. The criteria read :class:`RiskFacts`, a
view of a declaration with the figures a risk analyst reasons in: customs values and duties in
national currency, unit values, value per kg, the declarant's AEO status.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, NewType

from opencustoms.domain.assessment import Assessment, ItemAssessment
from opencustoms.domain.declaration import DeclarationContent
from opencustoms.domain.errors import Problem, RuleViolations
from opencustoms.domain.goods import GoodsItem
from opencustoms.domain.parties import PartyId
from opencustoms.domain.reference import Validity
from opencustoms.risk.criteria import (
    Criterion,
    criteria_to_json,
    matching_items,
    parse_criteria,
    to_decimal,
)

RiskProfileId = NewType("RiskProfileId", str)
"""Identifier of a risk profile, allocated on creation: ``RP`` and 10 hexadecimal digits."""

PROFILE_ID_SHAPE = re.compile(r"^RP[0-9A-F]{10}$")
MAX_NAME = 200
MAX_TEXT = 4000
_NO_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_BUT_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def new_profile_id() -> RiskProfileId:
    return RiskProfileId("RP" + secrets.token_hex(5).upper())


class ProfileChannel(StrEnum):
    """The control a profile asks for: yellow = documentary, red = physical."""

    YELLOW = "yellow"
    RED = "red"


# --- what the criteria read -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ItemFacts:
    """One goods item as the criteria see it; amounts in national currency, masses in kg."""

    sequence: int
    commodity_code: str
    origin: str | None
    procedure: str
    preference: str | None
    preference_claimed: bool
    value: Decimal | None
    net_mass: Decimal
    gross_mass: Decimal
    unit_value: Decimal | None
    gross_net_ratio: Decimal | None
    value_per_kg: Decimal | None
    duty: Decimal | None


@dataclass(frozen=True, slots=True)
class RiskFacts:
    """A declaration as the criteria see it: header codes, parties, AEO status, items."""

    type: str
    additional_type: str
    office: str
    declarant: str
    importer: str | None
    representative: str | None
    dispatch_country: str | None
    destination_country: str | None
    transport_mode: str | None
    incoterm: str | None
    declarant_aeo: bool
    items: tuple[ItemFacts, ...]

    @property
    def preference_claimed(self) -> bool:
        return any(item.preference_claimed for item in self.items)

    @classmethod
    def of(cls, content: DeclarationContent, *, assessment: Assessment | None = None,
           declarant_aeo: bool = False) -> RiskFacts:
        """The facts of ``content``; values and duties come from ``assessment`` when given
        (else the declared customs value, and no duty)."""
        assessed = {} if assessment is None else {a.sequence: a for a in assessment.items}
        return cls(
            type=content.type.value,
            additional_type=content.additional_type.value,
            office=content.office_of_declaration,
            declarant=content.declarant,
            importer=None if content.importer is None else content.importer.id,
            representative=None if content.representative is None else content.representative.id,
            dispatch_country=content.country_of_dispatch,
            destination_country=content.country_of_destination,
            transport_mode=None if content.transport is None else content.transport.mode_at_border,
            incoterm=content.incoterm,
            declarant_aeo=declarant_aeo,
            items=tuple(_item_facts(item, assessed.get(item.sequence)) for item in content.items),
        )


def preference_claimed(preference: str | None) -> bool:
    """UCC DE 4/17: a first digit 1 means no preference (third-country duty, suspensions,
    quotas open to all origins); 2, 3 and 4 claim a preference (GSP, agreements, unions)."""
    return preference is not None and not preference.startswith("1")


def _item_facts(item: GoodsItem, assessed: ItemAssessment | None) -> ItemFacts:
    value = assessed.customs_value if assessed is not None else item.customs_value
    duty = None if assessed is None else sum(
        (line.amount for line in assessed.lines if line.tax_type.startswith("A")), Decimal(0))
    return ItemFacts(
        sequence=item.sequence,
        commodity_code=item.commodity_code,
        origin=item.country_of_origin,
        procedure=item.procedure,
        preference=item.preference,
        preference_claimed=preference_claimed(item.preference),
        value=value,
        net_mass=item.net_mass,
        gross_mass=item.gross_mass,
        unit_value=_ratio(value, item.supplementary_quantity),
        gross_net_ratio=_ratio(item.gross_mass, item.net_mass),
        value_per_kg=_ratio(value, item.net_mass),
        duty=duty,
    )


def _ratio(numerator: Decimal | None, denominator: Decimal | None) -> Decimal | None:
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return numerator / denominator


# --- the profile --------------------------------------------------------------------------


class InvalidProfile(RuleViolations):
    """The submitted profile is not one the system can store; every problem is listed."""

    code = "risk.profile.invalid"

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems)
        self.detail = f"{len(problems)} problem(s) in the risk profile"
        self.args = (self.detail,)


@dataclass(frozen=True, slots=True)
class ProfileDefinition:
    """What an analyst writes: one version of a profile's content."""

    name: str
    description: str
    criteria: Criterion
    validity: Validity
    channel: ProfileChannel
    instructions: str
    weight: Decimal
    active: bool = True

    def in_force(self, on: date) -> bool:
        """Active and valid on ``on`` (a date of acceptance)."""
        return self.active and self.validity.contains(on)

    def to_json(self) -> dict[str, Any]:
        """The canonical document, as :func:`parse_profile` reads it."""
        end = self.validity.end
        return {
            "name": self.name, "description": self.description,
            "criteria": criteria_to_json(self.criteria),
            "valid_from": self.validity.start.isoformat(),
            "valid_to": None if end is None else end.isoformat(),
            "channel": self.channel.value, "instructions": self.instructions,
            "weight": str(self.weight), "active": self.active,
        }


@dataclass(frozen=True, slots=True)
class ProfileHit:
    """A profile that fired: which version, the control it asks for, the items that matched."""

    profile: RiskProfileId
    version: int
    channel: ProfileChannel
    weight: Decimal
    instructions: str
    items: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class RiskProfile:
    """One stored version of a profile. Versions are never changed: :meth:`revise` makes the
    next one."""

    id: RiskProfileId
    version: int
    definition: ProfileDefinition
    created_by: PartyId
    created_at: datetime

    @classmethod
    def create(cls, definition: ProfileDefinition, *, by: PartyId, at: datetime,
               id: RiskProfileId | None = None) -> RiskProfile:
        return cls(id or new_profile_id(), 1, definition, by, at)

    def revise(self, definition: ProfileDefinition, *, by: PartyId, at: datetime) -> RiskProfile:
        return RiskProfile(self.id, self.version + 1, definition, by, at)

    def hit(self, facts: RiskFacts, on: date) -> ProfileHit | None:
        """The hit on a declaration accepted on ``on``, if the profile fires on it."""
        if not self.definition.in_force(on):
            return None
        return self.match(facts)

    def match(self, facts: RiskFacts) -> ProfileHit | None:
        """The hit if the criteria hold, whatever the validity and the active flag."""
        items = matching_items(self.definition.criteria, facts)
        if items is None:
            return None
        d = self.definition
        return ProfileHit(self.id, self.version, d.channel, d.weight, d.instructions, items)


# --- parsing a submitted profile ------------------------------------------------------------

_KEYS = ("name", "description", "criteria", "valid_from", "valid_to", "channel",
         "instructions", "weight", "active")
_REQUIRED = ("name", "criteria", "valid_from", "channel", "instructions", "weight")


def parse_profile(document: Mapping[str, Any], at: str = "") -> ProfileDefinition:
    """The definition ``document`` describes, or :class:`InvalidProfile` with every problem,
    each with a JSON Pointer below ``at`` (e.g. ``/criteria/all/1/field``, ``/valid_to``).

    Required: name, criteria, valid_from, channel, instructions, weight (0 to 100). Optional:
    description, valid_to (null: open-ended; never before valid_from), active (default true).
    """
    parser = _ProfileParser(document, at)
    definition = parser.definition()
    if definition is None or parser.problems:
        raise InvalidProfile(parser.problems)
    return definition


class _ProfileParser:
    def __init__(self, document: Mapping[str, Any], at: str) -> None:
        self.document = document
        self.at = at
        self.problems: list[Problem] = []

    def fail(self, code: str, key: str, detail: str) -> None:
        self.problems.append(Problem(f"risk.profile.{code}", f"{self.at}/{key}", detail))

    def definition(self) -> ProfileDefinition | None:
        for key in sorted(set(self.document) - set(_KEYS)):
            self.fail("unknown-key", key.replace("~", "~0").replace("/", "~1"),
                      "not a field of a risk profile")
        for key in _REQUIRED:
            if self.document.get(key) is None:
                self.fail("missing-key", key, f"a risk profile needs '{key}'")
        name = self.text("name", MAX_NAME, _NO_CONTROL, "a name of 1 to {n} printable "
                         "characters")
        description = self.text("description", MAX_TEXT, _CONTROL_BUT_LINES,
                                 "text of at most {n} characters", empty=True)
        instructions = self.text("instructions", MAX_TEXT, _CONTROL_BUT_LINES,
                                 "instructions for the officer: 1 to {n} characters")
        criteria = self.criteria()
        validity = self.validity()
        channel = self.channel()
        weight = self.weight()
        active = self.document.get("active", True)
        if not isinstance(active, bool):
            self.fail("malformed-value", "active", "active is true or false")
            return None
        if (name is None or description is None or instructions is None or criteria is None
                or validity is None or channel is None or weight is None):
            return None
        return ProfileDefinition(name, description, criteria, validity, channel, instructions,
                                 weight, active)

    def text(self, key: str, limit: int, forbidden: re.Pattern[str], detail: str, *,
             empty: bool = False) -> str | None:
        value = self.document.get(key)
        if value is None:
            return "" if empty else None
        if (not isinstance(value, str) or len(value) > limit or forbidden.search(value)
                or not (empty or value.strip())):
            self.fail("malformed-value", key, detail.format(n=limit))
            return None
        return value

    def criteria(self) -> Criterion | None:
        if self.document.get("criteria") is None:
            return None
        criteria, problems = parse_criteria(self.document["criteria"], f"{self.at}/criteria")
        self.problems += problems
        return criteria

    def validity(self) -> Validity | None:
        reported = len(self.problems)
        start = self.day("valid_from", "a date, YYYY-MM-DD")
        end = self.day("valid_to", "a date, YYYY-MM-DD, or null for open-ended")
        if start is None or len(self.problems) > reported:
            return None
        if end is not None and end < start:
            self.fail("valid-to-before-valid-from", "valid_to",
                      f"the profile would end ({end}) before it starts ({start})")
            return None
        return Validity(start, end)

    def day(self, key: str, detail: str) -> date | None:
        """The date under ``key``; None when absent or malformed (reported)."""
        value = self.document.get(key)
        if value is None:
            return None
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        if isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        self.fail("malformed-value", key, detail)
        return None

    def channel(self) -> ProfileChannel | None:
        value = self.document.get("channel")
        if value is None:
            return None
        if value in {channel.value for channel in ProfileChannel}:
            return ProfileChannel(str(value))
        self.fail("malformed-value", "channel",
                  "yellow (documentary control) or red (physical control)")
        return None

    def weight(self) -> Decimal | None:
        value = self.document.get("weight")
        if value is None:
            return None
        weight = value if isinstance(value, Decimal) and value.is_finite() else to_decimal(value)
        if weight is None:
            self.fail("malformed-value", "weight", "a number from 0 to 100")
            return None
        if not Decimal(0) <= weight <= Decimal(100):
            self.fail("weight-out-of-range", "weight",
                      f"the weight {weight} is not within 0 to 100")
            return None
        return weight

"""Parties to customs legal relations: the administration's users and the traders it serves.

A *party* is anyone with an identity in the system: economic operators (traders), customs
representatives (brokers), and the administration's own staff (officers, risk analysts,
administrators). Economic operators carry an EORI-style identifier: the 2-letter country code of
the issuing jurisdiction followed by up to 15 alphanumerics (UCC art. 9; DE 3/39 style).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NewType

PartyId = NewType("PartyId", str)
"""EORI-style identifier, e.g. ``XX100000000001``."""

_EORI = re.compile(r"^[A-Z]{2}[0-9A-Z]{1,15}$")


def is_valid_party_id(value: str) -> bool:
    """EORI shape: two capital letters (country) then 1 to 15 capital alphanumerics."""
    return bool(_EORI.match(value))


class Role(StrEnum):
    """What a party may do in the system."""

    TRADER = "trader"
    REPRESENTATIVE = "representative"
    OFFICER = "officer"
    RISK_ANALYST = "risk_analyst"
    ADMIN = "admin"


ADMINISTRATION_ROLES = frozenset({Role.OFFICER, Role.RISK_ANALYST, Role.ADMIN})
"""Roles held by the customs administration's own staff, who may read every declaration."""


@dataclass(frozen=True, slots=True)
class Party:
    """A registered party with its roles. AEO status matters to risk management later."""

    id: PartyId
    name: str
    country: str
    roles: frozenset[Role]
    aeo: bool = False
    office: str | None = None
    represents: frozenset[PartyId] = field(default_factory=frozenset)

    @property
    def is_administration(self) -> bool:
        """Officers, analysts and administrators act for customs, not for a trader."""
        return bool(self.roles & ADMINISTRATION_ROLES)

    def may_act_for(self, principal: PartyId) -> bool:
        """A party acts for itself, and a representative for the principals that authorised it."""
        return principal == self.id or principal in self.represents


class RepresentativeStatus(StrEnum):
    """UCC DE 3/21 representative status code."""

    DIRECT = "2"
    INDIRECT = "3"

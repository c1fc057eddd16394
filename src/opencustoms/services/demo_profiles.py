"""The demo risk profiles: what an analyst would write on the simulated traffic.

Created by ``opencustoms demo seed`` after the model is trained, only when no profile exists,
so that a fresh ``make run`` selects with active profiles (issue 4, item 9). Each targets one
of the simulator's fraud patterns (:mod:`opencustoms.services.simulator`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from opencustoms.domain.parties import Party
from opencustoms.services.context import ServiceContext
from opencustoms.services.risk_profiles import create_profile
from opencustoms.services.simulator import BAD_IMPORTERS


def demo_profiles(valid_from: date) -> list[dict[str, Any]]:
    """Three profiles an analyst would write on this traffic: one red, two yellow."""
    start = valid_from.isoformat()
    return [
        {"name": f"Textiles of importer {BAD_IMPORTERS[0]}", "channel": "red", "weight": 90,
         "valid_from": start, "valid_to": None,
         "instructions": "Physical check: count the garments and compare with the invoice",
         "criteria": {"all": [
             {"field": "declaration.importer", "op": "eq", "value": BAD_IMPORTERS[0]},
             {"any": [{"field": "item.commodity_code", "op": "starts_with", "value": "61"},
                      {"field": "item.commodity_code", "op": "starts_with", "value": "62"}]}]}},
        {"name": "Television sets and monitors from CN at a low unit value",
         "channel": "yellow", "weight": 60, "valid_from": start, "valid_to": None,
         "instructions": "Ask for the sales contract and proof of payment; check the model "
                         "numbers against the classification",
         "criteria": {"all": [
             {"field": "item.origin", "op": "eq", "value": "CN"},
             {"field": "item.commodity_code", "op": "starts_with", "value": "8528"},
             {"field": "item.unit_value", "op": "lt", "value": 150}]}},
        {"name": "Footwear from VN with a preference claimed, declarant not AEO",
         "channel": "yellow", "weight": 40, "valid_from": start, "valid_to": None,
         "instructions": "Verify the certificate of origin Form A and the upper material",
         "criteria": {"all": [
             {"field": "item.origin", "op": "eq", "value": "VN"},
             {"field": "item.commodity_code", "op": "starts_with", "value": "64"},
             {"field": "item.preference_claimed", "op": "eq", "value": True},
             {"not": {"field": "declarant.aeo", "op": "eq", "value": True}}]}},
    ]


def create_demo_profiles(ctx: ServiceContext, analyst: Party) -> list[str]:
    """Create the demo profiles, valid from today, unless some profile exists; returns the ids
    of those created."""
    with ctx.reader() as uow:
        if uow.risk_profiles.current():
            return []
    today = ctx.clock.now().date()
    return [str(create_profile(ctx, document, analyst).current.id)
            for document in demo_profiles(today)]

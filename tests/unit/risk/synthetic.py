"""Synthetic controlled goods items with learnable fraud patterns, for the scoring tests.

Patterns: a few bad importers commit most frauds; goods of some (origin, commodity) pairs are
undervalued when fraudulent (a low value per kg); high-duty commodities are riskier. Everything
is drawn from a seeded numpy generator, so every call with the same arguments gives the same
records.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import numpy as np

from opencustoms.risk.records import RiskRecord

COMMODITIES = [f"{chapter:02d}{heading:02d}{sub:02d}" for chapter, heading, sub in
               [(7, 3, 20), (7, 10, 80), (9, 10, 11), (39, 26, 90), (61, 9, 10), (62, 3, 42),
                (84, 71, 30), (85, 17, 12), (87, 12, 0), (94, 3, 50), (95, 3, 0), (64, 3, 99)]]
TAX_RATES = [360.0, 27.0, 377.3, 6.5, 13.0, 13.0, 0.0, 0.0, 8.0, 0.0, 8.0, 13.0]
ORIGINS = ["CN", "VN", "US", "DE", "JP", "IN", "TR"]
OFFICES = ["10", "20", "30", "40"]


def items(count: int = 2000, seed: int = 7, start: date = date(2020, 1, 1),
          days: int = 360, importers: int = 150, bad_importers: int = 15,
          id_offset: int = 0) -> list[RiskRecord]:
    """``count`` labelled goods items spread over ``days`` days from ``start``."""
    rng = np.random.default_rng(seed)
    importer = rng.integers(0, importers, count)
    bad = importer < bad_importers
    commodity = rng.integers(0, len(COMMODITIES), count)
    origin = rng.integers(0, len(ORIGINS), count)
    tax = np.array(TAX_RATES)[commodity]
    undervalued_pair = (origin == 0) & (tax >= 13.0)
    logit = -2.2 + 2.5 * bad + 1.2 * undervalued_pair + 0.004 * tax + rng.normal(0, 0.5, count)
    fraud = rng.random(count) < 1.0 / (1.0 + np.exp(-logit))
    mass = np.round(rng.lognormal(4.0, 1.0, count), 1) + 0.1
    value_per_kg = rng.lognormal(3.0, 0.4, count) * np.where(fraud & undervalued_pair, 0.4, 1.0)
    value = np.round(mass * value_per_kg * 100, 2)
    offset = rng.integers(0, days, count)
    records = []
    for i in range(count):
        records.append(RiskRecord(
            declaration_id=f"D{id_offset + i:07d}", date=start + timedelta(days=int(offset[i])),
            importer=f"IMP{importer[i]:04d}", declarant=f"DEC{importer[i] % 40:03d}",
            office=OFFICES[i % len(OFFICES)], commodity_code=COMMODITIES[commodity[i]],
            item_price=Decimal(str(value[i])), origin=ORIGINS[origin[i]],
            dispatch_country=ORIGINS[origin[i]], procedure="11",
            transport_mode="10" if i % 3 else "40", payment="11",
            preference="A" if origin[i] else "FCN1",
            net_mass=Decimal(str(mass[i])), tax_rate=Decimal(str(tax[i])),
            categories=(("import_use", "21" if i % 5 else "11"),),
            fraud=bool(fraud[i]),
        ))
    return records

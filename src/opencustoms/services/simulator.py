"""Simulated import traffic for the demo jurisdiction, with control outcomes to learn from.

A fresh installation has no history, so neither a scoring model nor profiles worth showing.
The simulator makes a year of it (issue 4, item 9): import declarations of 40 simulated
importers (parties ``XX3000000000NN``), lodged through the real lodgement service under a
simulated clock — validated, assessed, routed and stored exactly like live ones — and the
results of the controls simulated officers made, with fraud patterns a model can learn:

- **undervaluation** on certain origin/commodity pairs (:data:`UNDERVALUED`): the declared price
  is 30–60 % of the true one; the control recovers the duty on the value not declared;
- **misclassification** to a lower-duty code of the same chapter (:attr:`Product.twin`: TV sets
  as monitors, textile trainers as leather shoes, vans as cars), with the true goods' price and
  mass; the control recovers the rate difference on the customs value;
- **bad importers** (:data:`BAD_IMPORTERS`) who commit one of the two on almost half their items.

Honest importers slip rarely, AEO-certified ones more rarely still. Officers control about a
fifth of the declarations: a random tenth, more of the risky-looking ones (textiles and
electronics from CN, footwear from VN, the bad importers), and find most of what is there.
Everything is drawn from one seeded generator: the same seed and period give the same
declarations and outcomes (MRNs are random, as in service).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from opencustoms.domain.assessment import Assessment
from opencustoms.domain.control import ControlKind, ControlResult
from opencustoms.domain.parties import Party, PartyId, Role
from opencustoms.services import identity, payments
from opencustoms.services.context import ServiceContext, SystemClock
from opencustoms.services.lodgement import Submission, lodge

CENT = Decimal("0.01")
USD_PER_EUR = Decimal("1.08")


@dataclass(frozen=True, slots=True)
class Product:
    """A line of goods the simulated importers trade. ``rate`` is the third-country duty (%)
    of the demo tariff; ``price`` the normal price per unit in EUR; ``twin`` a lower-duty code
    of the same chapter that misclassification declares instead."""

    code: str
    description: str
    rate: Decimal
    price: Decimal
    kg_per_unit: Decimal
    quantity: tuple[int, int]
    origins: tuple[tuple[str, float], ...]
    units: bool = True
    twin: str | None = None


def _p(code: str, description: str, rate: str, price: str, kg: str, quantity: tuple[int, int],
       origins: str, *, units: bool = True, twin: str | None = None) -> Product:
    pairs = tuple((o.split(":")[0], float(o.split(":")[1])) for o in origins.split())
    return Product(code, description, Decimal(rate), Decimal(price), Decimal(kg), quantity,
                   pairs, units, twin)


CATALOGUE: tuple[Product, ...] = (
    _p("6109100000", "T-shirts of cotton", "12", "4", "0.2", (200, 5000),
       "CN:5 BD:2 IN:1 TR:1 VN:1"),
    _p("6204620000", "Women's trousers of cotton", "12", "11", "0.45", (100, 2000),
       "CN:5 BD:2 TR:1.5 VN:1.5"),
    _p("6203423100", "Men's jeans of denim", "12", "14", "0.6", (100, 2000),
       "CN:4 BD:3 TR:2 PK:1"),
    _p("6404110000", "Sports shoes with textile uppers", "16", "15", "0.8", (100, 3000),
       "CN:5 VN:3.5 ID:1.5", twin="6403990000"),
    _p("6403990000", "Footwear with leather uppers", "7.5", "35", "1.0", (50, 1000),
       "CN:3 VN:3 IT:2 IN:2"),
    _p("8528720000", "Colour television sets", "14", "300", "12", (10, 400),
       "CN:6 KR:2 MY:2", twin="8528520000"),
    _p("8528520000", "Computer monitors", "0", "180", "5", (10, 500), "CN:6 TW:2 KR:2"),
    _p("8704210000", "Diesel vans of 5 tonnes or less", "22", "28000", "2100", (1, 12),
       "JP:3 TR:3 KR:2 CN:2", twin="8703320000"),
    _p("8703320000", "Diesel cars of 1500 to 2500 cm3", "10", "35000", "1500", (1, 20),
       "DE:4 JP:3 KR:3"),
    _p("8712007000", "Bicycles", "14", "180", "14", (20, 400), "TW:5 VN:3 KH:2"),
    _p("8418210000", "Household refrigerators", "2.5", "350", "60", (5, 100), "CN:5 TR:3 KR:2"),
    _p("8516500000", "Microwave ovens", "2.7", "70", "12", (20, 500), "CN:8 TH:2"),
    _p("8471300000", "Laptop computers", "0", "650", "2", (10, 500), "CN:7 TW:3"),
    _p("9403600000", "Wooden furniture", "2.7", "120", "25", (10, 300), "CN:4 VN:3 ID:3"),
    _p("4011100000", "Tyres for passenger cars", "4.5", "45", "9", (50, 2000),
       "CN:5 KR:2 TH:3"),
    _p("0901210090", "Roasted coffee", "7.5", "12", "1", (200, 5000), "BR:4 CO:3 US:3",
       units=False),
    _p("3923210000", "Sacks and bags of polyethylene", "6.5", "2.5", "1", (500, 20000),
       "CN:6 TR:2 IN:2", units=False),
    _p("4202220000", "Handbags of plastic sheeting", "3.7", "20", "0.6", (50, 2000),
       "CN:7 IN:1.5 VN:1.5"),
    _p("9503009900", "Toys", "0", "8", "0.3", (100, 5000), "CN:9 VN:1"),
    _p("8539520000", "LED lamps", "2.7", "3", "0.1", (500, 20000), "CN:10"),
)
PRODUCTS = {p.code: p for p in CATALOGUE}
UNDERVALUED = frozenset({("CN", "6109100000"), ("CN", "8528720000"), ("VN", "6404110000")})
"""(origin, commodity) pairs on which undervaluation is rife."""

BAD_IMPORTERS = (PartyId("XX300000000007"), PartyId("XX300000000019"),
                 PartyId("XX300000000031"))
"""Importers who commit fraud on almost half their goods items."""

OFFICER = PartyId("XX900000000001")
FTA = frozenset({"CA", "CH", "IS", "JP", "KR", "MA", "NO", "TR"})
FTA_CHAPTERS = frozenset({"61", "62", "64", "84", "85", "87", "94", "09"})
GSP = frozenset({"BD", "ID", "IN", "KH", "PK", "VN"})
GSP_CHAPTERS = frozenset({"61", "62", "64", "09", "42", "95"})
_NAMES = ("Northwind", "Harbour", "Meridian", "Atlas", "Cobalt", "Lakeside", "Summit", "Pioneer",
          "Granite", "Orchid", "Beacon", "Falcon", "Juniper", "Keystone", "Lighthouse", "Maple")
_KINDS = ("Trading", "Imports", "Distribution", "Retail", "Wholesale")


_BAD_PRODUCTS = {
    BAD_IMPORTERS[0]: ["6109100000", "6204620000", "6203423100"],
    BAD_IMPORTERS[1]: ["8528720000", "6404110000", "8418210000"],
    BAD_IMPORTERS[2]: ["8704210000", "8712007000", "9403600000"],
}


@dataclass(frozen=True, slots=True)
class Importer:
    """A simulated trader: its party, the product lines it imports, how much it imports."""

    party: Party
    products: tuple[str, ...]
    volume: float
    bad: bool


def importers() -> tuple[Importer, ...]:
    """The 40 simulated importers (the same for every seed: their parties are stored once).
    Every fifth honest one is AEO-certified; the first bad importer trades textiles."""
    rng = random.Random(40)
    found = []
    for n in range(1, 41):
        party_id = PartyId(f"XX3000000000{n:02d}")
        bad = party_id in BAD_IMPORTERS
        products = rng.sample([p.code for p in CATALOGUE], rng.randint(2, 4))
        products = _BAD_PRODUCTS.get(party_id, products)
        name = f"{_NAMES[n % len(_NAMES)]} {_KINDS[n % len(_KINDS)]} {n:02d}"
        party = Party(party_id, name, "XX", frozenset({Role.TRADER}),
                      aeo=not bad and n % 5 == 0)
        volume = rng.lognormvariate(0, 0.6) * (2.0 if bad else 1.0)
        found.append(Importer(party, tuple(products), volume, bad))
    return tuple(found)


@dataclass(frozen=True, slots=True)
class ItemTruth:
    """What a goods item really is: ``fraud`` (``undervaluation``, ``misclassification`` or
    None), the true code and the true price in the invoice currency."""

    fraud: str | None
    code: str
    price: Decimal


@dataclass(frozen=True, slots=True)
class SimulatedDeclaration:
    """A declaration to lodge at ``at``, the truth about its items and, when a simulated
    officer controls it, the kind of control and which frauds the officer finds."""

    document: dict[str, Any]
    at: datetime
    importer: Importer
    truths: tuple[ItemTruth, ...]
    control: ControlKind | None
    found: tuple[bool, ...]


@dataclass(frozen=True, slots=True)
class TrafficConfig:
    """How much traffic, over which days (both included), from which seed."""

    declarations: int = 4000
    seed: int = 2026
    start: date = date(2025, 11, 1)
    end: date = date(2026, 10, 31)

    @classmethod
    def past_months(cls, today: date, months: int = 12, **options: Any) -> TrafficConfig:
        """The ``months`` full calendar months before ``today``'s month."""
        end = today.replace(day=1) - timedelta(days=1)
        index = end.year * 12 + end.month - months
        return cls(start=date(index // 12, index % 12 + 1, 1), end=end, **options)


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


def _pick(rng: random.Random, options: Sequence[tuple[str, float]]) -> str:
    return rng.choices([o for o, _ in options], [w for _, w in options])[0]


def _preference(origin: str, code: str) -> tuple[str, list[dict[str, str]]]:
    chapter = code[:2]
    if origin in FTA and chapter in FTA_CHAPTERS:
        return "300", [{"code": "U110", "reference": f"ORIGIN-{origin}"}]
    if origin in GSP and chapter in GSP_CHAPTERS:
        return "200", [{"code": "N865", "reference": f"FORM-A-{origin}"}]
    return "100", []


def _fraud_kind(rng: random.Random, importer: Importer, origin: str, product: Product,
                preference: str) -> str | None:
    chance = 0.55 if importer.bad else (0.01 if importer.party.aeo else 0.04)
    if (origin, product.code) in UNDERVALUED:
        chance = 1 - (1 - chance) * 0.4
    misclassifiable = product.twin is not None and preference == "100"
    if misclassifiable and not importer.bad and rng.random() < 0.08:
        return "misclassification"
    if rng.random() >= chance:
        return None
    if (origin, product.code) not in UNDERVALUED and misclassifiable and rng.random() < 0.6:
        return "misclassification"
    return "undervaluation"


def _item(rng: random.Random, n: int, sequence: int, importer: Importer, origin: str,
          product: Product, currency: str) -> tuple[dict[str, Any], ItemTruth]:
    quantity = rng.randint(*product.quantity)
    per_unit = product.price * (USD_PER_EUR if currency == "USD" else 1)
    price = _money(per_unit * quantity * Decimal(str(round(rng.lognormvariate(0, 0.15), 4))))
    net = (product.kg_per_unit * quantity * Decimal(str(round(rng.uniform(0.95, 1.05), 3))))
    preference, proofs = _preference(origin, product.code)
    fraud = _fraud_kind(rng, importer, origin, product, preference)
    declared_code, description, declared_price = product.code, product.description, price
    if fraud == "misclassification" and product.twin is not None:
        declared_code, description = product.twin, PRODUCTS[product.twin].description
    elif fraud == "undervaluation":
        declared_price = _money(price * Decimal(str(round(rng.uniform(0.3, 0.6), 3))))
    item: dict[str, Any] = {
        "sequence": sequence, "commodity_code": declared_code, "description": description,
        "country_of_origin": origin, "procedure": "4000", "additional_procedures": [],
        "preference": preference, "net_mass": str(net.quantize(Decimal("0.001"))),
        "gross_mass": str((net * Decimal("1.08")).quantize(Decimal("0.001"))),
        "packages": [{"kind": "NE" if product.code.startswith("87") else "CT",
                      "count": quantity if product.code.startswith("87")
                      else max(1, quantity // 25), "marks": f"SIM {n}/{sequence}"}],
        "item_price": str(declared_price), "valuation_method": "1",
        "documents": [{"code": "N935", "reference": f"INV-{n:06d}"}, *proofs],
    }
    if product.units:
        item["supplementary_quantity"] = str(quantity)
    return item, ItemTruth(fraud, product.code, price)


_ROUTES = (("XX000400", "1", 6.0), ("XX000300", "4", 2.0), ("XX000100", "1", 1.0),
           ("XX000500", "2", 1.0))


def _transport(rng: random.Random, origin: str) -> tuple[str, dict[str, str]]:
    if origin == "TR":
        return "XX000200", {"mode_at_border": "3", "means_identity": f"TR-{rng.randint(100, 999)}",
                            "nationality": "TR"}
    office, mode = rng.choices([(o, m) for o, m, _ in _ROUTES], [w for *_, w in _ROUTES])[0]
    identity_of = {"1": f"IMO9{rng.randint(100000, 999999)}", "4": f"FL{rng.randint(100, 9999)}",
                   "2": f"RAIL-{rng.randint(1000, 9999)}"}
    return office, {"mode_at_border": mode, "means_identity": identity_of[mode],
                    "nationality": "PA" if mode == "1" else origin}


def _controlled(rng: random.Random, importer: Importer,
                items: Sequence[dict[str, Any]]) -> ControlKind | None:
    chance = 0.1
    watched = {("CN", "61"), ("CN", "85"), ("VN", "64")}
    if any((i["country_of_origin"], i["commodity_code"][:2]) in watched for i in items):
        chance += 0.3
    if importer.bad:
        chance += 0.4
    if importer.party.aeo:
        chance /= 2
    if rng.random() >= chance:
        return None
    return ControlKind.PHYSICAL if rng.random() < 0.4 else ControlKind.DOCUMENTARY


def _declaration(rng: random.Random, config: TrafficConfig, n: int, at: datetime,
                 importer: Importer) -> SimulatedDeclaration:
    count = rng.choices((1, 2, 3), (0.6, 0.25, 0.15))[0]
    codes = rng.sample(importer.products, min(count, len(importer.products)))
    origin = _pick(rng, PRODUCTS[codes[0]].origins)
    currency = "USD" if rng.random() < 0.7 else "EUR"
    built = [_item(rng, n, s, importer, origin, PRODUCTS[c], currency)
             for s, c in enumerate(codes, start=1)]
    items = [item for item, _ in built]
    total = sum((Decimal(i["item_price"]) for i in items), Decimal(0))
    office, transport = _transport(rng, origin)
    document: dict[str, Any] = {
        "lrn": f"SIM-{config.seed}-{n:06d}", "type": "IM", "additional_type": "A",
        "declarant": importer.party.id,
        "importer": {"id": importer.party.id, "name": importer.party.name, "country": "XX"},
        "exporter": {"name": f"{origin} supplier {rng.randint(1, 30):02d}", "country": origin},
        "office_of_declaration": office, "country_of_dispatch": origin, "incoterm": "FOB",
        "invoice": {"currency": currency, "amount": str(total)},
        "freight": {"currency": currency,
                    "amount": str(_money(total * Decimal(rng.randint(3, 8)) / 100))},
        "insurance": {"currency": currency, "amount": str(_money(total / 200))},
        "transport": transport, "items": items,
    }
    control = _controlled(rng, importer, items)
    detection = 0.95 if control is ControlKind.PHYSICAL else 0.8
    found = tuple(control is not None and t.fraud is not None and rng.random() < detection
                  for _, t in built)
    return SimulatedDeclaration(document, at, importer, tuple(t for _, t in built), control,
                                found)


def simulate(config: TrafficConfig) -> Iterator[SimulatedDeclaration]:
    """The traffic of ``config``, oldest first (deterministic for the seed and period)."""
    if config.declarations < 0 or config.end < config.start:
        raise ValueError("the simulation needs a period and a non-negative number of "
                         "declarations")
    rng = random.Random(config.seed)
    traders = importers()
    weights = [t.volume for t in traders]
    days = (config.end - config.start).days + 1
    times = sorted(
        datetime.combine(config.start + timedelta(days=rng.randrange(days)), time(), UTC)
        + timedelta(seconds=rng.randrange(6 * 3600, 20 * 3600))
        for _ in range(config.declarations))
    for n, at in enumerate(times, start=1):
        yield _declaration(rng, config, n, at, rng.choices(traders, weights)[0])


# --- lodging the traffic and recording the controls ------------------------------------------


class SimulatedClock(SystemClock):
    """A clock the simulation sets: lodgement stamps each declaration with the simulated time."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


@dataclass(slots=True)
class SeedReport:
    """What seeding stored."""

    declarations: int = 0
    replayed: int = 0
    items: int = 0
    controlled: int = 0
    irregular: int = 0
    irregular_items: int = 0
    extra_duty: Decimal = Decimal(0)
    parties_created: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"declarations": self.declarations, "replayed": self.replayed,
                "items": self.items, "controlled": self.controlled,
                "irregular": self.irregular, "irregular_items": self.irregular_items,
                "extra_duty": str(self.extra_duty), "parties_created": self.parties_created}


def register_importers(ctx: ServiceContext, currency: str) -> list[str]:
    """Store the simulated importers that do not exist yet, with an account whose guarantee
    covers their duties; returns the parties created."""
    created: list[str] = []
    for importer in importers():
        with ctx.reader() as uow:
            exists = uow.parties.get(importer.party.id) is not None
        if not exists:
            identity.register_party(ctx, importer.party)
            created.append(importer.party.id)
        payments.open_account(ctx, importer.party.id, currency, cash=Decimal(0),
                              guarantee=Decimal("100000000.00"), actor="system")
    return created


def _extra_duty(truth: ItemTruth, declared: dict[str, Any], assessment: Assessment,
                sequence: int) -> Decimal:
    """Duty a control recovers on one irregular item, from the item's assessment."""
    found = next(a for a in assessment.items if a.sequence == sequence)
    duty = sum((line.amount for line in found.lines if line.tax_type.startswith("A")),
               Decimal(0))
    if truth.fraud == "undervaluation":
        return _money(duty * (truth.price / Decimal(declared["item_price"]) - 1))
    rate = PRODUCTS[truth.code].rate
    return _money(max(found.customs_value * rate / 100 - duty, Decimal(0)))


def control_result(simulated: SimulatedDeclaration, mrn: str, assessment: Assessment,
                   recorded_at: datetime) -> ControlResult:
    """The result the simulated officer records for a controlled declaration."""
    if simulated.control is None:
        raise ValueError("the declaration was not controlled")
    corrections: dict[str, Any] = {}
    findings, extra = [], Decimal(0)
    items = simulated.document["items"]
    for index, (truth, found) in enumerate(zip(simulated.truths, simulated.found, strict=True)):
        if not found:
            continue
        declared = items[index]
        extra += _extra_duty(truth, declared, assessment, declared["sequence"])
        if truth.fraud == "undervaluation":
            corrections[f"/items/{index}/item_price"] = str(truth.price)
            findings.append(f"item {declared['sequence']}: undervalued, price paid "
                            f"{truth.price} not {declared['item_price']}")
        else:
            corrections[f"/items/{index}/commodity_code"] = truth.code
            findings.append(f"item {declared['sequence']}: {PRODUCTS[truth.code].description}"
                            f" classified as {declared['commodity_code']}")
    return ControlResult(mrn, simulated.control, OFFICER, recorded_at, bool(corrections),
                         "; ".join(findings) or "no irregularity", extra, assessment.currency,
                         corrections)


def seed_history(ctx: ServiceContext, traffic: Iterator[SimulatedDeclaration], *,
                 submit: Callable[[dict[str, Any]], Submission],
                 record: Callable[[Sequence[ControlResult]], int], now: datetime,
                 batch: int = 500) -> SeedReport:
    """Lodge the traffic (oldest first) through the lodgement service under a simulated clock,
    then record the simulated officers' results (``record``, in batches). ``submit`` turns a
    declaration document into a submission, as the API does. A declaration the rules reject
    is a bug in the simulator: its RuleViolations propagates."""
    clock = SimulatedClock(now)
    simulated_ctx = replace(ctx, clock=clock, model=None)
    by_id = {i.party.id: i.party for i in importers()}
    report = SeedReport()
    pending: list[ControlResult] = []
    for simulated in traffic:
        clock.at = simulated.at
        actor = by_id[simulated.importer.party.id]
        result = lodge(simulated_ctx, submit(simulated.document), actor)
        if not result.created:
            report.replayed += 1
            continue
        report.declarations += 1
        report.items += len(simulated.truths)
        assessment = result.declaration.assessment
        if simulated.control is None or assessment is None:
            continue
        recorded_at = min(simulated.at + timedelta(hours=4 + 68 * (report.controlled % 7) / 6),
                          now - timedelta(minutes=1))
        outcome = control_result(simulated, result.declaration.mrn, assessment, recorded_at)
        report.controlled += 1
        report.irregular += outcome.irregularity
        report.irregular_items += sum(simulated.found)
        report.extra_duty += outcome.extra_duty
        pending.append(outcome)
        if len(pending) >= batch:
            record(pending)
            pending = []
    if pending:
        record(pending)
    return report


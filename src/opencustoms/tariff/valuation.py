"""Customs value of each goods item (WTO Valuation Agreement; UCC art. 69-74).

Method 1, the transaction value (Agreement art. 1; UCC art. 70): the item price, in the invoice
currency, converted into national currency at the rate valid on the date of acceptance (UCC
art. 53), plus the costs of transport and insurance to the place of entry that the price does
not include (Agreement art. 8.2(a)-(c); UCC art. 71(1)(e): a CIF basis). Whether the price
includes them follows from the Incoterm's code-list attributes ``seller_pays_main_carriage``
and ``seller_pays_insurance``: FOB adds both, CFR adds insurance, CIF adds nothing. Costs
declared as included in the price but not dutiable (``deductions``, UCC art. 72) are taken out.

Header amounts (freight, insurance, deductions) are converted, rounded half-up to the national
minor unit, and apportioned across all goods items in proportion to the item price by the
largest-remainder method (:func:`apportion`), so the parts add up exactly to the rounded whole.
Each item's value is then rounded once, half-up, to the minor unit.

Methods 2-6 (identical or similar goods, deductive, computed, fall-back; Agreement art. 2-7):
the customs value declared on the goods item, in national currency, is used as it stands; its
share of the header costs is not added (the declared value already includes them).

Export declarations (EX) carry the converted item price only: there is no border adjustment.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from opencustoms.domain.declaration import Amount, DeclarationContent, DeclarationType
from opencustoms.domain.errors import Problem, pointer
from opencustoms.domain.goods import GoodsItem
from opencustoms.domain.money import round_to_minor
from opencustoms.domain.reference import CodeList, CodeListEntry, ReferenceData
from opencustoms.tariff import problems as tx
from opencustoms.tariff.conversion import MonetaryConverter
from opencustoms.tariff.expressions import show

DECLARED_VALUE_METHODS = frozenset({"2", "3", "4", "5", "6"})
LIMIT = Decimal(10) ** 15


@dataclass(frozen=True, slots=True)
class ItemValue:
    """The customs value of one goods item, rounded, and how it was found."""

    value: Decimal
    note: str


@dataclass(frozen=True, slots=True)
class Valuation:
    """Customs values by goods item (None where the item could not be valued) and the
    problems that prevented it."""

    items: tuple[ItemValue | None, ...]
    problems: tuple[Problem, ...]

    @property
    def total(self) -> Decimal:
        return sum((v.value for v in self.items if v is not None), Decimal(0))


def apportion(total: Decimal, weights: Sequence[Decimal], minor_unit: int) -> tuple[Decimal, ...]:
    """Split ``total`` (already rounded to ``minor_unit``) in proportion to ``weights``.

    Largest-remainder (Hamilton) method in exact integer arithmetic: each part gets the whole
    minor units of its exact share; the minor units left over go one each to the parts with
    the largest remainders, ties to the earlier item. The parts add up exactly to ``total``.
    Weights below zero count as zero; when all weights are zero the split is equal."""
    if not weights:
        return ()
    return _split(total, _scaled(weights), minor_unit)


def _scaled(weights: Sequence[Decimal]) -> list[int]:
    """The weights as whole numbers in the same proportions (zero for negative weights; all
    ones when every weight is zero): the same for every header cost of a declaration."""
    exponent = min(min(_exponent(w) for w in weights), 0)
    scaled = [max(int(w.scaleb(-exponent)), 0) for w in weights]
    if sum(scaled) == 0:
        scaled = [1] * len(weights)
    return scaled


def _split(total: Decimal, scaled: list[int], minor_unit: int) -> tuple[Decimal, ...]:
    """:func:`apportion` by weights already made whole by :func:`_scaled`."""
    units = int(total.scaleb(minor_unit).to_integral_value())
    sign, units = (-1, -units) if units < 0 else (1, units)
    if len(scaled) == 1:  # one goods item takes the whole, nothing is left over
        return (Decimal(sign * units).scaleb(-minor_unit),)
    whole = sum(scaled)
    parts = [units * w // whole for w in scaled]
    remainders = [units * w % whole for w in scaled]
    left = units - sum(parts)
    if left:  # else the shares came out whole: no remainders to rank
        by_remainder = sorted(range(len(parts)), key=lambda i: (-remainders[i], i))
        for i in by_remainder[:left]:
            parts[i] += 1
    return tuple(Decimal(sign * p).scaleb(-minor_unit) for p in parts)


def _exponent(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return exponent if isinstance(exponent, int) else 0


def implausible_numbers(content: DeclarationContent) -> list[Problem]:
    """TX615: every number the calculation uses must be finite, not negative, below 10^15."""
    if _all_plausible(content):  # nearly always: spare building every pointer
        return []
    numbers: list[tuple[tuple[str | int, ...], Decimal | None]] = [
        ((name, "amount"), amount.amount) for name, amount in _headers(content)]
    for i, item in enumerate(content.items):
        numbers += [(("items", i, "item_price"), item.item_price),
                    (("items", i, "net_mass"), item.net_mass),
                    (("items", i, "gross_mass"), item.gross_mass),
                    (("items", i, "supplementary_quantity"), item.supplementary_quantity),
                    (("items", i, "customs_value"), item.customs_value)]
        numbers += [(("items", i, "quantities", j, "quantity"), q.value)
                    for j, q in enumerate(item.quantities)]
    return [tx.problem(tx.IMPLAUSIBLE_NUMBER, pointer(*where), f"{value} is not a plausible "
                       f"amount or quantity") for where, value in numbers
            if value is not None and not (value.is_finite() and 0 <= value < LIMIT)]


def _all_plausible(content: DeclarationContent) -> bool:
    """Whether :func:`implausible_numbers` finds nothing (the same numbers, same test)."""
    numbers: list[Decimal | None] = [amount.amount for _name, amount in _headers(content)]
    for item in content.items:
        numbers += (item.item_price, item.net_mass, item.gross_mass,
                    item.supplementary_quantity, item.customs_value)
        numbers += [q.value for q in item.quantities]
    for value in numbers:
        if value is not None and not (value.is_finite() and 0 <= value < LIMIT):
            return False
    return True


def _headers(content: DeclarationContent) -> Iterator[tuple[str, Amount]]:
    for name in ("invoice", "freight", "insurance", "deductions"):
        amount: Amount | None = getattr(content, name)
        if amount is not None:
            yield name, amount


@dataclass(frozen=True, slots=True)
class _Header:
    """A header cost converted, rounded, apportioned: one part per goods item."""

    name: str
    total: Decimal
    parts: tuple[Decimal, ...]
    of_total: str
    """What each part is a share of, as every goods item's valuation note says it."""


def _adds(incoterm: CodeListEntry | None, attribute: str) -> bool | None:
    """Whether the buyer bears a cost: True/False per the Incoterm, None if not known."""
    if incoterm is None or attribute not in incoterm.attributes:
        return None
    return incoterm.attributes[attribute].strip().lower() != "true"


class _Valuer:
    """One valuation run: converter, rounding, header costs and the problems found."""

    def __init__(self, content: DeclarationContent, reference: ReferenceData, on: date) -> None:
        self.content, self.reference, self.on = content, reference, on
        self.converter = MonetaryConverter(reference, on)
        self.national = reference.jurisdiction.currency
        self.minor = reference.minor_unit(self.national)
        self.problems: list[Problem] = []
        self._weights: list[int] | None = None
        self._priced_in: tuple[str, bool] | None = None

    def convert(self, amount: Amount, where: str) -> Decimal | None:
        converted = self.converter.to_national(amount.amount, amount.currency)
        if converted is None:
            self.problems.append(tx.problem(
                tx.NO_EXCHANGE_RATE, pointer(where, "currency"),
                f"no exchange rate for {amount.currency} on {self.on.isoformat()}"))
        return converted

    def header(self, name: str, sign: int) -> _Header | None:
        amount: Amount | None = getattr(self.content, name)
        if amount is None:
            return None
        converted = self.convert(amount, name)
        if converted is None:
            return None
        total = sign * round_to_minor(converted, self.minor)
        of_total = f" (share of {abs(total)} by item price)"
        if not self.content.items:
            return _Header(name, total, (), of_total)
        if self._weights is None:  # every header cost is split by the same item prices
            self._weights = _scaled([item.item_price for item in self.content.items])
        return _Header(name, total, _split(total, self._weights, self.minor), of_total)

    def buyer_costs(self) -> list[_Header]:
        """Freight and insurance the Incoterm leaves to the buyer, minus deductions."""
        costs: list[_Header] = []
        is_import = self.content.type != DeclarationType.EXPORT
        incoterm = (self.reference.entry(CodeList.INCOTERM, self.content.incoterm, self.on)
                    if self.content.incoterm else None)
        for name, attribute in (("freight", "seller_pays_main_carriage"),
                                ("insurance", "seller_pays_insurance")):
            buyer_pays = _adds(incoterm, attribute)
            if getattr(self.content, name) is None:
                if buyer_pays and self.content.type == DeclarationType.IMPORT:
                    self.problems.append(tx.problem(
                        tx.COST_MISSING, f"/{name}", f"under Incoterm {self.content.incoterm} "
                        f"the buyer pays the {name}: declare it (0.00 if none)"))
                continue
            header = self.header(name, 1) if is_import and buyer_pays is not False else None
            costs += [header] if header is not None else []
        deductions = self.header("deductions", -1) if is_import else None
        return costs + ([deductions] if deductions is not None else [])

    def item(self, i: int, item: GoodsItem, price: Decimal | None,
             costs: list[_Header]) -> ItemValue | None:
        method = item.valuation_method or "1"
        if method in DECLARED_VALUE_METHODS:
            if item.customs_value is None:
                self.problems.append(tx.problem(
                    tx.CUSTOMS_VALUE_MISSING, tx.item_pointer(i, "customs_value"),
                    f"goods item {item.sequence} uses valuation method {method}: declare its "
                    f"customs value in {self.national}"))
                return None
            value = round_to_minor(item.customs_value, self.minor)
            return ItemValue(value, f"customs value {value} {self.national} as declared "
                                    f"(valuation method {method})")
        if price is None:
            return None
        shares = Decimal(0)
        for cost in costs:
            shares += cost.parts[i]
        value = round_to_minor(price + shares, self.minor)
        if value < 0:
            self.problems.append(tx.problem(
                tx.NEGATIVE_CUSTOMS_VALUE, "/deductions",
                f"deductions exceed the price of goods item {item.sequence}"))
            return None
        return ItemValue(value, self._note(item, price, costs, i, value))

    def _note(self, item: GoodsItem, price: Decimal, costs: list[_Header], i: int,
              value: Decimal) -> str:
        if self._priced_in is None:  # the same currency and rate for every goods item
            invoice = self.content.invoice
            currency = invoice.currency if invoice is not None else self.national
            rate = self.converter.describe(currency)
            self._priced_in = (f" {currency} at {rate} = ", True) if rate else (f" {currency}",
                                                                                  False)
        priced_in, converted = self._priced_in
        text = f"customs value (method 1, transaction value): price {item.item_price}{priced_in}"
        if converted:  # the price in national currency follows the rate
            text += f"{show(price)} {self.national}"
        for cost in costs:
            part = cost.parts[i]
            text += f" {'-' if part < 0 else '+'} {cost.name} {abs(part)}{cost.of_total}"
        return f"{text} = {value} {self.national}"


def customs_values(content: DeclarationContent, *, on: date,
                   reference: ReferenceData) -> Valuation:
    """The customs value of every goods item of ``content`` on ``on`` (see the module)."""
    valuer = _Valuer(content, reference, on)
    needs_price = any((item.valuation_method or "1") not in DECLARED_VALUE_METHODS
                      for item in content.items)
    prices: list[Decimal | None] = [None] * len(content.items)
    if needs_price and content.invoice is None:
        valuer.problems.append(tx.problem(
            tx.INVOICE_MISSING, "/invoice", "the item prices need the invoice currency"))
    elif needs_price and content.invoice is not None:
        currency = content.invoice.currency
        if valuer.convert(Amount(currency, Decimal(0)), "invoice") is not None:
            prices = [valuer.converter.to_national(item.item_price, currency)
                      for item in content.items]
    costs = valuer.buyer_costs()
    values = tuple(valuer.item(i, item, prices[i], costs)
                   for i, item in enumerate(content.items))
    return Valuation(values, tuple(valuer.problems))

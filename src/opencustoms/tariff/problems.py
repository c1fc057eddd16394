"""What the tariff engine cannot tax: problem codes ``TX6xx``.

Each code has a stable meaning and a message (the catalogue below, like the validation rules'
docstrings); each :class:`~opencustoms.domain.errors.Problem` points (RFC 6901) at the element
of the submitted declaration to correct. :func:`opencustoms.tariff.calculation.calculate`
collects every problem of every goods item before it raises them together in
:class:`~opencustoms.domain.errors.RuleViolations`.
"""

from __future__ import annotations

from collections.abc import Mapping

from opencustoms.domain.errors import Problem, pointer

UNKNOWN_COMMODITY = "TX601"
COMMODITY_NOT_VALID = "TX602"
COMMODITY_NOT_DECLARABLE = "TX603"
NO_THIRD_COUNTRY_DUTY = "TX604"
QUANTITY_MISSING = "TX605"
PROHIBITED = "TX606"
CONDITION_NOT_MET = "TX607"
NO_EXCHANGE_RATE = "TX608"
NO_MONETARY_RATE = "TX609"
CUSTOMS_VALUE_MISSING = "TX610"
INVOICE_MISSING = "TX611"
COST_MISSING = "TX612"
NEGATIVE_CUSTOMS_VALUE = "TX613"
UNSUPPORTED_EXPRESSION = "TX614"
IMPLAUSIBLE_NUMBER = "TX615"

CATALOGUE: Mapping[str, str] = {
    UNKNOWN_COMMODITY: "The commodity code must exist in the goods nomenclature.",
    COMMODITY_NOT_VALID: "The commodity code must be valid on the date of acceptance.",
    COMMODITY_NOT_DECLARABLE: "The commodity code must be declarable (a leaf of the "
                              "nomenclature), not a heading or subheading.",
    NO_THIRD_COUNTRY_DUTY: "An imported commodity code needs a third-country duty measure in "
                           "force on the date of acceptance.",
    QUANTITY_MISSING: "A quantity that a tariff measure is expressed in must be declared "
                      "(supplementary unit, or a quantity in the measure's unit).",
    PROHIBITED: "The goods are prohibited for this origin and direction on the date of "
                "acceptance.",
    CONDITION_NOT_MET: "A condition of a measure forbids the goods unless a document or "
                       "certificate is presented.",
    NO_EXCHANGE_RATE: "A declared currency needs an exchange rate valid on the date of "
                      "acceptance (UCC art. 53).",
    NO_MONETARY_RATE: "A duty written in another currency needs a conversion rate valid on "
                      "the date of acceptance.",
    CUSTOMS_VALUE_MISSING: "Valuation methods 2 to 6 need the customs value declared on the "
                           "goods item (WTO Valuation Agreement art. 2-7).",
    INVOICE_MISSING: "The transaction value needs the invoice currency (WTO Valuation "
                     "Agreement art. 1).",
    COST_MISSING: "Freight and insurance to the place of entry that the Incoterm leaves to the "
                  "buyer must be declared (WTO Valuation Agreement art. 8.2).",
    NEGATIVE_CUSTOMS_VALUE: "Deductions cannot exceed the price: the customs value of a goods "
                            "item must not be negative.",
    UNSUPPORTED_EXPRESSION: "The duty expression of a measure uses a component the engine "
                            "cannot evaluate (e.g. an agricultural component).",
    IMPLAUSIBLE_NUMBER: "Masses, quantities and amounts must be finite, not negative, and "
                        "below 10^15.",
}
"""Code -> message: what the rule requires, in the words an officer or trader would use."""


def problem(code: str, where: str, detail: str) -> Problem:
    """A problem of catalogue ``code`` at JSON Pointer ``where``."""
    if code not in CATALOGUE:
        raise ValueError(f"unknown tariff problem code {code}")
    return Problem(code, where, detail)


def item_pointer(index: int, *parts: str | int) -> str:
    """Pointer into goods item ``index`` (0-based, as in the submitted JSON)."""
    return pointer("items", index, *parts)

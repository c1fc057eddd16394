"""Request and response schemas of the declaration API (the JSON contract).

Field names are those of ``shared/examples/declaration-*.json``. Amounts, masses and quantities
are decimal strings (never JSON numbers, which lose precision). Unknown fields are refused. The
schema checks shapes and types only; business rules (code lists, sums, conditions) belong to
the validation engine, which reports every violation at once with a pointer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

DecimalString = Annotated[
    str,
    Field(pattern=r"^-?[0-9]{1,15}(\.[0-9]{1,6})?$", examples=["12500.00"],
          description="a decimal number written as a string"),
]
NO_CONTROL = r"^[^\x00-\x1f\x7f]*$"
"""Codes and texts carry no control characters (NUL included): they cannot be printed on a
release note and some databases refuse them."""

Code = Annotated[str, Field(min_length=1, max_length=35, pattern=NO_CONTROL)]
Text = Annotated[str, Field(max_length=512, pattern=NO_CONTROL)]
Count = Annotated[int, Field(strict=True)]
"""Whole numbers must be JSON integers: "10" and true are refused, not coerced."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TraderIn(Strict):
    id: Code | None = None
    name: Text | None = None
    country: Code | None = None


class RepresentativeIn(Strict):
    id: Code
    status: Code | None = Field(None, description="DE 3/21: 2 direct, 3 indirect")


class AmountIn(Strict):
    currency: Code
    amount: DecimalString


class TransportIn(Strict):
    mode_at_border: Code
    means_identity: Text | None = None
    nationality: Code | None = None


class PackageIn(Strict):
    kind: Code
    count: Count = Field(ge=0, le=10_000_000)
    marks: Text | None = None


class DocumentIn(Strict):
    code: Code
    reference: Text


class QuantityIn(Strict):
    unit: Code = Field(description="TARIC measurement unit, e.g. LPA, HLT, NAR, RET")
    qualifier: Code | None = None
    quantity: DecimalString


class GoodsItemIn(Strict):
    sequence: Count
    commodity_code: Code
    description: Text
    country_of_origin: Code | None = None
    procedure: Code
    additional_procedures: list[Code] = Field(default_factory=list, max_length=99)
    preference: Code | None = None
    net_mass: DecimalString
    gross_mass: DecimalString
    supplementary_quantity: DecimalString | None = None
    packages: list[PackageIn] = Field(default_factory=list, max_length=99)
    item_price: DecimalString
    valuation_method: Code | None = None
    documents: list[DocumentIn] = Field(default_factory=list, max_length=99)
    additional_codes: list[Code] = Field(default_factory=list, max_length=99,
                                         description="TARIC additional codes (DE 6/16)")
    quota_order_number: Code | None = Field(None, description="DE 8/1 quota order number")
    quantities: list[QuantityIn] = Field(
        default_factory=list, max_length=20,
        description="quantities in the units tariff measures need beyond net mass and the "
                    "supplementary unit")
    customs_value: DecimalString | None = Field(
        None, description="declared customs value in national currency (valuation methods 2-6)")


class DeclarationIn(Strict):
    """A goods declaration as lodged or amended (full replacement)."""

    lrn: Annotated[str, Field(max_length=70, pattern=NO_CONTROL)]
    type: Literal["IM", "EX", "CO"]
    additional_type: Literal["A", "D"]
    declarant: Code
    representative: RepresentativeIn | None = None
    importer: TraderIn | None = None
    exporter: TraderIn | None = None
    consignee: TraderIn | None = None
    office_of_declaration: Code
    office_of_exit: Code | None = None
    country_of_dispatch: Code | None = None
    country_of_destination: Code | None = None
    incoterm: Code | None = None
    invoice: AmountIn | None = None
    freight: AmountIn | None = None
    insurance: AmountIn | None = None
    deductions: AmountIn | None = Field(
        None, description="costs included in the price that are not part of the customs value")
    transport: TransportIn | None = None
    items: list[GoodsItemIn] = Field(
        description="goods items; more than 999 is refused by rule RL",
    )


class InvalidationIn(Strict):
    reason: Annotated[str, Field(min_length=1, max_length=512, pattern=NO_CONTROL)]


class DeclarationOut(BaseModel):
    channel: str | None = Field(
        None, description="selectivity channel: green, yellow (documents), red (physical), "
                          "blue (post-clearance audit)")
    risk: dict[str, Any] | None = Field(
        None, description="reasons for the channel; shown to the administration only")
    mrn: str
    lrn: str
    type: str
    additional_type: str
    status: str
    version: int
    declarant: str
    received_at: datetime
    accepted_at: datetime
    payload_sha256: str
    declaration: dict[str, Any] = Field(description="the declaration content as registered")
    assessment: dict[str, Any] | None = Field(
        None, description="duties and taxes: customs value, tax lines per item, fees, totals")
    clearance: dict[str, Any] | None = Field(
        None, description="amount due and secured, control and release times, allowed actions")
    links: dict[str, str]


class DeclarationPage(BaseModel):
    items: list[DeclarationOut]
    next_cursor: str | None


class HistoryEntryOut(BaseModel):
    sequence: int
    event: str
    version: int
    status: str
    actor: str
    at: datetime
    detail: dict[str, Any]


class VersionOut(BaseModel):
    version: int
    created_at: datetime
    declaration: dict[str, Any]


class HistoryOut(BaseModel):
    mrn: str
    entries: list[HistoryEntryOut]
    versions: list[VersionOut]


class RuleOut(BaseModel):
    code: str
    family: str
    name: str
    message: str


class CodeListEntryOut(BaseModel):
    code: str
    description: str
    valid_from: str
    valid_to: str | None
    attributes: dict[str, str]


class ProblemDetail(BaseModel):
    code: str
    pointer: str
    detail: str


class Problem(BaseModel):
    """RFC 9457 problem details, with the list of every error found."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    instance: str | None = None
    correlation_id: str | None = None
    errors: list[ProblemDetail] = Field(default_factory=list)

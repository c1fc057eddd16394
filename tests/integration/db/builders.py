"""Small declarations for the store tests, built directly from domain objects."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from opencustoms.adapters.formats.declaration_json import content_to_json
from opencustoms.domain.declaration import (
    LRN,
    AdditionalType,
    Amount,
    Declaration,
    DeclarationContent,
    DeclarationType,
    OfficeCode,
    Representative,
    Trader,
    Transport,
)
from opencustoms.domain.goods import CommodityCode, CountryCode, Document, GoodsItem, Package
from opencustoms.domain.money import CurrencyCode
from opencustoms.domain.mrn import MRN, new_mrn
from opencustoms.domain.parties import PartyId
from opencustoms.domain.workflow import Status

TRADER = PartyId("XX100000000001")
OTHER_TRADER = PartyId("XX100000000002")
BROKER = PartyId("XX200000000001")
T0 = datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=UTC)


def item(sequence: int, code: str = "8517130000") -> GoodsItem:
    return GoodsItem(
        sequence=sequence,
        commodity_code=CommodityCode(code),
        description=f"Goods line {sequence}",
        procedure="4000",
        net_mass=Decimal("12.500"),
        gross_mass=Decimal("15.000"),
        item_price=Decimal("12500.00"),
        country_of_origin=CountryCode("CN"),
        additional_procedures=("C07",),
        preference="100",
        supplementary_quantity=Decimal("100"),
        packages=(Package("CT", 10, "ACME 1-10"),),
        valuation_method="1",
        documents=(Document("N935", "INV-2026-118"),),
    )


def content(lrn: str = "LRN-0001", *, declarant: PartyId = TRADER,
            type_: DeclarationType = DeclarationType.IMPORT,
            codes: tuple[str, ...] = ("8517130000",),
            representative: PartyId | None = None) -> DeclarationContent:
    return DeclarationContent(
        lrn=LRN(lrn),
        type=type_,
        additional_type=AdditionalType.STANDARD,
        declarant=declarant,
        office_of_declaration=OfficeCode("XX000100"),
        items=tuple(item(n, code) for n, code in enumerate(codes, start=1)),
        representative=None if representative is None else Representative(representative, "2"),
        importer=Trader(declarant, "Acme Imports", CountryCode("XX")),
        exporter=Trader(None, "Shenzhen Widget Co", CountryCode("CN")),
        country_of_dispatch=CountryCode("CN"),
        incoterm="FOB",
        invoice=Amount(CurrencyCode("USD"), Decimal("12500.00")),
        freight=Amount(CurrencyCode("USD"), Decimal("800.00")),
        insurance=Amount(CurrencyCode("USD"), Decimal("50.125")),
        transport=Transport("1", "IMO9321483", CountryCode("PA")),
    )


def declaration(lrn: str = "LRN-0001", *, at: datetime = T0, serial: str | None = None,
                status: Status | None = None, declarant: PartyId = TRADER,
                type_: DeclarationType = DeclarationType.IMPORT,
                codes: tuple[str, ...] = ("8517130000",),
                representative: PartyId | None = None) -> Declaration:
    """An accepted declaration with its pending ``accepted`` event."""
    declared = content(lrn, declarant=declarant, type_=type_, codes=codes,
                       representative=representative)
    mrn = new_mrn(at, "XX", declared.type.value, serial)
    accepted = Declaration.accept(mrn, declared, received_at=at, accepted_at=at,
                                  payload_sha256="ab" * 32, actor=declared.declarant)
    if status is not None:
        accepted.status = status
    return accepted


def document(declaration: Declaration) -> dict[str, object]:
    return content_to_json(declaration.content)


def serial(n: int) -> str:
    """A 12-character MRN serial number from an integer."""
    return f"{n:012d}"


def mrn_for(n: int, at: datetime = T0) -> MRN:
    return new_mrn(at, "XX", "IM", serial(n))

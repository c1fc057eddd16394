"""Mapping between the JSON declaration contract and :class:`DeclarationContent`.

The contract is ``shared/examples/declaration-*.json``: amounts, masses and quantities are
decimal strings, codes are strings. The input dict must already have passed the API schema (types
checked); business rules are the validation engine's job.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

from opencustoms.adapters.formats.json_text import canonical_json_bytes
from opencustoms.domain.declaration import (
    LRN,
    AdditionalType,
    Amount,
    DeclarationContent,
    DeclarationType,
    OfficeCode,
    Representative,
    Trader,
    Transport,
)
from opencustoms.domain.goods import (
    CommodityCode,
    CountryCode,
    Document,
    GoodsItem,
    Package,
    Quantity,
)
from opencustoms.domain.money import CurrencyCode
from opencustoms.domain.parties import PartyId
from opencustoms.services.lodgement import Submission

Json = dict[str, Any]


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def submission(document: Json, payload: bytes | None = None) -> Submission:
    """A schema-checked declaration document as lodgement and amendment take it: its content,
    the document, the SHA-256 of the payload as received (of the document's canonical JSON
    when there was no payload, e.g. simulated or seeded declarations) and of its canonical
    JSON (what idempotency compares)."""
    canonical = canonical_json_bytes(document)
    return Submission(content_from_json(document), document,
                      sha256_hex(canonical if payload is None else payload),
                      sha256_hex(canonical))


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _trader(data: Json | None) -> Trader | None:
    if data is None:
        return None
    return Trader(
        id=PartyId(data["id"]) if data.get("id") else None,
        name=data.get("name"),
        country=CountryCode(data["country"]) if data.get("country") else None,
    )


def _amount(data: Json | None) -> Amount | None:
    if data is None:
        return None
    return Amount(CurrencyCode(data["currency"]), Decimal(str(data["amount"])))


def _item(data: Json) -> GoodsItem:
    return GoodsItem(
        sequence=int(data["sequence"]),
        commodity_code=CommodityCode(data["commodity_code"]),
        description=data["description"],
        procedure=data["procedure"],
        net_mass=Decimal(str(data["net_mass"])),
        gross_mass=Decimal(str(data["gross_mass"])),
        item_price=Decimal(str(data["item_price"])),
        country_of_origin=CountryCode(data["country_of_origin"])
        if data.get("country_of_origin") else None,
        additional_procedures=tuple(data.get("additional_procedures") or ()),
        preference=data.get("preference"),
        supplementary_quantity=_dec(data.get("supplementary_quantity")),
        packages=tuple(
            Package(p["kind"], int(p["count"]), p.get("marks")) for p in data.get("packages") or ()
        ),
        valuation_method=data.get("valuation_method"),
        documents=tuple(Document(d["code"], d["reference"]) for d in data.get("documents") or ()),
        additional_codes=tuple(data.get("additional_codes") or ()),
        quota_order_number=data.get("quota_order_number"),
        quantities=tuple(Quantity(q["unit"], Decimal(str(q["quantity"])), q.get("qualifier"))
                         for q in data.get("quantities") or ()),
        customs_value=_dec(data.get("customs_value")),
    )


def content_from_json(data: Json) -> DeclarationContent:
    """Build the domain content from a schema-checked JSON document."""
    rep = data.get("representative")
    transport = data.get("transport")
    return DeclarationContent(
        lrn=LRN(data["lrn"]),
        type=DeclarationType(data["type"]),
        additional_type=AdditionalType(data["additional_type"]),
        declarant=PartyId(data["declarant"]),
        office_of_declaration=OfficeCode(data["office_of_declaration"]),
        items=tuple(_item(i) for i in data["items"]),
        representative=Representative(PartyId(rep["id"]), rep.get("status")) if rep else None,
        importer=_trader(data.get("importer")),
        exporter=_trader(data.get("exporter")),
        consignee=_trader(data.get("consignee")),
        office_of_exit=OfficeCode(data["office_of_exit"]) if data.get("office_of_exit") else None,
        country_of_dispatch=data.get("country_of_dispatch"),
        country_of_destination=data.get("country_of_destination"),
        incoterm=data.get("incoterm"),
        invoice=_amount(data.get("invoice")),
        freight=_amount(data.get("freight")),
        insurance=_amount(data.get("insurance")),
        deductions=_amount(data.get("deductions")),
        transport=Transport(transport["mode_at_border"], transport.get("means_identity"),
                            transport.get("nationality")) if transport else None,
    )


def _drop_none(data: Json) -> Json:
    return {k: v for k, v in data.items() if v is not None}


def _trader_json(trader: Trader | None) -> Json | None:
    if trader is None:
        return None
    return _drop_none({"id": trader.id, "name": trader.name, "country": trader.country})


def _amount_json(amount: Amount | None) -> Json | None:
    return None if amount is None else {"currency": amount.currency, "amount": str(amount.amount)}


def _item_json(item: GoodsItem) -> Json:
    return _drop_none({
        "sequence": item.sequence,
        "commodity_code": item.commodity_code,
        "description": item.description,
        "country_of_origin": item.country_of_origin,
        "procedure": item.procedure,
        "additional_procedures": list(item.additional_procedures),
        "preference": item.preference,
        "net_mass": str(item.net_mass),
        "gross_mass": str(item.gross_mass),
        "supplementary_quantity": None if item.supplementary_quantity is None
        else str(item.supplementary_quantity),
        "packages": [_drop_none({"kind": p.kind, "count": p.count, "marks": p.marks})
                     for p in item.packages],
        "item_price": str(item.item_price),
        "valuation_method": item.valuation_method,
        "documents": [{"code": d.code, "reference": d.reference} for d in item.documents],
        "additional_codes": list(item.additional_codes) or None,
        "quota_order_number": item.quota_order_number,
        "quantities": [_drop_none({"unit": q.unit, "qualifier": q.qualifier,
                                   "quantity": str(q.value)}) for q in item.quantities] or None,
        "customs_value": None if item.customs_value is None else str(item.customs_value),
    })


def content_to_json(content: DeclarationContent) -> Json:
    """The JSON document of a declaration's content, in the contract's field names."""
    rep = content.representative
    transport = content.transport
    return _drop_none({
        "lrn": content.lrn,
        "type": content.type.value,
        "additional_type": content.additional_type.value,
        "declarant": content.declarant,
        "representative": None if rep is None else _drop_none({"id": rep.id, "status": rep.status}),
        "importer": _trader_json(content.importer),
        "exporter": _trader_json(content.exporter),
        "consignee": _trader_json(content.consignee),
        "office_of_declaration": content.office_of_declaration,
        "office_of_exit": content.office_of_exit,
        "country_of_dispatch": content.country_of_dispatch,
        "country_of_destination": content.country_of_destination,
        "incoterm": content.incoterm,
        "invoice": _amount_json(content.invoice),
        "freight": _amount_json(content.freight),
        "insurance": _amount_json(content.insurance),
        "deductions": _amount_json(content.deductions),
        "transport": None if transport is None else _drop_none({
            "mode_at_border": transport.mode_at_border,
            "means_identity": transport.means_identity,
            "nationality": transport.nationality,
        }),
        "items": [_item_json(i) for i in content.items],
    })

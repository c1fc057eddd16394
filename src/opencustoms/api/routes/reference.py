"""Reference data endpoints: the rule catalogue and the jurisdiction's code lists."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from opencustoms.api.deps import CurrentParty, Reference
from opencustoms.api.schemas import CodeListEntryOut, RuleOut
from opencustoms.domain.errors import NotFound
from opencustoms.domain.reference import CodeList, CodeListEntry, Validity
from opencustoms.validation.engine import catalogue

router = APIRouter(prefix="/api/v1/reference", tags=["reference"])


def _validity(validity: Validity) -> dict[str, str | None]:
    return {"valid_from": validity.start.isoformat(),
            "valid_to": None if validity.end is None else validity.end.isoformat()}


def _entry(entry: CodeListEntry) -> CodeListEntryOut:
    return CodeListEntryOut(code=entry.code, description=entry.description,
                            attributes=dict(entry.attributes), **_validity(entry.validity))


@router.get("/rules", response_model=list[RuleOut], summary="The format-logical rule catalogue")
def rules(_: CurrentParty) -> list[RuleOut]:
    return [RuleOut(code=r.code, family=r.family.value, name=r.name, message=r.message)
            for r in catalogue()]


@router.get("/nomenclature", summary="Goods nomenclature nodes under a code prefix")
def nomenclature(
    reference: Reference, _: CurrentParty,
    prefix: Annotated[str, Query(pattern=r"^[0-9]{0,10}$")] = "",
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[dict[str, Any]]:
    codes = sorted(c for c in reference.nomenclature if c.startswith(prefix))[:limit]
    return [
        {"code": c.code, "description": c.description, "parent": c.parent,
         "declarable": c.declarable, "supplementary_unit": c.supplementary_unit,
         **_validity(c.validity)}
        for code in codes for c in reference.nomenclature[code]
    ]


@router.get("/offices", summary="Customs offices")
def offices(reference: Reference, _: CurrentParty) -> list[dict[str, Any]]:
    return [{"code": o.code, "name": o.name, "country": o.country, "roles": sorted(o.roles),
             **_validity(o.validity)}
            for code in sorted(reference.offices) for o in reference.offices[code]]


@router.get("/exchange-rates", summary="Exchange rates: units of currency per national unit")
def exchange_rates(reference: Reference, _: CurrentParty,
                   currency: str | None = None) -> list[dict[str, Any]]:
    currencies = [currency] if currency else sorted(reference.exchange_rates)
    return [{"currency": r.currency, "rate": str(r.rate), **_validity(r.validity)}
            for code in currencies for r in reference.exchange_rates.get(code, [])]


@router.get("/{list_name}", response_model=list[CodeListEntryOut],
            summary="One code list of the jurisdiction")
def code_list(list_name: str, reference: Reference, _: CurrentParty) -> list[CodeListEntryOut]:
    if list_name not in {c.value for c in CodeList}:
        known = ", ".join(sorted([*(c.value for c in CodeList), "rules", "nomenclature",
                                  "offices", "exchange-rates"]))
        raise NotFound(f"no code list '{list_name}'; known lists: {known}",
                       code="reference.unknown-list", pointer="")
    entries = reference.codes(list_name)
    return [_entry(e) for code in sorted(entries) for e in entries[code]]

"""Clearance endpoints (issue 5): the officers' task queue, claims, control results, release
and refusal; documents presented by traders; signed release notes; release-time statistics."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query
from pydantic import AwareDatetime, Field

from opencustoms.api.deps import CurrentParty, Services
from opencustoms.api.responses import CompactJSONResponse
from opencustoms.api.routes.declarations import (
    ERRORS,
    answer,
    decode_cursor,
    encode_cursor,
    instant,
    mrn_of,
    version_header,
)
from opencustoms.api.schemas import NO_CONTROL, AmountIn, Code, DocumentIn, Strict, Text
from opencustoms.domain.control import ControlKind
from opencustoms.domain.errors import InvalidInput, NotFound
from opencustoms.domain.money import minor_digits_of
from opencustoms.services import clearance, queries, release_stats

router = APIRouter(prefix="/api/v1", tags=["clearance"])

IfMatch = Annotated[str | None, Header()]


class InspectionIn(Strict):
    instructions: Annotated[str, Field(max_length=2000, pattern=NO_CONTROL)] = ""


class ControlResultIn(Strict):
    kind: ControlKind
    irregularity: bool
    findings: Annotated[str, Field(min_length=1, max_length=4000, pattern=NO_CONTROL)]
    extra_duty: AmountIn | None = Field(
        None, description="extra duty and taxes the control assessed, in the jurisdiction's "
                          "currency")
    corrections: dict[Annotated[str, Field(max_length=200, pattern=r"^(/[^/]*)+$")],
                      Text] = Field(default_factory=dict,
                                    description="corrected values by JSON Pointer into the "
                                                "declaration")


class DecisionIn(Strict):
    reason: Annotated[str, Field(min_length=1, max_length=2000, pattern=NO_CONTROL)]


class ReleaseIn(Strict):
    """Release takes no values; unknown fields are refused like everywhere else."""


class DocumentsIn(Strict):
    documents: Annotated[list[DocumentIn], Field(min_length=1, max_length=99)]


def _extra_duty(services: Services, amount: AmountIn | None) -> Decimal:
    if amount is None:
        return Decimal(0)
    currency = services.reference().jurisdiction.currency
    if amount.currency != currency:
        raise InvalidInput("control.currency", "/extra_duty/currency",
                           f"extra duty must be stated in {currency}")
    value = Decimal(amount.amount)
    if value < 0:
        raise InvalidInput("control.negative-amount", "/extra_duty/amount",
                           "extra duty cannot be negative")
    minor = services.reference().minor_unit(currency)
    if minor_digits_of(value) > minor:
        raise InvalidInput("control.amount-precision", "/extra_duty/amount",
                           f"{currency} amounts have at most {minor} decimals")
    return value


# --- tasks -------------------------------------------------------------------------------------


@router.get("/tasks", responses=ERRORS, summary="The officer's control queue, oldest first")
def list_tasks(services: Services, party: CurrentParty,
               office: Annotated[str | None, Query(max_length=16)] = None,
               cursor: Annotated[str | None, Query(max_length=200)] = None,
               limit: Annotated[int, Query(ge=1, le=200)] = 50) -> CompactJSONResponse:
    found = clearance.tasks(services, party, office=office, after=decode_cursor(cursor),
                            limit=limit)
    items = [_task(d, party) for d in found]
    next_cursor = encode_cursor(found[-1]) if len(found) == limit else None
    return CompactJSONResponse({"items": items, "next_cursor": next_cursor})


def _task(declaration: Any, party: Any) -> dict[str, Any]:
    risk = declaration.risk
    reasons = [] if risk is None else [
        {"kind": r.kind, "detail": r.detail, "profile": r.profile, "version": r.version,
         "channel": None if r.channel is None else r.channel.value,
         "instructions": r.instructions, "items": list(r.items)} for r in risk.reasons]
    return {
        "mrn": declaration.mrn, "lrn": declaration.content.lrn,
        "declarant": declaration.content.declarant,
        "office": declaration.content.office_of_declaration,
        "status": declaration.status.value, "version": declaration.version,
        "channel": declaration.channel.value, "accepted_at": instant(declaration.accepted_at),
        "claimed_by": declaration.claimed_by,
        "claimed_at": None if declaration.claimed_at is None
        else instant(declaration.claimed_at),
        "reasons": reasons,
        "instructions": [r["instructions"] for r in reasons if r["instructions"]],
        "links": {"declaration": f"/api/v1/declarations/{declaration.mrn}"},
    }


@router.post("/tasks/{mrn}/claim", responses=ERRORS, summary="Take a control task")
def claim_task(mrn: str, services: Services, party: CurrentParty,
               if_match: IfMatch = None) -> CompactJSONResponse:
    declaration = clearance.claim(services, party, mrn_of(mrn), version_header(if_match))
    return CompactJSONResponse(_task(declaration, party))


# --- officers' actions on a declaration -----------------------------------------------------


@router.post("/declarations/{mrn}/inspection", responses=ERRORS,
             summary="Order a physical control")
def order_inspection(mrn: str, body: InspectionIn, services: Services, party: CurrentParty,
                     if_match: IfMatch = None) -> CompactJSONResponse:
    declaration = clearance.start_inspection(services, party, mrn_of(mrn), body.instructions,
                                             version_header(if_match))
    return answer(declaration, party)


@router.post("/declarations/{mrn}/control-results", status_code=201, responses=ERRORS,
             summary="Record the result of a documentary or physical control")
def record_control_result(mrn: str, body: ControlResultIn, services: Services,
                          party: CurrentParty, if_match: IfMatch = None) -> CompactJSONResponse:
    findings = clearance.ControlFindings(body.kind, body.irregularity, body.findings,
                                         _extra_duty(services, body.extra_duty),
                                         dict(body.corrections))
    declaration = clearance.record_control_result(services, party, mrn_of(mrn), findings,
                                                  version_header(if_match))
    return answer(declaration, party, status=201)


@router.get("/declarations/{mrn}/control-results", responses=ERRORS,
            summary="Control results recorded for a declaration")
def list_control_results(mrn: str, services: Services, party: CurrentParty) -> CompactJSONResponse:
    results = clearance.control_results(services, party, mrn_of(mrn))
    return CompactJSONResponse({"items": [
        {"kind": r.kind.value, "officer": r.officer if party.is_administration else None,
         "recorded_at": instant(r.recorded_at), "irregularity": r.irregularity,
         "findings": r.findings, "extra_duty": {"amount": str(r.extra_duty),
                                                "currency": r.currency},
         "corrections": r.corrections} for r in results]})


@router.post("/declarations/{mrn}/release", responses=ERRORS, summary="Release the goods")
def release_goods(mrn: str, body: ReleaseIn, services: Services, party: CurrentParty,
                  if_match: IfMatch = None) -> CompactJSONResponse:
    declaration = clearance.release(services, party, mrn_of(mrn), version_header(if_match))
    return answer(declaration, party)


@router.post("/declarations/{mrn}/refusal", responses=ERRORS, summary="Refuse release")
def refuse_release(mrn: str, body: DecisionIn, services: Services, party: CurrentParty,
                   if_match: IfMatch = None) -> CompactJSONResponse:
    declaration = clearance.refuse(services, party, mrn_of(mrn), body.reason,
                                   version_header(if_match))
    return answer(declaration, party)


# --- the trader's side --------------------------------------------------------------------------


@router.post("/declarations/{mrn}/documents", responses=ERRORS,
             summary="Present documents for a documentary control")
def submit_documents(mrn: str, body: DocumentsIn, services: Services, party: CurrentParty,
                     if_match: IfMatch = None) -> CompactJSONResponse:
    documents = tuple({k: v for k, v in d.model_dump(exclude_none=True).items()}
                      for d in body.documents)
    declaration = clearance.submit_documents(services, party, mrn_of(mrn), documents,
                                             version_header(if_match))
    return answer(declaration, party)


@router.get("/declarations/{mrn}/release-note", responses=ERRORS,
            summary="The signed release note of a released declaration")
def get_release_note(mrn: str, services: Services, party: CurrentParty) -> CompactJSONResponse:
    declaration = queries.get_declaration(services, mrn_of(mrn), party)
    if declaration.release_note is None:
        raise NotFound(f"declaration {declaration.mrn} has not been released",
                       code="release-note.not-found")
    return CompactJSONResponse(declaration.release_note)


# --- statistics -------------------------------------------------------------------------------


@router.get("/stats/release-times", responses=ERRORS,
            summary="Median and 90th percentile release times per channel and office")
def release_times(services: Services, party: CurrentParty,
                  released_from: Annotated[AwareDatetime | None, Query(alias="from")] = None,
                  released_to: Annotated[AwareDatetime | None, Query(alias="to")] = None,
                  office: Annotated[Code | None, Query()] = None) -> CompactJSONResponse:
    report = release_stats.release_times(services, party, released_from, released_to, office)
    return CompactJSONResponse(report)


"""Tariff endpoints: estimate duties and taxes, look up a commodity's measures, search."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from opencustoms.adapters.formats.assessment_json import assessment_to_json
from opencustoms.adapters.formats.declaration_json import content_from_json
from opencustoms.api.deps import CurrentParty, Services
from opencustoms.api.schemas import DeclarationIn, Problem
from opencustoms.services.estimate import commodity_measures, estimate
from opencustoms.tariff.expressions import format_expression
from opencustoms.tariff.model import Measure, MeasureCondition
from opencustoms.tariff.search import NomenclatureIndex

router = APIRouter(prefix="/api/v1/tariff", tags=["tariff"])

ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "content": {"application/problem+json": {}}}
    for status in (400, 401, 404, 413, 415, 422)
}


@router.post("/calculations", responses=ERRORS, summary="Estimate duties and taxes")
async def calculation(body: DeclarationIn, services: Services, _: CurrentParty,
                      on: Annotated[date | None, Query(alias="date")] = None) -> dict[str, Any]:
    """Validate and calculate a declaration-shaped body as if accepted on ``date`` (default
    today). Nothing is stored and no quota is drawn; the answer is the assessment that
    lodging would give, with its explanation."""
    content = content_from_json(body.model_dump(mode="json", exclude_none=True))
    day = on or services.clock.now().date()
    assessment = await run_in_threadpool(estimate, services, content, day)
    return assessment_to_json(assessment)


def _condition(condition: MeasureCondition) -> dict[str, Any]:
    return {
        "code": condition.code, "sequence": condition.sequence, "action": condition.action,
        "document": condition.document,
        "threshold": None if condition.threshold is None else str(condition.threshold),
        "threshold_unit": condition.threshold_unit,
        "rate": format_expression(condition.components) if condition.components else None,
    }


def _measure(measure: Measure) -> dict[str, Any]:
    return {
        "sid": measure.sid, "measure_type": measure.type.id,
        "description": measure.type.description, "kind": measure.type.kind.value,
        "declared_on": measure.commodity,
        "origin": {"id": measure.area.id, "description": measure.area.description},
        "excluded": sorted(measure.excluded),
        "rate": format_expression(measure.components) if measure.components else None,
        "additional_code": measure.additional_code, "quota": measure.quota,
        "conditions": [_condition(c) for c in measure.conditions],
        "valid_from": measure.validity.start.isoformat(),
        "valid_to": None if measure.validity.end is None else measure.validity.end.isoformat(),
    }


@router.get("/commodities/{code}", responses=ERRORS,
            summary="A commodity code with its ancestors and the measures in force")
def commodity(code: str, services: Services, _: CurrentParty,
              on: Annotated[date | None, Query(alias="date")] = None,
              origin: Annotated[str | None, Query(pattern=r"^[A-Z]{2}$")] = None,
              ) -> dict[str, Any]:
    day = on or services.clock.now().date()
    found = commodity_measures(services, code, day, origin)
    node = found.commodity
    return {
        "code": node.code, "description": node.description, "declarable": node.declarable,
        "supplementary_unit": node.supplementary_unit, "date": day.isoformat(),
        "ancestors": [{"code": a.code, "description": a.description} for a in found.ancestors],
        "measures": [_measure(m) for m in found.measures],
    }


@router.get("/search", responses=ERRORS, summary="Full-text search of the nomenclature")
def search(request: Request, _: CurrentParty,
           q: Annotated[str, Query(min_length=1, max_length=200)],
           limit: Annotated[int, Query(ge=1, le=100)] = 20,
           on: Annotated[date | None, Query(alias="date")] = None) -> list[dict[str, Any]]:
    """Nomenclature nodes whose descriptions match ``q``, best first (BM25 ranking); digits
    search by code prefix."""
    index: NomenclatureIndex = request.app.state.search
    return [{"code": h.code, "description": h.description, "declarable": h.declarable,
             "score": round(h.score, 4)} for h in index.search(q, on=on, limit=limit)]

"""Risk profile endpoints: write, change, read and backtest profiles (issue 4, items 1 and 5).

Risk analysts and administrators write and backtest; officers read; traders get 403 on every
path here. The schemas check shapes and types; the profile's business rules (known fields,
operators, thresholds, validity, weight) are the risk engine's, reported as 422 problems with
JSON Pointers into the body.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from opencustoms.api.deps import CurrentParty, Services
from opencustoms.api.schemas import Problem, Strict
from opencustoms.domain.errors import DomainError, NotFound
from opencustoms.domain.parties import Party
from opencustoms.risk.criteria import OPERATORS
from opencustoms.risk.profiles import PROFILE_ID_SHAPE, RiskProfile, RiskProfileId
from opencustoms.services import risk_profiles as service

router = APIRouter(prefix="/api/v1/risk", tags=["risk"])
PROFILES = "/api/v1/risk/profiles"

ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "content": {"application/problem+json": {}}}
    for status in (400, 401, 403, 404, 409, 413, 415, 422)
}


async def analyst(party: CurrentParty) -> Party:
    """Refuse non-analysts before their body is even read."""
    service.require_analyst(party)
    return party


async def administration(party: CurrentParty) -> Party:
    service.require_administration(party)
    return party


Analyst = Annotated[Party, Depends(analyst)]
Administration = Annotated[Party, Depends(administration)]


class ProfileIn(Strict):
    """A whole profile definition (PUT replaces it all, as the next version)."""

    name: str = Field(examples=["Bicycles from CN/VN by non-AEO declarants"])
    description: str = ""
    criteria: dict[str, Any] = Field(
        description="expression tree: {all|any: [...]}, {not: …}, {field, op, value}; "
                    "fields and operators at GET /api/v1/risk/fields",
        examples=[{"all": [
            {"field": "item.commodity_code", "op": "starts_with", "value": "8712"},
            {"field": "item.origin", "op": "in", "value": ["CN", "VN"]},
            {"not": {"field": "declarant.aeo", "op": "eq", "value": True}}]}])
    valid_from: date
    valid_to: date | None = Field(None, description="last day in force; null: open-ended")
    channel: str = Field(description="yellow (documentary control) or red (physical control)")
    instructions: str = Field(description="what the officer is to check")
    weight: Decimal = Field(description="0 to 100")
    active: bool = True


class BacktestIn(Strict):
    from_: date | None = Field(None, alias="from", description="first date of acceptance; "
                               "default: the 12 calendar months up to 'to'")
    to: date | None = Field(None, description="last date of acceptance; default today")
    draft: ProfileIn | None = Field(None, description="a profile to test instead, unsaved")


class VersionRef(BaseModel):
    version: int
    created_by: str
    created_at: datetime
    link: str


class ProfileVersionOut(BaseModel):
    id: str
    version: int
    name: str
    description: str
    criteria: dict[str, Any]
    valid_from: date
    valid_to: date | None
    channel: str
    instructions: str
    weight: float
    active: bool
    created_by: str
    created_at: datetime
    links: dict[str, str]


class ProfileOut(ProfileVersionOut):
    versions: list[VersionRef]


class ProfileList(BaseModel):
    items: list[ProfileVersionOut]


class FieldOut(BaseModel):
    name: str
    type: str
    level: str
    operators: list[str]
    description: str


class FiguresOut(BaseModel):
    declarations: int
    hits: int
    hit_share: float | None
    controlled: int
    irregularities: int
    hit_rate: float | None
    extra_workload: int


class MonthOut(FiguresOut):
    month: str


class BacktestOut(BaseModel):
    profile: str | None
    version: int | None
    draft: bool
    from_: date = Field(alias="from")
    to: date
    months: list[MonthOut]
    total: FiguresOut


def _version_out(profile: RiskProfile) -> dict[str, Any]:
    document = profile.definition.to_json()
    path = f"{PROFILES}/{profile.id}"
    return {**document, "id": profile.id, "version": profile.version,
            "weight": float(profile.definition.weight), "created_by": profile.created_by,
            "created_at": profile.created_at,
            "links": {"self": f"{path}/versions/{profile.version}", "profile": path,
                      "backtest": f"{path}/backtest"}}


def _profile_out(history: service.ProfileHistory, response: Response) -> ProfileOut:
    response.headers["ETag"] = f'"{history.current.version}"'
    refs = [VersionRef(version=v.version, created_by=v.created_by, created_at=v.created_at,
                       link=f"{PROFILES}/{v.id}/versions/{v.version}") for v in history.versions]
    return ProfileOut(**_version_out(history.current), versions=refs)


def _profile_id(value: str) -> RiskProfileId:
    """The id from the path; anything that cannot be a profile id is simply not found."""
    if not PROFILE_ID_SHAPE.match(value.upper()):
        raise NotFound(f"no risk profile {value[:40]!r}", code="risk.profile.not-found")
    return RiskProfileId(value.upper())


def _expected_version(if_match: str | None) -> int | None:
    """``If-Match: "3"`` (or ``3``) asks to change the profile only if it is at version 3."""
    if if_match is None:
        return None
    value = if_match.strip().removeprefix("W/").strip('"')
    if not value.isdigit():
        raise DomainError('If-Match must carry the profile version, e.g. "3"',
                          code="request.if-match")
    return int(value)


def _definition(body: ProfileIn) -> dict[str, Any]:
    return body.model_dump(mode="python")


@router.get("/fields", response_model=list[FieldOut], responses=ERRORS,
            summary="The fields and operators risk criteria may use")
def fields(party: Administration) -> list[FieldOut]:
    return [FieldOut(name=f.name, type=f.type.value,
                     level="item" if f.item_level else "declaration",
                     operators=[o.value for o in OPERATORS[f.type]], description=f.description)
            for f in service.field_catalogue(party)]


@router.post("/profiles", status_code=201, response_model=ProfileOut, responses=ERRORS,
             summary="Write a new risk profile (version 1)")
def create_profile(body: ProfileIn, response: Response, services: Services,
                   party: Analyst) -> ProfileOut:
    history = service.create_profile(services, _definition(body), party)
    response.headers["Location"] = f"{PROFILES}/{history.current.id}"
    return _profile_out(history, response)


@router.get("/profiles", response_model=ProfileList, responses=ERRORS,
            summary="Every risk profile, in its current version")
def list_profiles(services: Services, party: Administration) -> ProfileList:
    return ProfileList(items=[ProfileVersionOut(**_version_out(p))
                              for p in service.list_profiles(services, party)])


@router.get("/profiles/{profile_id}", response_model=ProfileOut, responses=ERRORS,
            summary="A risk profile: its current version and the list of versions")
def get_profile(profile_id: str, response: Response, services: Services,
                party: Administration) -> ProfileOut:
    return _profile_out(service.get_profile(services, _profile_id(profile_id), party), response)


@router.put("/profiles/{profile_id}", response_model=ProfileOut, responses=ERRORS,
            summary="Change a risk profile: the body becomes its next version")
def change_profile(profile_id: str, body: ProfileIn, response: Response, services: Services,
                   party: Analyst,
                   if_match: Annotated[str | None, Header()] = None) -> ProfileOut:
    """Older versions stay readable; with ``If-Match: "n"`` the change is refused (409) unless
    the profile is still at version n."""
    history = service.change_profile(services, _profile_id(profile_id), _definition(body),
                                     party, _expected_version(if_match))
    return _profile_out(history, response)


@router.get("/profiles/{profile_id}/versions/{version}", response_model=ProfileVersionOut,
            responses=ERRORS, summary="One version of a risk profile")
def get_profile_version(profile_id: str, version: int, services: Services,
                        party: Administration) -> ProfileVersionOut:
    found = service.get_profile_version(services, _profile_id(profile_id), version, party)
    return ProfileVersionOut(**_version_out(found))


@router.post("/profiles/{profile_id}/backtest", response_model=BacktestOut, responses=ERRORS,
             summary="Run a profile (or a draft of its next version) over stored history")
async def backtest_profile(profile_id: str, services: Services, party: Analyst,
                           body: BacktestIn | None = None) -> BacktestOut:
    """Per month of acceptance: declarations, hits, hit share, controlled hits and hit rate,
    and the extra workload (hits no other profile in force would have selected)."""
    body = body or BacktestIn()
    draft = None if body.draft is None else _definition(body.draft)
    report = await run_in_threadpool(
        service.backtest_profile, services, party, _profile_id(profile_id),
        start=body.from_, end=body.to, draft=draft)
    return BacktestOut.model_validate(report.to_json())


@router.post("/backtests", response_model=BacktestOut, responses=ERRORS,
             summary="Run a new, unsaved profile over stored history")
async def backtest_draft(body: BacktestIn, services: Services, party: Analyst) -> BacktestOut:
    if body.draft is None:
        raise DomainError("send the profile to test as 'draft'", code="request.schema",
                          pointer="/draft")
    report = await run_in_threadpool(
        service.backtest_draft, services, party, _definition(body.draft),
        start=body.from_, end=body.to)
    return BacktestOut.model_validate(report.to_json())

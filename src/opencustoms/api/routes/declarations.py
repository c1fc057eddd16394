"""Declaration endpoints: lodge, read, list, amend, invalidate, history (issue 2, item 7)."""

from __future__ import annotations

import base64
import binascii
import functools
import re
from datetime import UTC, datetime
from typing import Annotated, Any

import anyio
import anyio.to_thread
from fastapi import APIRouter, Header, Query, Request
from pydantic import AwareDatetime
from starlette.concurrency import run_in_threadpool

from opencustoms.adapters.formats.assessment_json import assessment_to_json
from opencustoms.adapters.formats.declaration_json import content_to_json, submission
from opencustoms.adapters.formats.risk_json import risk_to_json
from opencustoms.api.deps import CurrentParty, Services, TraderSide
from opencustoms.api.responses import CompactJSONResponse
from opencustoms.api.schemas import (
    DeclarationIn,
    DeclarationOut,
    DeclarationPage,
    HistoryEntryOut,
    HistoryOut,
    InvalidationIn,
    Problem,
    VersionOut,
)
from opencustoms.domain.declaration import Declaration, DeclarationType
from opencustoms.domain.errors import DomainError, NotFound
from opencustoms.domain.mrn import MRN
from opencustoms.domain.parties import Party
from opencustoms.domain.workflow import Status, allowed_actions
from opencustoms.services import amendment, lodgement, queries
from opencustoms.services.ports import DeclarationQuery

router = APIRouter(prefix="/api/v1/declarations", tags=["declarations"])

ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "content": {"application/problem+json": {}}}
    for status in (400, 401, 403, 404, 409, 413, 415, 422)
}


async def _submission(request: Request, body: DeclarationIn) -> lodgement.Submission:
    return submission(body.model_dump(mode="json", exclude_none=True), await request.body())


def _lodging(request: Request) -> anyio.CapacityLimiter:
    """The lodgements this process runs at once (``Settings.lodgement_concurrency``): they all
    need the interpreter lock and, on SQLite, the one write lock, so more of them in flight in
    one process only add switching between threads (measured: ~1 ms of CPU per lodgement under
    load). The others wait here, without a thread; the event loop goes on serving."""
    state = request.app.state
    limiter: anyio.CapacityLimiter | None = getattr(state, "lodging", None)
    if limiter is None:  # made on first use: it belongs to the running event loop
        limiter = state.lodging = anyio.CapacityLimiter(
            getattr(state, "lodgements_at_once", 1))
    return limiter


def instant(at: datetime) -> str:
    """UTC instants as JSON writes them everywhere in the API: ``…T16:17:03.437447Z``."""
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _document(declaration: Declaration, party: Party) -> dict[str, Any]:
    """The :class:`DeclarationOut` shape as plain JSON values, built once. Everyone sees the
    channel; only the administration sees the reasons (profiles, scores): a trader never
    learns the criteria that selected it."""
    content = declaration.content
    path = f"/api/v1/declarations/{declaration.mrn}"
    risk = declaration.risk
    return {
        "channel": None if risk is None else risk.channel.value,
        "risk": risk_to_json(risk) if risk is not None and party.is_administration else None,
        "mrn": declaration.mrn, "lrn": content.lrn, "type": content.type.value,
        "additional_type": content.additional_type.value,
        "status": declaration.status.value, "version": declaration.version,
        "declarant": content.declarant, "received_at": instant(declaration.received_at),
        "accepted_at": instant(declaration.accepted_at),
        "payload_sha256": declaration.payload_sha256,
        "declaration": content_to_json(content),
        "assessment": None if declaration.assessment is None
        else assessment_to_json(declaration.assessment),
        "clearance": _clearance(declaration, party),
        "links": {"self": path, "history": f"{path}/history",
                  **({"release_note": f"{path}/release-note"}
                     if declaration.release_note is not None else {})},
    }


def _clearance(declaration: Declaration, party: Party) -> dict[str, Any]:
    """Money and the Time Release Study's moments; who holds the control task is the
    administration's business."""
    def at(value: datetime | None) -> str | None:
        return None if value is None else instant(value)

    return {
        "amount_due": str(declaration.amount_due), "currency": declaration.currency,
        "amount_secured": str(declaration.amount_secured),
        "secured_by": declaration.secured_by,
        "claimed_by": declaration.claimed_by if party.is_administration else None,
        "control_started_at": at(declaration.control_started_at),
        "control_ended_at": at(declaration.control_ended_at),
        "released_at": at(declaration.released_at),
        "decided_at": at(declaration.decided_at),
        "allowed_actions": [a.value for a in allowed_actions(declaration.status)],
    }


def _out(declaration: Declaration, party: Party) -> DeclarationOut:
    return DeclarationOut.model_validate(_document(declaration, party))


def answer(declaration: Declaration, party: Party, status: int = 200,
            headers: dict[str, str] | None = None) -> CompactJSONResponse:
    """The declaration as the response body, without a second validation pass: the hot path
    (lodgement, reading one declaration) sends what ``_document`` built."""
    return CompactJSONResponse(_document(declaration, party), status_code=status, headers=headers)


_MRN_SHAPE = re.compile(r"^[0-9A-Z]{18}$")


def mrn_of(value: str) -> MRN:
    """The MRN from the path; anything that cannot be an MRN is simply not found."""
    mrn = value.upper()
    if not _MRN_SHAPE.match(mrn):
        raise NotFound(f"no declaration {value[:40]!r}", code="declaration.not-found")
    return MRN(mrn)


def version_header(if_match: str | None) -> int | None:
    """``If-Match: "3"`` (or ``3``) asks for optimistic locking on version 3."""
    if if_match is None:
        return None
    value = if_match.strip().removeprefix("W/").strip('"')
    if not value.isdigit():
        raise DomainError("If-Match must carry the declaration version, e.g. \"3\"",
                          code="request.if-match", pointer="")
    return int(value)


@router.post("", status_code=201, response_model=DeclarationOut, responses=ERRORS,
             summary="Lodge a declaration")
async def lodge_declaration(request: Request, body: DeclarationIn,
                            services: Services, party: TraderSide) -> CompactJSONResponse:
    """Validate and register a declaration. 201 when registered (committed), 200 when the same
    LRN with the same content was registered before, 409 when the LRN was used with other
    content, 422 with every rule violation."""
    submission = await _submission(request, body)
    turn = request.app.state.writer_turn  # build_app sets it (None: lodge in threads)
    if turn is None:
        result = await anyio.to_thread.run_sync(
            functools.partial(lodgement.lodge, services, submission, party),
            limiter=_lodging(request))
    else:
        # SQLite (ADR 0010): the lodgement runs here, on the event loop, without a thread hop;
        # its one wait, the turn at the write lock, is awaited, and the loop serves meanwhile.
        prepared = lodgement.prepare(services, submission, party)
        if isinstance(prepared, lodgement.LodgementResult):
            result = prepared
        else:
            with lodgement.staged(services, prepared) as uow:  # rows made ready, no lock yet
                async with turn():  # no await inside: the gate knows its holder by thread
                    result = lodgement.register(services, prepared, uow)
    return answer(result.declaration, party, 201 if result.created else 200,
                   {"Location": f"/api/v1/declarations/{result.declaration.mrn}"})


@router.get("", response_model=DeclarationPage, responses=ERRORS,
            summary="List declarations visible to the caller")
def list_declarations(
    services: Services, party: CurrentParty,
    status: Status | None = None,
    type: DeclarationType | None = None,
    accepted_from: AwareDatetime | None = None,
    accepted_to: AwareDatetime | None = None,
    commodity_code: Annotated[str | None, Query(pattern=r"^[0-9]{2,10}$")] = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> DeclarationPage:
    query = DeclarationQuery(status=status, type=type, accepted_from=accepted_from,
                             accepted_to=accepted_to, commodity_code=commodity_code,
                             after=decode_cursor(cursor), limit=limit + 1)
    found = list(queries.list_declarations(services, query, party))
    page, more = found[:limit], len(found) > limit
    return DeclarationPage(items=[_out(d, party) for d in page],
                           next_cursor=encode_cursor(page[-1]) if more else None)


def encode_cursor(last: Declaration) -> str:
    raw = f"{last.accepted_at.isoformat()}|{last.mrn}".encode()
    return base64.urlsafe_b64encode(raw).decode()


def decode_cursor(cursor: str | None) -> tuple[datetime, str] | None:
    if cursor is None:
        return None
    try:
        at, mrn = base64.urlsafe_b64decode(cursor.encode()).decode().split("|", 1)
        after = datetime.fromisoformat(at)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise DomainError("the cursor is not one this API issued", code="request.cursor",
                          pointer="/query/cursor") from exc
    if after.tzinfo is None:
        raise DomainError("the cursor is not one this API issued", code="request.cursor",
                          pointer="/query/cursor")
    return after, mrn


@router.get("/{mrn}", response_model=DeclarationOut, responses=ERRORS,
            summary="Read one declaration")
def get_declaration(mrn: str, services: Services, party: CurrentParty) -> CompactJSONResponse:
    return answer(queries.get_declaration(services, mrn_of(mrn), party), party)


@router.post("/{mrn}/amendments", response_model=DeclarationOut, responses=ERRORS,
             summary="Amend a declaration (full replacement)")
async def amend_declaration(
    mrn: str, request: Request, body: DeclarationIn, services: Services, party: TraderSide,
    if_match: Annotated[str | None, Header()] = None,
) -> DeclarationOut:
    """Replace the whole content before release; re-validated; the version goes up by one."""
    submission = await _submission(request, body)
    declaration = await run_in_threadpool(amendment.amend, services, mrn_of(mrn),
                                          submission, party, version_header(if_match))
    return _out(declaration, party)


@router.post("/{mrn}/invalidation", response_model=DeclarationOut, responses=ERRORS,
             summary="Invalidate a declaration")
def invalidate_declaration(
    mrn: str, body: InvalidationIn, services: Services, party: TraderSide,
    if_match: Annotated[str | None, Header()] = None,
) -> DeclarationOut:
    invalidated = amendment.invalidate(services, mrn_of(mrn), party, body.reason,
                                       version_header(if_match))
    return _out(invalidated, party)


@router.get("/{mrn}/history", response_model=HistoryOut, responses=ERRORS,
            summary="State changes and content versions of a declaration")
def declaration_history(mrn: str, services: Services, party: CurrentParty) -> HistoryOut:
    entries, versions = queries.declaration_history(services, mrn_of(mrn), party)
    return HistoryOut(
        mrn=mrn_of(mrn),
        entries=[HistoryEntryOut(sequence=e.sequence, event=e.event, version=e.version,
                                 status=e.status, actor=e.actor, at=e.at, detail=e.detail)
                 for e in entries],
        versions=[VersionOut(version=v, created_at=at, declaration=doc)
                  for v, at, doc in versions],
    )

"""RFC 9457 problem details for every error the API returns (DESIGN.md §6).

One shape everywhere: ``type``, ``title``, ``status``, ``detail``, ``code``, ``instance``,
``correlation_id`` and ``errors`` — a list of ``{code, pointer, detail}``. Schema errors are
collected by pydantic and all reported at once with JSON Pointers into the request body.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from opencustoms.api.responses import CompactJSONResponse
from opencustoms.api.schemas import NO_CONTROL
from opencustoms.domain import errors as domain
from opencustoms.domain.errors import Problem, pointer

log = logging.getLogger("opencustoms.api")

PROBLEM_JSON = "application/problem+json"

_STATUS: tuple[tuple[type[domain.DomainError], int, str], ...] = (
    (domain.RuleViolations, 422, "The request breaks validation rules"),
    (domain.NotFound, 404, "Not found"),
    (domain.NotAuthenticated, 401, "Authentication required"),
    (domain.PermissionDenied, 403, "Forbidden"),
    (domain.Conflict, 409, "Conflict"),
)


def problem_body(status: int, title: str, code: str, detail: str, *, instance: str | None,
                 correlation_id: str | None, problems: Sequence[Problem] = ()) -> dict[str, Any]:
    """The one problem+json shape. The ``errors`` list is never empty: a problem without a
    field of its own points at the whole request (pointer "")."""
    problems = problems or (Problem(code, "", detail),)
    return {
        "type": f"urn:opencustoms:problem:{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        "instance": instance,
        "correlation_id": correlation_id,
        "errors": [{"code": p.code, "pointer": p.pointer, "detail": p.detail} for p in problems],
    }


def problem_response(request: Request, status: int, title: str, code: str, detail: str, *,
                     problems: Sequence[Problem] = (), headers: dict[str, str] | None = None,
                     extra: dict[str, Any] | None = None) -> CompactJSONResponse:
    """A problem+json response for ``request`` (its path and correlation id included)."""
    body = problem_body(status, title, code, detail, instance=request.url.path,
                        correlation_id=getattr(request.state, "correlation_id", None),
                        problems=problems)
    if extra:
        body.update(extra)
    return CompactJSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _schema_problems(errors: Iterable[Any]) -> list[Problem]:
    problems = []
    for error in errors:
        loc = [part for part in error.get("loc", ()) if part != "body"]
        kind = error.get("type", "invalid")
        detail = error.get("msg", "invalid")
        if error.get("ctx", {}).get("pattern") == NO_CONTROL:
            kind, detail = "control_character", "control characters (such as NUL) are not allowed"
        problems.append(Problem(f"schema.{kind}", pointer(*loc), detail))
    return problems


async def _on_request_validation(request: Request, exc: Exception) -> CompactJSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        return problem_response(request, 400, "Malformed JSON", "request.malformed-json",
                                "the request body is not valid JSON",
                                problems=[Problem("request.malformed-json", "",
                                                  str(errors[0].get("ctx", {}).get("error",
                                                                                   "")))])
    in_body = all(e.get("loc", ("",))[0] == "body" for e in errors)
    return problem_response(
        request, 400, "The request does not match the schema" if in_body else "Invalid parameters",
        "request.schema" if in_body else "request.parameters",
        f"{len(errors)} schema error(s); see errors",
        problems=_schema_problems(errors),
    )


async def _on_domain_error(request: Request, exc: Exception) -> CompactJSONResponse:
    assert isinstance(exc, domain.DomainError)
    status, title = 400, "Bad request"
    for kind, kind_status, kind_title in _STATUS:
        if isinstance(exc, kind):
            status, title = kind_status, kind_title
            break
    if exc.code == domain.RuleViolations.code:
        title = "The declaration breaks format-logical rules"
    extra: dict[str, Any] = {}
    headers: dict[str, str] = {}
    if isinstance(exc, domain.ForbiddenTransition):
        extra = {"state": exc.state, "allowed_actions": list(exc.allowed)}
    if isinstance(exc, domain.NotAuthenticated):
        headers["WWW-Authenticate"] = "Bearer"
    return problem_response(request, status, title, exc.code, exc.detail,
                            problems=exc.problems, headers=headers, extra=extra)


async def _on_http_error(request: Request, exc: Exception) -> CompactJSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
    return problem_response(request, exc.status_code, str(exc.detail), code, str(exc.detail),
                            headers=dict(exc.headers or {}))


async def _on_unexpected(request: Request, exc: Exception) -> CompactJSONResponse:
    log.exception("unhandled error on %s", request.url.path)
    # Starlette sends this answer from its outermost middleware, past the one that adds the
    # correlation header to every other response: add it here.
    correlation_id = getattr(request.state, "correlation_id", None)
    return problem_response(request, 500, "Internal server error", "internal-error",
                            "the server failed to process the request",
                            headers={"X-Correlation-ID": correlation_id} if correlation_id
                            else None)


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _on_request_validation)
    app.add_exception_handler(domain.DomainError, _on_domain_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(Exception, _on_unexpected)

"""Typed errors of the customs domain.

Every problem the system reports to a trader carries a stable ``code``, a ``pointer`` into the
submitted document (RFC 6901 JSON Pointer) and a human ``detail``. Validation collects problems
and raises them together in :class:`RuleViolations`; other errors stand alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a request: a rule code, where it is, and what is wrong."""

    code: str
    pointer: str
    detail: str


def pointer(*parts: str | int) -> str:
    """Build a JSON Pointer (RFC 6901) from path parts, escaping ``~`` and ``/``.

    Every rule and tariff problem builds pointers, so the common case (no character to
    escape) skips the replacements."""
    text = ""
    for part in parts:
        token = part if type(part) is str else str(part)
        if "~" in token or "/" in token:
            token = token.replace("~", "~0").replace("/", "~1")
        text += "/" + token
    return text


class DomainError(Exception):
    """Base of every error the domain and services raise on purpose."""

    code: str = "error"

    def __init__(self, detail: str, *, code: str | None = None, pointer: str = "") -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        self.pointer = pointer

    @property
    def problems(self) -> Sequence[Problem]:
        return (Problem(self.code, self.pointer, self.detail),)


class RuleViolations(DomainError):
    """The declaration breaks one or more format-logical rules; all of them are listed."""

    code = "declaration.rule-violations"

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__(f"{len(problems)} rule violation(s) in the declaration")
        self._problems = tuple(problems)

    @property
    def problems(self) -> Sequence[Problem]:
        return self._problems


class InvalidInput(RuleViolations):
    """A well-formed request whose values cannot be taken (422): one problem with its own
    code and pointer. Nothing is changed when it is raised."""

    code = "request.invalid-value"

    def __init__(self, code: str, at: str, detail: str) -> None:
        super().__init__([Problem(code, at, detail)])
        self.code = code
        self.pointer = at
        self.detail = detail
        self.args = (detail,)


class NotFound(DomainError):
    """The resource does not exist, or the caller may not know that it exists."""

    code = "not-found"


class Conflict(DomainError):
    """The request conflicts with the current state of the resource."""

    code = "conflict"


class LrnReused(Conflict):
    """The declarant already used this LRN for a declaration with different content."""

    code = "declaration.lrn-reused"


class ForbiddenTransition(Conflict):
    """The action is not allowed in the declaration's current state."""

    code = "declaration.forbidden-transition"

    def __init__(self, detail: str, *, state: str, allowed: Sequence[str]) -> None:
        super().__init__(detail, pointer="")
        self.state = state
        self.allowed = tuple(allowed)


class StaleVersion(Conflict):
    """Someone else changed the declaration since it was read (optimistic locking)."""

    code = "declaration.stale-version"


class NotAuthenticated(DomainError):
    """No valid credentials were presented."""

    code = "auth.unauthenticated"


class PermissionDenied(DomainError):
    """The authenticated party may not perform this action."""

    code = "auth.forbidden"

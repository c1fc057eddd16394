"""JSON answers written by the compact encoder of ADR 0011.

Routes that build their answer as plain JSON values (the declaration on lodgement and reading,
clearance tasks, problems) return :class:`CompactJSONResponse`: the same bytes Starlette's
``JSONResponse`` writes, produced by orjson. Routes that return a pydantic model keep FastAPI's
default response class, for which FastAPI serialises the model with pydantic's own JSON
encoder (a subclass here would switch that off).
"""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

from opencustoms.adapters.formats.json_text import compact_json_bytes


class CompactJSONResponse(JSONResponse):
    """``application/json`` rendered by :func:`compact_json_bytes`."""

    def render(self, content: Any) -> bytes:
        return compact_json_bytes(content)

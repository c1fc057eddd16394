"""Release times, measured continuously (the WCO Time Release Study's measures, DESIGN.md C5).

For declarations released in a period: the median and 90th percentile of the time from receipt
to release, from acceptance to release, and of the control itself (start to end), per channel
and office. Percentiles are nearest-rank on the exact durations, in seconds.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from opencustoms.domain.errors import InvalidInput, PermissionDenied
from opencustoms.domain.parties import Party
from opencustoms.services.context import ServiceContext
from opencustoms.services.ports import ReleaseTimes

DEFAULT_PERIOD = timedelta(days=30)


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (``share`` in (0, 1]) of non-empty ``values``."""
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def _summary(values: Sequence[float]) -> dict[str, Any]:
    if not values:
        return {"count": 0, "median_seconds": None, "p90_seconds": None}
    return {"count": len(values), "median_seconds": round(percentile(values, 0.5), 3),
            "p90_seconds": round(percentile(values, 0.9), 3)}


def release_times(ctx: ServiceContext, actor: Party, released_from: datetime | None,
                  released_to: datetime | None, office: str | None) -> dict[str, Any]:
    """Release-time statistics for the administration (default: the last 30 days)."""
    if not actor.is_administration:
        raise PermissionDenied("release-time statistics are for the administration",
                               code="auth.not-administration")
    end = released_to or ctx.clock.now()
    start = released_from or end - DEFAULT_PERIOD
    if start >= end:
        raise InvalidInput("stats.period", "/from", "'from' must be before 'to'")
    with ctx.reader() as uow:
        rows = uow.release_times.released_between(start, end, office)
    groups: dict[tuple[str, str], list[ReleaseTimes]] = defaultdict(list)
    for row in rows:
        groups[(row.channel, row.office)].append(row)
        groups[("all", row.office)].append(row)
    return {
        "from": start.isoformat(), "to": end.isoformat(), "office": office,
        "released": len(rows),
        "groups": [
            {"channel": channel, "office": group_office,
             "receipt_to_release": _summary([r.receipt_to_release for r in members]),
             "acceptance_to_release": _summary([r.acceptance_to_release for r in members]),
             "control": _summary([r.control for r in members if r.control is not None])}
            for (channel, group_office), members in sorted(groups.items())
        ],
    }

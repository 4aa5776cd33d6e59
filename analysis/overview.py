"""The Overview's headline numbers: how many resources, how many requests, how often they fail or start cold.

Computed here from the store's sums per resource (``store.traffic``) so the page only lays them out. The
cold-start rate counts only the requests of resources whose platform reports cold starts, so endpoints and
Cloud Functions (1st gen), which report none, do not dilute it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from common.services import PATTERN_LABELS


@dataclass(frozen=True)
class TrafficTotals:
    resources: int
    by_pattern: dict[str, int] = field(default_factory=dict)
    requests: float = 0.0
    errors: float = 0.0
    error_rate: float | None = None  # share of requests, 0-1
    cold_starts: float | None = None
    cold_start_rate: float | None = None  # share of the requests of resources that report cold starts


def traffic_totals(inventory: pd.DataFrame, per_resource: pd.DataFrame) -> TrafficTotals:
    """Totals over the window from the inventory and each resource's sums (``store.traffic``'s
    ``resources``: invocations, errors, cold starts and how many of its rows report them)."""
    by_pattern = (
        {label: int((inventory["pattern"] == p).sum()) for p, label in PATTERN_LABELS.items()} if len(inventory) else {}
    )
    if per_resource.empty:
        return TrafficTotals(len(inventory), by_pattern)
    requests = float(per_resource["invocations"].sum())
    errors = float(per_resource["errors"].sum())
    reporting = per_resource[per_resource["has_cold"] > 0]
    cold = float(reporting["cold_starts"].sum()) if len(reporting) else None
    cold_requests = float(reporting["invocations"].sum())
    return TrafficTotals(
        resources=len(inventory),
        by_pattern=by_pattern,
        requests=requests,
        errors=errors,
        error_rate=errors / requests if requests else None,
        cold_starts=cold,
        cold_start_rate=cold / cold_requests if cold is not None and cold_requests else None,
    )

"""One resource's measured usage over time: traffic, latency percentiles, concurrency and instances per bucket.

The Resource view's "how has it moved" charts. It reads through ``store.queries.rollup`` (the read the
Overview's charts use) rather than the cost analysis's panels: the panels' hourly grid leaves out the hours
that per-minute rows cover (the minute panel carries them), while the rollup folds every resolution into one
bucket by the catalog's rules (sums, request-weighted percentiles, peaks, time-weighted gauges), so each
instant counts once. The figures are measured, never the what-if's: a what-if changes the model, not history.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import numpy as np

from store import queries as q

HOUR_S, DAY_S = 3600, 86_400
# Hourly up to about a month (744 points), daily beyond: a chart people read, not a wall of markers.
HOURLY_UP_TO_S = 32 * DAY_S
METRICS = ("invocations", "duration_ms_p50", "duration_ms_p99", "concurrency_max", "instances_avg", "cold_starts")


@dataclass(frozen=True)
class UsageSeries:
    """Per bucket (``x``: bucket starts, epoch seconds UTC): NaN where the bucket holds no stored value."""

    bucket_s: int
    x: tuple[float, ...]
    requests: tuple[float, ...]  # requests in the bucket
    requests_per_s: tuple[float, ...]  # the bucket's requests over its length
    p50_ms: tuple[float, ...]
    p99_ms: tuple[float, ...]
    concurrency_max: tuple[float, ...]
    instances_avg: tuple[float, ...]
    cold_starts: tuple[float, ...]

    @property
    def has_latency(self) -> bool:
        return any(np.isfinite(self.p50_ms)) or any(np.isfinite(self.p99_ms))

    @property
    def has_concurrency(self) -> bool:
        return any(np.isfinite(self.concurrency_max)) or any(np.isfinite(self.instances_avg))


def bucket_for(filters: q.Filters, span: tuple[datetime, datetime] | None) -> int:
    """Hourly buckets for a window up to about a month, daily beyond (the window as the data fills it)."""
    lo, hi = filters.window()
    if span is not None:
        lo, hi = max(lo, span[0]), min(hi, span[1])
    return HOUR_S if (hi - lo).total_seconds() <= HOURLY_UP_TO_S else DAY_S


def usage_over_time(path: Path, resource_id: str, filters: q.Filters) -> UsageSeries | None:
    """The resource's measured usage in the filters' window (None when it has none there)."""
    one = replace(filters, resource_ids=(resource_id,))
    span = q.selection_span(path, one)
    if span is None:
        return None
    bucket = bucket_for(one, span)
    frame = q.rollup(path, one, bucket, list(METRICS))
    if frame.empty:
        return None
    starts = frame["bucket_start"].to_numpy().astype("datetime64[s]").astype(np.int64).astype(float)

    def column(name: str) -> tuple[float, ...]:
        return tuple(float(v) for v in frame[name].to_numpy(dtype=float)) if name in frame else (np.nan,) * len(frame)

    requests = column("invocations")
    return UsageSeries(
        bucket_s=bucket,
        x=tuple(starts),
        requests=requests,
        requests_per_s=tuple(r / bucket for r in requests),
        p50_ms=column("duration_ms_p50"),
        p99_ms=column("duration_ms_p99"),
        concurrency_max=column("concurrency_max"),
        instances_avg=column("instances_avg"),
        cold_starts=column("cold_starts"),
    )

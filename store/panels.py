"""The analysis's one read: the filtered resources' measured usage as plain arrays (resources × periods).

``store.queries.usage_panels`` returns a :class:`UsagePanels`: the resources and their configuration
history, an hourly grid over the window (every canonical metric, rolled up exactly as the pages roll
up: one resolution per instant, rows longer than an hour spread evenly), the per-minute detail of the
resources that have it, and each resource's measured span (first and last instant of stored data inside
the window, at the finest resolution, so a window or an upload that starts at 18:15 starts at 18:15).

The shape is the contract with ``analysis``: a read model (an hourly rollup table, issue 11) can build
the same arrays without the analysis changing. Nothing here decides what a gap means or how a partial
hour counts; that is the analysis's modelling (``analysis.inputs``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import duckdb
import numpy as np

from common.metrics import CONFIG_FIELDS
from common.timeutil import EPOCH, align_down, naive_utc

HOUR_S = 3600
MINUTE_S = 60
# Metrics the per-minute detail carries (what the replay engine and today's cost read at that resolution).
MINUTE_METRICS = (
    "invocations",
    "errors",
    "throttles",
    "duration_ms_avg",
    "duration_ms_p50",
    "duration_ms_p90",
    "duration_ms_p99",
    "billed_duration_ms_sum",
    "billable_instance_ms_sum",
    "cold_starts",
    "init_duration_ms_avg",
    "concurrency_max",
    "instances_avg",
    "cpu_utilization_pct_avg",
    "memory_utilization_pct_avg",
    "provisioned_concurrency",
)
HOURLY_METRICS = MINUTE_METRICS
# The rollup's own column: seconds of stored periods in each hour (idle periods a source omits are not in it).
STORED_S = "covered_s"
RESOURCE_FIELDS = ("resource_id", "provider", "service", "pattern", "account", "region", "name")


@dataclass(frozen=True)
class UsagePanels:
    """Everything the cost analysis reads, for the resources the filters select (R of them).

    Times are epoch seconds (UTC). ``hourly[metric]`` is (R, H) starting at ``hour_start_s``;
    ``minutes[metric]`` is (M, T) starting at ``minute_start_s`` for the resources ``minute_rows``
    (indices into ``resources``). NaN means no stored value. ``span_start_s``/``span_end_s`` (R,) are the
    first and last instant of the resource's stored data inside the window (NaN: none);
    ``minute_span_*`` the same for its per-minute rows (M,). ``configs[r]`` is the resource's
    configuration history, oldest first: (valid_from epoch seconds, fields set).
    """

    window_start_s: int
    window_end_s: int
    resources: tuple[dict[str, str], ...]
    hour_start_s: int
    hourly: dict[str, np.ndarray]
    span_start_s: np.ndarray
    span_end_s: np.ndarray
    minute_rows: np.ndarray
    minute_start_s: int
    minutes: dict[str, np.ndarray]
    minute_span_start_s: np.ndarray
    minute_span_end_s: np.ndarray
    configs: tuple[tuple[tuple[int, dict[str, Any]], ...], ...] = field(default_factory=tuple)

    @property
    def size(self) -> int:
        return len(self.resources)

    @property
    def hours(self) -> int:
        return next(iter(self.hourly.values())).shape[1] if self.hourly else 0


def to_epoch_s(ts: datetime) -> int:
    """Whole epoch seconds of a (naive UTC) time."""
    return int((naive_utc(ts) - EPOCH).total_seconds())


def _floor(ts: datetime, step: int) -> datetime:
    return align_down(ts, step)


def _ceil(ts: datetime, step: int) -> datetime:
    floor = align_down(ts, step)
    return floor if floor == ts else floor + timedelta(seconds=step)


def read_panels(
    con: duckdb.DuckDBPyConnection,
    lo: datetime,
    hi: datetime,
    where: str,
    params: dict[str, Any],
    rollup: Any,
) -> UsagePanels:
    """The arrays for the window [lo, hi) and the resources ``where`` selects (``rollup(con, lo, hi)``
    gives the hourly rollup frame on the hour-aligned window)."""
    resources = con.execute(
        f"SELECT {', '.join(RESOURCE_FIELDS)} FROM resources r WHERE {where} ORDER BY r.pattern, r.service, r.name",  # noqa: S608
        params,
    ).fetchall()
    rows = tuple(dict(zip(RESOURCE_FIELDS, row, strict=True)) for row in resources)
    ids = [r["resource_id"] for r in rows]
    n = len(ids)
    window = {"ids": ids, "lo": lo, "hi": hi}
    spans = con.execute(
        """
        SELECT list_position($ids::VARCHAR[], resource_id) - 1 AS row,
               epoch(greatest(min(period_start), $lo::TIMESTAMP))::BIGINT,
               epoch(least(max(period_start + to_seconds(period_s)), $hi::TIMESTAMP))::BIGINT,
               CASE WHEN bool_or(period_s = 60) THEN epoch(greatest(
                   min(period_start) FILTER (WHERE period_s = 60), $lo::TIMESTAMP))::BIGINT END,
               CASE WHEN bool_or(period_s = 60) THEN epoch(least(
                   max(period_start + to_seconds(period_s)) FILTER (WHERE period_s = 60), $hi))::BIGINT END
        FROM metrics
        WHERE list_contains($ids::VARCHAR[], resource_id)
          AND period_start < $hi AND period_start + to_seconds(period_s) > $lo
        GROUP BY resource_id
        """,
        window,
    ).fetchall()
    span_start, span_end = np.full(n, np.nan), np.full(n, np.nan)
    minute_span = {}
    for row, first, last, minute_first, minute_last in spans:
        span_start[row], span_end[row] = first, last
        if minute_first is not None:
            minute_span[row] = (minute_first, last if minute_last is None else minute_last)
    if spans:  # the window as the data fills it: an open-ended filter never builds a grid from 1970 to 9999
        lo = max(lo, EPOCH + timedelta(seconds=float(np.nanmin(span_start))))
        hi = min(hi, EPOCH + timedelta(seconds=float(np.nanmax(span_end))))
    hour_lo, hour_hi = _floor(lo, HOUR_S), _ceil(hi, HOUR_S)
    hours = int((hour_hi - hour_lo).total_seconds() // HOUR_S) if n and spans else 0
    hour_start = to_epoch_s(hour_lo)
    hourly = {name: np.full((n, hours), np.nan) for name in (*HOURLY_METRICS, STORED_S)}
    if n and hours:
        frame = rollup(con, hour_lo, hour_hi)
        if len(frame):
            index = {rid: i for i, rid in enumerate(ids)}
            r = frame["resource_id"].map(index).to_numpy()
            starts = frame["bucket_start"].to_numpy().astype("datetime64[s]").astype(np.int64)
            c = (starts - hour_start) // HOUR_S
            keep = (r >= 0) & (c >= 0) & (c < hours)
            for name in (*HOURLY_METRICS, STORED_S):
                hourly[name][r[keep].astype(int), c[keep]] = frame[name].to_numpy(dtype=float)[keep]
    minute_rows = np.array(sorted(minute_span), dtype=int)
    minutes, minute_start = _read_minutes(con, ids, minute_rows, minute_span, lo, hi)
    configs = _configs(con, ids)
    return UsagePanels(
        window_start_s=to_epoch_s(lo),
        window_end_s=to_epoch_s(hi),
        resources=rows,
        hour_start_s=hour_start,
        hourly=hourly,
        span_start_s=span_start,
        span_end_s=span_end,
        minute_rows=minute_rows,
        minute_start_s=minute_start,
        minutes=minutes,
        minute_span_start_s=np.array([minute_span[r][0] for r in minute_rows], dtype=float),
        minute_span_end_s=np.array([minute_span[r][1] for r in minute_rows], dtype=float),
        configs=configs,
    )


def _read_minutes(
    con: duckdb.DuckDBPyConnection,
    ids: list[str],
    minute_rows: np.ndarray,
    minute_span: dict[int, tuple[int, int]],
    lo: datetime,
    hi: datetime,
) -> tuple[dict[str, np.ndarray], int]:
    """(metric -> (M, T) array, epoch of the first minute column) for the resources with minute rows."""
    if not minute_rows.size:
        return {name: np.zeros((0, 0)) for name in MINUTE_METRICS}, to_epoch_s(_floor(lo, MINUTE_S))
    first = min(minute_span[r][0] for r in minute_rows)
    last = max(minute_span[r][1] for r in minute_rows)
    first -= first % MINUTE_S
    width = int(-(-(last - first) // MINUTE_S))
    position = np.full(len(ids), -1)
    position[minute_rows] = np.arange(minute_rows.size)
    data = con.execute(
        """
        SELECT list_position($ids::VARCHAR[], resource_id) - 1 AS row,
               list_position($metrics::VARCHAR[], metric) - 1 AS metric,
               (epoch(period_start)::BIGINT - $first) // 60 AS col, value
        FROM metrics
        WHERE period_s = 60 AND list_contains($ids::VARCHAR[], resource_id)
          AND list_contains($metrics::VARCHAR[], metric) AND period_start >= $lo AND period_start < $hi
        """,
        {"ids": ids, "metrics": list(MINUTE_METRICS), "first": first, "lo": lo, "hi": hi},
    ).fetchnumpy()
    out = {name: np.full((minute_rows.size, width), np.nan) for name in MINUTE_METRICS}
    rows = position[np.asarray(data["row"], dtype=int)]
    cols = np.asarray(data["col"], dtype=int)
    metrics = np.asarray(data["metric"], dtype=int)
    values = np.asarray(data["value"], dtype=float)
    for index, name in enumerate(MINUTE_METRICS):
        pick = (metrics == index) & (rows >= 0) & (cols >= 0) & (cols < width)
        out[name][rows[pick], cols[pick]] = values[pick]
    return out, int(first)


def _configs(con: duckdb.DuckDBPyConnection, ids: list[str]) -> tuple[tuple[tuple[int, dict[str, Any]], ...], ...]:
    fields = list(CONFIG_FIELDS)
    rows = con.execute(
        f"SELECT list_position($ids::VARCHAR[], resource_id) - 1, epoch(valid_from)::BIGINT, {', '.join(fields)} "  # noqa: S608
        "FROM resource_config WHERE list_contains($ids::VARCHAR[], resource_id) ORDER BY resource_id, valid_from",
        {"ids": ids},
    ).fetchall()
    history: list[list[tuple[int, dict[str, Any]]]] = [[] for _ in ids]
    for row in rows:
        values = {name: value for name, value in zip(fields, row[2:], strict=True) if value is not None}
        history[row[0]].append((int(row[1]), values))
    return tuple(tuple(h) for h in history)

"""The Overview's traffic, aggregated in DuckDB: per service and bucket, per resource over the window, and the
busiest resources per bucket with the rest as one series.

The rows are ``store.queries.rollup``'s (per resource and bucket: the read model for buckets of whole hours,
``metrics`` by ``rollup_sql`` for finer ones), but they never reach pandas: at 5,000 resources an hourly
window is 3.6 M of them, and as a frame with the resources' names (then copied by the shaping, then by
``st.cache_data``) it took the server to 3.9 GB. What leaves DuckDB is sums, one row per service and bucket,
per resource, and per bucket of the few busiest: ``charts.overview`` turns them into rates, shares and
request-weighted percentiles.

The sums, per group:

- ``requests_per_min``: each row's requests over its bucket's span, per minute, where the span is the bucket,
  or for a bucket still filling up the time from its start to ``until`` (the end of the data; at least a
  minute), so a bucket still filling up is not shown as a drop in traffic;
- ``invocations``, ``errors``, ``cold_starts``: totals (a missing value counts nothing);
- ``inv_cold``: the requests of rows that report cold starts, ``has_cold`` how many rows do (a cold-start
  rate counts only those, so endpoints and Cloud Functions gen1, which report none, do not dilute it);
- ``w_p50``, ``w_p99``: each row's percentile times its requests, and ``inv_p50``, ``inv_p99`` the requests of
  rows that have one (percentiles cannot be merged exactly: a group shows the request-weighted mean).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from common.timeutil import naive_utc
from store import hours
from store.db import run_read
from store.read_model import HOUR_S, SUMMED

if TYPE_CHECKING:
    import pandas as pd

    from store.queries import Filters

SCRATCH = "breakeven_traffic_rows"  # the temporary table of a read from ``metrics`` (dropped when it ends)
METRICS = ["invocations", "errors", "cold_starts", "duration_ms_p50", "duration_ms_p99"]
SUMS = (
    "requests_per_min",
    "invocations",
    "errors",
    "cold_starts",
    "inv_cold",
    "has_cold",
    "w_p50",
    "w_p99",
    "inv_p50",
    "inv_p99",
)
SUM_SQL = """
    sum(inv / span_s * 60.0) AS requests_per_min,
    sum(inv) AS invocations,
    coalesce(sum(errors), 0.0) AS errors,
    coalesce(sum(cold_starts), 0.0) AS cold_starts,
    sum(CASE WHEN cold_starts IS NOT NULL THEN inv ELSE 0.0 END) AS inv_cold,
    count(cold_starts) AS has_cold,
    coalesce(sum(p50 * inv), 0.0) AS w_p50,
    coalesce(sum(p99 * inv), 0.0) AS w_p99,
    sum(CASE WHEN p50 IS NOT NULL THEN inv ELSE 0.0 END) AS inv_p50,
    sum(CASE WHEN p99 IS NOT NULL THEN inv ELSE 0.0 END) AS inv_p99
"""


@dataclass(frozen=True)
class TrafficSums:
    """The window's traffic as sums (see the module docstring), small whatever the estate."""

    services: pd.DataFrame  # service, bucket_start, SUMS
    resources: pd.DataFrame  # resource_id, SUMS: only resources with rows in the window, in id order
    top_ids: tuple[str, ...]  # the busiest resources by requests, busiest first (ties in id order)
    top: pd.DataFrame  # resource_id, bucket_start, requests_per_min: the busiest resources' buckets
    others: pd.DataFrame  # bucket_start, requests_per_min: every other resource's, added up per bucket
    others_count: int  # how many resources with rows the "others" series adds up


def _plain_moment(moment: datetime | None) -> datetime | None:
    """A pandas timestamp (the freshness table's) as the plain naive-UTC datetime DuckDB's parameters take."""
    if moment is None:
        return None
    return naive_utc(moment.to_pydatetime() if hasattr(moment, "to_pydatetime") else moment)


def _rows(con: duckdb.DuckDBPyConnection, f: Filters, bucket_s: int) -> tuple[str, dict[str, Any]]:
    """The per-resource, per-bucket rows ``store.queries.rollup`` would return, as SQL and its parameters.

    Buckets finer than an hour come from ``metrics`` by ``rollup_sql``, which resolves every resource's rows
    against each other spread into the bucket's pieces: at 5,000 resources over two days, 31 s of CPU. A
    resource that has only ever stored hourly rows (``resource_facts``) has nothing finer to resolve: its
    pieces are its read-model hours spread evenly (sums divided, means kept), which is what ``rollup_sql``
    does with them. Only the others go through ``rollup_sql``."""
    from dataclasses import replace

    from store.queries import reads_hours, resource_where, rollup_sql

    lo, hi = f.window()
    if reads_hours(f, bucket_s):
        where, params = resource_where(f)
        values: dict[str, Any] = {"lo": lo, "hi": hi, **params}
        if bucket_s != HOUR_S:
            values["bucket"] = bucket_s
        return hours.buckets_sql(where, bucket_s, METRICS), values
    if HOUR_S % bucket_s:
        return rollup_sql(f, bucket_s, METRICS)
    where, params = resource_where(f)
    found = con.execute(
        f"""SELECT r.resource_id, coalesce(x.finest_period_s = {HOUR_S}
                                         AND x.longest_period_s = {HOUR_S}, false)
            FROM resources r LEFT JOIN resource_facts x USING (resource_id) WHERE {where}""",  # noqa: S608
        params,
    ).fetchall()
    hourly = any(only_hours for _, only_hours in found)
    finer = [rid for rid, only_hours in found if not only_hours]
    columns = ", ".join(["resource_id", "bucket_start", *METRICS])
    parts, values = [], {"lo": lo, "hi": hi, "bucket": bucket_s}
    if hourly:
        spread = ", ".join(f"h.{m} * {bucket_s / HOUR_S!r} AS {m}" if m in SUMMED else f"h.{m}" for m in METRICS)
        parts.append(f"""
            SELECT h.resource_id, h.hour + to_seconds(h.k * $bucket) AS bucket_start, {spread}
            FROM (SELECT *, unnest(range({HOUR_S // bucket_s})) AS k FROM usage_hourly
                  WHERE resource_id IN (SELECT resource_id FROM resource_facts
                                        WHERE finest_period_s = {HOUR_S} AND longest_period_s = {HOUR_S})
                    AND resource_id IN (SELECT resource_id FROM resources r WHERE {where})
                    AND hour >= time_bucket(INTERVAL 1 HOUR, $lo) AND hour < $hi) h
            WHERE h.hour + to_seconds(h.k * $bucket) >= $lo AND h.hour + to_seconds(h.k * $bucket) < $hi
        """)  # noqa: S608 - metric names come from the catalog, the ratio is a number
        values.update(params)
    if finer or not hourly:
        sql, more = rollup_sql(replace(f, resource_ids=tuple(finer)), bucket_s, METRICS)
        parts.append(sql)
        values.update(more)
    return " UNION ALL ".join(f"SELECT {columns} FROM ({part})" for part in parts), values  # noqa: S608


def _derived(rows: str, bucket_s: int, until: datetime | None) -> str:
    """Each row with its service, its requests (missing: none) and its bucket's span in seconds."""
    span = f"{float(bucket_s)!r}"
    if until is not None:
        left = "(epoch($t_until) - epoch(b.bucket_start))"
        span = f"CASE WHEN {left} >= {span} THEN {span} ELSE greatest({left}, 60.0) END"
    return f"""
        WITH b AS ({rows}),
        d AS (
            SELECT b.resource_id, r.service, b.bucket_start, coalesce(b.invocations, 0.0) AS inv, b.errors,
                   b.cold_starts, b.duration_ms_p50 AS p50, b.duration_ms_p99 AS p99, {span} AS span_s
            FROM b JOIN resources r USING (resource_id)
        )
    """  # noqa: S608 - the rows' SQL is ours, the span a number, every user value a parameter


def traffic_in(
    con: duckdb.DuckDBPyConnection, f: Filters, bucket_s: int, until: datetime | None = None, top: int = 8
) -> TrafficSums:
    """``traffic_sums`` on an open connection (``store.page_reads`` reads it beside the page's other reads)."""
    until = _plain_moment(until)
    rows, params = _rows(con, f, bucket_s)
    if until is not None:
        params = {**params, "t_until": until}
    head = _derived(rows, bucket_s, until)
    if reads_metrics(f, bucket_s):
        # the rows from ``metrics`` are resolved once, not once per sum (about half the CPU of a two-day window)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {SCRATCH} AS {head} SELECT * FROM d", params)  # noqa: S608
        try:
            return _sums(con, f"WITH d AS (SELECT * FROM {SCRATCH})", {}, top)  # noqa: S608 - our constant
        finally:
            con.execute(f"DROP TABLE IF EXISTS {SCRATCH}")
    return _sums(con, head, params, top)


def reads_metrics(f: Filters, bucket_s: int) -> bool:
    """Whether the window's rows come from ``metrics`` (a bucket finer than an hour, or a mid-hour start):
    then they are written once to a temporary table of the read's own connection (in DuckDB's bounded
    memory, spilled past it) and both sums read it; the read model's rows cost less to scan twice than to
    write (at 5,000 resources hourly over 30 days: 0.2 s of CPU a scan, 0.56 s to write them)."""
    from store.queries import reads_hours

    return not reads_hours(f, bucket_s)


def _sums(con: duckdb.DuckDBPyConnection, head: str, params: dict[str, Any], top: int) -> TrafficSums:
    """The sums of the rows ``head`` defines as ``d``: per resource, then per service and per busiest resource."""
    resources = con.execute(
        f"{head} SELECT resource_id, {SUM_SQL} FROM d GROUP BY resource_id ORDER BY resource_id",  # noqa: S608
        params,
    ).df()
    ranked = resources.sort_values("invocations", ascending=False, kind="stable")["resource_id"]
    top_ids = tuple(ranked.iloc[:top])
    grouped = con.execute(
        f"""{head}
        SELECT grouping(service) AS by_series, service, series, bucket_start, {SUM_SQL}
        FROM (SELECT *, CASE WHEN list_contains($t_top::VARCHAR[], resource_id) THEN resource_id END AS series
              FROM d)
        GROUP BY GROUPING SETS ((service, bucket_start), (series, bucket_start))
        ORDER BY by_series, service, series, bucket_start
        """,  # noqa: S608
        {**params, "t_top": list(top_ids)},
    ).df()
    services = grouped[grouped["by_series"] == 0].drop(columns=["by_series", "series"]).reset_index(drop=True)
    series = grouped[grouped["by_series"] == 1]
    chosen = series[series["series"].notna()].rename(columns={"series": "resource_id"})
    rest = series[series["series"].isna()]
    return TrafficSums(
        services=services,
        resources=resources,
        top_ids=top_ids,
        top=chosen[["resource_id", "bucket_start", "requests_per_min"]].reset_index(drop=True),
        others=rest[["bucket_start", "requests_per_min"]].reset_index(drop=True),
        others_count=len(resources) - len(top_ids),
    )


def traffic_sums(path: Path, f: Filters, bucket_s: int, until: datetime | None = None, top: int = 8) -> TrafficSums:
    """The window's traffic for the Overview, in sums (module docstring); ``until`` is the end of the data, so
    the last bucket's rate is over the time it has been filling; ``top`` resources get a series of their own."""
    return run_read(path, lambda con: traffic_in(con, f, bucket_s, until, top))

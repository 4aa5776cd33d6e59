"""Read queries the pages use. Every value from a user (filters, dates, ids) is a bound parameter.

Reads see only rows inside the span a write accepts (2006 .. a day from now, ``common.timeutil``): a row dated
9999 or year 0 that an older version stored is left out rather than breaking every page (Python cannot hold
year 0, and a row in 2300 would move the default window by centuries).

The store may hold several resolutions of the same series (hourly history, per-minute recent data,
whatever an upload brought). ``rollup`` never double counts: for each resource and bucket it uses only
the coarsest resolution that fits in the bucket, then aggregates metric by metric with the rules in
``common.metrics`` (sums for counts, request-weighted means for latencies, time-weighted means for gauges).
Buckets of whole hours read the read model (``store.read_model``: the same rule applied once, at write
time, per resource-hour); finer buckets resolve ``metrics`` here (``rollup_sql``). The freshness table, the
sidebar's span and the data's origin read the per-resource facts kept beside it.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from common.metrics import CONFIG_FIELDS, METRICS
from common.timeutil import EARLIEST_TIME, latest_time
from store import hours
from store.db import run_read

if TYPE_CHECKING:  # DuckDB builds the frames; a command line that reads none need not load pandas or numpy
    import pandas as pd

    from store.panels import UsagePanels

RESOURCE_COLUMNS = ("resource_id", "provider", "service", "pattern", "account", "region", "name")


@dataclass(frozen=True)
class Filters:
    """What the sidebar selects. Empty tuples mean "all"; dates are inclusive UTC days."""

    start: date | None = None
    end: date | None = None
    providers: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    resource_ids: tuple[str, ...] = field(default=())
    month: date | None = None  # an invoice (calendar) month chosen instead of a range: start/end are its days
    since: datetime | None = None  # an exact instant (naive UTC) instead of the start day's midnight
    until: datetime | None = None  # an exact instant (exclusive) instead of the end day's next midnight

    def window(self) -> tuple[datetime, datetime]:
        """[lo, hi) in naive UTC, never outside the span a stored row may start in (see module docstring);
        ``since``/``until`` replace the day bounds with exact instants."""
        earliest, latest = readable_span()
        lo = self.since or (datetime.combine(self.start, time()) if self.start else earliest)
        hi = self.until or (datetime.combine(self.end + timedelta(days=1), time()) if self.end else latest)
        return max(lo, earliest), max(min(hi, latest), earliest)


def readable_span() -> tuple[datetime, datetime]:
    """[earliest, latest) of the period starts reads consider: what a write accepts, plus a day of slack."""
    return EARLIEST_TIME, latest_time() + timedelta(days=1)


def _sane(column: str) -> str:
    """SQL keeping ``column`` inside ``readable_span`` (parameters ``$span_lo`` and ``$span_hi``)."""
    return f"{column} >= $span_lo AND {column} < $span_hi"


def _span_params() -> dict[str, datetime]:
    lo, hi = readable_span()
    return {"span_lo": lo, "span_hi": hi}


def resource_where(f: Filters, alias: str = "r") -> tuple[str, dict[str, Any]]:
    """The sidebar filters as a SQL condition on ``alias`` and its ``$f_<column>`` parameters (DuckDB's own)."""
    clauses, params = [], {}
    for column, values in (
        ("provider", f.providers),
        ("service", f.services),
        ("account", f.accounts),
        ("region", f.regions),
        ("resource_id", f.resource_ids),
    ):
        if values:
            clauses.append(f"list_contains($f_{column}::VARCHAR[], {alias}.{column})")
            params[f"f_{column}"] = list(values)
    return (" AND ".join(clauses) or "TRUE"), params


def _rollup_expressions(metrics: list[str]) -> str:
    """SQL aggregates for one bucket, per the catalog's rollup rule of each metric."""
    parts = ["sum(w.period_s) AS covered_s", "max(w.native_s) AS period_s"]
    for name in metrics:
        rule = METRICS[name].rollup
        if rule == "sum":
            expr = f"sum(w.{name})"
        elif rule == "max":
            expr = f"max(w.{name})"
        elif rule == "mean_by_invocations":
            expr = (
                f"sum(w.{name} * w.invocations) FILTER (WHERE w.invocations > 0)"
                f" / nullif(sum(w.invocations) FILTER (WHERE w.invocations > 0 AND w.{name} IS NOT NULL), 0)"
            )
        elif rule == "mean_by_cold_starts":
            expr = (
                f"sum(w.{name} * w.cold_starts) FILTER (WHERE w.cold_starts > 0)"
                f" / nullif(sum(w.cold_starts) FILTER (WHERE w.cold_starts > 0 AND w.{name} IS NOT NULL), 0)"
            )
        else:  # mean_by_time
            expr = f"sum(w.{name} * w.period_s) / nullif(sum(w.period_s) FILTER (WHERE w.{name} IS NOT NULL), 0)"
        parts.append(f"{expr} AS {name}")
    return ",\n               ".join(parts)


def rollup_sql(f: Filters, bucket_s: int, metrics: list[str], coarser_than_s: int = 0) -> tuple[str, dict[str, Any]]:
    """SQL + parameters for per-resource, per-bucket metrics (see module docstring).

    1. Rows longer than the bucket are spread evenly over the buckets they cover (sums divided, means kept).
    2. Each resource's periods ("slots": all metrics of one period move together) shadow each other: a
       stored slot hides the finer stored slots it contains; any stored slot, containing or contained, hides
       a spread one; between spread slots, the one spread from the finer resolution wins. Periods are aligned
       to their length (the store enforces it), so the slot containing another starts at
       ``time_bucket(its length, the other's start)``: shadowing is an equi-join, not an interval join.
    3. What is not shadowed is kept, so every instant is counted once, and instants that only a finer
       resolution covers are kept rather than dropped.
    """
    needed = list(dict.fromkeys(["invocations", "cold_starts", *metrics]))
    unknown = [m for m in needed if m not in METRICS]
    if unknown:
        raise ValueError(f"unknown metric(s) {unknown}")
    where, params = resource_where(f)
    lo, hi = f.window()
    sums = [m for m in needed if METRICS[m].rollup == "sum"]
    pivot = ",\n                   ".join(f"max(value) FILTER (WHERE metric = '{m}') AS {m}" for m in needed)
    sql = f"""
        WITH raw AS (
            SELECT m.resource_id, m.metric, m.period_start, m.period_s, m.value
            FROM metrics m JOIN resources r USING (resource_id)
            WHERE m.period_start < $hi AND m.period_start + to_seconds(m.period_s) > $lo AND {where}
              AND list_contains($metrics, m.metric) AND m.period_s > $coarser
        ),
        spread AS (
            SELECT resource_id, metric, period_s, period_start, value, unnest(range(period_s // $bucket)) AS k
            FROM raw WHERE period_s > $bucket
        ),
        base AS (
            SELECT resource_id, metric, period_start, period_s, period_s AS native_s, value
            FROM raw WHERE period_s <= $bucket AND period_start >= $lo
            UNION ALL
            SELECT resource_id, metric, period_start + to_seconds(k * $bucket), $bucket, period_s,
                   CASE WHEN list_contains($sums, metric) THEN value * $bucket / period_s ELSE value END
            FROM spread
            WHERE period_start + to_seconds(k * $bucket) >= $lo AND period_start + to_seconds(k * $bucket) < $hi
        ),
        slots AS (
            SELECT DISTINCT resource_id, period_s, period_start, native_s,
                   CASE WHEN native_s > period_s THEN -native_s ELSE period_s * 2 END AS strength
            FROM base
        ),
        lengths AS (SELECT DISTINCT resource_id, period_s FROM slots),
        candidates AS (
            SELECT s.resource_id, s.period_s, s.period_start, s.native_s, s.strength, l.period_s AS outer_s,
                   time_bucket(to_seconds(l.period_s), s.period_start) AS outer_start
            FROM slots s JOIN lengths l ON l.resource_id = s.resource_id AND l.period_s >= s.period_s
        ),
        contained AS (
            SELECT DISTINCT resource_id, time_bucket(to_seconds($bucket), period_start) AS period_start
            FROM slots WHERE native_s = period_s AND period_s < $bucket
        ),
        shadowed AS (
            SELECT c.resource_id, c.period_s, c.period_start, c.native_s
            FROM candidates c JOIN slots o
              ON o.resource_id = c.resource_id AND o.period_s = c.outer_s AND o.period_start = c.outer_start
            WHERE o.strength > c.strength
            UNION
            SELECT s.resource_id, s.period_s, s.period_start, s.native_s
            FROM slots s JOIN contained i USING (resource_id, period_start)
            WHERE s.native_s > s.period_s
        ),
        w AS (
            SELECT b.resource_id, time_bucket(to_seconds($bucket), b.period_start) AS bucket, b.period_start,
                   b.period_s, b.native_s,
                   {pivot}
            FROM base b ANTI JOIN shadowed x USING (resource_id, period_s, period_start, native_s)
            GROUP BY b.resource_id, b.period_start, b.period_s, b.native_s
        )
        SELECT w.resource_id, w.bucket AS bucket_start,
               {_rollup_expressions(needed)}
        FROM w GROUP BY w.resource_id, w.bucket
        ORDER BY w.resource_id, w.bucket
    """  # noqa: S608 - metric names come from the catalog, every user value is a parameter
    return sql, {
        "bucket": bucket_s,
        "lo": lo,
        "hi": hi,
        "metrics": needed,
        "sums": sums,
        "coarser": coarser_than_s,
        **params,
    }


def reads_hours(f: Filters, bucket_s: int) -> bool:
    """Whether ``rollup`` reads the read model for this window and bucket (``store.hours.reads_hours``)."""
    return hours.reads_hours(f.window()[0], bucket_s)


def _rollup(con: duckdb.DuckDBPyConnection, f: Filters, bucket_s: int, metrics: list[str]) -> pd.DataFrame:
    if reads_hours(f, bucket_s):
        where, params = resource_where(f)
        lo, hi = f.window()
        return hours.read_hours(con, where, params, lo, hi, bucket_s, metrics)
    sql, params = rollup_sql(f, bucket_s, metrics)
    df = con.execute(sql, params).df()
    resources = con.execute(f"SELECT {', '.join(RESOURCE_COLUMNS)} FROM resources").df()  # noqa: S608
    return df.merge(resources, on="resource_id", how="left")


def rollup(path: Path, f: Filters, bucket_s: int, metrics: list[str]) -> pd.DataFrame:
    """Per-resource, per-bucket metrics joined with the resource's identity columns: from the read model for
    buckets of whole hours, from ``metrics`` (``rollup_sql``) for finer ones."""
    return run_read(path, lambda con: _rollup(con, f, bucket_s, metrics))


def _filter_options(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column in ("provider", "service", "account", "region"):
        rows = con.execute(f"SELECT DISTINCT {column} FROM resources ORDER BY 1").fetchall()  # noqa: S608
        out[column] = [r[0] for r in rows]
    lo, hi = con.execute("SELECT min(data_from), max(data_until) FROM resource_facts").fetchall()[0]
    out["first"], out["last"] = lo, hi
    months = con.execute("SELECT DISTINCT billing_period FROM billing_charges ORDER BY 1").fetchall()
    out["billed_months"] = [row[0] for row in months]  # invoice months an imported bill covers
    return out


def filter_options(path: Path) -> dict[str, Any]:
    """Distinct values for the sidebar, and the span of stored data."""
    return run_read(path, _filter_options)


def inventory_in(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """``inventory`` on an open connection."""
    where, params = resource_where(f)
    _, hi = f.window()
    config_cols = ", ".join(f"c.{name}" for name in CONFIG_FIELDS)
    sql = f"""
        SELECT r.resource_id, r.provider, r.service, r.pattern, r.account, r.region, r.name,
               CASE WHEN {_sane("r.first_seen")} THEN r.first_seen END AS first_seen,
               CASE WHEN {_sane("r.last_seen")} THEN r.last_seen END AS last_seen,
               {config_cols}, c.assumed, c.valid_from AS config_from
        FROM resources r
        LEFT JOIN (
            SELECT * FROM resource_config WHERE valid_from < $hi AND valid_from >= $span_lo
            QUALIFY row_number() OVER (PARTITION BY resource_id ORDER BY valid_from DESC) = 1
        ) c USING (resource_id)
        WHERE {where}
        ORDER BY r.pattern, r.service, r.name
    """  # noqa: S608
    return con.execute(sql, {"hi": hi, **params, **_span_params()}).df()


def inventory(path: Path, f: Filters) -> pd.DataFrame:
    """Resources matching the filters with their configuration in effect at the end of the window."""
    return run_read(path, lambda con: inventory_in(con, f))


def _config_history(con: duckdb.DuckDBPyConnection, resource_ids: list[str]) -> pd.DataFrame:
    sql = (
        "SELECT * FROM resource_config WHERE list_contains($ids::VARCHAR[], resource_id) "  # noqa: S608
        f"AND {_sane('valid_from')} ORDER BY resource_id, valid_from"
    )
    return con.execute(sql, {"ids": resource_ids, **_span_params()}).df()


@dataclass(frozen=True)
class AnalysisInputs:
    inventory: pd.DataFrame
    hourly: pd.DataFrame  # rollup at 3600 s over the window
    spans: pd.DataFrame  # per resource: first and end of its stored data inside the window
    per_minute: pd.DataFrame  # stored 60-s invocation rows (resource_id, period_start, value)
    configs: pd.DataFrame


def analysis_inputs(path: Path, f: Filters, hourly_metrics: list[str]) -> AnalysisInputs:
    """Everything the cost analysis reads, in one short read-only connection."""
    lo, hi = f.window()

    def query(con: duckdb.DuckDBPyConnection) -> AnalysisInputs:
        inv = inventory_in(con, f)
        ids = inv["resource_id"].tolist()
        spans = con.execute(
            """
            SELECT resource_id, min(period_start) AS first, max(period_start + to_seconds(period_s)) AS until
            FROM metrics
            WHERE list_contains(?::VARCHAR[], resource_id) AND period_start < ? AND period_start >= ?
            GROUP BY resource_id
            """,
            [ids, hi, lo],
        ).df()
        minutes = con.execute(
            """
            SELECT resource_id, period_start, value FROM metrics
            WHERE metric = 'invocations' AND period_s = 60 AND list_contains(?::VARCHAR[], resource_id)
              AND period_start >= ? AND period_start < ?
            ORDER BY resource_id, period_start
            """,
            [ids, lo, hi],
        ).df()
        hourly = _rollup(con, f, 3600, hourly_metrics)
        return AnalysisInputs(inv, hourly, spans, minutes, _config_history(con, ids))

    return run_read(path, query)


def freshness(path: Path, f: Filters) -> pd.DataFrame:
    """Per resource: the end of its newest data, its finest resolution, and where the data came from."""
    return run_read(path, lambda con: freshness_in(con, f))


def freshness_in(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    """``freshness`` on an open connection (``store.page_reads`` reads it beside the page's other reads)."""
    where, params = resource_where(f)
    sql = f"""
        SELECT r.resource_id, r.service, r.name, r.account, r.region, x.data_until, x.finest_period_s,
               array_to_string(x.sources, ', ') AS sources
        FROM resources r JOIN resource_facts x USING (resource_id)
        WHERE {where}
        ORDER BY x.data_until, r.resource_id
    """  # noqa: S608
    return con.execute(sql, params).df()


def json_cell(value: Any) -> Any:
    """A JSON column of ``runs`` (api_calls, errors, ...) as Python: None for a missing value (NULL or NaN
    after pandas), the decoded value, or the text itself when it is not JSON."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def recent_runs(path: Path, limit: int = 20) -> pd.DataFrame:
    return run_read(path, lambda con: recent_runs_in(con, limit))


def recent_runs_in(con: duckdb.DuckDBPyConnection, limit: int = 20) -> pd.DataFrame:
    """``recent_runs`` on an open connection."""
    return con.execute("SELECT * FROM runs ORDER BY started_at DESC LIMIT ?", [limit]).df()


def uploads(path: Path, limit: int = 100) -> pd.DataFrame:
    sql = "SELECT * FROM uploads ORDER BY imported_at DESC LIMIT ?"
    return run_read(path, lambda con: con.execute(sql, [limit]).df())


def data_origin(path: Path) -> dict[str, bool]:
    """Whether the database holds the demo estate, real data (collected or uploaded), or nothing."""

    def query(con: duckdb.DuckDBPyConnection) -> dict[str, bool]:
        def exists(sql: str) -> bool:
            return bool(con.execute(f"SELECT count(*) FROM ({sql} LIMIT 1)").fetchall()[0][0])  # noqa: S608

        demo = exists("SELECT 1 FROM resource_facts WHERE list_contains(sources, 'demo')")
        real = exists("SELECT 1 FROM resource_facts WHERE len(list_filter(sources, lambda s: s <> 'demo')) > 0")
        return {"demo": demo, "real": real, "empty": not (demo or real)}

    return run_read(path, query)


def selection_span(path: Path, f: Filters) -> tuple[datetime, datetime] | None:
    """First and last instant of stored data of the resources the filters select (ignoring their dates)."""
    where, params = resource_where(f)
    sql = f"""
        SELECT min(m.period_start), max(m.period_start + to_seconds(m.period_s))
        FROM metrics m JOIN resources r USING (resource_id) WHERE {where} AND {_sane("m.period_start")}
    """  # noqa: S608
    lo, hi = run_read(path, lambda con: con.execute(sql, {**params, **_span_params()}).fetchall()[0])
    return None if lo is None else (lo, hi)


def usage_panels(path: Path, f: Filters) -> UsagePanels:
    """The measured usage the cost analysis reads, as arrays (``store.panels``), in one short read.

    The hourly grid is the read model's (``store.panel_grid``); the hours that rows of a minute or less
    shaped there are rolled up here from the coarser rows (``rollup_sql`` over every catalog metric, so a
    period counts as stored whatever metric it holds, as in the read model).
    """
    from store.panels import read_panels  # numpy: loaded by the analysis's read, not by every page query

    where, params = resource_where(f)
    lo, hi = f.window()

    def coarser(con: duckdb.DuckDBPyConnection, ids: list[str], since: datetime, until: datetime) -> pd.DataFrame:
        only = Filters(resource_ids=tuple(ids), since=since, until=until)
        sql, values = rollup_sql(only, 3600, list(METRICS), coarser_than_s=60)
        return con.execute(sql, values).df()

    return run_read(path, lambda con: read_panels(con, lo, hi, where, params, coarser))


def data_span(path: Path, resource_ids: list[str]) -> tuple[date, date] | None:
    """First and last UTC day holding data of these resources (for links to their views)."""

    def query(con: duckdb.DuckDBPyConnection) -> tuple[date, date] | None:
        lo, hi = con.execute(
            "SELECT min(period_start), max(period_start) FROM metrics "  # noqa: S608
            f"WHERE list_contains($ids::VARCHAR[], resource_id) AND {_sane('period_start')}",
            {"ids": resource_ids, **_span_params()},
        ).fetchall()[0]
        return (lo.date(), hi.date()) if lo is not None else None

    return run_read(path, query)

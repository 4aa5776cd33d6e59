"""Read queries the pages use. Every value from a user (filters, dates, ids) is a bound parameter.

The store may hold several resolutions of the same series (hourly history, per-minute recent data,
whatever an upload brought). ``rollup`` never double counts: for each resource and bucket it uses only
the coarsest resolution that fits in the bucket, then aggregates metric by metric with the rules in
``store.catalog`` (sums for counts, request-weighted means for latencies, time-weighted means for gauges).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from store.catalog import CONFIG_FIELDS, METRICS
from store.db import run_read

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

    def window(self) -> tuple[datetime, datetime]:
        lo = datetime.combine(self.start, time()) if self.start else datetime(1970, 1, 1)
        hi = datetime.combine(self.end + timedelta(days=1), time()) if self.end else datetime(9999, 1, 1)
        return lo, hi


def _resource_where(f: Filters, alias: str = "r") -> tuple[str, list[Any]]:
    clauses, params = [], []
    for column, values in (
        ("provider", f.providers),
        ("service", f.services),
        ("account", f.accounts),
        ("region", f.regions),
        ("resource_id", f.resource_ids),
    ):
        if values:
            clauses.append(f"list_contains(?::VARCHAR[], {alias}.{column})")
            params.append(list(values))
    return (" AND ".join(clauses) or "TRUE"), params


def _rollup_expressions(metrics: list[str]) -> str:
    """SQL aggregates for one bucket, per the catalog's rollup rule of each metric."""
    parts = ["sum(w.period_s) AS covered_s", "max(w.period_s) AS period_s"]
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


def rollup_sql(f: Filters, bucket_s: int, metrics: list[str]) -> tuple[str, list[Any]]:
    """SQL + parameters for per-resource, per-bucket metrics (see module docstring)."""
    needed = list(dict.fromkeys(["invocations", "cold_starts", *metrics]))
    unknown = [m for m in needed if m not in METRICS]
    if unknown:
        raise ValueError(f"unknown metric(s) {unknown}")
    where, params = _resource_where(f)
    lo, hi = f.window()
    pivot = ",\n                   ".join(f"max(value) FILTER (WHERE metric = '{m}') AS {m}" for m in needed)
    sql = f"""
        WITH base AS (
            SELECT m.resource_id, m.metric, m.period_start, m.period_s, m.value,
                   time_bucket(to_seconds(?::BIGINT), m.period_start) AS bucket
            FROM metrics m JOIN resources r USING (resource_id)
            WHERE m.period_start >= ? AND m.period_start < ? AND {where}
              AND list_contains(?::VARCHAR[], m.metric)
        ),
        chosen AS (
            SELECT resource_id, bucket,
                   coalesce(max(period_s) FILTER (WHERE period_s <= ?), min(period_s)) AS period_s
            FROM base GROUP BY resource_id, bucket
        ),
        w AS (
            SELECT b.resource_id, b.bucket, b.period_start, b.period_s,
                   {pivot}
            FROM base b JOIN chosen c USING (resource_id, bucket, period_s)
            GROUP BY b.resource_id, b.bucket, b.period_start, b.period_s
        )
        SELECT w.resource_id, w.bucket AS bucket_start,
               {_rollup_expressions(needed)}
        FROM w GROUP BY w.resource_id, w.bucket
        ORDER BY w.resource_id, w.bucket
    """  # noqa: S608 - metric names come from the catalog, every user value is a parameter
    return sql, [bucket_s, lo, hi, *params, needed, bucket_s]


def _rollup(con: duckdb.DuckDBPyConnection, f: Filters, bucket_s: int, metrics: list[str]) -> pd.DataFrame:
    sql, params = rollup_sql(f, bucket_s, metrics)
    df = con.execute(sql, params).df()
    resources = con.execute(f"SELECT {', '.join(RESOURCE_COLUMNS)} FROM resources").df()  # noqa: S608
    return df.merge(resources, on="resource_id", how="left")


def rollup(path: Path, f: Filters, bucket_s: int, metrics: list[str]) -> pd.DataFrame:
    """Per-resource, per-bucket metrics joined with the resource's identity columns."""
    return run_read(path, lambda con: _rollup(con, f, bucket_s, metrics))


def _filter_options(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column in ("provider", "service", "account", "region"):
        rows = con.execute(f"SELECT DISTINCT {column} FROM resources ORDER BY 1").fetchall()  # noqa: S608
        out[column] = [r[0] for r in rows]
    lo, hi = con.execute("SELECT min(period_start), max(period_start + to_seconds(period_s)) FROM metrics").fetchall()[
        0
    ]
    out["first"], out["last"] = lo, hi
    return out


def filter_options(path: Path) -> dict[str, Any]:
    """Distinct values for the sidebar, and the span of stored data."""
    return run_read(path, _filter_options)


def _inventory(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    where, params = _resource_where(f)
    _, hi = f.window()
    config_cols = ", ".join(f"c.{name}" for name in CONFIG_FIELDS)
    sql = f"""
        SELECT r.resource_id, r.provider, r.service, r.pattern, r.account, r.region, r.name,
               r.first_seen, r.last_seen, {config_cols}, c.assumed, c.valid_from AS config_from
        FROM resources r
        LEFT JOIN (
            SELECT * FROM resource_config WHERE valid_from < ?
            QUALIFY row_number() OVER (PARTITION BY resource_id ORDER BY valid_from DESC) = 1
        ) c USING (resource_id)
        WHERE {where}
        ORDER BY r.pattern, r.service, r.name
    """  # noqa: S608
    return con.execute(sql, [hi, *params]).df()


def inventory(path: Path, f: Filters) -> pd.DataFrame:
    """Resources matching the filters with their configuration in effect at the end of the window."""
    return run_read(path, lambda con: _inventory(con, f))


def _config_history(con: duckdb.DuckDBPyConnection, resource_ids: list[str]) -> pd.DataFrame:
    sql = (
        "SELECT * FROM resource_config WHERE list_contains(?::VARCHAR[], resource_id) ORDER BY resource_id, valid_from"
    )
    return con.execute(sql, [resource_ids]).df()


def config_history(path: Path, resource_id: str) -> pd.DataFrame:
    return run_read(path, lambda con: _config_history(con, [resource_id]))


@dataclass(frozen=True)
class AnalysisInputs:
    options: dict[str, Any]
    inventory: pd.DataFrame
    hourly: pd.DataFrame
    per_minute: pd.DataFrame
    configs: pd.DataFrame


def analysis_inputs(path: Path, f: Filters, hourly_metrics: list[str], minute_filters: Filters) -> AnalysisInputs:
    """Everything the cost analysis reads, in one short read-only connection."""

    def query(con: duckdb.DuckDBPyConnection) -> AnalysisInputs:
        inv = _inventory(con, f)
        ids = inv["resource_id"].tolist()
        minutes = _rollup(con, replace(minute_filters, resource_ids=tuple(ids)), 60, ["invocations"])
        hourly = _rollup(con, f, 3600, hourly_metrics)
        return AnalysisInputs(_filter_options(con), inv, hourly, minutes, _config_history(con, ids))

    return run_read(path, query)


def freshness(path: Path, f: Filters) -> pd.DataFrame:
    """Per resource: the end of its newest data, its finest resolution, and where the data came from."""
    where, params = _resource_where(f)
    sql = f"""
        SELECT r.resource_id, r.service, r.name, r.account, r.region,
               max(m.period_start + to_seconds(m.period_s)) AS data_until,
               min(m.period_s) AS finest_period_s,
               string_agg(DISTINCT m.source, ', ' ORDER BY m.source) AS sources
        FROM resources r JOIN metrics m USING (resource_id)
        WHERE {where}
        GROUP BY ALL ORDER BY data_until
    """  # noqa: S608
    return run_read(path, lambda con: con.execute(sql, params).df())


def recent_runs(path: Path, limit: int = 20) -> pd.DataFrame:
    sql = "SELECT * FROM runs ORDER BY started_at DESC LIMIT ?"
    return run_read(path, lambda con: con.execute(sql, [limit]).df())


def uploads(path: Path, limit: int = 100) -> pd.DataFrame:
    sql = "SELECT * FROM uploads ORDER BY imported_at DESC LIMIT ?"
    return run_read(path, lambda con: con.execute(sql, [limit]).df())


def data_origin(path: Path) -> dict[str, bool]:
    """Whether the database holds the demo estate, real data (collected or uploaded), or nothing."""

    def query(con: duckdb.DuckDBPyConnection) -> dict[str, bool]:
        def exists(sql: str) -> bool:
            return bool(con.execute(f"SELECT count(*) FROM ({sql} LIMIT 1)").fetchall()[0][0])  # noqa: S608

        demo = exists("SELECT 1 FROM metrics WHERE source = 'demo'")
        real = exists("SELECT 1 FROM metrics WHERE source <> 'demo'")
        return {"demo": demo, "real": real, "empty": not (demo or real)}

    return run_read(path, query)


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)

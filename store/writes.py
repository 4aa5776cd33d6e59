"""Idempotent writes: everything a run or an import produces goes in through ``write_batch``.

A batch is validated first, then written in **one short transaction**: resources, configuration
snapshots, metric rows (MERGE on the natural key), watermarks, the run record and the upload record.
Writing the same batch twice changes nothing; a killed writer leaves no partial batch, because DuckDB
never replays an uncommitted transaction from its WAL.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from common.metrics import CONFIG_FIELDS, METRICS
from common.services import SERVICES, resource_key
from common.timeutil import naive_utc, utc_now
from store.db import connect
from store.errors import BatchError
from store.snapshots import EndpointSnapshot, write_snapshots

METRIC_COLUMNS = ("resource_id", "metric", "period_start", "period_s", "value", "source")


@dataclass(frozen=True)
class ResourceRecord:
    service: str
    account: str
    region: str
    name: str
    seen_at: datetime | None = None

    @property
    def resource_id(self) -> str:
        return resource_key(self.service, self.account, self.region, self.name)


@dataclass(frozen=True)
class ConfigRecord:
    resource_id: str
    valid_from: datetime
    values: dict[str, Any]
    source: str
    assumed: tuple[str, ...] = ()


@dataclass(frozen=True)
class WatermarkRecord:
    source: str
    account: str
    region: str
    service: str
    collected_until: datetime


@dataclass
class RunRecord:
    run_id: str
    kind: str
    started_at: datetime
    status: str
    finished_at: datetime | None = None
    rows_written: int = 0
    rows_per_metric: dict[str, int] = field(default_factory=dict)
    api_calls: dict[str, int] = field(default_factory=dict)
    estimated_api_cost_usd: float = 0.0
    errors: list[str] = field(default_factory=list)
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class UploadRecord:
    upload_id: str
    file_name: str
    sha256: str
    format: str
    rows: int
    resources: int
    imported_at: datetime


@dataclass
class Batch:
    resources: list[ResourceRecord] = field(default_factory=list)
    configs: list[ConfigRecord] = field(default_factory=list)
    metrics: pd.DataFrame | pa.Table | None = None
    watermarks: list[WatermarkRecord] = field(default_factory=list)
    run: RunRecord | None = None
    upload: UploadRecord | None = None
    snapshots: list[EndpointSnapshot] = field(default_factory=list)  # collector runs: endpoint status/instances
    replace_source: str | None = None  # drop every row this source wrote before, in the same transaction


@dataclass(frozen=True)
class WriteSummary:
    metric_rows: int
    inserted: int
    updated: int
    unchanged: int
    resources_new: int
    configs_written: int

    def as_dict(self) -> dict[str, int]:
        return {
            "metric_rows": self.metric_rows,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "resources_new": self.resources_new,
            "configs_written": self.configs_written,
        }


def metrics_frame(rows: Sequence[tuple[str, str, datetime, int, float, str]]) -> pa.Table:
    """Build the metrics table from (resource_id, metric, period_start, period_s, value, source) tuples."""
    cols = list(zip(*rows, strict=True)) if rows else [[] for _ in METRIC_COLUMNS]
    return pa.table(
        {
            "resource_id": pa.array(cols[0], pa.string()),
            "metric": pa.array(cols[1], pa.string()),
            "period_start": pa.array([naive_utc(t) for t in cols[2]], pa.timestamp("us")),
            "period_s": pa.array(cols[3], pa.int32()),
            "value": pa.array(cols[4], pa.float64()),
            "source": pa.array(cols[5], pa.string()),
        }
    )


def _validate_records(batch: Batch) -> None:
    for r in batch.resources:
        if r.service not in SERVICES:
            raise BatchError(f"unknown service {r.service!r} for resource {r.name!r}; known: {', '.join(SERVICES)}")
        if not r.name:
            raise BatchError(f"a {r.service} resource has an empty name")
        for field_name in ("account", "region"):
            value = getattr(r, field_name)
            if ":" in value:
                raise BatchError(
                    f"the {field_name} {value!r} of {r.service} resource {r.name!r} contains ':', which joins the "
                    "parts of a resource key (service:account:region:name)"
                )
    for c in batch.configs:
        unknown = set(c.values) - set(CONFIG_FIELDS)
        if unknown:
            raise BatchError(f"unknown configuration field(s) {sorted(unknown)} for {c.resource_id}")


def _validate_staged(con: duckdb.DuckDBPyConnection, known_ids: set[str]) -> None:
    """Checks on the staged metric rows, done in SQL so large batches stay fast."""
    bad_metric = con.execute(
        "SELECT metric FROM staged_metrics WHERE metric NOT IN (SELECT unnest(?::VARCHAR[])) LIMIT 1",
        [list(METRICS)],
    ).fetchall()
    if bad_metric:
        raise BatchError(f"unknown metric {bad_metric[0][0]!r}; known: {', '.join(METRICS)}")
    bad = con.execute(
        """
        SELECT resource_id, metric, period_start, value, period_s,
               value IS NULL OR isnan(value) OR isinf(value) OR value < 0 AS bad_value
        FROM staged_metrics
        WHERE value IS NULL OR isnan(value) OR isinf(value) OR value < 0
           OR period_s IS NULL OR period_s <= 0 OR period_start IS NULL OR resource_id IS NULL
           OR (86400 % period_s = 0 AND epoch_us(period_start) % (period_s * 1000000::BIGINT) <> 0)
           OR (period_s > 86400 AND epoch_us(period_start) % 86400000000 <> 0)
        LIMIT 1
        """
    ).fetchall()
    if bad:
        rid, metric, start, value, period_s, bad_value = bad[0]
        if bad_value or not period_s or period_s <= 0 or start is None:
            raise BatchError(f"invalid value {value!r} for {metric} of {rid} at {start} (period {period_s} s)")
        raise BatchError(
            f"{metric} of {rid} starts at {start}, not on a multiple of its {period_s}-s period (UTC): periods "
            "must be aligned as CloudWatch and Cloud Monitoring align them, or overlapping periods would be "
            "counted twice; convert local times to UTC"
        )
    missing = con.execute(
        """
        SELECT DISTINCT s.resource_id FROM staged_metrics s
        WHERE s.resource_id NOT IN (SELECT unnest(?::VARCHAR[]))
          AND s.resource_id NOT IN (SELECT resource_id FROM resources)
        LIMIT 1
        """,
        [sorted(known_ids)],
    ).fetchall()
    if missing:
        raise BatchError(f"metric rows name resource {missing[0][0]!r}, which is neither in the batch nor stored")


def stage_metrics(con: duckdb.DuckDBPyConnection, metrics: pd.DataFrame | pa.Table) -> int:
    """Copy the batch's metric rows into the ``staged_metrics`` temp table with the store's types."""
    con.register("incoming_metrics", metrics)
    try:
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE staged_metrics AS
            SELECT resource_id::VARCHAR AS resource_id, metric::VARCHAR AS metric,
                   period_start::TIMESTAMP AS period_start, period_s::INTEGER AS period_s,
                   value::DOUBLE AS value, source::VARCHAR AS source
            FROM incoming_metrics
            """
        )
    finally:
        con.unregister("incoming_metrics")
    return int(con.execute("SELECT count(*) FROM staged_metrics").fetchall()[0][0])


def dedupe_staged_metrics(con: duckdb.DuckDBPyConnection) -> int:
    """Drop exact repeats of a key within the batch; two different values for one key are an error.

    Returns the staged row count after dropping repeats.
    """
    # Cheap first: when every key hashes differently there are no repeats, and the grouping below
    # (the slowest step of a large import) is skipped. A hash collision just falls through to it.
    total, distinct_hashes = con.execute(
        "SELECT count(*), count(DISTINCT hash(resource_id, metric, period_s, period_start)) FROM staged_metrics"
    ).fetchall()[0]
    if total == distinct_hashes:
        return int(total)
    repeated = con.execute(
        "SELECT 1 FROM staged_metrics GROUP BY resource_id, metric, period_s, period_start HAVING count(*) > 1 LIMIT 1"
    ).fetchall()
    if repeated:
        conflict = con.execute(
            """
            SELECT resource_id, metric, period_start, period_s, count(DISTINCT value) AS values_
            FROM staged_metrics GROUP BY ALL HAVING count(DISTINCT value) > 1 LIMIT 1
            """
        ).fetchall()
        if conflict:
            rid, metric, start, period_s, values = conflict[0]
            raise BatchError(
                f"the batch gives {values} different values for {metric} of {rid} at {start} "
                f"(period {period_s} s); each period may have one value"
            )
        con.execute(
            "CREATE OR REPLACE TEMP TABLE staged_metrics AS "
            "SELECT DISTINCT ON (resource_id, metric, period_s, period_start) * FROM staged_metrics"
        )
    return int(con.execute("SELECT count(*) FROM staged_metrics").fetchall()[0][0])


def merge_staged_metrics(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """MERGE ``staged_metrics`` into ``metrics`` on the natural key; returns (inserted, updated).

    When no stored row can share a key with the batch (new resources, or a time range not stored yet; the
    usual case for a first import or a backfill), a plain INSERT does the same work without the join.
    """
    before = con.execute("SELECT count(*) FROM metrics").fetchall()[0][0]
    overlap = con.execute(
        """
        SELECT count(*) FROM (
            SELECT 1 FROM metrics m
            WHERE m.period_start BETWEEN (SELECT min(period_start) FROM staged_metrics)
                                     AND (SELECT max(period_start) FROM staged_metrics)
              AND m.resource_id IN (SELECT DISTINCT resource_id FROM staged_metrics)
            LIMIT 1)
        """
    ).fetchall()[0][0]
    if not overlap:
        con.execute(
            "INSERT INTO metrics (resource_id, metric, period_start, period_s, value, source) "
            "SELECT resource_id, metric, period_start, period_s, value, source FROM staged_metrics"
        ).fetchall()
        after = con.execute("SELECT count(*) FROM metrics").fetchall()[0][0]
        return int(after - before), 0
    result = con.execute(
        """
        MERGE INTO metrics m USING staged_metrics s
        ON m.resource_id = s.resource_id AND m.metric = s.metric
           AND m.period_s = s.period_s AND m.period_start = s.period_start
        WHEN MATCHED AND (m.value IS DISTINCT FROM s.value OR m.source IS DISTINCT FROM s.source)
            THEN UPDATE SET value = s.value, source = s.source
        WHEN NOT MATCHED THEN INSERT (resource_id, metric, period_start, period_s, value, source)
            VALUES (s.resource_id, s.metric, s.period_start, s.period_s, s.value, s.source)
        """
    ).fetchall()
    affected = int(result[0][0]) if result else 0
    after = con.execute("SELECT count(*) FROM metrics").fetchall()[0][0]
    inserted = int(after - before)
    return inserted, affected - inserted


def _upsert_resources(con: duckdb.DuckDBPyConnection, resources: list[ResourceRecord]) -> int:
    if not resources:
        return 0
    rows = {}
    for r in resources:
        rows[r.resource_id] = (
            r.resource_id,
            SERVICES[r.service].provider,
            r.service,
            SERVICES[r.service].pattern,
            r.account,
            r.region,
            r.name,
            naive_utc(r.seen_at) if r.seen_at else None,
        )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE staged_resources (resource_id VARCHAR, provider VARCHAR, service VARCHAR, "
        "pattern VARCHAR, account VARCHAR, region VARCHAR, name VARCHAR, seen_at TIMESTAMP)"
    )
    con.executemany("INSERT INTO staged_resources VALUES (?, ?, ?, ?, ?, ?, ?, ?)", list(rows.values()))
    new = con.execute(
        "SELECT count(*) FROM staged_resources WHERE resource_id NOT IN (SELECT resource_id FROM resources)"
    ).fetchall()[0][0]
    con.execute(
        """
        INSERT INTO resources
        SELECT resource_id, provider, service, pattern, account, region, name, seen_at, seen_at
        FROM staged_resources
        ON CONFLICT (resource_id) DO UPDATE SET
            first_seen = least(resources.first_seen, excluded.first_seen),
            last_seen = greatest(resources.last_seen, excluded.last_seen)
        """
    )
    return int(new)


def _refresh_seen_from_metrics(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """
        UPDATE resources SET
            first_seen = least(coalesce(resources.first_seen, s.lo), s.lo),
            last_seen = greatest(coalesce(resources.last_seen, s.hi), s.hi)
        FROM (SELECT resource_id, min(period_start) AS lo,
                     max(period_start + to_seconds(period_s)) AS hi
              FROM staged_metrics GROUP BY resource_id) s
        WHERE resources.resource_id = s.resource_id
        """
    )


def _write_configs(con: duckdb.DuckDBPyConnection, configs: list[ConfigRecord]) -> int:
    """Insert configuration snapshots that differ from the one in effect at their time."""
    fields = list(CONFIG_FIELDS)
    written = 0
    for c in sorted(configs, key=lambda c: (c.resource_id, naive_utc(c.valid_from))):
        valid_from = naive_utc(c.valid_from)
        rows = con.execute(
            f"SELECT {', '.join(fields)}, assumed FROM resource_config "  # noqa: S608 - fixed column names
            "WHERE resource_id = ? AND valid_from <= ? ORDER BY valid_from DESC LIMIT 1",
            [c.resource_id, valid_from],
        ).fetchall()
        current = rows[0] if rows else None
        new_values = [c.values.get(f) for f in fields]
        assumed = ",".join(sorted(c.assumed)) or None
        if current is not None and list(current[:-1]) == new_values and current[-1] == assumed:
            continue
        placeholders = ", ".join("?" for _ in range(len(fields) + 4))
        con.execute(
            f"INSERT OR REPLACE INTO resource_config (resource_id, valid_from, {', '.join(fields)}, assumed, source) "  # noqa: S608
            f"VALUES ({placeholders})",
            [c.resource_id, valid_from, *new_values, assumed, c.source],
        )
        written += 1
    return written


def _drop_source(con: duckdb.DuckDBPyConnection, source: str) -> None:
    """Remove a source's metric rows and configuration, then resources nothing else describes."""
    con.execute("DELETE FROM metrics WHERE source = ?", [source])
    con.execute("DELETE FROM resource_config WHERE source = ?", [source])
    con.execute(
        """
        DELETE FROM resources WHERE resource_id NOT IN (SELECT DISTINCT resource_id FROM metrics)
          AND resource_id NOT IN (SELECT DISTINCT resource_id FROM resource_config)
        """
    )


def _write_watermarks(con: duckdb.DuckDBPyConnection, marks: list[WatermarkRecord], now: datetime) -> None:
    for w in marks:
        con.execute(
            """
            INSERT INTO watermarks VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (source, account, region, service) DO UPDATE SET
                collected_until = greatest(watermarks.collected_until, excluded.collected_until),
                updated_at = excluded.updated_at
            """,
            [w.source, w.account, w.region, w.service, naive_utc(w.collected_until), now],
        )


def write_run(con: duckdb.DuckDBPyConnection, run: RunRecord) -> None:
    con.execute(
        "INSERT OR REPLACE INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            run.run_id,
            run.kind,
            naive_utc(run.started_at),
            naive_utc(run.finished_at) if run.finished_at else None,
            run.status,
            run.rows_written,
            json.dumps(run.rows_per_metric),
            json.dumps(run.api_calls),
            run.estimated_api_cost_usd,
            json.dumps(run.errors),
            json.dumps(run.detail, default=str),
        ],
    )


def _write_upload(con: duckdb.DuckDBPyConnection, upload: UploadRecord) -> None:
    con.execute(
        "INSERT OR REPLACE INTO uploads VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            upload.upload_id,
            upload.file_name,
            upload.sha256,
            upload.format,
            upload.rows,
            upload.resources,
            naive_utc(upload.imported_at),
        ],
    )


def write_batch(
    path: Path,
    batch: Batch,
    *,
    stage: Callable[[duckdb.DuckDBPyConnection], int] | None = None,
) -> WriteSummary:
    """Validate and write ``batch`` in one transaction. Raises BatchError and writes nothing if invalid.

    ``stage`` lets a caller fill the ``staged_metrics`` temp table itself (the file importer streams a
    CSV through DuckDB's reader) instead of passing ``batch.metrics``; it returns the staged row count.
    """
    _validate_records(batch)
    now = utc_now()
    with connect(path, read_only=False) as con:
        staged = 0
        if stage is not None:
            staged = stage(con)
        elif batch.metrics is not None and len(batch.metrics):
            staged = stage_metrics(con, batch.metrics)
        if staged:
            _validate_staged(con, {r.resource_id for r in batch.resources})
            staged = dedupe_staged_metrics(con)
        config_ids = {c.resource_id for c in batch.configs} - {r.resource_id for r in batch.resources}
        if config_ids:
            known = {
                row[0]
                for row in con.execute(
                    "SELECT resource_id FROM resources WHERE resource_id IN (SELECT unnest(?::VARCHAR[]))",
                    [sorted(config_ids)],
                ).fetchall()
            }
            if config_ids - known:
                raise BatchError(f"configuration for unknown resource {sorted(config_ids - known)[0]!r}")
        con.execute("BEGIN TRANSACTION")
        try:
            if batch.replace_source:
                _drop_source(con, batch.replace_source)
            resources_new = _upsert_resources(con, batch.resources)
            inserted = updated = 0
            if staged:
                inserted, updated = merge_staged_metrics(con)
                _refresh_seen_from_metrics(con)
            configs_written = _write_configs(con, batch.configs)
            _write_watermarks(con, batch.watermarks, now)
            write_snapshots(con, batch.snapshots)
            if batch.upload is not None:
                _write_upload(con, batch.upload)
            if batch.run is not None:
                batch.run.rows_written = inserted + updated
                write_run(con, batch.run)
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
    return WriteSummary(
        metric_rows=staged,
        inserted=inserted,
        updated=updated,
        unchanged=staged - inserted - updated,
        resources_new=resources_new,
        configs_written=configs_written,
    )


def record_run(path: Path, run: RunRecord) -> None:
    """Record a run that wrote no data (a failed run still leaves its trace)."""
    with connect(path, read_only=False) as con:
        write_run(con, run)

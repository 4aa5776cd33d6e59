"""Idempotent writes: everything a run, an import or the demo produces goes in through ``write_batch``.

A batch is checked first, completely and in memory (``store.checks``), so a refused batch never opens the
database file. Then it is written in **one short transaction**: resources, configuration snapshots, metric
rows (a plain INSERT, or a MERGE on the natural key when stored rows may share keys), watermarks, the run
record and the upload record. Writing the same batch twice changes nothing; a killed writer leaves no
partial batch, because DuckDB never replays an uncommitted transaction from its WAL.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from common.services import SERVICES
from common.timeutil import naive_utc, utc_now
from store import read_model
from store import staged as staged_rows
from store.batch import (
    METRIC_COLUMNS,
    Batch,
    ConfigRecord,
    ResourceRecord,
    RunRecord,
    UploadRecord,
    WatermarkRecord,
    WriteSummary,
    constant_column,
    metrics_frame,
)
from store.config_writes import write_configs
from store.db import connect, read_as_is
from store.errors import BatchError
from store.snapshots import write_snapshots
from store.summaries import advance_data_version
from store.temp_tables import arrow_temp_table, temp_table

if TYPE_CHECKING:  # the checks load Arrow and pandas; a collector's command line need not, until it writes
    from store.checks import CheckedBatch, MetricFacts

__all__ = [
    "METRIC_COLUMNS",
    "Batch",
    "ConfigRecord",
    "ResourceRecord",
    "RunRecord",
    "UploadRecord",
    "WatermarkRecord",
    "WriteSummary",
    "constant_column",
    "metrics_frame",
    "record_run",
    "write_batch",
]

_METRIC_SELECT = (
    "SELECT resource_id::VARCHAR AS resource_id, metric::VARCHAR AS metric, period_start, period_s, value, "
    "source::VARCHAR AS source FROM incoming_metrics"
)


def insert_staged_metrics(con: duckdb.DuckDBPyConnection) -> int:
    """Insert the registered ``incoming_metrics`` into ``metrics`` (no stored row shares a key); returns how many."""
    return int(con.execute(f"INSERT INTO metrics {_METRIC_SELECT}").fetchall()[0][0])


def merge_staged_metrics(con: duckdb.DuckDBPyConnection, facts: MetricFacts) -> tuple[int, int]:
    """Write the registered ``incoming_metrics`` into ``metrics``; returns (inserted, updated).

    When no stored row can share a key with the batch (new resources, or a time range not stored yet; the
    usual case for a first import or a backfill), a plain INSERT does the work without the MERGE's join.
    """
    before = con.execute("SELECT count(*) FROM metrics").fetchall()[0][0]
    overlap = con.execute(
        """
        SELECT count(*) FROM (
            SELECT 1 FROM metrics m
            WHERE m.period_start BETWEEN ? AND ? AND m.resource_id IN (SELECT resource_id FROM incoming_spans)
            LIMIT 1)
        """,
        [facts.first, facts.last],
    ).fetchall()[0][0]
    if not overlap:
        con.execute(f"INSERT INTO metrics {_METRIC_SELECT}").fetchall()
        return int(con.execute("SELECT count(*) FROM metrics").fetchall()[0][0] - before), 0
    result = con.execute(
        f"""
        MERGE INTO metrics m USING ({_METRIC_SELECT}) s
        ON m.resource_id = s.resource_id AND m.metric = s.metric
           AND m.period_s = s.period_s AND m.period_start = s.period_start
        WHEN MATCHED AND (m.value IS DISTINCT FROM s.value OR m.source IS DISTINCT FROM s.source)
            THEN UPDATE SET value = s.value, source = s.source
        WHEN NOT MATCHED THEN INSERT (resource_id, metric, period_start, period_s, value, source)
            VALUES (s.resource_id, s.metric, s.period_start, s.period_s, s.value, s.source)
        """  # noqa: S608 - fixed SQL
    ).fetchall()
    affected = int(result[0][0]) if result else 0
    inserted = int(con.execute("SELECT count(*) FROM metrics").fetchall()[0][0] - before)
    return inserted, affected - inserted


def _upsert_resources(con: duckdb.DuckDBPyConnection, resources: tuple[ResourceRecord, ...]) -> int:
    if not resources:
        return 0
    unique = {r.resource_id: r for r in resources}
    temp_table(
        con,
        "incoming_resources",
        {
            "resource_id": ("VARCHAR", list(unique)),
            "provider": ("VARCHAR", [SERVICES[r.service].provider for r in unique.values()]),
            "service": ("VARCHAR", [r.service for r in unique.values()]),
            "pattern": ("VARCHAR", [SERVICES[r.service].pattern for r in unique.values()]),
            "account": ("VARCHAR", [r.account for r in unique.values()]),
            "region": ("VARCHAR", [r.region for r in unique.values()]),
            "name": ("VARCHAR", [r.name for r in unique.values()]),
            "seen_at": ("TIMESTAMP", [naive_utc(r.seen_at) if r.seen_at else None for r in unique.values()]),
        },
    )
    try:
        new = con.execute(
            "SELECT count(*) FROM incoming_resources WHERE resource_id NOT IN (SELECT resource_id FROM resources)"
        ).fetchall()[0][0]
        con.execute(
            """
            INSERT INTO resources
            SELECT resource_id, provider, service, pattern, account, region, name, seen_at, seen_at
            FROM incoming_resources
            ON CONFLICT (resource_id) DO UPDATE SET
                first_seen = least(resources.first_seen, excluded.first_seen),
                last_seen = greatest(resources.last_seen, excluded.last_seen)
            """
        )
    finally:
        con.execute("DROP TABLE IF EXISTS incoming_resources")
    return int(new)


def _refresh_seen_from_metrics(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """
        UPDATE resources SET
            first_seen = least(coalesce(resources.first_seen, s.first), s.first),
            last_seen = greatest(coalesce(resources.last_seen, s.until), s.until)
        FROM incoming_spans s
        WHERE resources.resource_id = s.resource_id
        """
    )


def _drop_source(con: duckdb.DuckDBPyConnection, source: str) -> bool:
    """Remove a source's metric rows and configuration, then resources nothing else describes.

    The spans of the removed rows are kept as ``dropped_spans`` for the read model; returns whether any."""
    con.execute("CREATE OR REPLACE TEMP TABLE dropped_spans AS " + read_model.changed_spans_sql("source = ?"), [source])
    con.execute("DELETE FROM metrics WHERE source = ?", [source])
    con.execute("DELETE FROM resource_config WHERE source = ?", [source])
    con.execute(
        """
        DELETE FROM resources WHERE resource_id NOT IN (SELECT DISTINCT resource_id FROM metrics)
          AND resource_id NOT IN (SELECT DISTINCT resource_id FROM resource_config)
        """
    )
    return bool(con.execute("SELECT count(*) FROM dropped_spans").fetchall()[0][0])


def _write_watermarks(con: duckdb.DuckDBPyConnection, marks: tuple[WatermarkRecord, ...], now: datetime) -> None:
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


def upload_row(upload: UploadRecord) -> list[object]:
    """The ``uploads`` row of an upload record, in the table's column order (metric and billing imports)."""
    return [
        upload.upload_id,
        upload.file_name,
        upload.sha256,
        upload.format,
        upload.rows,
        upload.resources,
        naive_utc(upload.imported_at),
    ]


def _write_upload(con: duckdb.DuckDBPyConnection, upload: UploadRecord) -> bool:
    """Record the upload unless the same ``upload_id`` is recorded already; returns whether it was."""
    known = bool(con.execute("SELECT count(*) FROM uploads WHERE upload_id = ?", [upload.upload_id]).fetchall()[0][0])
    if not known:
        con.execute("INSERT INTO uploads VALUES (?, ?, ?, ?, ?, ?, ?)", upload_row(upload))
    return known


def _stored(con: duckdb.DuckDBPyConnection, ids: frozenset[str]) -> set[str]:
    rows = con.execute(
        "SELECT resource_id FROM resources WHERE list_contains(?::VARCHAR[], resource_id)", [sorted(ids)]
    ).fetchall()
    return {r[0] for r in rows}


def _refuse_unknown(ids: frozenset[str], stored: set[str], checked: CheckedBatch) -> None:
    missing = sorted(ids - stored)
    if not missing:
        return
    in_metrics = set(checked.facts.resource_ids) if checked.facts else set()
    if missing[0] in in_metrics:
        raise BatchError(f"metric rows name resource {missing[0]!r}, which is neither in the batch nor stored")
    raise BatchError(f"configuration for unknown resource {missing[0]!r}")


def _register_metrics(con: duckdb.DuckDBPyConnection, checked: CheckedBatch) -> bool:
    """``incoming_metrics`` (and ``incoming_slots`` when the check pivoted them) in the write's connection: an
    Arrow table registered, or a scratch file's checked rows attached read-only; returns whether slots are."""
    if isinstance(checked.metrics, staged_rows.CheckedRows):
        staged_rows.attach(con, checked.metrics)
        return True
    con.register("incoming_metrics", checked.metrics)
    if checked.facts is not None and checked.facts.slots is not None:
        con.register("incoming_slots", checked.facts.slots)
        return True
    return False


def write_batch(path: Path, batch: Batch | CheckedBatch) -> WriteSummary:
    """Check ``batch`` (unless it was checked already) and write it in one transaction.

    Raises :class:`BatchError` and writes nothing if it is invalid; the file is not opened for a batch that
    fails a check, and is opened read-only first (never created or migrated) when the batch refers to
    resources it does not describe, to see whether they are stored.
    """
    from store.checks import check_batch

    checked = check_batch(batch)
    if checked.stored_ids:
        stored = read_as_is(path, lambda con: _stored(con, checked.stored_ids))
        _refuse_unknown(checked.stored_ids, stored or set(), checked)
    now = utc_now()
    with connect(path, read_only=False) as con:
        con.execute("BEGIN TRANSACTION")
        try:
            dropped = _drop_source(con, checked.replace_source) if checked.replace_source else False
            if checked.stored_ids:  # the same question again, now under the write lock
                _refuse_unknown(checked.stored_ids, _stored(con, checked.stored_ids), checked)
            resources_new = _upsert_resources(con, checked.resources)
            inserted = updated = 0
            alone = False
            if checked.metrics is not None and checked.facts is not None:
                has_slots = _register_metrics(con, checked)
                arrow_temp_table(con, "incoming_spans", checked.facts.spans)
                alone = not dropped and has_slots and read_model.alone_in_its_hours(con, "incoming_spans")
                if alone:
                    inserted = insert_staged_metrics(con)
                else:
                    inserted, updated = merge_staged_metrics(con, checked.facts)
                _refresh_seen_from_metrics(con)
            read_model.refresh_after_write(
                con,
                ["dropped_spans"] * dropped + ["incoming_spans"] * (checked.facts is not None),
                incoming="incoming_spans" if checked.facts is not None else None,
                deleted=dropped,
                updated=updated > 0,
                slots="incoming_slots" if alone else None,
                present=list(checked.facts.present) if alone and checked.facts else None,
            )
            configs_written = write_configs(con, checked.configs)
            _write_watermarks(con, checked.watermarks, now)
            write_snapshots(con, list(checked.snapshots))
            upload_known = _write_upload(con, checked.upload) if checked.upload is not None else False
            if checked.run is not None:
                checked.run.rows_written = inserted + updated
                write_run(con, checked.run)
            advance_data_version(con)  # every stored summary now describes older data
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        finally:
            if isinstance(checked.metrics, staged_rows.CheckedRows):
                staged_rows.detach(con)
    staged = checked.metric_rows
    return WriteSummary(
        metric_rows=staged,
        inserted=inserted,
        updated=updated,
        unchanged=staged - inserted - updated,
        resources_new=resources_new,
        configs_written=configs_written,
        upload_known=upload_known,
    )


def record_run(path: Path, run: RunRecord) -> None:
    """Record a run that wrote no data (a failed run still leaves its trace)."""
    with connect(path, read_only=False) as con:
        write_run(con, run)

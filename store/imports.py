"""Store side of file imports: the long CSV streamed through DuckDB's own reader, checked in SQL.

``stage_long_csv`` fills the ``staged_metrics`` temp table that ``store.writes.write_batch(stage=...)``
merges, straight from ``read_csv`` with every column read as text and cast in SQL, so a 10-million-row
file never passes through pandas. The fast path computes one ``ok`` flag per row; only when a row fails
(or DuckDB's reader refuses the file) does ``store.import_diagnose`` re-read the file to name each
problem's row and column. ``check_long_csv`` runs the same staging in a private in-memory database for
previews and dry runs, so nothing is written and the real database is not even opened.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from common.metrics import CONFIG_FIELDS
from common.progress import ProgressFn
from store.db import run_read
from store.import_diagnose import diagnose_read_error, diagnose_rows, find_conflicts
from store.import_problems import ImportRejected, Problems
from store.import_sql import CONFIG_ROLES, Expressions, LongCsvSpec, ok_sql, read_csv_sql, used_params
from store.writes import ConfigRecord, ResourceRecord

PREVIEW_ROWS = 50


@dataclass
class StagedFile:
    """What staging found: row count, resources, configuration, and how many periods were inferred."""

    rows: int
    resources: list[ResourceRecord]
    configs: list[ConfigRecord]
    inferred_period_rows: int = 0


def _execute_with_progress(
    con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any], progress: ProgressFn | None, label: str
) -> None:
    """Run one long statement, reporting DuckDB's own query progress while it runs."""
    if progress is None:
        con.execute(sql, params).fetchall()
        return
    con.execute("SET enable_progress_bar = true")
    con.execute("SET enable_progress_bar_print = false")
    done = threading.Event()

    def poll() -> None:
        while not done.wait(0.2):
            try:
                pct = con.query_progress()
            except duckdb.Error:
                return
            if pct is not None and pct >= 0:
                progress(min(pct, 100.0) / 100.0, label)

    watcher = threading.Thread(target=poll, daemon=True)
    watcher.start()
    try:
        con.execute(sql, params).fetchall()
    finally:
        done.set()
        watcher.join()
    progress(1.0, label)


def stage_long_csv(con: duckdb.DuckDBPyConnection, spec: LongCsvSpec, progress: ProgressFn | None = None) -> StagedFile:
    """Read, cast and check the file into ``staged_metrics``; raise ImportRejected naming rows if bad."""
    con.execute("SET TimeZone = 'UTC'")
    exprs = Expressions(spec)
    derived = exprs.derived_select(read_csv_sql())
    checks = exprs.checks()
    columns = [
        f"{exprs.resource_id} AS resource_id",
        "d_metric AS metric",
        "d_ts AS period_start",
        "d_period AS period_s",
        "d_value AS value",
        "$source::VARCHAR AS source",
        "d_zoned AS zoned",
        f"{ok_sql(checks)} AS ok",
    ]
    columns += [f"d_{role} AS cfg_{role}" for role in CONFIG_ROLES if spec.has(role)]
    select = ", ".join(columns)
    sql = f"CREATE OR REPLACE TEMP TABLE staged_metrics AS SELECT {select} FROM ({derived})"  # noqa: S608
    params = {
        **spec.reader_params(),
        **exprs.params,
        "source": spec.source,
        "default_account": spec.default_account,
        "default_region": spec.default_region,
    }
    try:
        _execute_with_progress(con, sql, used_params(sql, params), progress, "reading")
    except duckdb.Error as exc:
        diagnose_read_error(con, spec, exc)  # always raises ImportRejected
        raise
    total, bad, any_zoned, all_zoned, no_period = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE NOT ok), bool_or(zoned), bool_and(zoned), "
        "count(*) FILTER (WHERE period_s IS NULL) FROM staged_metrics"
    ).fetchall()[0]
    if not total:
        raise ImportRejected.single(spec.file_name, "has a header but no data rows")
    if bad or (any_zoned and not all_zoned):
        diagnose_rows(con, spec, exprs, checks)  # always raises ImportRejected
    if no_period:
        _infer_periods(con, spec.default_period_s)
    resources = _resources(con)
    configs = _configs(con, spec) if any(spec.has(r) for r in CONFIG_ROLES) else []
    return StagedFile(int(total), resources, configs, int(no_period))


def _infer_periods(con: duckdb.DuckDBPyConnection, default_period_s: int) -> None:
    """A row without period_s takes its series' smallest spacing between timestamps, else the default."""
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE import_periods AS
        SELECT resource_id, metric,
               CASE WHEN min(gap) FILTER (WHERE gap > 0) IS NULL THEN $default
                    ELSE greatest(1, round(min(gap) FILTER (WHERE gap > 0)))::INTEGER END AS period_s
        FROM (
            SELECT resource_id, metric,
                   epoch(period_start) - epoch(lag(period_start) OVER (
                       PARTITION BY resource_id, metric ORDER BY period_start)) AS gap
            FROM staged_metrics
        ) GROUP BY resource_id, metric
        """,
        {"default": default_period_s},
    )
    con.execute(
        """
        UPDATE staged_metrics SET period_s = p.period_s FROM import_periods p
        WHERE staged_metrics.period_s IS NULL
          AND staged_metrics.resource_id = p.resource_id AND staged_metrics.metric = p.metric
        """
    )


def split_resource_id(resource_id: str) -> ResourceRecord:
    """Invert ``resource_key``: service, account and region never contain ':', the name may."""
    service, account, region, name = resource_id.split(":", 3)
    return ResourceRecord(service, account, region, name)


def _resources(con: duckdb.DuckDBPyConnection) -> list[ResourceRecord]:
    rows = con.execute("SELECT DISTINCT resource_id FROM staged_metrics ORDER BY 1").fetchall()
    return [split_resource_id(r[0]) for r in rows]


def _configs(con: duckdb.DuckDBPyConnection, spec: LongCsvSpec) -> list[ConfigRecord]:
    """One snapshot per resource from the last non-empty value of each configuration column in the file.

    Fields the file does not give keep the value already stored for the resource at that time, so an
    import that only states ``memory_mb`` does not blank out an instance type a collector recorded.
    """
    roles = [r for r in CONFIG_ROLES if spec.has(r)]
    picks = ", ".join(f"arg_max(cfg_{r}, rowid) FILTER (WHERE cfg_{r} IS NOT NULL) AS {r}" for r in roles)
    rows = con.execute(
        f"SELECT resource_id, min(period_start) AS valid_from, {picks} FROM staged_metrics "  # noqa: S608 - generated names
        "GROUP BY resource_id ORDER BY resource_id"
    ).fetchall()
    configs = []
    for resource_id, valid_from, *values in rows:
        given = {role: value for role, value in zip(roles, values, strict=True) if value is not None}
        if not given:
            continue
        configs.append(ConfigRecord(resource_id, valid_from, given, spec.source))
    return with_stored_config(con, configs)


def with_stored_config(con: duckdb.DuckDBPyConnection, configs: list[ConfigRecord]) -> list[ConfigRecord]:
    """Fill the fields an import does not state from the configuration stored for that resource and time."""
    fields = list(CONFIG_FIELDS)
    out = []
    for c in configs:
        stored = _config_in_effect(con, c.resource_id, c.valid_from, fields)
        out.append(ConfigRecord(c.resource_id, c.valid_from, {**stored, **c.values}, c.source, c.assumed))
    return out


def _config_in_effect(
    con: duckdb.DuckDBPyConnection, resource_id: str, at: datetime, fields: list[str]
) -> dict[str, Any]:
    has_table = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'resource_config'"
    ).fetchall()[0][0]
    if not has_table:
        return {}
    rows = con.execute(
        f"SELECT {', '.join(fields)} FROM resource_config "  # noqa: S608 - catalog column names
        "WHERE resource_id = ? AND valid_from <= ? ORDER BY valid_from DESC LIMIT 1",
        [resource_id, at],
    ).fetchall()
    if not rows:
        return {}
    return {f: v for f, v in zip(fields, rows[0], strict=True) if v is not None}


@dataclass
class LongCsvCheck:
    """A dry run of one long CSV: what an import would write, without writing it."""

    staged: StagedFile
    preview: pd.DataFrame
    rows_per_metric: dict[str, int]


def check_long_csv(spec: LongCsvSpec, progress: ProgressFn | None = None) -> LongCsvCheck:
    """Stage and fully check the file in a private in-memory database (duplicates included)."""
    con = duckdb.connect(":memory:")
    try:
        con.execute("SET enable_progress_bar = false")
        staged = stage_long_csv(con, spec, progress)
        problems = Problems(spec.file_name)
        find_conflicts(con, spec, problems)
        problems.raise_if_any()
        preview = con.execute(
            "SELECT resource_id, metric, period_start, period_s, value FROM staged_metrics ORDER BY rowid LIMIT ?",
            [PREVIEW_ROWS],
        ).df()
        counts = dict(con.execute("SELECT metric, count(*) FROM staged_metrics GROUP BY 1 ORDER BY 1").fetchall())
        return LongCsvCheck(staged, preview, {k: int(v) for k, v in counts.items()})
    finally:
        con.close()


def explain_conflicts(spec: LongCsvSpec) -> ImportRejected | None:
    """After the store refused a batch for two values of one key, name the rows that disagree."""
    con = duckdb.connect(":memory:")
    try:
        stage_long_csv(con, spec)
        problems = Problems(spec.file_name)
        find_conflicts(con, spec, problems)
        if problems:
            return ImportRejected(spec.file_name, problems.listed, problems.total)
        return None
    finally:
        con.close()


def upload_recorded(con: duckdb.DuckDBPyConnection, upload_id: str) -> bool:
    """Whether this exact content (with the same options) was imported before."""
    return bool(con.execute("SELECT count(*) FROM uploads WHERE upload_id = ?", [upload_id]).fetchall()[0][0])


def data_span(path: Path, resource_ids: list[str]) -> tuple[date, date] | None:
    """First and last UTC day holding data of these resources (for links to their views)."""

    def query(con: duckdb.DuckDBPyConnection) -> tuple[date, date] | None:
        lo, hi = con.execute(
            "SELECT min(period_start), max(period_start) FROM metrics WHERE list_contains(?::VARCHAR[], resource_id)",
            [resource_ids],
        ).fetchall()[0]
        return (lo.date(), hi.date()) if lo is not None else None

    return run_read(path, query)

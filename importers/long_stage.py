"""The generic long CSV read once by DuckDB, into a table of a private scratch database used only for computing.

``stage_long_csv`` streams the file through DuckDB's own reader with every column read as text and cast in SQL,
straight into a table of a scratch database file in the temporary folder (``store.staged``): the rows are kept
compressed in blocks DuckDB pages to and from disk, under a memory limit, so a file of 50 million rows costs no
more memory than one of 5 million, and never passes through pandas or Arrow. Every row gets one ``ok`` flag from
the row checks; the catalog words are checked once per distinct value. Only when something fails (or DuckDB's
reader refuses the file) does ``importers.long_diagnose`` read the file again to name each problem's row and
column. The result is plain data for the store's batch: the metric rows as ``store.staged.StagedRows`` (which
the store checks in the same file and the write attaches), the resources and the configuration snapshots.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

import duckdb
import pyarrow as pa

from common.progress import ProgressFn
from importers.long_checks import checks_for, ok_sql
from importers.long_diagnose import diagnose_read_error, diagnose_rows, find_conflicts
from importers.long_sql import Expressions, LongCsvSpec, create_catalog_types, read_csv_sql, used_params
from importers.problems import ImportRejected, Problems
from store.batch import ConfigRecord, ResourceRecord
from store.checks import DuplicateKeyError
from store.errors import BatchError
from store.staged import ScratchFolder, StagedRows, scratch_connection

if TYPE_CHECKING:  # pandas only for the page's preview, not for an import
    import pandas as pd

PREVIEW_ROWS = 50


@dataclass
class StagedFile:
    """What one long CSV holds, ready for a batch (``metrics`` has no ``source`` yet)."""

    rows: int
    resources: list[ResourceRecord]
    configs: list[ConfigRecord]
    metrics: StagedRows
    inferred_period_rows: int = 0
    config_rows: int = 0


class StageCounts(NamedTuple):
    no_period: int  # metric rows without a period (inferred from their series)
    config_rows: int  # rows that give configuration only


def _run_with_progress(
    con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any], progress: ProgressFn | None
) -> None:
    """Run the one long statement, reporting DuckDB's own query progress while it runs."""
    if progress is None:
        con.execute(sql, params)
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
                progress(min(pct, 100.0) / 100.0, "reading")

    watcher = threading.Thread(target=poll, daemon=True)
    watcher.start()
    try:
        con.execute(sql, params)
    finally:
        done.set()
        watcher.join()
        con.execute("SET enable_progress_bar = false")
        progress(1.0, "reading")


def _stage(
    con: duckdb.DuckDBPyConnection, spec: LongCsvSpec, progress: ProgressFn | None, now: datetime | None
) -> tuple[list[str], StageCounts]:
    """Read the file once into table ``staged_all`` (view ``staged`` adds each row's place in the file,
    ``row_index``) and check it; raises ImportRejected naming rows.

    The rows go straight from DuckDB's reader to the table; service and metric are ENUMs, which the catalog
    checks read once per distinct value, and the resource names are checked once per resource. Returns the
    resource ids and the counts the caller needs.
    """
    create_catalog_types(con)
    exprs = Expressions(spec, now)
    derived = exprs.derived_select(read_csv_sql())
    checks = checks_for(exprs)
    row_checks = [c for c in checks if not c.per_value and not c.by_store]
    value_checks = [c for c in checks if c.per_value]
    catalog = ["d_service_known", "d_is_config", *(["d_factor"] if spec.has("unit") else [])]
    columns = [
        "d_resource_id AS resource_id",
        "d_metric_known AS metric",
        "d_ts AS period_start",
        "d_period AS period_s",
        "d_value AS value",
        "d_zoned AS zoned",
        *catalog,
        f"{ok_sql(row_checks)} AS ok",
    ]
    columns += [f"d_{role} AS cfg_{role}" for role in spec.config_roles]
    columns += ["d_assumed AS cfg_assumed"] if spec.has("assumed") else []
    sql = f"CREATE TABLE staged_all AS SELECT {', '.join(columns)} FROM ({derived})"  # noqa: S608 - generated names
    params = {**spec.reader_params(), **exprs.params, **_defaults(spec)}
    try:
        _run_with_progress(con, sql, used_params(sql, params), progress)
    except duckdb.Error as exc:
        diagnose_read_error(spec, exc)  # always raises ImportRejected
        raise
    # the table keeps the file's order (DuckDB preserves insertion order), so a row's rowid is its place
    con.execute("CREATE VIEW staged AS SELECT rowid AS row_index, * FROM staged_all")
    # one pass: per resource, its rows, the rows failing a check, whether their times name a zone, and (for the
    # caller) the rows with no period and the configuration rows
    per_resource = con.execute(
        """
        SELECT resource_id, count(*), count(*) FILTER (WHERE NOT ok), bool_or(zoned), bool_and(zoned),
               count(*) FILTER (WHERE period_s IS NULL AND NOT d_is_config), count(*) FILTER (WHERE d_is_config)
        FROM staged GROUP BY 1 ORDER BY 1
        """
    ).fetchall()
    if not per_resource:
        raise ImportRejected.single(spec.file_name, "has a header but no data rows")
    ids = [r[0] for r in per_resource]
    bad = sum(r[2] for r in per_resource)
    known_zones = [r[4] for r in per_resource if r[4] is not None]  # bool_and over every row, as one query gives
    any_zoned, all_zoned = any(r[3] for r in per_resource), all(known_zones) if known_zones else None
    counts = StageCounts(sum(r[5] for r in per_resource), sum(r[6] for r in per_resource))
    bad_values = 0
    for source, names in (
        (f"SELECT DISTINCT metric AS d_metric_known, {', '.join(catalog)} FROM staged", ""),  # noqa: S608
        ("SELECT unnest($resource_ids) AS d_resource_id", "d_resource_id"),
    ):
        per_column = [c for c in value_checks if ("d_resource_id" in c.ok_sql) == bool(names)]
        per_value = f"SELECT count(*) FROM ({source}) WHERE NOT ({ok_sql(per_column)})"  # noqa: S608
        params = {**exprs.params, "resource_ids": ids}
        bad_values += con.execute(per_value, used_params(per_value, params)).fetchall()[0][0]
    if bad or bad_values or (any_zoned and not all_zoned):
        diagnose_rows(spec, exprs, checks)  # always raises ImportRejected
    return ids, counts


def _defaults(spec: LongCsvSpec) -> dict[str, str]:
    return {"default_account": spec.default_account, "default_region": spec.default_region}


def stage_long_csv(spec: LongCsvSpec, progress: ProgressFn | None = None, now: datetime | None = None) -> StagedFile:
    """Read, cast and check the file (see module docstring); raise ImportRejected naming rows if bad."""
    folder = ScratchFolder()
    path = folder.path / "stage.duckdb"
    try:
        con = scratch_connection(path)
        try:
            ids, (no_period, config_rows) = _stage(con, spec, progress, now)
            if no_period:
                _infer_periods(con, spec.default_period_s)
            resources = [split_resource_id(r) for r in ids]
            configs = _configs(con, spec) if spec.config_roles or spec.has("assumed") else []
            only_metrics = " WHERE NOT d_is_config" if config_rows else ""
            con.execute(
                "CREATE VIEW metric_rows AS SELECT resource_id, metric, period_start, period_s, value "  # noqa: S608
                f"FROM staged_all{only_metrics}"
            )
            rows = con.execute("SELECT count(*) FROM staged_all").fetchall()[0][0]
        finally:
            con.close()
    except BaseException:
        folder.remove()
        raise
    metrics = StagedRows(folder, path, "metric_rows", int(rows - config_rows))
    return StagedFile(int(rows), resources, configs, metrics, int(no_period), int(config_rows))


def _infer_periods(con: duckdb.DuckDBPyConnection, default_period_s: int) -> None:
    """A row without period_s takes its series' smallest spacing between timestamps, else the default."""
    con.execute(
        """
        UPDATE staged_all s SET period_s = i.inferred
        FROM (
            SELECT resource_id, metric,
                   CASE WHEN min(gap) FILTER (WHERE gap > 0) IS NULL THEN $default
                        ELSE greatest(1, round(min(gap) FILTER (WHERE gap > 0)))::INTEGER END AS inferred
            FROM (
                SELECT resource_id, metric,
                       epoch(period_start) - epoch(lag(period_start) OVER (
                           PARTITION BY resource_id, metric ORDER BY period_start)) AS gap
                FROM staged_all WHERE NOT d_is_config
            )
            GROUP BY ALL
        ) i
        WHERE s.period_s IS NULL AND NOT s.d_is_config AND s.resource_id = i.resource_id AND s.metric = i.metric
        """,
        {"default": default_period_s},
    )


def split_resource_id(resource_id: str) -> ResourceRecord:
    """Invert ``resource_key``: service, account and region never contain ':', the name may."""
    service, account, region, name = resource_id.split(":", 3)
    return ResourceRecord(service, account, region, name)


def _configs(con: duckdb.DuckDBPyConnection, spec: LongCsvSpec) -> list[ConfigRecord]:
    """Configuration snapshots: every configuration row at its timestamp (the last one at a time wins), and
    for resources without one, a snapshot from the metric rows' configuration columns (per column the last
    non-empty value) valid from the resource's first timestamp in the file.

    Fields a snapshot does not give keep what is stored for the resource at that time (``keep_unstated``), so an
    import that only states ``memory_mb`` does not blank out an instance type a collector recorded.
    """
    roles = spec.config_roles
    assumed = "cfg_assumed" if spec.has("assumed") else "NULL::VARCHAR"
    cols = ", ".join([*(f"cfg_{r}" for r in roles), assumed])
    rows = con.execute(
        f"SELECT resource_id, period_start, {cols} FROM staged WHERE d_is_config "  # noqa: S608 - generated names
        "QUALIFY row_number() OVER (PARTITION BY resource_id, period_start ORDER BY row_index DESC) = 1 ORDER BY 1, 2"
    ).fetchall()
    if roles:
        picks = ", ".join(f"arg_max(cfg_{r}, row_index) FILTER (WHERE cfg_{r} IS NOT NULL)" for r in roles)
        rows += con.execute(
            f"SELECT resource_id, min(period_start), {picks}, NULL FROM staged "  # noqa: S608 - generated names
            "WHERE NOT d_is_config AND resource_id NOT IN (SELECT resource_id FROM staged WHERE d_is_config) "
            "GROUP BY resource_id ORDER BY resource_id"
        ).fetchall()
    configs = []
    for resource_id, valid_from, *values in rows:
        *fields, assumed_text = values
        given = {role: value for role, value in zip(roles, fields, strict=True) if value is not None}
        names = tuple(sorted(n.strip() for n in assumed_text.split(",") if n.strip())) if assumed_text else ()
        if given or names:
            configs.append(ConfigRecord(resource_id, valid_from, given, spec.source, names, keep_unstated=True))
    return configs


def preview_of(metrics: pa.Table | StagedRows, limit: int = PREVIEW_ROWS) -> pd.DataFrame:
    """The first rows as the page shows them (text, not categories)."""
    head = metrics.head(limit) if isinstance(metrics, StagedRows) else metrics.slice(0, limit)
    return pa.table({name: _plain(head[name]) for name in head.column_names}).to_pandas()


def _plain(column: pa.ChunkedArray) -> pa.ChunkedArray:
    return column.cast(column.type.value_type) if pa.types.is_dictionary(column.type) else column


def explain_refusal(spec: LongCsvSpec, exc: BatchError) -> ImportRejected:
    """The store refused the file's rows: name the rows behind it (reads the file again, on this path only)."""
    if isinstance(exc, DuplicateKeyError):
        return explain_conflicts(spec) or ImportRejected.single(spec.file_name, str(exc))
    exprs = Expressions(spec)
    exprs.derived_select(read_csv_sql())
    try:
        diagnose_rows(spec, exprs, checks_for(exprs), fallback=str(exc))
    except ImportRejected as rejection:
        return rejection
    return ImportRejected.single(spec.file_name, str(exc))  # diagnose_rows always raises; kept for the type


def explain_conflicts(spec: LongCsvSpec) -> ImportRejected | None:
    """After the store refused the file for two values of one key, name the rows that disagree (reads it again)."""
    folder = ScratchFolder()
    try:
        con = scratch_connection(folder.path / "conflicts.duckdb")
        try:
            _stage(con, spec, None, None)
            problems = Problems(spec.file_name)
            find_conflicts(con, spec, problems)
            return ImportRejected(spec.file_name, problems.listed, problems.total) if problems else None
        finally:
            con.close()
    finally:
        folder.remove()

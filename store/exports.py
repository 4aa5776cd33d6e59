"""Export stored data as the generic long CSV, filtered like the pages, streamed, and safe to open in a spreadsheet.

The columns are ``timestamp,service,resource,metric,value,period_s,region,account`` followed by every
configuration field and ``assumed``. A metric row leaves the configuration columns empty; each configuration
snapshot is a row of its own whose ``metric``, ``value`` and ``period_s`` are empty and whose ``timestamp`` is
the moment it took effect. So importing the export into an empty database reproduces the resources, their
configuration history and the metrics exactly (values are written with the shortest text that reads back as
the same double). A snapshot with no field set has nothing to say and is left out.

``Filters`` select what the pages would show: the resources they match, the metric rows overlapping the
window, and the configuration in effect during it (the snapshot in effect when it opens and every later one
before it closes). Rows go out in record batches from DuckDB to the CSV writer; the file is never built in
memory.

Text cells that a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage return) get a
leading apostrophe, as do cells that already start with one, so the importer can take exactly one apostrophe
off again; numeric columns are left numeric.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, BinaryIO

from common.metrics import CONFIG_FIELDS
from common.progress import ProgressFn
from store.db import connect
from store.queries import Filters, resource_where

EXPORT_COLUMNS = (
    "timestamp",
    "service",
    "resource",
    "metric",
    "value",
    "period_s",
    "region",
    "account",
    *CONFIG_FIELDS,
    "assumed",
)
BATCH_ROWS = 256_000


# First characters a spreadsheet would run as a formula, plus the apostrophe the guard itself adds (so a
# value that really starts with one survives the round trip).
GUARDED_FIRST_SQL = "('=', '+', '-', '@', chr(9), chr(13), '''')"
GUARDED_FIRST = ("=", "+", "-", "@", "\t", "\r", "'")


def guard_cell(text: str) -> str:
    """The same guard for a text cell written from Python (``report --format csv``)."""
    return "'" + text if text[:1] in GUARDED_FIRST else text


def guard_sql(expr: str) -> str:
    """SQL that neutralises a spreadsheet formula in a text cell (see module docstring)."""
    return f"CASE WHEN left({expr}, 1) IN {GUARDED_FIRST_SQL} THEN '''' || {expr} ELSE {expr} END"


def unguard_sql(expr: str) -> str:
    """SQL that undoes ``guard_sql`` on import: one leading apostrophe before a guarded character."""
    return (
        f"CASE WHEN starts_with({expr}, '''') AND substr({expr}, 2, 1) IN {GUARDED_FIRST_SQL} "
        f"THEN substr({expr}, 2) ELSE {expr} END"
    )


def _timestamp(expr: str) -> str:
    return (
        f"CASE WHEN microsecond({expr}) % 1000000 = 0 THEN strftime({expr}, '%Y-%m-%dT%H:%M:%SZ') "
        f"ELSE strftime({expr}, '%Y-%m-%dT%H:%M:%S.%fZ') END"
    )


def export_sql(f: Filters) -> tuple[str, dict[str, Any]]:
    """The export's query and parameters for the resources, window and configuration ``f`` selects."""
    where, params = resource_where(f)
    lo, hi = f.window()
    fields = list(CONFIG_FIELDS)
    text = [name for name, kind in CONFIG_FIELDS.items() if kind == "VARCHAR"]
    config_out = ", ".join(guard_sql(f"x.{c}") if c in text else f"x.{c}" for c in [*fields, "assumed"])
    any_field = " OR ".join(f"c.{c} IS NOT NULL" for c in [*fields, "assumed"])
    empty_fields = ", ".join(f"NULL AS {c}" for c in [*fields, "assumed"])
    sql = f"""
        WITH chosen AS (SELECT * FROM resources r WHERE {where}),
        rows AS (
            SELECT m.resource_id, 1 AS kind, m.period_start AS at, m.metric, m.value, m.period_s, {empty_fields}
            FROM metrics m JOIN chosen USING (resource_id)
            WHERE m.period_start < $hi AND m.period_start + to_seconds(m.period_s) > $lo
            UNION ALL
            SELECT c.resource_id, 0, c.valid_from, NULL, NULL, NULL, {", ".join(f"c.{c}" for c in fields)}, c.assumed
            FROM resource_config c JOIN chosen USING (resource_id)
            WHERE c.valid_from < $hi AND ({any_field})
            QUALIFY c.valid_from >= $lo
                 OR c.valid_from = max(c.valid_from) FILTER (WHERE c.valid_from <= $lo)
                                   OVER (PARTITION BY c.resource_id)
        )
        SELECT {_timestamp("x.at")} AS timestamp, {guard_sql("r.service")} AS service,
               {guard_sql("r.name")} AS resource, {guard_sql("x.metric")} AS metric, x.value, x.period_s,
               {guard_sql("r.region")} AS region, {guard_sql("r.account")} AS account, {config_out}
        FROM rows x JOIN resources r USING (resource_id)
        ORDER BY r.service, r.account, r.region, r.name, x.kind, x.metric, x.period_s, x.at
    """  # noqa: S608 - fixed column expressions; every user value is a parameter
    return sql, {**params, "lo": lo, "hi": hi}


def _rows_about(con: Any, f: Filters) -> int:
    """About how many rows the export writes (every snapshot before the window's end), for its progress."""
    where, params = resource_where(f)
    lo, hi = f.window()
    sql = f"""
        SELECT (SELECT count(*) FROM metrics m JOIN resources r USING (resource_id)
                WHERE {where} AND m.period_start < $hi AND m.period_start + to_seconds(m.period_s) > $lo)
             + (SELECT count(*) FROM resource_config c JOIN resources r USING (resource_id)
                WHERE {where} AND c.valid_from < $hi)
    """  # noqa: S608 - fixed SQL, parameters for every user value
    return int(con.execute(sql, {**params, "lo": lo, "hi": hi}).fetchall()[0][0])


def export_long_csv(
    path: Path, out: BinaryIO, filters: Filters | None = None, progress: ProgressFn | None = None
) -> int:
    """Stream the rows ``filters`` select (all, by default) to ``out``; returns how many data rows it wrote."""
    import pyarrow.csv as pacsv  # the CSV writer, loaded only when exporting

    f = filters or Filters()
    sql, params = export_sql(f)
    with connect(path, read_only=True) as con:
        total = _rows_about(con, f) if progress else 0
        reader = con.sql(sql, params=params).to_arrow_reader(BATCH_ROWS)
        written = 0
        # The header is written by hand so it reads plainly (Arrow would quote every name).
        out.write((",".join(EXPORT_COLUMNS) + "\n").encode())
        options = pacsv.WriteOptions(include_header=False, quoting_style="needed")
        with pacsv.CSVWriter(out, reader.schema, write_options=options) as writer:
            for batch in reader:
                writer.write_batch(batch)
                written += batch.num_rows
                if progress and total:
                    progress(min(written / total, 1.0), "exporting")
    if progress:
        progress(1.0, "exporting")
    return written


def export_to_file(
    path: Path, out_path: Path, filters: Filters | None = None, progress: ProgressFn | None = None
) -> int:
    """Write the export to ``out_path`` via a temporary file, so a failed export leaves no half file."""
    out_path = Path(out_path)
    tmp = out_path.with_name(out_path.name + ".partial")
    try:
        with tmp.open("wb") as fh:
            rows = export_long_csv(path, fh, filters, progress)
        tmp.replace(out_path)
    finally:
        tmp.unlink(missing_ok=True)
    return rows

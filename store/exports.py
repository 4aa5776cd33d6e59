"""Export every stored metric as the generic long CSV, safe to open in a spreadsheet.

The columns are ``timestamp,service,resource,metric,value,period_s,region,account``, so importing the
export into an empty database reproduces the metrics and resources exactly (values are written with
the shortest text that reads back as the same double). Text cells that a spreadsheet would run as a
formula (starting with = + - @, a tab or a carriage return) get a leading apostrophe, as do cells that
already start with one, so the importer can take exactly one apostrophe off again; numeric columns are
left numeric.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

import pyarrow as pa
import pyarrow.csv as pacsv

from common.progress import ProgressFn
from store.db import connect

EXPORT_COLUMNS = ("timestamp", "service", "resource", "metric", "value", "period_s", "region", "account")
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


EXPORT_SQL = f"""
    SELECT CASE WHEN microsecond(m.period_start) % 1000000 = 0
                THEN strftime(m.period_start, '%Y-%m-%dT%H:%M:%SZ')
                ELSE strftime(m.period_start, '%Y-%m-%dT%H:%M:%S.%fZ') END AS timestamp,
           {guard_sql("r.service")} AS service,
           {guard_sql("r.name")} AS resource,
           {guard_sql("m.metric")} AS metric,
           m.value AS value,
           m.period_s AS period_s,
           {guard_sql("r.region")} AS region,
           {guard_sql("r.account")} AS account
    FROM metrics m JOIN resources r USING (resource_id)
    ORDER BY r.service, r.account, r.region, r.name, m.metric, m.period_s, m.period_start
"""  # noqa: S608 - fixed column expressions, no user input


def export_long_csv(path: Path, out: BinaryIO, progress: ProgressFn | None = None) -> int:
    """Stream every metric row of the database at ``path`` to ``out``; returns the number of rows."""
    with connect(path, read_only=True) as con:
        total = int(con.execute("SELECT count(*) FROM metrics").fetchall()[0][0])
        reader = con.sql(EXPORT_SQL).to_arrow_reader(BATCH_ROWS)
        schema = pa.schema(
            [
                ("timestamp", pa.string()),
                ("service", pa.string()),
                ("resource", pa.string()),
                ("metric", pa.string()),
                ("value", pa.float64()),
                ("period_s", pa.int32()),
                ("region", pa.string()),
                ("account", pa.string()),
            ]
        )
        written = 0
        # The header is written by hand so it reads plainly (Arrow would quote every name).
        out.write((",".join(EXPORT_COLUMNS) + "\n").encode())
        options = pacsv.WriteOptions(include_header=False, quoting_style="needed")
        with pacsv.CSVWriter(out, schema, write_options=options) as writer:
            for batch in reader:
                writer.write_batch(batch.cast(schema) if batch.schema != schema else batch)
                written += batch.num_rows
                if progress and total:
                    progress(written / total, "exporting")
    if progress:
        progress(1.0, "exporting")
    return written


def export_to_file(path: Path, out_path: Path, progress: ProgressFn | None = None) -> int:
    """Write the export to ``out_path`` via a temporary file, so a failed export leaves no half file."""
    out_path = Path(out_path)
    tmp = out_path.with_name(out_path.name + ".partial")
    try:
        with tmp.open("wb") as fh:
            rows = export_long_csv(path, fh, progress)
        tmp.replace(out_path)
    finally:
        tmp.unlink(missing_ok=True)
    return rows

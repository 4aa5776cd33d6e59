"""Name the rows and columns behind a rejected long CSV.

The import's fast path only knows *that* something is wrong (DuckDB's reader raised, or a row's ``ok``
flag is false). These functions re-read the file in a private in-memory database, once with DuckDB's
rejects table for malformed rows, once as plain text with row numbers for the value checks, and raise
``ImportRejected`` with at most ``MAX_LISTED`` one-line problems, lowest rows first. They run only on
the failure path, so they may be slower than the import itself.
"""

from __future__ import annotations

import re
from typing import Any

import duckdb

from importers.long_checks import Check
from importers.long_sql import Expressions, LongCsvSpec, create_catalog_types, read_csv_sql, used_params
from importers.problems import MAX_LISTED, ImportRejected, Problem, Problems, quoted, shorten

_REJECTS = ", store_rejects = true, rejects_table = 'import_rejects', rejects_scan = 'import_reject_scans'"


def _params(sql: str, params: dict[str, Any]) -> dict[str, Any]:
    return used_params(sql, params)


def _reject_message(spec: LongCsvSpec, error_type: str, message: str) -> str:
    fields = len(spec.header)
    if error_type == "INVALID ENCODING":
        return "is not valid UTF-8 text; save the file as UTF-8 (in Excel: 'CSV UTF-8')"
    if error_type == "TOO MANY COLUMNS":
        found = re.search(r"Found: (\d+)", message)
        count = found.group(1) if found else "more"
        return f"has {count} fields, the header has {fields} (is a value with a comma unquoted?)"
    if error_type == "MISSING COLUMNS":
        return f"has fewer fields than the header's {fields}"
    if error_type == "LINE SIZE OVER MAXIMUM":
        return f"is longer than the {spec.max_line_bytes // 1024} KiB a row may have"
    if "quote" in message.lower():
        return "has a quote that is never closed"
    return shorten(message.splitlines()[0], 200) if message else (error_type or "malformed").lower()


def diagnose_read_error(spec: LongCsvSpec, exc: Exception) -> None:
    """DuckDB's reader refused the file: list the malformed rows it found, or its own first line."""
    probe = duckdb.connect(":memory:")
    try:
        sql = f"CREATE TEMP TABLE import_raw AS SELECT * FROM {read_csv_sql(_REJECTS)}"  # noqa: S608 - generated
        try:
            probe.execute(sql, _params(sql, spec.reader_params()))
            rows = probe.execute(
                """
                SELECT line, arg_min(column_name, coalesce(column_idx, -1)),
                       arg_min(error_type, coalesce(column_idx, -1)),
                       arg_min(error_message, coalesce(column_idx, -1))
                FROM import_rejects GROUP BY line ORDER BY line
                """
            ).fetchall()
        except duckdb.Error:
            rows = []
    finally:
        probe.close()
    if not rows:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        first = shorten(re.sub(r"^[A-Za-z ]+Error: ", "", first), 200)
        raise ImportRejected.single(spec.file_name, f"could not be read as CSV: {first}") from None
    problems = [
        Problem(
            _reject_message(spec, error_type, message or ""),
            row=int(line),
            column=spec.header[_column_index(column_name)] if _column_index(column_name) is not None else None,
        )
        for line, column_name, error_type, message in rows[:MAX_LISTED]
    ]
    raise ImportRejected(spec.file_name, problems, len(rows)) from None


def _column_index(column_name: str | None) -> int | None:
    if column_name and re.fullmatch(r"c\d+", column_name):
        return int(column_name[1:])
    return None


def diagnose_rows(spec: LongCsvSpec, exprs: Expressions, checks: list[Check], fallback: str | None = None) -> None:
    """Some rows failed a check: name up to ``MAX_LISTED`` of them with their column and value.

    ``fallback`` is the line to refuse the file with when no check names a row (the store's own message)."""
    probe = duckdb.connect(":memory:")
    try:
        probe.execute("SET TimeZone = 'UTC'")
        create_catalog_types(probe)
        sql = f"CREATE TEMP TABLE import_raw AS SELECT * FROM {read_csv_sql()}"  # noqa: S608 - generated
        probe.execute(sql, _params(sql, spec.reader_params()))
        derived = exprs.derived_select("(SELECT rowid AS row_index, * FROM import_raw)")
        params = {
            **exprs.params,
            "default_account": spec.default_account,
            "default_region": spec.default_region,
        }
        sql = f"CREATE TEMP TABLE import_derived AS {derived}"
        probe.execute(sql, _params(sql, params))
        found: list[Problem] = []
        total = 0
        for check in checks:
            where = f"NOT coalesce(({check.ok_sql}), false)"
            count_sql = f"SELECT count(*) FROM import_derived WHERE {where}"  # noqa: S608 - generated SQL
            count = probe.execute(count_sql, _params(count_sql, params)).fetchall()[0][0]
            if not count:
                continue
            total += count
            list_sql = (
                f"SELECT row_index + 2, {exprs.raw(check.role)}, {exprs.raw('metric')} FROM import_derived "  # noqa: S608
                f"WHERE {where} ORDER BY row_index LIMIT {MAX_LISTED}"
            )
            for row, raw, metric in probe.execute(list_sql, _params(list_sql, params)).fetchall():
                found.append(Problem(check.message(raw, metric), row=int(row), column=spec.column_name(check.role)))
        zone_problem, zone_count = _mixed_zones(probe, spec, exprs)
        if zone_problem:
            found.append(zone_problem)
            total += zone_count
    finally:
        probe.close()
    if not found:
        raise ImportRejected.single(spec.file_name, fallback or "failed a check that could not be traced to a row")
    raise ImportRejected(spec.file_name, found, total)


def _mixed_zones(probe: duckdb.DuckDBPyConnection, spec: LongCsvSpec, exprs: Expressions) -> tuple[Problem | None, int]:
    first_zoned, first_naive, zoned_rows, naive_rows = probe.execute(
        """
        SELECT min(row_index) FILTER (WHERE d_zoned), min(row_index) FILTER (WHERE NOT d_zoned),
               count(*) FILTER (WHERE d_zoned), count(*) FILTER (WHERE NOT d_zoned)
        FROM import_derived WHERE d_ts IS NOT NULL
        """
    ).fetchall()[0]
    if first_zoned is None or first_naive is None:
        return None, 0
    ts = exprs.raw("timestamp")
    later, earlier = (first_naive, first_zoned) if first_naive > first_zoned else (first_zoned, first_naive)
    later_text, earlier_text = (
        probe.execute(f"SELECT {ts} FROM import_derived WHERE row_index = ?", [r]).fetchall()[0][0]  # noqa: S608
        for r in (later, earlier)
    )
    if later == first_naive:
        message = (
            f"{quoted(later_text)} has no time zone but row {earlier + 2} ({quoted(earlier_text)}) has one; "
            "give every timestamp a zone, or none (times without a zone are UTC)"
        )
        count = naive_rows
    else:
        message = (
            f"{quoted(later_text)} has a time zone but row {earlier + 2} ({quoted(earlier_text)}) has none; "
            "give every timestamp a zone, or none (times without a zone are UTC)"
        )
        count = zoned_rows
    return Problem(message, row=int(later) + 2, column=spec.column_name("timestamp")), int(count)


def find_conflicts(con: duckdb.DuckDBPyConnection, spec: LongCsvSpec, problems: Problems) -> None:
    """Rows that give two different values for one resource, metric, period and start."""
    key = "resource_id, metric, period_start, period_s"
    staged = "(SELECT row_index, resource_id, metric::VARCHAR AS metric, period_start, period_s, value FROM staged"
    staged += " WHERE NOT d_is_config)"
    groups = f"SELECT {key} FROM {staged} GROUP BY {key} HAVING count(DISTINCT value) > 1"  # noqa: S608
    count = con.execute(f"SELECT count(*) FROM ({groups})").fetchall()[0][0]  # noqa: S608 - fixed SQL
    if not count:
        return
    rows = con.execute(
        f"""
        SELECT {key}, list(row_index + 2 ORDER BY row_index), list(value ORDER BY row_index)
        FROM {staged} GROUP BY {key} HAVING count(DISTINCT value) > 1
        ORDER BY min(row_index) LIMIT {MAX_LISTED}
        """  # noqa: S608 - fixed SQL
    ).fetchall()
    column = spec.column_name("value")
    for index, (resource_id, metric, start, period_s, row_numbers, values) in enumerate(rows):
        first_row, first_value = row_numbers[0], values[0]
        other = next(i for i, v in enumerate(values) if v != first_value)
        message = (
            f"{metric} of {resource_id} at {start:%Y-%m-%d %H:%M:%S} (period {period_s} s) is {first_value:g} here "
            f"but {values[other]:g} in row {row_numbers[other]}; a period may have one value"
        )
        problem = Problem(message, row=int(first_row), column=column)
        problems.add_counted(problem, count if index == 0 else 0)

"""Wide CSVs from console chart downloads: one time column, one column per series.

Neither CloudWatch's nor Metrics Explorer's download layout is documented (reference notes, 7 and
7.1), so the reader is tolerant: metadata lines before the header are skipped (the header is the first
line followed by a row whose time column parses), the time column is found by its values, timestamps
may take any form ``timeparse.parse_loose`` knows, empty cells are periods without data, and a unit in
a header (``Duration (ms)``) is applied unless the mapping names one. Every series column must be
mapped (or explicitly skipped) — nothing is guessed silently. Each timestamp is the start of its
period; the period is the mapping's ``period_s``, else the smallest spacing of the timestamps, else 3600 s.
"""

from __future__ import annotations

import csv
import io
import itertools
import math
from dataclasses import dataclass
from datetime import UTC, datetime

from common.metrics import METRICS
from common.timeutil import naive_utc
from importers.files import InputFile, read_text
from importers.model import ImportOptions, MetricRows, Parsed
from importers.problems import ImportRejected, Problems, quoted, shorten
from importers.timeparse import day_first, not_a_timestamp, parse_loose
from importers.units import unit_factor, unit_problem
from importers.wide_mapping import header_unit
from store.batch import ResourceRecord

DEFAULT_PERIOD_S = 3600
HEADER_SEARCH_ROWS = 50
MAX_FIELD_BYTES = 1 << 20


@dataclass
class WideTable:
    header: list[str]
    time_index: int
    rows: list[tuple[int, list[str]]]  # (row number in the file, with the first line as row 1; fields)
    skipped_lines: int
    dayfirst: bool

    @property
    def value_columns(self) -> list[str]:
        return [h for i, h in enumerate(self.header) if i != self.time_index]


def read_wide_table(file: InputFile, time_column: str | None = None, text: str | None = None) -> WideTable:
    """Find the header and time column, and return the data rows as text (``text``: the file's, if read already)."""
    text = read_text(file) if text is None else text
    lines = text.splitlines()[:HEADER_SEARCH_ROWS]
    delimiter = max((",", ";", "\t"), key=lambda d: sum(line.count(d) for line in lines))
    csv.field_size_limit(MAX_FIELD_BYTES)
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise ImportRejected.single(file.name, f"cannot be read as CSV: {shorten(str(exc), 200)}") from None
    found = locate_header(records, time_column)
    if found is not None:
        r, j = found
        names = [h.strip().lstrip("\ufeff") for h in records[r]]
        data = [(n + 1, row) for n, row in enumerate(records) if n > r and any(c.strip() for c in row)]
        stamps = [row[j] for _, row in data if len(row) > j]
        return WideTable(names, j, data, r, day_first(stamps))
    raise ImportRejected.single(
        file.name,
        "no header followed by a row with a timestamp was found in the first "
        f"{HEADER_SEARCH_ROWS} lines; a wide CSV needs a time column and one column per series",
    )


def locate_header(records: list[list[str]], time_column: str | None = None) -> tuple[int, int] | None:
    """(header row index, time column index): the first row of 2+ fields followed by a timestamped row."""
    for r, header in enumerate(records[:HEADER_SEARCH_ROWS]):
        following = next((row for row in records[r + 1 :] if any(c.strip() for c in row)), None)
        if following is None or len(header) < 2 or len(following) != len(header):
            continue
        names = [h.strip().lstrip("\ufeff") for h in header]
        candidates = [names.index(time_column)] if time_column in names else range(len(names))
        for j in candidates:
            stamp = parse_loose(following[j]) or parse_loose(following[j], dayfirst=True)
            if stamp is not None and parse_loose(names[j]) is None:
                return r, j
    return None


def parse(file: InputFile, text: str, options: ImportOptions) -> Parsed:
    mapping = options.mapping
    table = read_wide_table(file, mapping.time_column if mapping is not None else None, text)
    if mapping is None:
        raise ImportRejected.single(
            file.name,
            "a wide CSV needs a mapping of its columns "
            f"({shorten(', '.join(table.value_columns), 200)}) to service, resource and metric: "
            "pass --mapping FILE (print a template with --mapping-template)",
        )
    problems = Problems(file.name)
    for name in table.value_columns:
        if name not in mapping.columns:
            problems.add(
                "is not in the mapping; map it to service, resource and metric, or to null to skip it",
                row=1,
                column=name,
            )
    for name in mapping.columns:
        if name not in table.header:
            problems.add(f"the mapping names column {quoted(name)}, which the file does not have", row=1)
    factors: dict[int, float] = {}
    for i, name in enumerate(table.header):
        target = mapping.columns.get(name) if i != table.time_index else None
        if target is None:
            continue
        unit = target.unit if target.unit is not None else header_unit(name)
        factor = unit_factor(target.metric, unit) if target.metric in METRICS else None
        if factor is None and target.metric in METRICS:
            problems.add(unit_problem(target.metric, unit or ""), row=1, column=name)
        factors[i] = factor or 1.0
    problems.raise_if_any()
    return _rows(file, options, table, factors, problems)


def _rows(
    file: InputFile, options: ImportOptions, table: WideTable, factors: dict[int, float], problems: Problems
) -> Parsed:
    mapping = options.mapping
    zone = mapping.zone()
    time_name = table.header[table.time_index]
    stamped: list[tuple[int, datetime, list[str]]] = []
    for row_no, values in table.rows:
        if len(values) != len(table.header):
            problems.add(f"has {len(values)} fields, the header has {len(table.header)}", row=row_no)
            continue
        when = parse_loose(values[table.time_index], dayfirst=table.dayfirst)
        if when is None:
            problems.add(not_a_timestamp(values[table.time_index], "2025-05-08 04:00"), row=row_no, column=time_name)
            continue
        if when.tzinfo is None:
            when = when.replace(tzinfo=zone or UTC)
        stamped.append((row_no, naive_utc(when), values))
    instants = sorted({t for _, t, _ in stamped})
    gaps = [int((b - a).total_seconds()) for a, b in itertools.pairwise(instants) if b > a]
    period = mapping.period_s or (min(gaps) if gaps else DEFAULT_PERIOD_S)
    rows = MetricRows(problems)
    resources: dict[str, ResourceRecord] = {}
    for row_no, when, values in stamped:
        for i, factor in factors.items():
            text = values[i].strip()
            if not text:
                continue
            target = mapping.columns[table.header[i]]
            try:
                number = float(text)
            except ValueError:
                problems.add(f"{quoted(text)} is not a number", row=row_no, column=table.header[i])
                continue
            if not math.isfinite(number):
                problems.add(f"{quoted(text)} is not a finite number", row=row_no, column=table.header[i])
                continue
            resource = ResourceRecord(
                target.service, target.account or options.account, target.region or options.region, target.resource
            )
            resources[resource.resource_id] = resource
            rows.put(
                resource.resource_id,
                target.metric,
                when,
                period,
                number * factor,
                f"row {row_no}, column {table.header[i]}",
            )
    problems.raise_if_any()
    notes = [f"skipped {table.skipped_lines} line(s) before the header"] if table.skipped_lines else []
    skipped = [name for name, c in mapping.columns.items() if c is None]
    if skipped:
        notes.append(f"columns skipped by the mapping: {', '.join(skipped)}")
    return Parsed(len(stamped), sorted(resources.values(), key=lambda r: r.resource_id), [], rows.table(), notes)

"""CloudWatch Logs Insights CSV exports of Lambda REPORT lines, aggregated per period.

Two shapes are read (docs/import.md gives the query for the first):
- fields: ``@timestamp, @log, @duration, @billedDuration, @initDuration, @memorySize, @maxMemoryUsed``
  (``@memorySize`` and ``@maxMemoryUsed`` are bytes; a ``restoreDuration`` field from AWS's SnapStart
  query is read too);
- messages: ``@timestamp, @message`` (and ``@log``), the REPORT lines parsed by label.
``@timestamp`` is ``YYYY-MM-DD HH:MM:SS.mmm`` in UTC. The function comes from ``@log``
(``123456789012:/aws/lambda/NAME``), else from ``--resource``. Per function and period: invocations,
cold starts (lines with Init or Restore Duration), mean init time, the billed-duration sum, and the
mean, p50, p90 and p99 of Duration (``common.percentiles``: linear interpolation between the closest
ranks). Each change of memory size becomes a configuration snapshot. Rows that are not REPORT lines are
skipped and counted.
"""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from common.percentiles import LATENCY_PERCENTILES, percentile
from common.timeutil import align_down, naive_utc
from importers.detect import sniff_delimiter
from importers.files import InputFile
from importers.model import (
    LOGS_INSIGHTS_DEFAULT_PERIOD_S,
    ImportOptions,
    MetricRows,
    Parsed,
    key_part_problem,
)
from importers.problems import ImportRejected, Problems, quoted, shorten
from importers.report_lines import Report, parse_report
from importers.timeparse import not_a_timestamp, parse_iso
from store.batch import ConfigRecord, ResourceRecord

DEFAULT_PERIOD_S = LOGS_INSIGHTS_DEFAULT_PERIOD_S
LAMBDA_GROUP_PREFIX = "/aws/lambda/"
FIELD_COLUMNS = {
    "@duration": "duration_ms",
    "@billedduration": "billed_ms",
    "@initduration": "init_ms",
    "@memorysize": "memory_mb",
    "@maxmemoryused": "max_memory_mb",
    "restoreduration": "restore_ms",
    "@restoreduration": "restore_ms",
}
MAX_FIELD_BYTES = 1 << 20


@dataclass
class Bucket:
    durations: list[float] = field(default_factory=list)
    billed: list[float] = field(default_factory=list)
    cold_ms: list[float] = field(default_factory=list)
    first_row: int = 0


def memory_mb(value: float) -> float:
    """Logs Insights gives memory in bytes; AWS's own queries divide by 1000², others by 1024²."""
    if value <= 32768:  # already MB (a query that converted it); Lambda allows at most 10240 MB
        return value
    if value % (1024 * 1024) == 0:
        return value / (1024 * 1024)
    if value % 1_000_000 == 0:
        return value / 1_000_000
    return round(value / (1024 * 1024))


def _function(row: dict[str, str], options: ImportOptions) -> tuple[str, str] | str:
    """(account, function name) from ``@log``, else from the options; a string is an error message."""
    log = (row.get("@log") or "").strip()
    if log:
        account, _, group = log.rpartition(":")
        if not group.startswith(LAMBDA_GROUP_PREFIX):
            return f"log group {quoted(group)} is not a Lambda function's (/aws/lambda/NAME)"
        colon = key_part_problem("the account", account)
        if colon:
            return colon
        return account or options.account, group[len(LAMBDA_GROUP_PREFIX) :]
    if options.resource:
        return options.account, options.resource
    return "no @log value: add @log to the query's fields, or name the function (--resource NAME)"


def _report_from_fields(row: dict[str, str], columns: dict[str, str], problems: Problems, row_no: int) -> Report | None:
    values: dict[str, float] = {}
    for column, key in columns.items():
        text = (row.get(column) or "").strip()
        if not text:
            continue
        try:
            number = float(text)
        except ValueError:
            problems.add(f"{quoted(text)} is not a number", row=row_no, column=column)
            return None
        if not math.isfinite(number) or number < 0:
            problems.add(f"{quoted(text)} is not a duration or size (must be 0 or more)", row=row_no, column=column)
            return None
        values[key] = memory_mb(number) if key in ("memory_mb", "max_memory_mb") else number
    if "duration_ms" not in values:
        return None
    return Report(**values)


def parse(file: InputFile, text: str, options: ImportOptions) -> Parsed:
    period = options.period_s or DEFAULT_PERIOD_S
    delimiter = sniff_delimiter(text.split("\n", 1)[0])
    csv.field_size_limit(MAX_FIELD_BYTES)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    problems = Problems(file.name)
    try:
        header = [h.strip().lstrip("\ufeff") for h in next(reader)]
    except StopIteration:
        raise ImportRejected.single(file.name, "is empty") from None
    lower = [h.lower() for h in header]
    columns = {header[i]: FIELD_COLUMNS[h] for i, h in enumerate(lower) if h in FIELD_COLUMNS}
    if "@timestamp" not in lower or not ({"@duration", "@message"} & set(lower)):
        raise ImportRejected.single(
            file.name,
            "a Logs Insights export needs @timestamp and either @duration (field form) or @message (REPORT lines); "
            f"the header has: {shorten(', '.join(header), 120)}",
            row=1,
        )
    ts_col = header[lower.index("@timestamp")]
    message_col = header[lower.index("@message")] if "@message" in lower else None
    buckets: dict[tuple[str, str, datetime], Bucket] = defaultdict(Bucket)
    memory: dict[tuple[str, str], list[tuple[datetime, float]]] = defaultdict(list)
    skipped = 0
    rows_read = 0
    row_no = 1
    try:
        for values in reader:
            row_no += 1
            if not any(v.strip() for v in values):
                continue
            rows_read += 1
            if len(values) != len(header):
                problems.add(f"has {len(values)} fields, the header has {len(header)}", row=row_no)
                continue
            row = dict(zip(header, values, strict=True))
            report = _report_from_fields(row, columns, problems, row_no) if "duration_ms" in columns.values() else None
            if report is None and message_col and (row.get(message_col) or "").strip():
                report = parse_report(row[message_col])
            if report is None:
                skipped += 1
                continue
            stamp = parse_iso(row[ts_col])
            if stamp is None:
                problems.add(not_a_timestamp(row[ts_col], "2025-05-08 04:11:31.234"), row=row_no, column=ts_col)
                continue
            who = _function(row, options)
            if isinstance(who, str):
                problems.add(who, row=row_no, column="@log")
                continue
            at = naive_utc(stamp)
            bucket = buckets[(*who, align_down(at, period))]
            bucket.first_row = bucket.first_row or row_no
            bucket.durations.append(report.duration_ms)
            if report.billed_ms is not None:
                bucket.billed.append(report.billed_ms)
            if report.cold_start_ms is not None:
                bucket.cold_ms.append(report.cold_start_ms)
            if report.memory_mb is not None:
                memory[who].append((at, report.memory_mb))
    except csv.Error as exc:
        problems.add(f"cannot be read as CSV: {exc}", row=row_no + 1)
    problems.raise_if_any()
    if not buckets:
        raise ImportRejected.single(file.name, f"holds no Lambda REPORT lines ({skipped} other rows were read)")
    return _aggregate(file, options, period, buckets, memory, rows_read, skipped, problems)


def _aggregate(
    file: InputFile,
    options: ImportOptions,
    period: int,
    buckets: dict[tuple[str, str, datetime], Bucket],
    memory: dict[tuple[str, str], list[tuple[datetime, float]]],
    rows_read: int,
    skipped: int,
    problems: Problems,
) -> Parsed:
    rows = MetricRows(problems)
    resources: dict[str, ResourceRecord] = {}
    for (account, name, start), b in sorted(buckets.items()):
        resource = ResourceRecord("lambda", account, options.region, name)
        resources[resource.resource_id] = resource
        rid, where = resource.resource_id, f"row {b.first_row}"
        put = [
            ("invocations", float(len(b.durations))),
            ("cold_starts", float(len(b.cold_ms))),
            ("duration_ms_avg", sum(b.durations) / len(b.durations)),
            *((metric, percentile(b.durations, q)) for metric, q in LATENCY_PERCENTILES),
        ]
        if b.billed:
            put.append(("billed_duration_ms_sum", float(sum(b.billed))))
        if b.cold_ms:
            put.append(("init_duration_ms_avg", sum(b.cold_ms) / len(b.cold_ms)))
        for metric, value in put:
            rows.put(rid, metric, start, period, value, where)
    configs = []
    for (account, name), changes in memory.items():
        rid = ResourceRecord("lambda", account, options.region, name).resource_id
        previous = None
        for at, mb in sorted(changes):
            if mb != previous:
                configs.append(ConfigRecord(rid, at, {"memory_mb": int(mb)}, "upload"))
                previous = mb
    problems.raise_if_any()
    notes = [f"skipped {skipped} rows that are not REPORT lines"] if skipped else []
    notes.append("errors and throttles are not in REPORT lines; import them from CloudWatch metrics")
    return Parsed(rows_read, sorted(resources.values(), key=lambda r: r.resource_id), configs, rows.table(), notes)

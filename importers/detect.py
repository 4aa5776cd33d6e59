"""Tell an export's format from its first bytes; the user can always override with ``--format``.

JSON is told apart by its top-level keys (``MetricDataResults`` for CloudWatch GetMetricData,
``timeSeries`` for Cloud Monitoring), CSV by its header: the generic long format has the five
required columns, a Logs Insights export has ``@timestamp``, a billing export (FOCUS, CUR, the Google
Cloud export) has its format's cost and period columns, and anything else with a time column and
series columns is a wide console download. A Parquet or gzipped file, or JSON lines that are no metrics
document, can only be a billing export: DuckDB reads its columns (``detect_file``).
"""

from __future__ import annotations

import csv
import io

from importers.files import FileHead, InputFile, refuse_non_text
from importers.formats import FORMATS, REQUIRED_ROLES
from importers.problems import ImportRejected, quoted

__all__ = ["FORMATS", "csv_header", "detect_file", "detect_format", "sniff_delimiter"]
DELIMITERS = (",", ";", "\t")


def sniff_delimiter(first_line: str) -> str:
    """The delimiter the header line uses most, outside quotes (comma when tied or none)."""
    counts = dict.fromkeys(DELIMITERS, 0)
    in_quotes = False
    for ch in first_line:
        if ch == '"':
            in_quotes = not in_quotes
        elif not in_quotes and ch in counts:
            counts[ch] += 1
    best = max(DELIMITERS, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def csv_header(text: str) -> tuple[str, list[str]]:
    """The delimiter and the header fields (stripped) of CSV ``text``."""
    first_line = text.split("\n", 1)[0]
    delimiter = sniff_delimiter(first_line)
    try:
        header = next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
    except csv.Error:
        header = []
    return delimiter, [h.strip().strip("\ufeff") for h in header]


def _wide_header(text: str) -> bool:
    """A console download may put metadata lines before its header; look for a timestamped table."""
    from importers.wide_csv import locate_header  # local: wide_csv reads files via detect's helpers

    lines = text.splitlines()[:60]
    delimiter = max(DELIMITERS, key=lambda d: sum(line.count(d) for line in lines))
    try:
        records = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter))
    except csv.Error:
        return False
    return locate_header(records) is not None


def detect_format(head: FileHead, name: str) -> str:
    """The format name for a file, or a one-line rejection saying what it looks like instead."""
    text = head.head_text.lstrip()
    if not text:
        raise ImportRejected.single(name, "holds only white space")
    if text[0] in "{[":
        if '"MetricDataResults"' in text:
            return "cloudwatch-json"
        if '"timeSeries"' in text:
            return "monitoring-json"
        if '"MetricDataQueries"' in text or '"MetricStat"' in text:
            raise ImportRejected.single(
                name,
                "is a GetMetricData queries file; import the results and pass this file with --queries",
            )
        raise ImportRejected.single(
            name,
            "is JSON but neither GetMetricData results (MetricDataResults) nor a Cloud Monitoring "
            "timeSeries.list response (timeSeries)",
        )
    _, header = csv_header(text)
    names = {h.lower() for h in header}
    if len(set(REQUIRED_ROLES) & names) >= 3:  # the long parser names any missing column
        return "long"
    if "@timestamp" in names:
        return "logs-insights"
    billing = _billing_header(header)
    if billing:
        return billing
    if len(header) >= 2 or _wide_header(text):
        return "wide"
    raise ImportRejected.single(
        name,
        f"could not tell the format from the first line {quoted(text.splitlines()[0])}; "
        f"expected one of {', '.join(FORMATS)} (choose one with --format)",
    )


BINARY_BILLING = ((b"PAR1", "a Parquet file"), (b"\x1f\x8b", "gzip-compressed"))


def _billing_header(header: list[str]) -> str | None:
    from importers.billing import billing_format_of_header  # local: DuckDB and Arrow only when a CSV is read

    return billing_format_of_header(header)


def detect_file(file: InputFile, head: FileHead) -> str:
    """The format of ``file``, metrics or billing (``head`` from ``read_head_bytes``, not yet refused as
    binary): a Parquet or gzipped file must be a billing export, and JSON lines that no metrics format claims
    are asked of the billing formats before the metrics detection refuses them."""
    for signature, what in BINARY_BILLING:
        if head.head.startswith(signature):
            fmt = _billing_file(file)
            if fmt is None:
                raise ImportRejected.single(
                    file.name,
                    f"is {what} but not a billing export (FOCUS, AWS CUR, Google Cloud billing): metrics exports "
                    "are read as plain CSV or JSON",
                )
            return fmt
    refuse_non_text(file.name, head)
    text = head.head_text.lstrip()
    if text.startswith("{") and not any(key in text for key in _METRIC_JSON_KEYS):
        fmt = _billing_file(file)
        if fmt is not None:
            return fmt
    return detect_format(head, file.name)


_METRIC_JSON_KEYS = ('"MetricDataResults"', '"timeSeries"', '"MetricDataQueries"', '"MetricStat"')


def _billing_file(file: InputFile) -> str | None:
    from importers.billing import detect_billing_format  # local: DuckDB reads the file's columns

    return detect_billing_format(file.path)

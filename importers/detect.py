"""Tell an export's format from its first bytes; the user can always override with ``--format``.

JSON is told apart by its top-level keys (``MetricDataResults`` for CloudWatch GetMetricData,
``timeSeries`` for Cloud Monitoring), CSV by its header: the generic long format has the five
required columns, a Logs Insights export has ``@timestamp``, and anything else with a time column and
series columns is a wide console download.
"""

from __future__ import annotations

import csv
import io

from importers.files import FileHead
from importers.formats import FORMATS, REQUIRED_ROLES
from importers.problems import ImportRejected, quoted

__all__ = ["FORMATS", "csv_header", "detect_format", "sniff_delimiter"]
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
    if len(header) >= 2 or _wide_header(text):
        return "wide"
    raise ImportRejected.single(
        name,
        f"could not tell the format from the first line {quoted(text.splitlines()[0])}; "
        f"expected one of {', '.join(FORMATS)} (choose one with --format)",
    )

"""The mapping that says what each column of a wide CSV is (file format in docs/import.md).

Console chart downloads name their columns after series labels, which cannot be read reliably, so the
user maps every column to a service, resource and metric: in the page's preview, or with a JSON file
on the CLI. ``guess_mapping`` proposes one from the headers (the page's starting point and the CLI's
``--mapping-template``); it is only a proposal and is never applied without the user.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from common.metrics import METRICS
from common.services import SERVICES
from importers.jsondocs import load_json
from importers.model import key_part_problem
from importers.problems import ImportRejected, Problems, quoted, shorten

_UNIT_IN_HEADER = re.compile(r"\s*[\(\[]([^\)\]]+)[\)\]]\s*$")
# (substring of a lower-cased header, canonical metric), first match wins
_GUESSES = (
    ("p99", "duration_ms_p99"),
    ("p90", "duration_ms_p90"),
    ("p50", "duration_ms_p50"),
    ("cold", "cold_starts"),
    ("init", "init_duration_ms_avg"),
    ("setup", "init_duration_ms_avg"),
    ("overhead", "overhead_latency_ms_avg"),
    ("billed", "billed_duration_ms_sum"),
    ("throttl", "throttles"),
    ("error", "errors"),
    ("5xx", "errors"),
    ("concurren", "concurrency_max"),
    ("provisioned", "provisioned_concurrency"),
    ("cpu", "cpu_utilization_pct_avg"),
    ("memory", "memory_utilization_pct_avg"),
    ("replica", "instances_avg"),
    ("instance", "instances_avg"),
    ("duration", "duration_ms_avg"),
    ("latenc", "duration_ms_avg"),
    ("invocation", "invocations"),
    ("request", "invocations"),
    ("prediction", "invocations"),
    ("execution", "invocations"),
)
_METRIC_WORDS = re.compile(
    r"\b(p\d\d|sum|average|avg|maximum|max|minimum|min|count|cold ?starts?|init ?duration|model ?latency|"
    r"overhead ?latency|model ?setup ?time|billed ?duration|duration|latency|latencies|invocations?|"
    r"invocation[45]xx ?errors|errors?|throttles?|requests?|concurrent ?executions|concurrency|"
    r"cpu ?utili[sz]ation|memory ?utili[sz]ation|instances?|replicas?|request_count|execution_count)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ColumnMap:
    service: str
    resource: str
    metric: str
    account: str = ""
    region: str = ""
    unit: str | None = None  # None: read from the header, e.g. "Duration (ms)"


@dataclass
class WideMapping:
    columns: dict[str, ColumnMap | None] = field(default_factory=dict)  # None: skip this column
    time_column: str | None = None
    period_s: int | None = None
    timezone: str | None = None  # zone of times that carry none; UTC when unset

    def fingerprint(self) -> str:
        return hashlib.sha256(json.dumps(self.to_json(), sort_keys=True).encode()).hexdigest()[:16]

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            k: v
            for k, v in (("time_column", self.time_column), ("period_s", self.period_s), ("timezone", self.timezone))
            if v
        }
        required = ("service", "resource", "metric")  # kept even when empty: a template shows what to fill in
        out["columns"] = {
            name: None if c is None else {k: v for k, v in asdict(c).items() if k in required or v not in ("", None)}
            for name, c in self.columns.items()
        }
        return out

    def zone(self) -> ZoneInfo | None:
        return ZoneInfo(self.timezone) if self.timezone else None


def mapping_from_json(document: Any, source: str) -> WideMapping:
    """Validate a mapping document; every problem is named by its place (``columns.NAME``)."""
    problems = Problems(source)
    if not isinstance(document, dict) or not isinstance(document.get("columns"), dict):
        raise ImportRejected.single(source, 'a mapping is a JSON object with a "columns" object')
    defaults = {k: document.get(k) for k in ("service", "account", "region")}
    period = document.get("period_s")
    if period is not None and (not isinstance(period, int) or isinstance(period, bool) or period <= 0):
        problems.add(f"{quoted(period)} is not a whole number of seconds above 0", where="period_s")
    timezone = document.get("timezone")
    if timezone:
        try:
            ZoneInfo(str(timezone))
        except (ZoneInfoNotFoundError, ValueError):
            problems.add(f"{quoted(timezone)} is not a time zone name such as UTC or Europe/Paris", where="timezone")
    columns: dict[str, ColumnMap | None] = {}
    for name, spec in document["columns"].items():
        where = f"columns.{name}"
        if spec is None:
            columns[name] = None
            continue
        if not isinstance(spec, dict):
            problems.add("must be an object with service, resource and metric, or null to skip", where=where)
            continue
        merged = {k: v for k, v in defaults.items() if v} | {k: v for k, v in spec.items() if v is not None}
        service, metric = str(merged.get("service", "")), str(merged.get("metric", ""))
        if service not in SERVICES:
            problems.add(f"unknown service {quoted(service)}; known: {', '.join(SERVICES)}", where=where)
        if metric not in METRICS:
            problems.add(f"unknown metric {quoted(metric)}; known: {', '.join(METRICS)}", where=where)
        if not str(merged.get("resource", "")).strip():
            problems.add("has no resource name", where=where)
        for label in ("account", "region"):
            colon = key_part_problem(label, str(merged.get(label, "")))
            if colon:
                problems.add(colon, where=where)
        columns[name] = ColumnMap(
            service,
            str(merged.get("resource", "")).strip(),
            metric,
            str(merged.get("account", "")),
            str(merged.get("region", "")),
            str(merged["unit"]) if merged.get("unit") is not None else None,
        )
    problems.raise_if_any()
    return WideMapping(columns, document.get("time_column"), period, str(timezone) if timezone else None)


def load_mapping(path: Path) -> WideMapping:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportRejected.single(path.name, f"cannot be read: {shorten(str(exc), 200)}") from None
    return mapping_from_json(load_json(text, path.name), path.name)


def header_unit(header: str) -> str | None:
    """``"Duration (ms)"`` -> ``"ms"``; None when the header names no unit."""
    match = _UNIT_IN_HEADER.search(header)
    return match.group(1).strip() if match else None


def guess_metric(header: str) -> str | None:
    lower = header.lower()
    for needle, metric in _GUESSES:
        if needle in lower:
            return metric
    return None


def guess_resource(header: str) -> str:
    """What is left of a header once metric words, statistics and units are taken out."""
    text = _UNIT_IN_HEADER.sub("", header)
    text = _METRIC_WORDS.sub(" ", text)
    return re.sub(r"\s+", " ", text).strip(" -_,;:|/·–")


def guess_mapping(
    value_columns: list[str], time_column: str | None, service: str = "", account: str = "", region: str = ""
) -> WideMapping:
    columns: dict[str, ColumnMap | None] = {}
    for name in value_columns:
        metric = guess_metric(name)
        columns[name] = ColumnMap(service, guess_resource(name), metric or "", account, region, None)
    return WideMapping(columns, time_column)

"""Cloud Monitoring ``projects.timeSeries.list`` responses (REST JSON), one page or several.

Each series names its metric type and monitored resource; points carry an interval and a typed value
(``int64Value`` as a string, ``doubleValue``, or ``distributionValue`` with bucket options). The mapping
follows the GCP collector (docs/gcp.md): per resource and period, counts are summed over label series
(failed executions / 5xx responses are the errors), latency distributions are merged and read for the
mean and p50/p90/p99 (Cloud Functions times are nanoseconds), instance gauges are summed over states
and revisions, Cloud Run start-up latencies give cold starts and their mean time, and Cloud Run's billable
instance time (seconds) becomes ``billable_instance_ms_sum``. DELTA points span
``startTime``..``endTime``; GAUGE points take their period from the spacing of the series (else 60 s).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from collectors.gcp.distribution import Histogram, merge, percentile
from common.percentiles import LATENCY_PERCENTILES
from common.timeutil import naive_utc
from importers.distribution import DistributionError, histogram
from importers.files import InputFile
from importers.jsondocs import json_pages
from importers.model import ImportOptions, MetricRows, Parsed, key_part_problem
from importers.problems import Problems, quoted, shorten
from importers.timeparse import not_a_timestamp, parse_iso_once
from importers.units import UNIT_FACTORS
from store.batch import ResourceRecord

FUNCTIONS = "cloudfunctions.googleapis.com/function/"
RUN = "run.googleapis.com/"
VERTEX = "aiplatform.googleapis.com/prediction/online/"
GAUGE_DEFAULT_PERIOD_S = 60

# metric type -> (service, kind, default unit of the values)
METRIC_TYPES: dict[str, tuple[str, str, str]] = {
    FUNCTIONS + "execution_count": ("cloud-functions", "requests", "1"),
    FUNCTIONS + "execution_times": ("cloud-functions", "latency", "ns"),
    FUNCTIONS + "instance_count": ("cloud-functions", "instances", "1"),
    RUN + "request_count": ("cloud-run", "requests", "1"),
    RUN + "request_latencies": ("cloud-run", "latency", "ms"),
    RUN + "container/instance_count": ("cloud-run", "instances", "1"),
    RUN + "container/startup_latencies": ("cloud-run", "startup", "ms"),
    RUN + "container/billable_instance_time": ("cloud-run", "billable", "s"),
    VERTEX + "prediction_count": ("vertex-endpoint", "requests", "1"),
    VERTEX + "error_count": ("vertex-endpoint", "errors", "1"),
    VERTEX + "prediction_latencies": ("vertex-endpoint", "latency", "ms"),
    VERTEX + "replicas": ("vertex-endpoint", "instances", "1"),
}
# monitored resource type -> (service, name label, region label, project label)
RESOURCE_TYPES: dict[str, tuple[str, str, str, str]] = {
    "cloud_function": ("cloud-functions", "function_name", "region", "project_id"),
    "cloud_run_revision": ("cloud-run", "service_name", "location", "project_id"),
    "aiplatform.googleapis.com/Endpoint": ("vertex-endpoint", "endpoint_id", "location", "resource_container"),
}


@dataclass
class Slot:
    """Everything that falls on one resource and period, before it becomes canonical metrics."""

    requests: float | None = None
    errors: float | None = None
    instances: float | None = None
    billable_ms: float | None = None
    latency: list[Histogram] = field(default_factory=list)
    overhead: list[Histogram] = field(default_factory=list)
    startup: list[Histogram] = field(default_factory=list)
    where: str = ""
    sources: set[str] = field(default_factory=set)


def _is_error(metric_type: str, labels: dict[str, str]) -> bool:
    if metric_type.startswith(FUNCTIONS):
        return labels.get("status", "ok") != "ok"
    if metric_type.startswith(RUN):
        return labels.get("response_code_class", "") == "5xx"
    return False


def _number(value: dict[str, Any]) -> float:
    for key in ("int64Value", "doubleValue"):
        if key in value:
            return float(value[key])
    raise ValueError("no int64Value or doubleValue")


def parse(file: InputFile, text: str, options: ImportOptions) -> Parsed:
    problems = Problems(file.name)
    slots: dict[tuple[str, str, str, str, datetime, int], Slot] = defaultdict(Slot)
    seen: dict[tuple[Any, ...], Any] = {}
    points = 0
    notes: set[str] = set()
    for p, page in enumerate(json_pages(text, file.name)):
        series_list = page.get("timeSeries") if isinstance(page, dict) else None
        if series_list is None and isinstance(page, dict) and not page.get("timeSeries"):
            continue  # an empty page (no series in the interval) is valid
        if not isinstance(series_list, list):
            problems.add("is not a timeSeries.list page", where=f"page {p + 1}")
            continue
        for s, series in enumerate(series_list):
            where = f"page {p + 1}, timeSeries[{s}]"
            try:
                points += _read_series(series, where, options, slots, seen, problems, notes)
            except (AttributeError, TypeError):  # a field of the wrong kind (a list for an object, an object for text)
                problems.add("is not a time series as the API writes it (a field has the wrong type)", where=where)
    problems.raise_if_any()
    return _canonical(slots, points, sorted(notes), problems)


def _read_series(
    series: dict[str, Any],
    where: str,
    options: ImportOptions,
    slots: dict[tuple[str, str, str, str, datetime, int], Slot],
    seen: dict[tuple[Any, ...], Any],
    problems: Problems,
    notes: set[str],
) -> int:
    metric = series.get("metric") or {}
    resource = series.get("resource") or {}
    metric_type, resource_type = metric.get("type", ""), resource.get("type", "")
    if metric_type not in METRIC_TYPES:
        problems.add(
            f"metric type {quoted(metric_type)} has no Breakeven metric; supported: {', '.join(METRIC_TYPES)}",
            where=where,
        )
        return 0
    if resource_type not in RESOURCE_TYPES:
        problems.add(f"monitored resource type {quoted(resource_type)} is not one Breakeven reads", where=where)
        return 0
    service, kind, default_unit = METRIC_TYPES[metric_type]
    r_service, name_label, region_label, project_label = RESOURCE_TYPES[resource_type]
    labels, rlabels = metric.get("labels") or {}, resource.get("labels") or {}
    name = rlabels.get(name_label, "")
    if r_service != service or not name:
        problems.add(
            f"resource {resource_type} with labels {quoted(rlabels)} does not identify a {service} resource",
            where=where,
        )
        return 0
    account = options.account or rlabels.get(project_label, "")
    region = rlabels.get(region_label, "") or options.region
    colons = [p for p in (key_part_problem("project", account), key_part_problem("region", region)) if p]
    if colons:
        problems.add(colons[0], where=where)
        return 0
    rid = ResourceRecord(service, account, region, name).resource_id
    unit = (series.get("unit") or default_unit).strip()
    scale = UNIT_FACTORS["ms"].get(unit.lower(), 1.0) if kind in ("latency", "startup", "billable") else 1.0
    if kind in ("requests", "errors", "billable") and series.get("metricKind") == "GAUGE":
        problems.add(
            f"{metric_type} is a GAUGE here: a rate aligner was applied; export with ALIGN_DELTA or without an aligner",
            where=where,
        )
        return 0
    if kind == "latency" and metric_type.startswith(VERTEX):
        latency_type = labels.get("latency_type", "total")
        if latency_type == "model":
            notes.add("Vertex model-only latency (latency_type=model) is part of the total and was not imported")
            return 0
        kind = "overhead" if latency_type == "overhead" else kind
    identity = (metric_type, tuple(sorted(labels.items())), resource_type, tuple(sorted(rlabels.items())))
    raw_points = series.get("points") or []
    ends = sorted(
        {e for e in (parse_iso_once(str((pt.get("interval") or {}).get("endTime", ""))) for pt in raw_points) if e}
    )
    gaps = [int((b - a).total_seconds()) for a, b in itertools.pairwise(ends) if b > a]
    gauge_period = min(gaps) if gaps else GAUGE_DEFAULT_PERIOD_S
    for i, point in enumerate(raw_points):
        here = f"{where}.points[{i}]"
        interval = point.get("interval") or {}
        end = parse_iso_once(str(interval.get("endTime", "")))
        start = parse_iso_once(str(interval["startTime"])) if interval.get("startTime") else None
        if end is None:
            problems.add(f"endTime: {not_a_timestamp(str(interval.get('endTime')))}", where=here)
            continue
        if start is not None and start < end:
            period = int((end - start).total_seconds())
        else:
            period, start = gauge_period, None
        begin = naive_utc(start) if start is not None else naive_utc(end) - timedelta(seconds=period)
        key = (*identity, begin, period)
        value = point.get("value") or {}
        if key in seen:
            if seen[key] != value:
                problems.add("gives a different value for a point an earlier page gave", where=here)
            continue
        seen[key] = value
        slot = slots[(rid, service, account, region, begin, period)]
        slot.where = slot.where or here
        try:
            _add(slot, kind, value, scale, _is_error(metric_type, labels))
        except DistributionError as exc:
            problems.add(f"distributionValue cannot be read: {exc}", where=here)
        except (ValueError, TypeError, KeyError) as exc:
            problems.add(f"value {quoted(value)} cannot be read ({shorten(str(exc))})", where=here)
    return len(raw_points)


def _add(slot: Slot, kind: str, value: dict[str, Any], scale: float, is_error: bool) -> None:
    if kind in ("latency", "overhead", "startup"):
        if "distributionValue" not in value:
            raise ValueError(
                "latencies must be distributions; export without an aligner, or with ALIGN_DELTA, "
                "not a percentile aligner"
            )
        getattr(slot, kind).append(histogram(value["distributionValue"], scale))
        return
    number = _number(value)
    if number < 0:
        raise ValueError("a negative count")
    if kind == "requests":
        slot.requests = (slot.requests or 0.0) + number
        slot.errors = (slot.errors or 0.0) + (number if is_error else 0.0)
    elif kind == "errors":
        slot.errors = (slot.errors or 0.0) + number
    elif kind == "billable":
        slot.billable_ms = (slot.billable_ms or 0.0) + number * scale
    else:
        slot.instances = (slot.instances or 0.0) + number


def _canonical(
    slots: dict[tuple[str, str, str, str, datetime, int], Slot], points: int, notes: list[str], problems: Problems
) -> Parsed:
    rows = MetricRows(problems)
    resources: dict[str, ResourceRecord] = {}
    for (rid, service, account, region, start, period), slot in sorted(slots.items()):
        resources[rid] = ResourceRecord(service, account, region, rid.split(":", 3)[3])
        values: list[tuple[str, float | None]] = [
            ("invocations", slot.requests),
            ("errors", slot.errors),
            ("instances_avg", slot.instances),
            ("billable_instance_ms_sum", slot.billable_ms),
        ]
        latency, overhead, startup = merge(slot.latency), merge(slot.overhead), merge(slot.startup)
        if latency is not None:
            values.append(("duration_ms_avg", latency.mean))
            values += [(metric, percentile(latency, q)) for metric, q in LATENCY_PERCENTILES]
        if overhead is not None:
            values.append(("overhead_latency_ms_avg", overhead.mean))
        if slot.startup:
            values.append(("cold_starts", startup.count if startup is not None else 0))
            if startup is not None:
                values.append(("init_duration_ms_avg", startup.mean))
        for metric, value in values:
            if value is not None:
                rows.put(rid, metric, start, period, float(value), slot.where)
    problems.raise_if_any()
    return Parsed(points, sorted(resources.values(), key=lambda r: r.resource_id), [], rows.table(), notes)

"""CloudWatch ``get-metric-data`` results (JSON) together with the ``MetricDataQueries`` that were run.

The results only carry ``Id``, ``Label``, ``Timestamps`` and ``Values``; what each series *is*
(namespace, metric, dimensions, statistic, period) lives in the queries file, matched by ``Id``.
The mapping to canonical metrics is the AWS collector's (docs/collectors.md): Lambda by
``FunctionName``; SageMaker by ``EndpointName`` with its variants combined (counts summed, latencies
weighted by each variant's invocations, 4XX and 5XX errors added up), microseconds turned into
milliseconds. An endpoint is taken as SageMaker Serverless when its queries include ``ModelSetupTime``
or ``ServerlessConcurrentExecutionsUtilization``. Anything else is refused by name, never dropped.
Timestamps mark the start of each period; the results are read in any order and across pages.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from common.timeutil import naive_utc
from importers.cloudwatch_fast import parse_fast
from importers.files import InputFile, read_text
from importers.jsondocs import json_pages, load_json
from importers.model import ImportOptions, MetricRows, Parsed, key_part_problem
from importers.problems import ImportRejected, Problems, quoted, shorten
from importers.timeparse import not_a_timestamp, parse_iso
from store.batch import ResourceRecord

LAMBDA, SAGEMAKER, SAGEMAKER_INSTANCE = "AWS/Lambda", "AWS/SageMaker", "/aws/sagemaker/Endpoints"
IDENTITY_DIMENSIONS = {
    LAMBDA: ("FunctionName",),
    SAGEMAKER: ("EndpointName", "VariantName"),
    SAGEMAKER_INSTANCE: ("EndpointName", "VariantName"),
}
US_PER_MS = 1000.0

# (namespace, metric, statistic) -> (role, scale). Roles combine per resource and period as below.
STATISTICS: dict[tuple[str, str, str], tuple[str, float]] = {
    (LAMBDA, "Invocations", "Sum"): ("invocations", 1.0),
    (LAMBDA, "Errors", "Sum"): ("errors", 1.0),
    (LAMBDA, "Throttles", "Sum"): ("throttles", 1.0),
    (LAMBDA, "Duration", "Average"): ("duration_ms_avg", 1.0),
    (LAMBDA, "Duration", "p50"): ("duration_ms_p50", 1.0),
    (LAMBDA, "Duration", "p90"): ("duration_ms_p90", 1.0),
    (LAMBDA, "Duration", "p99"): ("duration_ms_p99", 1.0),
    (LAMBDA, "ConcurrentExecutions", "Maximum"): ("concurrency_max", 1.0),
    (SAGEMAKER, "Invocations", "Sum"): ("invocations", 1.0),
    (SAGEMAKER, "Invocation4XXErrors", "Sum"): ("errors", 1.0),
    (SAGEMAKER, "Invocation5XXErrors", "Sum"): ("errors", 1.0),
    (SAGEMAKER, "ModelLatency", "Average"): ("duration_ms_avg", 1 / US_PER_MS),
    (SAGEMAKER, "ModelLatency", "p50"): ("duration_ms_p50", 1 / US_PER_MS),
    (SAGEMAKER, "ModelLatency", "p90"): ("duration_ms_p90", 1 / US_PER_MS),
    (SAGEMAKER, "ModelLatency", "p99"): ("duration_ms_p99", 1 / US_PER_MS),
    (SAGEMAKER, "OverheadLatency", "Average"): ("overhead_latency_ms_avg", 1 / US_PER_MS),
    (SAGEMAKER, "ModelSetupTime", "SampleCount"): ("cold_starts", 1.0),
    (SAGEMAKER, "ModelSetupTime", "Average"): ("init_duration_ms_avg", 1 / US_PER_MS),
    (SAGEMAKER_INSTANCE, "MemoryUtilization", "Average"): ("memory_utilization_pct_avg", 1.0),
}
SUMMED = {"invocations", "errors", "throttles", "cold_starts"}
WEIGHTED_BY_COLD_STARTS = {"init_duration_ms_avg"}
SERVERLESS_SIGNS = {"ModelSetupTime", "ServerlessConcurrentExecutionsUtilization"}


@dataclass(frozen=True)
class Query:
    id: str
    namespace: str
    metric: str
    stat: str
    period_s: int
    dimensions: dict[str, str]
    account: str


def load_queries(options: ImportOptions, file_name: str) -> dict[str, Query]:
    """The queries file as a map from ``Id``; either the list itself or ``{"MetricDataQueries": [...]}``."""
    if options.queries is None:
        raise ImportRejected.single(
            file_name,
            "GetMetricData results need the queries file that produced them (--queries FILE, "
            "the JSON given to --metric-data-queries)",
        )
    qname = options.queries.name
    document = load_json(read_text(InputFile(options.queries, qname)), qname)
    if isinstance(document, dict):
        document = document.get("MetricDataQueries")
    if not isinstance(document, list):
        raise ImportRejected.single(qname, "is not a MetricDataQueries list (nor an object holding one)")
    problems = Problems(qname)
    queries: dict[str, Query] = {}
    for index, item in enumerate(document):
        where = f"query {index + 1}"
        if not isinstance(item, dict) or not isinstance(item.get("Id"), str):
            problems.add("has no Id", where=where)
            continue
        qid = item["Id"]
        where = f"query {qid}"
        stat = item.get("MetricStat")
        if not isinstance(stat, dict):
            if item.get("ReturnData", True):
                problems.add("is not a MetricStat query (math expressions are not imported)", where=where)
            continue
        metric = stat.get("Metric") or {}
        try:
            dims = {d["Name"]: str(d["Value"]) for d in metric.get("Dimensions", [])}
            period = int(stat["Period"])
            queries[qid] = Query(
                qid,
                str(metric["Namespace"]),
                str(metric["MetricName"]),
                str(stat["Stat"]),
                period,
                dims,
                str(item.get("AccountId") or options.account),
            )
        except (KeyError, TypeError, ValueError) as exc:
            problems.add(f"is missing or has a bad {exc} in its MetricStat", where=where)
            continue
        if period <= 0:
            problems.add(f"has Period {period}; it must be above 0", where=where)
        colon = key_part_problem("AccountId", queries[qid].account)
        if colon:
            problems.add(colon, where=where)
    problems.raise_if_any()
    return queries


def _check_query(query: Query, problems: Problems) -> tuple[str, float] | None:
    where = f"result {query.id}"
    if query.namespace == SAGEMAKER_INSTANCE and query.metric == "CPUUtilization":
        problems.add(
            "CPUUtilization is summed over the instance's vCPUs, which the export does not give; "
            "leave it out, or import cpu_utilization_pct_avg in the long CSV",
            where=where,
        )
        return None
    mapped = STATISTICS.get((query.namespace, query.metric, query.stat))
    if mapped is None:
        known = sorted({f"{ns} {m} {s}" for ns, m, s in STATISTICS})
        problems.add(
            f"{query.namespace} {query.metric} {query.stat} has no Breakeven metric; supported: {'; '.join(known)}",
            where=where,
        )
        return None
    wanted = IDENTITY_DIMENSIONS[query.namespace]
    if set(query.dimensions) != set(wanted):
        problems.add(
            f"has dimensions {sorted(query.dimensions) or 'none'}; {query.namespace} is imported by exactly "
            f"{', '.join(wanted)}",
            where=where,
        )
        return None
    return mapped


def parse(file: InputFile, text: str, options: ImportOptions) -> Parsed:
    queries = load_queries(options, file.name)
    pages = json_pages(text, file.name)
    problems = Problems(file.name)
    notes: list[str] = []
    serverless = {
        q.dimensions.get("EndpointName")
        for q in queries.values()
        if q.namespace == SAGEMAKER and q.metric in SERVERLESS_SIGNS
    }
    fast = parse_fast(pages, queries, serverless, options, file.name)  # the usual file, a series at a time
    if fast is not None:
        return fast
    # point by point: a problem to name, or series to combine
    # (service, account, name, role, period, start) -> list of (variant, value, where)
    parts: dict[tuple[str, str, str, str, int, datetime], list[tuple[str, float, str]]] = defaultdict(list)
    seen: dict[tuple[str, int], float] = {}
    stamps: dict[str, datetime | None] = {}  # every series of a file shares its timestamps: parsed once each
    points = 0
    for page in pages:
        results = page.get("MetricDataResults") if isinstance(page, dict) else None
        if not isinstance(results, list):
            problems.add("is not a GetMetricData result page (no MetricDataResults list)")
            continue
        messages = page.get("Messages") or []
        for message in messages if isinstance(messages, list) else [messages]:
            text = f"{message.get('Code', '')} {message.get('Value', '')}" if isinstance(message, dict) else message
            notes.append(shorten(f"CloudWatch message: {text}".strip(), 200))
        for index, result in enumerate(results):
            if not isinstance(result, dict):
                problems.add("is not a result object", where=f"MetricDataResults[{index}]")
                continue
            points += _read_result(result, queries, serverless, parts, seen, problems, notes, stamps)
    problems.raise_if_any()
    return _combine(parts, options, points, notes, problems)


def _read_result(
    result: dict[str, Any],
    queries: dict[str, Query],
    serverless: set[str | None],
    parts: dict[tuple[str, str, str, str, int, datetime], list[tuple[str, float, str]]],
    seen: dict[tuple[str, int], float],
    problems: Problems,
    notes: list[str],
    stamps: dict[str, datetime | None],
) -> int:
    rid = shorten(str(result.get("Id", "?")))
    where = f"result {rid}"
    query = queries.get(rid)
    if query is None:
        problems.add("has no query with this Id in the queries file", where=where)
        return 0
    mapped = _check_query(query, problems)
    if mapped is None:
        return 0
    status = result.get("StatusCode", "Complete")
    if status in ("InternalError", "Forbidden"):
        problems.add(f"has StatusCode {status}; its values are not usable", where=where)
        return 0
    if status == "PartialData":
        notes.append(f"{where} is PartialData: CloudWatch had more points than this file holds")
    timestamps, values = result.get("Timestamps") or [], result.get("Values") or []
    if not isinstance(timestamps, list) or not isinstance(values, list):
        problems.add("has Timestamps or Values that are not lists", where=where)
        return 0
    if len(timestamps) != len(values):
        problems.add(f"has {len(timestamps)} Timestamps but {len(values)} Values", where=where)
        return 0
    role, scale = mapped
    name = query.dimensions.get("FunctionName") or query.dimensions["EndpointName"]
    variant = query.dimensions.get("VariantName", "")
    if query.namespace == LAMBDA:
        service = "lambda"
    else:
        service = "sagemaker-serverless" if name in serverless else "sagemaker-endpoint"
    for i, (stamp, value) in enumerate(zip(timestamps, values, strict=True)):
        point = f"{where}, Timestamps[{i}]"
        text = str(stamp)
        if text in stamps:
            start = stamps[text]
        else:
            parsed = parse_iso(text)
            start = stamps[text] = naive_utc(parsed) if parsed is not None else None
        if start is None:
            problems.add(not_a_timestamp(text), where=point)
            continue
        if not isinstance(value, int | float) or isinstance(value, bool):
            problems.add(f"{quoted(value)} is not a number", where=f"{where}, Values[{i}]")
            continue
        key = (rid, start)  # the naive UTC datetime itself: .timestamp() would read it as local time
        if key in seen:  # the same point again on a later page
            if seen[key] != value:
                problems.add(f"gives {value} where an earlier page gave {seen[key]}", where=point)
            continue
        seen[key] = value
        parts[(service, query.account, name, role, query.period_s, start)].append(
            (variant, float(value) * scale, point)
        )
    return len(timestamps)


def _combine(
    parts: dict[tuple[str, str, str, str, int, datetime], list[tuple[str, float, str]]],
    options: ImportOptions,
    points: int,
    notes: list[str],
    problems: Problems,
) -> Parsed:
    """Variants of one endpoint into one resource (see module docstring), then canonical rows."""
    rows = MetricRows(problems)
    resources: dict[str, ResourceRecord] = {}
    weights: dict[tuple[str, str, str, int, datetime, str], float] = {}
    for (service, account, name, role, period, start), items in parts.items():
        if role in ("invocations", "cold_starts"):
            for variant, value, _ in items:
                weights[(service, account, name, period, start, f"{role}:{variant}")] = value
    ids: dict[tuple[str, str, str], str] = {}  # one record and key per resource, not per point
    for (service, account, name, role, period, start), items in sorted(parts.items()):
        resource_id = ids.get((service, account, name))
        if resource_id is None:
            resource = ResourceRecord(service, account, options.region, name)
            resource_id = ids[(service, account, name)] = resource.resource_id
            resources[resource_id] = resource
        where = items[0][2]
        if role in SUMMED or len(items) == 1:
            value = sum(v for _, v, _ in items)
        else:
            basis = "cold_starts" if role in WEIGHTED_BY_COLD_STARTS else "invocations"
            pairs = [
                (v, weights.get((service, account, name, period, start, f"{basis}:{var}"), 0.0)) for var, v, _ in items
            ]
            total = sum(w for _, w in pairs)
            value = sum(v * w for v, w in pairs) / total if total > 0 else sum(v for v, _ in pairs) / len(pairs)
        rows.put(resource_id, role, start, period, value, where)
    problems.raise_if_any()
    return Parsed(points, sorted(resources.values(), key=lambda r: r.resource_id), [], rows.table(), notes)

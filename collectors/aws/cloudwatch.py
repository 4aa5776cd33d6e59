"""GetMetricData, batched: ≤ 500 queries and ≤ 100,800 datapoints per call, NextToken paging, PartialData.

All queries of one call share its StartTime/EndTime, so the caller groups queries by window. Query Ids
are ``q0``, ``q1``, … (CloudWatch requires ``^[a-z][A-Za-z0-9_]*$``). ``Unit`` is never sent: CloudWatch
returns nothing when the requested unit differs from the stored one and never converts.

Cost: $0.01 per 1,000 metrics requested, where up to five statistics of the same metric (same namespace,
name, dimensions and period) in one request count as one metric. Every page of a paginated call is a
request, so it is billed again (a conservative estimate).
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from collectors.aws.clients import describe_error, error_code
from collectors.aws.constants import (
    ACCESS_DENIED_CODES,
    EXPIRED_CREDENTIAL_CODES,
    GET_METRIC_DATA_USD_PER_METRIC,
    MAX_DATAPOINTS_PER_CALL,
    MAX_QUERIES_PER_CALL,
    STATISTICS_PER_BILLED_METRIC,
)
from collectors.source import ApiUsage, Window
from common.timeutil import aware_utc, naive_utc

BILL_ITEM = "cloudwatch:GetMetricData metrics requested"


@dataclass(frozen=True)
class StatQuery:
    namespace: str
    metric: str
    dimensions: tuple[tuple[str, str], ...]
    stat: str

    def as_metric_stat(self, period_s: int) -> dict[str, Any]:
        return {
            "Metric": {
                "Namespace": self.namespace,
                "MetricName": self.metric,
                "Dimensions": [{"Name": k, "Value": v} for k, v in self.dimensions],
            },
            "Period": period_s,
            "Stat": self.stat,
        }


@dataclass
class FetchResult:
    """Values per query (timestamp → value, naive UTC) and the queries that could not be fetched."""

    values: dict[StatQuery, dict[datetime, float]] = field(default_factory=dict)
    failed: dict[StatQuery, str] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)
    calls: int = 0


def queries_per_call(window: Window) -> int:
    """As many queries as fit both limits for this window's datapoints per query."""
    return max(1, min(MAX_QUERIES_PER_CALL, MAX_DATAPOINTS_PER_CALL // max(1, window.periods)))


def batches(queries: Sequence[StatQuery], window: Window) -> list[list[StatQuery]]:
    """Split into calls, cutting only between metrics, so a metric's statistics bill once.

    Up to five statistics of one metric in one request bill as one metric; cut across two calls they
    bill twice. So each metric's statistics (in fives, since a sixth bills again anyway) are packed
    whole into the call being filled, or start the next one. Only when the window is so long that a
    call cannot hold even five statistics (e.g. 2 weeks at 60 s) is a metric split: the datapoint limit
    leaves no choice.
    """
    ordered = sorted(dict.fromkeys(queries), key=lambda q: (q.namespace, q.metric, q.dimensions, q.stat))
    size = queries_per_call(window)
    chunks: list[list[StatQuery]] = []
    for _, stats in itertools.groupby(ordered, key=lambda q: (q.namespace, q.metric, q.dimensions)):
        group = list(stats)
        step = min(size, STATISTICS_PER_BILLED_METRIC)
        chunks.extend(group[i : i + step] for i in range(0, len(group), step))
    parts: list[list[StatQuery]] = []
    for chunk in chunks:
        if not parts or len(parts[-1]) + len(chunk) > size:
            parts.append([])
        parts[-1].extend(chunk)
    return parts


def billed_metrics(batch: Sequence[StatQuery]) -> int:
    """Metrics billed for one request: statistics of the same metric count in fives."""
    per_metric = Counter((q.namespace, q.metric, q.dimensions) for q in batch)
    return sum(math.ceil(n / STATISTICS_PER_BILLED_METRIC) for n in per_metric.values())


def plan_calls(queries: Sequence[StatQuery], window: Window) -> tuple[int, int]:
    """(calls, billed metrics) for fetching ``queries`` over ``window``, assuming no extra pages."""
    parts = batches(queries, window)
    return len(parts), sum(billed_metrics(b) for b in parts)


def _fetch_batch(client: Any, batch: list[StatQuery], window: Window, usage: ApiUsage, out: FetchResult) -> None:
    by_id = {f"q{i}": q for i, q in enumerate(batch)}
    params: dict[str, Any] = {
        "MetricDataQueries": [
            {"Id": qid, "MetricStat": q.as_metric_stat(window.period_s), "ReturnData": True} for qid, q in by_id.items()
        ],
        "StartTime": aware_utc(window.start),
        "EndTime": aware_utc(window.end),
        "ScanBy": "TimestampAscending",
    }
    billed = billed_metrics(batch)
    collected: dict[str, dict[datetime, float]] = {qid: {} for qid in by_id}
    status: dict[str, str] = {}
    while True:
        response = client.get_metric_data(**params)
        out.calls += 1
        usage.bill(BILL_ITEM, billed, "metrics", GET_METRIC_DATA_USD_PER_METRIC)
        for result in response.get("MetricDataResults", []):
            qid = result["Id"]
            series = collected.setdefault(qid, {})
            for ts, value in zip(result.get("Timestamps", []), result.get("Values", []), strict=False):
                series[naive_utc(ts)] = float(value)
            status[qid] = result.get("StatusCode", "Complete")
        out.messages.extend(f"{m.get('Code')}: {m.get('Value')}" for m in response.get("Messages", []) or [])
        token = response.get("NextToken")
        if not token:
            break
        params["NextToken"] = token
    for qid, query in by_id.items():
        code = status.get(qid, "Complete")
        if code in ("Forbidden", "InternalError"):
            out.failed[query] = f"{query.namespace} {query.metric} {query.stat}: {code}"
        else:
            out.values[query] = collected.get(qid, {})


def fetch(
    client: Any,
    queries: Sequence[StatQuery],
    window: Window,
    usage: ApiUsage,
    progress: Callable[[int, int], None] = lambda _done, _total: None,
) -> FetchResult:
    """Fetch every query over ``window``. A failed call fails only its own batch's queries."""
    out = FetchResult()
    parts = batches(queries, window)
    for index, batch in enumerate(parts, start=1):
        progress(index, len(parts))
        try:
            _fetch_batch(client, batch, window, usage, out)
        except Exception as exc:
            reason = describe_error(exc)
            hopeless = error_code(exc) in EXPIRED_CREDENTIAL_CODES | ACCESS_DENIED_CODES
            for query in batch if not hopeless else [q for b in parts[index - 1 :] for q in b]:
                out.failed[query] = reason
            if hopeless:  # the next batches would fail the same way: do not spend calls on them
                break
    return out

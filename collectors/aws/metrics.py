"""Which CloudWatch statistics each resource needs, and how they become canonical metrics.

The mapping (also the table in docs/collectors.md):

| canonical | Lambda (AWS/Lambda, FunctionName) | SageMaker endpoint / serverless (per variant, summed or weighted) |
|---|---|---|
| invocations | Invocations Sum (0 when CloudWatch has none) | Invocations Sum (0 when none) |
| errors | Errors Sum | Invocation4XXErrors Sum + Invocation5XXErrors Sum |
| throttles | Throttles Sum | — (no metric) |
| duration_ms_avg/p50/p90/p99 | Duration Average/p50/p90/p99 (ms) | ModelLatency Average/p50/p90/p99 (µs → ms) |
| overhead_latency_ms_avg | — | OverheadLatency Average (µs → ms) |
| concurrency_max | ConcurrentExecutions Maximum | serverless: ServerlessConcurrentExecutionsUtilization Max × MaxConc |
| cold_starts, init_duration_ms_avg | Logs Insights (opt-in) | serverless: ModelSetupTime SampleCount, Average (µs→ms) |
| cpu_utilization_pct_avg | — | CPUUtilization Average ÷ vCPUs (/aws/sagemaker/Endpoints) |
| memory_utilization_pct_avg | — | MemoryUtilization Average (/aws/sagemaker/Endpoints) |

Several variants of one endpoint: counts are summed; latencies are weighted by each variant's
invocations (percentiles so combined are an approximation, as the catalog says of every rollup of
percentiles); utilisations are weighted by each variant's running instances.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from collectors.aws.cloudwatch import StatQuery
from collectors.aws.constants import (
    MICROSECONDS_PER_MS,
    ML_INSTANCE_VCPUS,
    NAMESPACE_LAMBDA,
    NAMESPACE_SAGEMAKER,
    NAMESPACE_SAGEMAKER_INSTANCE,
)
from collectors.aws.inventory import SageMakerEndpoint
from collectors.source import MetricRow, Window

# (namespace, CloudWatch metric, statistic, role). A role names what the value feeds.
LAMBDA_STATS = (
    (NAMESPACE_LAMBDA, "Invocations", "Sum", "invocations"),
    (NAMESPACE_LAMBDA, "Errors", "Sum", "errors"),
    (NAMESPACE_LAMBDA, "Throttles", "Sum", "throttles"),
    (NAMESPACE_LAMBDA, "Duration", "Average", "latency_avg"),
    (NAMESPACE_LAMBDA, "Duration", "p50", "latency_p50"),
    (NAMESPACE_LAMBDA, "Duration", "p90", "latency_p90"),
    (NAMESPACE_LAMBDA, "Duration", "p99", "latency_p99"),
    (NAMESPACE_LAMBDA, "ConcurrentExecutions", "Maximum", "concurrency_max"),
)
_SAGEMAKER_COMMON = (
    (NAMESPACE_SAGEMAKER, "Invocations", "Sum", "invocations"),
    (NAMESPACE_SAGEMAKER, "Invocation4XXErrors", "Sum", "errors"),
    (NAMESPACE_SAGEMAKER, "Invocation5XXErrors", "Sum", "errors"),
    (NAMESPACE_SAGEMAKER, "ModelLatency", "Average", "latency_avg"),
    (NAMESPACE_SAGEMAKER, "ModelLatency", "p50", "latency_p50"),
    (NAMESPACE_SAGEMAKER, "ModelLatency", "p90", "latency_p90"),
    (NAMESPACE_SAGEMAKER, "ModelLatency", "p99", "latency_p99"),
    (NAMESPACE_SAGEMAKER, "OverheadLatency", "Average", "overhead_avg"),
    (NAMESPACE_SAGEMAKER_INSTANCE, "MemoryUtilization", "Average", "memory_avg"),
)
ENDPOINT_STATS = (*_SAGEMAKER_COMMON, (NAMESPACE_SAGEMAKER_INSTANCE, "CPUUtilization", "Average", "cpu_avg"))
SERVERLESS_STATS = (
    *_SAGEMAKER_COMMON,
    (NAMESPACE_SAGEMAKER, "ModelSetupTime", "SampleCount", "setup_count"),
    (NAMESPACE_SAGEMAKER, "ModelSetupTime", "Average", "setup_avg"),
    (NAMESPACE_SAGEMAKER, "ServerlessConcurrentExecutionsUtilization", "Maximum", "concurrency_util_max"),
)
MICROSECOND_ROLES = frozenset({"latency_avg", "latency_p50", "latency_p90", "latency_p99", "overhead_avg", "setup_avg"})
INVOCATION_WEIGHTED = {
    "latency_avg": "duration_ms_avg",
    "latency_p50": "duration_ms_p50",
    "latency_p90": "duration_ms_p90",
    "latency_p99": "duration_ms_p99",
    "overhead_avg": "overhead_latency_ms_avg",
}


@dataclass(frozen=True)
class Part:
    """One series feeding a resource: its variant (``""`` for Lambda), role and unit scale."""

    resource_id: str
    variant: str
    role: str
    scale: float  # multiply CloudWatch's value by this (µs → ms is 1/1000)
    weight: float = 1.0  # instances (utilisation) or MaxConcurrency (serverless concurrency)
    vcpus: float | None = None  # CPUUtilization divisor


@dataclass
class ResourceQueries:
    """Every query of one resource, with where each value goes."""

    resource_id: str
    service: str
    parts: dict[StatQuery, list[Part]] = field(default_factory=dict)
    # Invocations are zero-filled only from here: the earliest time the resource is known to exist (an
    # endpoint's creation, a function's LastModified, or its first datapoint). None: not known yet.
    exists_from: datetime | None = None
    # True when exists_from is the creation time itself (endpoints): datapoints then add nothing, and data
    # of an earlier resource of the same name does not stretch the zero-fill back to before this one.
    created_known: bool = False
    notes: list[str] = field(default_factory=list)

    def add(self, query: StatQuery, part: Part) -> None:
        self.parts.setdefault(query, []).append(part)

    def existed_at(self, when: datetime) -> None:
        """Evidence that the resource existed at ``when``: zero-fill from there on, in this and later windows."""
        if self.exists_from is None or when < self.exists_from:
            self.exists_from = when


def lambda_queries(resource_id: str, function_name: str, last_modified: datetime | None = None) -> ResourceQueries:
    """Lambda has no creation time: zero-fill from ``last_modified`` or the first datapoint, whichever is first.

    CloudWatch omits periods without invocations, so an empty period means zero only while the function
    existed; before the earliest proof of its existence, absence proves nothing and no row is written.
    """
    rq = ResourceQueries(resource_id, "lambda", exists_from=last_modified)
    dims = (("FunctionName", function_name),)
    for namespace, metric, stat, role in LAMBDA_STATS:
        rq.add(StatQuery(namespace, metric, dims, stat), Part(resource_id, "", role, 1.0))
    return rq


def endpoint_queries(resource_id: str, endpoint: SageMakerEndpoint) -> ResourceQueries:
    """Per-variant queries; CPU only where the variant's vCPU count is known (else a note says why)."""
    serverless = endpoint.service == "sagemaker-serverless"
    rq = ResourceQueries(
        resource_id, endpoint.service, exists_from=endpoint.created_at, created_known=endpoint.created_at is not None
    )
    stats = SERVERLESS_STATS if serverless else ENDPOINT_STATS
    for variant in endpoint.variants:
        dims = (("EndpointName", endpoint.name), ("VariantName", variant.name))
        instances = float(variant.current_instance_count or variant.desired_instance_count or 1)
        vcpus = ML_INSTANCE_VCPUS.get(variant.instance_type or "")
        for namespace, metric, stat, role in stats:
            scale = 1.0 / MICROSECONDS_PER_MS if role in MICROSECOND_ROLES else 1.0
            weight = 1.0
            if role in ("cpu_avg", "memory_avg") and not serverless:
                weight = instances
            if role == "concurrency_util_max":
                weight = float(variant.serverless_max_concurrency or 0)
            if role == "cpu_avg" and vcpus is None:
                rq.notes.append(
                    f"{endpoint.name}/{variant.name}: CPU utilisation skipped, vCPU count of "
                    f"{variant.instance_type or 'an unknown instance type'} unknown"
                )
                continue
            rq.add(
                StatQuery(namespace, metric, dims, stat),
                Part(resource_id, variant.name, role, scale, weight, float(vcpus) if role == "cpu_avg" else None),
            )
    return rq


def _periods(window: Window, exists_from: datetime | None) -> list[datetime]:
    """The window's periods that end after ``exists_from`` (none when it is unknown)."""
    if exists_from is None:
        return []
    step = timedelta(seconds=window.period_s)
    starts = []
    t = window.start
    while t < window.end:
        if t + step > exists_from:
            starts.append(t)
        t += step
    return starts


def _weighted(pairs: list[tuple[float, float]]) -> float | None:
    """Mean of values weighted by weights; an unweighted mean when every weight is zero."""
    if not pairs:
        return None
    total = sum(w for _, w in pairs)
    if total > 0:
        return sum(v * w for v, w in pairs) / total
    return sum(v for v, _ in pairs) / len(pairs)


def canonical_rows(
    rq: ResourceQueries, values: dict[StatQuery, dict[datetime, float]], window: Window, origin: str
) -> list[MetricRow]:
    """Turn one resource's fetched series into canonical rows for every period of ``window``.

    Periods with data get rows; empty periods get ``invocations`` 0 only from ``rq.exists_from`` on.
    Without a creation time (Lambda), a datapoint is proof the resource existed, so the first one in this
    window moves ``rq.exists_from`` earlier when needed (windows are read oldest first, so later windows
    zero-fill from it too).
    """
    # per period → per variant → role → value (errors from two metrics add up)
    grid: dict[datetime, dict[str, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
    weights: dict[tuple[str, str], Part] = {}
    for query, parts in rq.parts.items():
        series = values.get(query)
        if series is None:
            continue
        for part in parts:
            weights[(part.variant, part.role)] = part
            for ts, raw in series.items():
                value = raw * part.scale
                if part.role == "cpu_avg" and part.vcpus:
                    value = raw / part.vcpus
                slot = grid[ts][part.variant]
                slot[part.role] = slot.get(part.role, 0.0) + value if part.role == "errors" else value
    in_window = sorted(t for t in grid if window.start <= t < window.end)
    if in_window and not rq.created_known:
        rq.existed_at(in_window[0])
    rows: list[MetricRow] = []
    period_s = window.period_s

    def emit(ts: datetime, metric: str, value: float | None) -> None:
        if value is not None:
            rows.append((rq.resource_id, metric, ts, period_s, float(value), origin))

    # Every period with data, plus the zero-filled ones while the resource existed.
    for ts in sorted(set(_periods(window, rq.exists_from)) | set(in_window)):
        variants = grid.get(ts, {})
        invocations = {v: roles.get("invocations", 0.0) for v, roles in variants.items()}
        emit(ts, "invocations", sum(invocations.values()))
        for role, metric in (("errors", "errors"), ("throttles", "throttles")):
            present = [roles[role] for roles in variants.values() if role in roles]
            emit(ts, metric, sum(present) if present else None)
        for role, metric in INVOCATION_WEIGHTED.items():
            emit(ts, metric, _weighted([(r[role], invocations.get(v, 0.0)) for v, r in variants.items() if role in r]))
        for role, metric in (("cpu_avg", "cpu_utilization_pct_avg"), ("memory_avg", "memory_utilization_pct_avg")):
            emit(
                ts, metric, _weighted([(r[role], weights[(v, role)].weight) for v, r in variants.items() if role in r])
            )
        if rq.service == "lambda":
            present = [r["concurrency_max"] for r in variants.values() if "concurrency_max" in r]
            emit(ts, "concurrency_max", max(present) if present else None)
        if rq.service == "sagemaker-serverless":
            present = [r["concurrency_util_max"] * weights[(v, "concurrency_util_max")].weight
                       for v, r in variants.items() if "concurrency_util_max" in r]  # fmt: skip
            emit(ts, "concurrency_max", sum(present) if present else None)
            counts = [(r.get("setup_count", 0.0), r.get("setup_avg")) for r in variants.values()]
            cold = sum(c for c, _ in counts)
            if cold > 0 or sum(invocations.values()) > 0:
                emit(ts, "cold_starts", cold)
            emit(ts, "init_duration_ms_avg", _weighted([(a, c) for c, a in counts if a is not None and c > 0]))
    return rows

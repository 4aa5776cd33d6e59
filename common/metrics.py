"""Canonical metrics, their units and how finer periods roll up into coarser ones; per-resource configuration.

The store keeps several resolutions (hourly history, per-minute recent data), so each metric says how to
combine periods without double counting.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Rollup = Literal["sum", "mean_by_invocations", "mean_by_cold_starts", "mean_by_time", "max"]


@dataclass(frozen=True)
class Metric:
    name: str
    unit: str
    rollup: Rollup
    description: str


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("invocations", "count", "sum", "requests in the period"),
        Metric("errors", "count", "sum", "failed requests"),
        Metric("throttles", "count", "sum", "throttled requests"),
        Metric("duration_ms_avg", "ms", "mean_by_invocations", "mean per-request latency"),
        # Percentiles cannot be merged exactly without the underlying distributions; a coarser period
        # shows the request-weighted mean of the finer periods' percentiles, and the pages say so.
        Metric("duration_ms_p50", "ms", "mean_by_invocations", "median per-request latency"),
        Metric("duration_ms_p90", "ms", "mean_by_invocations", "90th percentile latency"),
        Metric("duration_ms_p99", "ms", "mean_by_invocations", "99th percentile latency"),
        Metric("billed_duration_ms_sum", "ms", "sum", "billed milliseconds"),
        # Instance time the platform bills (Cloud Run's container/billable_instance_time, rounded up to
        # 100 ms per instance): what Cloud Run is priced on, which requests x duration cannot recover when
        # instances serve several requests at once or stay up between them.
        Metric("billable_instance_ms_sum", "ms", "sum", "billable instance time"),
        Metric("cold_starts", "count", "sum", "requests that started a new instance"),
        Metric("init_duration_ms_avg", "ms", "mean_by_cold_starts", "mean cold-start (init) time"),
        Metric("concurrency_max", "count", "max", "peak concurrent executions"),
        Metric("instances_avg", "count", "mean_by_time", "mean running instances or replicas"),
        Metric("overhead_latency_ms_avg", "ms", "mean_by_invocations", "platform overhead latency"),
        # 0-100 % of the instance's whole CPU: collectors divide SageMaker's and Vertex's per-core sums.
        Metric("cpu_utilization_pct_avg", "%", "mean_by_time", "CPU utilisation"),
        Metric("memory_utilization_pct_avg", "%", "mean_by_time", "memory utilisation"),
        Metric("provisioned_concurrency", "count", "mean_by_time", "configured provisioned concurrency"),
    )
}

# Configuration columns stored per resource over time (store.resource_config).
CONFIG_FIELDS: dict[str, str] = {
    "memory_mb": "INTEGER",
    "architecture": "VARCHAR",
    "vcpu": "DOUBLE",
    "instance_type": "VARCHAR",
    "instance_count": "INTEGER",
    "min_instances": "INTEGER",
    "max_instances": "INTEGER",
    "accelerator_type": "VARCHAR",
    "accelerator_count": "INTEGER",
    "ephemeral_storage_mb": "INTEGER",
    "timeout_s": "INTEGER",
    "package_type": "VARCHAR",
    "billing_mode": "VARCHAR",
    "max_concurrency": "INTEGER",
    "provisioned_concurrency": "INTEGER",
    "status": "VARCHAR",
}

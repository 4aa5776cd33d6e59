"""Turn aligned Cloud Monitoring series into canonical metrics (common/metrics.py), per service.

Units are converted here, at the edge: Cloud Functions execution times are nanoseconds (÷ 1e6 → ms),
Cloud Run and Vertex latencies are already milliseconds, Vertex CPU utilisation is a per-core sum
(1.0 = one core busy) normalised to 0–100 % of the machine's vCPUs.

Values without a canonical home (Cloud Run billable instance time and CPU / memory allocation time,
Vertex target replicas) are kept per resource and period in ``ServiceResult.unmapped``; the run record
gets their total (or maximum, for ``*_max`` names) over the window. docs/gcp.md says what each becomes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from collectors.gcp.constants import (
    BYTES_PER_MIB,
    FUNCTIONS_OK_STATUS,
    IDENTITY_LABELS,
    NS_PER_MS,
    RUN_ERROR_CODE_CLASS,
)
from collectors.gcp.distribution import Histogram, mean, merge, percentile
from collectors.gcp.fetch import Series
from common.percentiles import LATENCY_PERCENTILES
from common.timeutil import align_down

ResourceKey = tuple[str, str]  # (name, region)


@dataclass
class ServiceResult:
    """Canonical values per resource and period, plus what has no canonical home."""

    metrics: dict[ResourceKey, dict[tuple[str, datetime], float]] = field(default_factory=lambda: defaultdict(dict))
    label_config: dict[ResourceKey, dict[str, Any]] = field(default_factory=dict)
    unmapped: dict[ResourceKey, dict[str, dict[datetime, float]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(dict))
    )
    notes: list[str] = field(default_factory=list)

    def set(self, key: ResourceKey, metric: str, period_start: datetime, value: float) -> None:
        self.metrics[key][(metric, period_start)] = value

    def add(self, key: ResourceKey, metric: str, period_start: datetime, value: float) -> None:
        slot = (metric, period_start)
        self.metrics[key][slot] = self.metrics[key].get(slot, 0.0) + value

    def add_unmapped(self, key: ResourceKey, name: str, period_start: datetime, value: float) -> None:
        """A value without a canonical metric; ``*_max`` names keep the maximum, others the sum."""
        periods = self.unmapped[key][name]
        current = periods.get(period_start)
        if current is None:
            periods[period_start] = value
        else:
            periods[period_start] = max(current, value) if name.endswith("_max") else current + value

    def unmapped_totals(self, start: datetime, end: datetime) -> dict[ResourceKey, dict[str, float]]:
        """Per resource, each unmapped value over the periods in ``[start, end)``."""
        totals: dict[ResourceKey, dict[str, float]] = {}
        for key, names in self.unmapped.items():
            for name, periods in names.items():
                inside = [v for p, v in periods.items() if start <= p < end]
                if inside:
                    totals.setdefault(key, {})[name] = max(inside) if name.endswith("_max") else sum(inside)
        return totals

    def rows(self) -> Iterable[tuple[ResourceKey, str, datetime, float]]:
        for key, values in self.metrics.items():
            for (metric, period_start), value in values.items():
                yield key, metric, period_start, value


def period_start(end_time: datetime, period_s: int) -> datetime:
    """Start of the store period holding an aligned point (points cover ``(end - P, end]``), naive UTC.

    Works for points aligned to a finer grid too (per-minute concurrency): the point's own window
    starts at ``end - 60 s`` at the latest, which is floored to the collection period.
    """
    return align_down(end_time - timedelta(seconds=1), period_s)  # the window is open at its start


def identity(service: str, series: Series) -> ResourceKey:
    name_label, region_label = IDENTITY_LABELS[service]
    return series.resource_labels.get(name_label, ""), series.resource_labels.get(region_label, "")


def _histograms_by_period(
    service: str, series_list: list[Series], period_s: int
) -> dict[ResourceKey, dict[datetime, list[Histogram]]]:
    grouped: dict[ResourceKey, dict[datetime, list[Histogram]]] = defaultdict(lambda: defaultdict(list))
    for series in series_list:
        key = identity(service, series)
        for end, value in series.points:
            if isinstance(value, Histogram):
                grouped[key][period_start(end, period_s)].append(value)
    return grouped


def numbers_of(
    service: str, series_list: list[Series], period_s: int
) -> Iterable[tuple[ResourceKey, Series, datetime, float]]:
    for series in series_list:
        key = identity(service, series)
        for end, value in series.points:
            if not isinstance(value, Histogram):
                yield key, series, period_start(end, period_s), value


def put_latency(
    result: ServiceResult, key: ResourceKey, start: datetime, merged: Histogram | None, scale: float
) -> None:
    """duration_ms_avg and p50/p90/p99 from one merged histogram; ``scale`` converts to ms."""
    avg = mean(merged)
    if avg is None:
        return
    result.set(key, "duration_ms_avg", start, avg / scale)
    for metric, q in LATENCY_PERCENTILES:
        value = percentile(merged, q)
        if value is not None:
            result.set(key, metric, start, value / scale)


def _parse_memory_label(text: str | None) -> int | None:
    digits = "".join(ch for ch in (text or "") if ch.isdigit())
    return int(digits) if digits else None


def transform_functions(fetched: dict[str, list[Series]], period_s: int) -> ServiceResult:
    svc = "cloud-functions"
    result = ServiceResult()
    executions_by_memory: dict[ResourceKey, dict[datetime, dict[int, float]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(float))
    )
    for key, series, start, value in numbers_of(svc, fetched.get("execution_count", []), period_s):
        result.add(key, "invocations", start, value)
        failed = series.metric_labels.get("status", "") != FUNCTIONS_OK_STATUS
        result.add(key, "errors", start, value if failed else 0.0)
        memory_mb = _parse_memory_label(series.metric_labels.get("memory"))
        if memory_mb:
            executions_by_memory[key][start][memory_mb] += value
    for key, periods in executions_by_memory.items():
        latest = periods[max(periods)]
        result.label_config[key] = {"memory_mb": max(latest, key=lambda m: (latest[m], m))}
    for key, periods in _histograms_by_period(svc, fetched.get("execution_times", []), period_s).items():
        for start, hists in periods.items():
            put_latency(result, key, start, merge(hists), NS_PER_MS)
    _memory_utilisation(result, fetched.get("user_memory_bytes", []), period_s)
    for key, _, start, value in numbers_of(svc, fetched.get("instance_count", []), period_s):
        result.add(key, "instances_avg", start, value)
    return result


def _memory_utilisation(result: ServiceResult, series_list: list[Series], period_s: int) -> None:
    """Mean per-execution peak memory as a % of the memory configured (the ``memory`` label, MiB)."""
    weighted: dict[tuple[ResourceKey, datetime], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for series in series_list:
        memory_mb = _parse_memory_label(series.metric_labels.get("memory"))
        if not memory_mb:
            continue
        key = identity("cloud-functions", series)
        for end, value in series.points:
            if isinstance(value, Histogram) and value.count > 0:
                slot = weighted[(key, period_start(end, period_s))]
                slot[0] += value.count * 100.0 * value.mean / (memory_mb * BYTES_PER_MIB)
                slot[1] += value.count
    for (key, start), (total, count) in weighted.items():
        result.set(key, "memory_utilization_pct_avg", start, total / count)


def transform_run(fetched: dict[str, list[Series]], period_s: int) -> ServiceResult:
    svc = "cloud-run"
    result = ServiceResult()
    for key, series, start, value in numbers_of(svc, fetched.get("request_count", []), period_s):
        result.add(key, "invocations", start, value)
        server_error = series.metric_labels.get("response_code_class", "") == RUN_ERROR_CODE_CLASS
        result.add(key, "errors", start, value if server_error else 0.0)
    for key, periods in _histograms_by_period(svc, fetched.get("request_latencies", []), period_s).items():
        for start, hists in periods.items():
            put_latency(result, key, start, merge(hists), 1.0)
    for key, _, start, value in numbers_of(svc, fetched.get("instance_count", []), period_s):
        result.add(key, "instances_avg", start, value)
    for key, _, start, value in numbers_of(svc, fetched.get("billable_instance_time", []), period_s):
        result.add(key, "billable_instance_ms_sum", start, value * MS_PER_S)  # what Cloud Run bills, in seconds
    for query_key, name in UNMAPPED_RUN.items():
        for key, _, start, value in numbers_of(svc, fetched.get(query_key, []), period_s):
            result.add_unmapped(key, name, start, value)
    for key, periods in _histograms_by_period(svc, fetched.get("startup_latencies", []), period_s).items():
        for start, hists in periods.items():
            merged = merge(hists)
            if merged is not None:
                result.set(key, "cold_starts", start, float(merged.count))
                result.set(key, "init_duration_ms_avg", start, merged.mean)
    _peak_concurrency(result, fetched.get("max_request_concurrencies", []), period_s)
    return result


# Cloud Run metrics with no canonical home: summed per resource for the run record.
MS_PER_S = 1000.0
UNMAPPED_RUN = {
    "cpu_allocation_time": "cpu_allocation_vcpu_s",
    "memory_allocation_time": "memory_allocation_gib_s",
}


def _peak_concurrency(result: ServiceResult, series_list: list[Series], period_s: int) -> None:
    """concurrency_max: the period's busiest minute, as the sum of each instance's peak that minute.

    ``max_request_concurrencies`` holds one sample per instance and minute (that instance's peak
    concurrent requests), so a minute's merged histogram has ``count`` = instances and
    ``mean × count`` = the sum of their peaks: an upper bound of the requests in flight at once that
    minute (the instances' peaks need not coincide). The period keeps its largest minute.
    """
    per_minute: dict[tuple[ResourceKey, datetime], list[Histogram]] = defaultdict(list)
    for series in series_list:
        key = identity("cloud-run", series)
        for end, value in series.points:
            if isinstance(value, Histogram):
                per_minute[(key, end)].append(value)
    for (key, end), hists in per_minute.items():
        merged = merge(hists)
        if merged is None:
            continue
        total = round(merged.mean * merged.count, 6)
        start = period_start(end, period_s)
        current = result.metrics[key].get(("concurrency_max", start))
        if current is None or total > current:
            result.set(key, "concurrency_max", start, total)

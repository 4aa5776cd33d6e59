"""Vertex AI endpoint series into canonical metrics.

An endpoint is one resource (its id is stable across model redeploys); its deployed models are
summed (predictions, errors, replicas) or weighted by their replicas (CPU utilisation).

Latency choice: ``prediction_latencies`` comes split by ``latency_type``. ``model`` (time in the
model server) becomes the duration metrics and ``overhead`` (Vertex's own processing) becomes
``overhead_latency_ms_avg``, matching SageMaker's ModelLatency / OverheadLatency split. Only ``total``
is always present; it is used for the duration metrics in the periods where ``model`` is absent, and
then no overhead is reported (it is inside the total).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime

from collectors.gcp.constants import LATENCY_MODEL, LATENCY_OVERHEAD, LATENCY_TOTAL
from collectors.gcp.distribution import Histogram, merge
from collectors.gcp.fetch import Series
from collectors.gcp.transforms import ResourceKey, ServiceResult, identity, numbers_of, period_start, put_latency

SERVICE = "vertex-endpoint"


VcpuLookup = Callable[[ResourceKey, str], float | None]


def transform_vertex(fetched: dict[str, list[Series]], period_s: int, vcpus: VcpuLookup) -> ServiceResult:
    """``vcpus(endpoint, deployed_model_id)`` gives the deployed model's vCPUs (from configuration)."""
    result = ServiceResult()
    for key, _, start, value in numbers_of(SERVICE, fetched.get("prediction_count", []), period_s):
        result.add(key, "invocations", start, value)
    for key, _, start, value in numbers_of(SERVICE, fetched.get("error_count", []), period_s):
        result.add(key, "errors", start, value)
    # error_count writes no point for a period without errors: a period with predictions and no
    # error point had zero errors.
    for values in result.metrics.values():
        for metric, start in list(values):
            if metric == "invocations" and ("errors", start) not in values:
                values[("errors", start)] = 0.0
    _latencies(result, fetched.get("prediction_latencies", []), period_s)
    replicas: dict[tuple[ResourceKey, datetime], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for key, series, start, value in numbers_of(SERVICE, fetched.get("replicas", []), period_s):
        replicas[(key, start)][series.metric_labels.get("deployed_model_id", "")] += value
        result.add(key, "instances_avg", start, value)
    for key, _, start, value in numbers_of(SERVICE, fetched.get("target_replicas", []), period_s):
        result.add_unmapped(key, "target_replicas_max", start, value)
    _cpu(result, fetched.get("cpu_utilization", []), period_s, vcpus, replicas)
    return result


def _latencies(result: ServiceResult, series_list: list[Series], period_s: int) -> None:
    by_type: dict[tuple[ResourceKey, datetime], dict[str, list[Histogram]]] = defaultdict(lambda: defaultdict(list))
    for series in series_list:
        key = identity(SERVICE, series)
        latency_type = series.metric_labels.get("latency_type", "")
        for end, value in series.points:
            if isinstance(value, Histogram):
                by_type[(key, period_start(end, period_s))][latency_type].append(value)
    for (key, start), types in by_type.items():
        model = merge(types.get(LATENCY_MODEL, []))
        put_latency(result, key, start, model if model is not None else merge(types.get(LATENCY_TOTAL, [])), 1.0)
        overhead = merge(types.get(LATENCY_OVERHEAD, []))
        if model is not None and overhead is not None:
            result.set(key, "overhead_latency_ms_avg", start, overhead.mean)


def _cpu(
    result: ServiceResult,
    series_list: list[Series],
    period_s: int,
    vcpus: VcpuLookup,
    replicas: dict[tuple[ResourceKey, datetime], dict[str, float]],
) -> None:
    """Per-core-sum utilisation ÷ vCPUs × 100, weighted across deployed models by their replicas.

    A period is skipped (and noted once per endpoint) when any deployed model's machine type has no
    known vCPU count: a partial average would look exact and be wrong.
    """
    per_model: dict[tuple[ResourceKey, datetime], dict[str, float]] = defaultdict(dict)
    for key, series, start, value in numbers_of(SERVICE, series_list, period_s):
        per_model[(key, start)][series.metric_labels.get("deployed_model_id", "")] = value
    noted: set[ResourceKey] = set()
    for (key, start), utilisation in sorted(per_model.items()):
        known = {dm: vcpus(key, dm) for dm in utilisation}
        unknown = sorted(dm for dm, count in known.items() if not count)
        if unknown:
            if key not in noted:
                noted.add(key)
                result.notes.append(
                    f"vertex-endpoint {key[0]} ({key[1]}): CPU utilisation skipped, no vCPU count for deployed "
                    f"model(s) {', '.join(unknown)}; give vcpu in the source's overrides"
                )
            continue
        weights = {dm: replicas.get((key, start), {}).get(dm, 0.0) for dm in utilisation}
        if sum(weights.values()) <= 0:
            weights = dict.fromkeys(utilisation, 1.0)
        total_weight = sum(weights.values())
        pct = sum(weights[dm] * 100.0 * u / (known[dm] or 1.0) for dm, u in utilisation.items()) / total_weight
        result.set(key, "cpu_utilization_pct_avg", start, pct)

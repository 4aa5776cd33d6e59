"""What to ask Cloud Monitoring for, and how: one ``ListTimeSeriesRequest`` per metric and service.

Every query aligns server-side with the alignment period equal to the collection period, so one point
comes back per resource and period and the network carries little:

- counts and allocation times (DELTA INT64/DOUBLE): ``ALIGN_DELTA`` then ``REDUCE_SUM`` grouped by
  the resource's identity labels (plus the metric label we split on, e.g. ``status``);
- distributions (DELTA DISTRIBUTION): ``ALIGN_DELTA`` keeps each series' histogram for the period and
  ``REDUCE_SUM`` merges the histograms of a resource's series (revisions, statuses, memory sizes), so
  percentiles are read from one merged histogram per resource and period;
- gauges (instances, replicas, CPU): ``ALIGN_MEAN`` per series, then ``REDUCE_SUM`` (instances across
  states and revisions) or ``REDUCE_MEAN`` (CPU across replicas).

The one exception is Cloud Run's ``max_request_concurrencies``: it is aligned per minute (see
``transforms``), because a period's peak cannot be recovered from an hour-merged histogram.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from google.cloud import monitoring_v3

from collectors.gcp.constants import (
    FUNCTIONS_PREFIX,
    IDENTITY_LABELS,
    MAX_PAGE_SIZE,
    MIN_ALIGNMENT_S,
    PROJECT_LABEL,
    RESOURCE_TYPES,
    RUN_PREFIX,
    SAMPLE_PERIOD_S,
    VERTEX_PREFIX,
)
from common.timeutil import aware_utc

Aligner = monitoring_v3.Aggregation.Aligner
Reducer = monitoring_v3.Aggregation.Reducer
FULL_VIEW = monitoring_v3.ListTimeSeriesRequest.TimeSeriesView.FULL


@dataclass(frozen=True)
class MetricQuery:
    """One metric of one service, with the server-side aggregation that suits its kind."""

    key: str  # short name the transforms use
    metric_type: str
    value: Literal["number", "distribution"]
    aligner: Aligner
    reducer: Reducer
    split_by: tuple[str, ...] = ()  # extra group-by fields beyond the resource identity
    alignment_s: int | None = None  # None: the collection period


def _q(
    key: str,
    metric_type: str,
    value: Literal["number", "distribution"],
    aligner: Aligner,
    reducer: Reducer = Reducer.REDUCE_SUM,
    split_by: tuple[str, ...] = (),
    alignment_s: int | None = None,
) -> MetricQuery:
    return MetricQuery(key, metric_type, value, aligner, reducer, split_by, alignment_s)


DELTA, MEAN = Aligner.ALIGN_DELTA, Aligner.ALIGN_MEAN

SERVICE_QUERIES: dict[str, tuple[MetricQuery, ...]] = {
    "cloud-functions": (
        _q(
            "execution_count",
            FUNCTIONS_PREFIX + "function/execution_count",
            "number",
            DELTA,
            split_by=("metric.labels.status", "metric.labels.memory"),
        ),
        _q("execution_times", FUNCTIONS_PREFIX + "function/execution_times", "distribution", DELTA),
        _q(
            "user_memory_bytes",
            FUNCTIONS_PREFIX + "function/user_memory_bytes",
            "distribution",
            DELTA,
            split_by=("metric.labels.memory",),
        ),
        _q("instance_count", FUNCTIONS_PREFIX + "function/instance_count", "number", MEAN),
    ),
    "cloud-run": (
        _q(
            "request_count",
            RUN_PREFIX + "request_count",
            "number",
            DELTA,
            split_by=("metric.labels.response_code_class",),
        ),
        _q("request_latencies", RUN_PREFIX + "request_latencies", "distribution", DELTA),
        _q("instance_count", RUN_PREFIX + "container/instance_count", "number", MEAN),
        _q("billable_instance_time", RUN_PREFIX + "container/billable_instance_time", "number", DELTA),
        _q("cpu_allocation_time", RUN_PREFIX + "container/cpu/allocation_time", "number", DELTA),
        _q("memory_allocation_time", RUN_PREFIX + "container/memory/allocation_time", "number", DELTA),
        _q("startup_latencies", RUN_PREFIX + "container/startup_latencies", "distribution", DELTA),
        _q(
            "max_request_concurrencies",
            RUN_PREFIX + "container/max_request_concurrencies",
            "distribution",
            DELTA,
            alignment_s=SAMPLE_PERIOD_S,
        ),
    ),
    "vertex-endpoint": (
        _q("prediction_count", VERTEX_PREFIX + "prediction_count", "number", DELTA),
        _q(
            "prediction_latencies",
            VERTEX_PREFIX + "prediction_latencies",
            "distribution",
            DELTA,
            split_by=("metric.labels.latency_type",),
        ),
        _q("error_count", VERTEX_PREFIX + "error_count", "number", DELTA),
        _q("replicas", VERTEX_PREFIX + "replicas", "number", MEAN, split_by=("metric.labels.deployed_model_id",)),
        _q("target_replicas", VERTEX_PREFIX + "target_replicas", "number", MEAN),
        _q(
            "cpu_utilization",
            VERTEX_PREFIX + "cpu/utilization",
            "number",
            MEAN,
            Reducer.REDUCE_MEAN,
            split_by=("metric.labels.deployed_model_id",),
        ),
    ),
}


def _quoted(value: str) -> str:
    """A filter string literal. Values are validated identifiers already; escaping is belt and braces."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def build_filter(service: str, query: MetricQuery, project: str, regions: tuple[str, ...] | None) -> str:
    """The ``filter`` of a request: one metric type, the service's resource type, project and regions."""
    resource_type = RESOURCE_TYPES[service]
    clauses = [f"metric.type = {_quoted(query.metric_type)}", f"resource.type = {_quoted(resource_type)}"]
    project_label = PROJECT_LABEL[service]
    if project_label:
        # A metrics-scoping project also returns its monitored projects' series; keep only our own.
        clauses.append(f"resource.labels.{project_label} = {_quoted(project)}")
    if regions:
        region_label = IDENTITY_LABELS[service][1]
        choices = ", ".join(_quoted(r) for r in regions)
        clauses.append(f"resource.labels.{region_label} = one_of({choices})")
    return " AND ".join(clauses)


def group_by_fields(service: str, query: MetricQuery) -> list[str]:
    name_label, region_label = IDENTITY_LABELS[service]
    return [f"resource.labels.{name_label}", f"resource.labels.{region_label}", *query.split_by]


def build_request(
    service: str,
    query: MetricQuery,
    *,
    project: str,
    start: datetime,
    end: datetime,
    period_s: int,
    regions: tuple[str, ...] | None,
    page_size: int,
) -> monitoring_v3.ListTimeSeriesRequest:
    """A full-view, server-aligned request for ``(start, end]``.

    Aligned points are anchored at ``end`` and step back by the alignment period, so ``start`` and
    ``end`` must sit on period boundaries for the points to land on the store's period starts.
    """
    alignment_s = query.alignment_s or period_s
    if alignment_s < MIN_ALIGNMENT_S:
        raise ValueError(f"alignment period must be at least {MIN_ALIGNMENT_S} s, got {alignment_s}")
    if not 0 < page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}, got {page_size}")
    return monitoring_v3.ListTimeSeriesRequest(
        name=f"projects/{project}",
        filter=build_filter(service, query, project, regions),
        # proto-plus reads a naive datetime as *local* time: make the UTC window explicit
        interval=monitoring_v3.TimeInterval(start_time=aware_utc(start), end_time=aware_utc(end)),
        aggregation=monitoring_v3.Aggregation(
            alignment_period=timedelta(seconds=alignment_s),
            per_series_aligner=query.aligner,
            cross_series_reducer=query.reducer,
            group_by_fields=group_by_fields(service, query),
        ),
        view=FULL_VIEW,
        page_size=page_size,
    )

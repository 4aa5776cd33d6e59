"""An in-process Cloud Monitoring ``MetricService`` that the real client talks to over gRPC.

The server is a grpc generic handler whose (de)serializers are the client library's own proto-plus
types, so requests and responses cross a real wire in the real format. It holds *raw* per-minute
series (DELTA counts and distributions, GAUGE samples) and implements the part of
``ListTimeSeries`` the collectors use, the way the API documents it:

- the filter (``metric.type``, ``resource.type``, ``resource.labels.*`` and ``metric.labels.*``
  equalities and ``one_of``), anything else is INVALID_ARGUMENT;
- alignment anchored at the interval's end time, windows ``(end - k·P - P, end - k·P]``, with
  ALIGN_DELTA / ALIGN_SUM (numbers and distributions), ALIGN_MEAN and ALIGN_MAX;
- REDUCE_NONE / REDUCE_SUM (numbers, and distributions with equal bucket options) / REDUCE_MEAN /
  REDUCE_MAX grouped by ``group_by_fields``, keeping only the grouped labels;
- points newest first; FULL-view paging by points (``page_size``), splitting a long series across
  pages as the API may; opaque page tokens;
- injected failures (any status code, optionally with a ``RetryInfo`` delay) per project.

So a wrong aggregation in the collector gives wrong numbers here, not a silently canned answer.
"""

from __future__ import annotations

import itertools
import re
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from concurrent import futures
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import grpc
from google.api import distribution_pb2, metric_pb2
from google.cloud import monitoring_v3
from google.cloud.monitoring_v3.types import metric_service
from google.protobuf import any_pb2, duration_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

Aligner = monitoring_v3.Aggregation.Aligner
Reducer = monitoring_v3.Aggregation.Reducer


def distribution(kind: str, params: dict, counts: list[int], mean: float) -> distribution_pb2.Distribution:
    """A ``google.api.Distribution`` with explicit, linear or exponential bucket options."""
    d = distribution_pb2.Distribution(count=sum(counts), mean=mean)
    if kind == "explicit":
        d.bucket_options.explicit_buckets.bounds.extend(params["bounds"])
    elif kind == "linear":
        lb = d.bucket_options.linear_buckets
        lb.num_finite_buckets, lb.width, lb.offset = params["n"], params["width"], params["offset"]
    elif kind == "exponential":
        eb = d.bucket_options.exponential_buckets
        eb.num_finite_buckets, eb.growth_factor, eb.scale = params["n"], params["growth"], params["scale"]
    else:
        raise ValueError(kind)
    d.bucket_counts.extend(counts)
    return d


@dataclass
class RawSeries:
    project: str
    metric_type: str
    kind: str  # "DELTA" or "GAUGE"
    value_type: str  # "INT64", "DOUBLE" or "DISTRIBUTION"
    resource_type: str
    resource_labels: dict[str, str]
    metric_labels: dict[str, str]
    points: dict[datetime, object] = field(default_factory=dict)  # end time -> value


@dataclass
class Failure:
    code: grpc.StatusCode
    message: str
    remaining: int
    retry_delay_s: float | None = None
    metric_prefix: str = ""
    hang_s: float = 0.0  # answer only after this long (a black-holed endpoint, with a short client timeout)


_CLAUSE = re.compile(r'^\s*([\w.]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|one_of\((.*)\))\s*$')


def _parse_filter(text: str) -> list[tuple[str, set[str]]]:
    clauses = []
    for part in text.split(" AND "):
        m = _CLAUSE.match(part)
        if not m:
            raise ValueError(f"unsupported filter clause {part!r}")
        key, single, choices = m.groups()
        if not (key in ("metric.type", "resource.type") or key.startswith(("resource.labels.", "metric.labels."))):
            raise ValueError(f"unsupported filter field {key!r}")
        values = {single} if single is not None else set(re.findall(r'"((?:[^"\\]|\\.)*)"', choices))
        clauses.append((key, values))
    return clauses


def _field(series: RawSeries, path: str) -> str:
    if path == "metric.type":
        return series.metric_type
    if path == "resource.type":
        return series.resource_type
    if path.startswith("resource.labels."):
        return series.resource_labels.get(path.removeprefix("resource.labels."), "")
    return series.metric_labels.get(path.removeprefix("metric.labels."), "")


def _merge_distributions(values: list[distribution_pb2.Distribution]) -> distribution_pb2.Distribution:
    options = values[0].bucket_options
    if any(v.bucket_options != options for v in values):
        raise ValueError("cannot sum distributions with different bucket options")
    n = max(len(v.bucket_counts) for v in values)
    counts = [sum(v.bucket_counts[i] if i < len(v.bucket_counts) else 0 for v in values) for i in range(n)]
    total = sum(v.count for v in values)
    out = distribution_pb2.Distribution(count=total, mean=sum(v.mean * v.count for v in values) / total if total else 0)
    out.bucket_options.CopyFrom(options)
    out.bucket_counts.extend(counts)
    return out


def _combine(values: list, how: str, value_type: str) -> tuple[object, str]:
    if value_type == "DISTRIBUTION":
        if how != "sum":
            raise ValueError(f"{how} is not supported for distributions here")
        return _merge_distributions(values), "DISTRIBUTION"
    if how == "sum":
        return sum(values), value_type
    if how == "max":
        return max(values), value_type
    if how == "mean":
        return sum(values) / len(values), "DOUBLE"
    raise ValueError(how)


_ALIGNERS = {Aligner.ALIGN_DELTA: "sum", Aligner.ALIGN_SUM: "sum", Aligner.ALIGN_MEAN: "mean", Aligner.ALIGN_MAX: "max"}
_REDUCERS = {Reducer.REDUCE_SUM: "sum", Reducer.REDUCE_MEAN: "mean", Reducer.REDUCE_MAX: "max"}


class FakeMetricService:
    """Raw series in, aligned and reduced pages out; thread-safe for the server's worker threads."""

    def __init__(self) -> None:
        self.series: list[RawSeries] = []
        self.requests: list[metric_service.ListTimeSeriesRequest] = []
        self.metadata: list[dict[str, str]] = []  # per call, e.g. the authorization header
        self.failures: dict[str, list[Failure]] = defaultdict(list)
        self._lock = threading.Lock()
        self._token_ids = itertools.count(1)
        self._tokens: dict[str, tuple[str, int]] = {}
        self._cache: dict[bytes, list] = {}  # one query's pages, so paging neither recomputes nor shifts

    # -- seeding -------------------------------------------------------------------------------
    def add(
        self,
        project: str,
        metric_type: str,
        kind: str,
        value_type: str,
        resource_type: str,
        resource_labels: dict[str, str],
        metric_labels: dict[str, str],
        points: dict[datetime, object],
    ) -> None:
        with self._lock:
            self.series.append(
                RawSeries(project, metric_type, kind, value_type, resource_type, resource_labels, metric_labels, points)
            )
            self._cache.clear()

    def fail(
        self,
        project: str,
        code: grpc.StatusCode,
        *,
        times: int = 1_000_000,
        message: str = "injected",
        retry_delay_s: float | None = None,
        metric_prefix: str = "",
        hang_s: float = 0.0,
    ) -> None:
        self.failures[project].append(Failure(code, message, times, retry_delay_s, metric_prefix, hang_s))

    # -- the RPC -------------------------------------------------------------------------------
    def list_time_series(
        self, request: metric_service.ListTimeSeriesRequest, context: grpc.ServicerContext
    ) -> metric_service.ListTimeSeriesResponse:
        hang = None
        with self._lock:
            self.requests.append(metric_service.ListTimeSeriesRequest(request))
            self.metadata.append({k: v for k, v in context.invocation_metadata() if isinstance(v, str)})
            project = request.name.removeprefix("projects/")
            for failure in self.failures.get(project, []):
                if failure.remaining > 0 and request.filter.find(failure.metric_prefix) >= 0:
                    failure.remaining -= 1
                    if failure.hang_s:
                        hang = failure
                        break
                    self._abort(context, failure)
        if hang is not None:
            time.sleep(hang.hang_s)
            self._abort(context, hang)
        query = metric_service.ListTimeSeriesRequest(request)
        query.page_token = ""
        cache_key = metric_service.ListTimeSeriesRequest.serialize(query)
        try:
            with self._lock:
                pages = self._cache.get(cache_key)
            if pages is None:
                pages = self._pages(request, project)
                with self._lock:
                    self._cache[cache_key] = pages
        except ValueError as exc:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc))
        index = 0
        if request.page_token:
            with self._lock:
                known = self._tokens.get(request.page_token)
            if known is None or known[0] != request.filter:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, "unknown page token")
            index = known[1]
        page = pages[index] if pages else []
        next_token = ""
        if index + 1 < len(pages):
            with self._lock:
                next_token = f"tok-{next(self._token_ids)}"
                self._tokens[next_token] = (request.filter, index + 1)
        return metric_service.ListTimeSeriesResponse(time_series=page, next_page_token=next_token, unit="")

    @staticmethod
    def _abort(context: grpc.ServicerContext, failure: Failure) -> None:
        details = []
        if failure.retry_delay_s is not None:
            info = error_details_pb2.RetryInfo(
                retry_delay=duration_pb2.Duration(
                    seconds=int(failure.retry_delay_s), nanos=int((failure.retry_delay_s % 1) * 1e9)
                )
            )
            packed = any_pb2.Any()
            packed.Pack(info)
            details.append(packed)
        status = status_pb2.Status(code=getattr(code_pb2, failure.code.name), message=failure.message, details=details)
        context.abort_with_status(rpc_status.to_status(status))

    def _pages(self, request: metric_service.ListTimeSeriesRequest, project: str) -> list[list]:
        clauses = _parse_filter(request.filter)
        if not any(k == "metric.type" for k, _ in clauses):
            raise ValueError("the filter must name a metric.type")
        selected = [s for s in self.series if s.project == project and all(_field(s, k) in vals for k, vals in clauses)]
        out = self._aggregate(request, selected)
        if request.view == monitoring_v3.ListTimeSeriesRequest.TimeSeriesView.HEADERS:
            return [[_to_proto(s, []) for s in out]] if out else []
        page_size = request.page_size or 100_000
        flat = [(s, p) for s in out for p in s["points"]]
        pages = []
        for start in range(0, len(flat), page_size):
            chunk = flat[start : start + page_size]
            page = [_to_proto(series, [p for _, p in group]) for series, group in _group_consecutive(chunk)]
            pages.append(page)
        return pages

    def _aggregate(self, request: metric_service.ListTimeSeriesRequest, selected: list[RawSeries]) -> list[dict]:
        agg = request.aggregation
        start = request.interval.start_time
        end = request.interval.end_time
        aligner = agg.per_series_aligner
        if aligner == Aligner.ALIGN_NONE:
            raise ValueError("this fake needs an aligner")
        if aligner not in _ALIGNERS:
            raise ValueError(f"aligner {aligner.name} not supported here")
        period = agg.alignment_period
        if period < timedelta(seconds=60):
            raise ValueError("alignment_period must be at least 60 seconds")
        windows = []
        t = end
        while t > start:
            windows.append(t)
            t -= period
        aligned = []
        for s in selected:
            if aligner == Aligner.ALIGN_DELTA and s.kind != "DELTA":
                raise ValueError("ALIGN_DELTA needs a DELTA or CUMULATIVE metric")
            buckets: dict[datetime, list] = defaultdict(list)
            for ts, value in s.points.items():
                if ts > end:
                    continue
                window_end = end - ((end - ts) // period) * period  # ts lies in (window_end - period, window_end]
                if window_end > start:
                    buckets[window_end].append(value)
            pts = {w: _combine(vals, _ALIGNERS[aligner], s.value_type) for w, vals in buckets.items()}
            if pts:
                aligned.append((s, pts))
        reducer = agg.cross_series_reducer
        kind = (
            "DELTA"
            if aligner in (Aligner.ALIGN_DELTA, Aligner.ALIGN_SUM) and any(s.kind == "DELTA" for s, _ in aligned)
            else "GAUGE"
        )
        if reducer == Reducer.REDUCE_NONE:
            return [
                _out(s.metric_type, s.resource_type, s.resource_labels, s.metric_labels, kind, pts, period)
                for s, pts in aligned
            ]
        if reducer not in _REDUCERS:
            raise ValueError(f"reducer {reducer.name} not supported here")
        groups: dict[tuple, list] = defaultdict(list)
        for s, pts in aligned:
            key = tuple(_field(s, f) for f in agg.group_by_fields)
            groups[key].append((s, pts))
        result = []
        for key in sorted(groups):
            members = groups[key]
            first = members[0][0]
            res_labels = {
                f.removeprefix("resource.labels."): v
                for f, v in zip(agg.group_by_fields, key, strict=True)
                if f.startswith("resource.labels.")
            }
            met_labels = {
                f.removeprefix("metric.labels."): v
                for f, v in zip(agg.group_by_fields, key, strict=True)
                if f.startswith("metric.labels.")
            }
            pts = {}
            for w in windows:
                present = [p[w] for _, p in members if w in p]
                if present:
                    pts[w] = _combine([v for v, _ in present], _REDUCERS[reducer], present[0][1])
            result.append(_out(first.metric_type, first.resource_type, res_labels, met_labels, kind, pts, period))
        return result


def _out(metric_type, resource_type, resource_labels, metric_labels, kind, pts, period) -> dict:
    points = [(w, value, value_type) for w, (value, value_type) in sorted(pts.items(), reverse=True)]  # newest first
    return {
        "metric_type": metric_type,
        "resource_type": resource_type,
        "resource_labels": resource_labels,
        "metric_labels": metric_labels,
        "kind": kind,
        "period": period,
        "points": points,
    }


def _group_consecutive(chunk: list) -> Iterator[tuple[dict, list]]:
    for _, group in itertools.groupby(chunk, key=lambda sp: id(sp[0])):
        items = list(group)
        yield items[0][0], items


def _to_proto(series: dict, points: list) -> monitoring_v3.TimeSeries:
    ts = monitoring_v3.TimeSeries()
    ts.metric.type = series["metric_type"]
    for k, v in series["metric_labels"].items():
        ts.metric.labels[k] = v
    ts.resource.type = series["resource_type"]
    for k, v in series["resource_labels"].items():
        ts.resource.labels[k] = v
    ts.metric_kind = metric_pb2.MetricDescriptor.MetricKind.Value(series["kind"])
    if points:
        ts.value_type = metric_pb2.MetricDescriptor.ValueType.Value(points[0][2])
    out = []
    for w, value, value_type in points:
        p = monitoring_v3.Point()
        p.interval.end_time = w
        if series["kind"] == "DELTA":
            p.interval.start_time = w - series["period"]
        if value_type == "DISTRIBUTION":
            p.value.distribution_value = value
        elif value_type == "INT64":
            p.value.int64_value = int(value)
        else:
            p.value.double_value = float(value)
        out.append(p)
    ts.points = out
    return ts


@dataclass
class RunningServer:
    service: FakeMetricService
    address: str
    server: grpc.Server

    def stop(self) -> None:
        self.server.stop(grace=None)


def start_server(service: FakeMetricService, tls: tuple[bytes, bytes] | None = None) -> RunningServer:
    """Serve ``service`` on loopback; with ``tls`` = (key PEM, certificate PEM) over TLS as ``localhost``."""
    handler = grpc.method_handlers_generic_handler(
        "google.monitoring.v3.MetricService",
        {
            "ListTimeSeries": grpc.unary_unary_rpc_method_handler(
                service.list_time_series,
                request_deserializer=metric_service.ListTimeSeriesRequest.deserialize,
                response_serializer=metric_service.ListTimeSeriesResponse.serialize,
            )
        },
    )
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    server.add_generic_rpc_handlers((handler,))
    if tls is None:
        port = server.add_insecure_port("127.0.0.1:0")
        host = "127.0.0.1"
    else:
        port = server.add_secure_port("localhost:0", grpc.ssl_server_credentials([tls]))
        host = "localhost"
    server.start()
    return RunningServer(service, f"{host}:{port}", server)


def minute_range(start: datetime, minutes: int) -> list[datetime]:
    """End times of per-minute samples ``start + 1 min … start + minutes min`` (aware UTC)."""
    start = start.replace(tzinfo=UTC) if start.tzinfo is None else start
    return [start + timedelta(minutes=i + 1) for i in range(minutes)]

"""Run ``ListTimeSeries`` requests page by page, with bounded retries, into plain Python values.

Paging is explicit (one call per page, ``page_token`` carried by hand) so a quota error on page 7
retries page 7 rather than restarting the query, and so every call is counted for the run record.
The library's own retry is switched off (``retry=None``): its default keeps retrying UNAVAILABLE for
90 s, which would let one dead endpoint stall a cron run. Retries go through ``common.retry``:

- ``RESOURCE_EXHAUSTED`` (read quota): back off exponentially with jitter, honouring the server's
  ``RetryInfo`` delay when it sends one, up to ``quota_attempts``.
- ``UNAVAILABLE`` / ``INTERNAL``: a few quick retries, then give up; ``DEADLINE_EXCEEDED`` (each try
  already waited a full timeout: a black-holed endpoint) is tried twice at most.
- anything else (``PERMISSION_DENIED``, ``UNAUTHENTICATED``, ``NOT_FOUND``, ``INVALID_ARGUMENT``):
  no retry. The caller isolates the failure to its project.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from google.api_core import exceptions as gexc
from google.auth.exceptions import GoogleAuthError
from google.cloud import monitoring_v3

from collectors.gcp.distribution import Histogram, from_distribution
from common.retry import RetryPolicy, call_with_retry

QUOTA_ERRORS = (gexc.ResourceExhausted,)
TRANSIENT_ERRORS = (gexc.ServiceUnavailable, gexc.DeadlineExceeded, gexc.InternalServerError)
DEADLINE_ATTEMPTS = 2


@dataclass(frozen=True)
class FetchPolicy:
    """How hard one Cloud Monitoring call is tried: per kind of failure, and how long each try may take."""

    quota_attempts: int = 6
    transient_attempts: int = 3
    base_delay_s: float = 1.0
    max_delay_s: float = 30.0
    timeout_s: float = 20.0

    def retry_policy(self, exc: BaseException) -> RetryPolicy | None:
        """The ``common.retry`` policy for a failed call's error (None: not worth another try)."""
        if isinstance(exc, QUOTA_ERRORS):
            attempts, name = self.quota_attempts, "quota"
        elif isinstance(exc, gexc.DeadlineExceeded):  # each try already waited a full timeout
            attempts, name = min(self.transient_attempts, DEADLINE_ATTEMPTS), "transient"
        elif isinstance(exc, TRANSIENT_ERRORS):  # one count for every transient kind, as one budget
            attempts, name = self.transient_attempts, "transient"
        else:
            return None
        return RetryPolicy(name, attempts=attempts, base_delay_s=self.base_delay_s, max_delay_s=self.max_delay_s)


@dataclass
class FetchStats:
    """Counters for the run record: calls per operation, series and points returned, retries."""

    calls: dict[str, int] = field(default_factory=dict)
    series_returned: int = 0
    points_returned: int = 0
    retries: dict[str, int] = field(default_factory=dict)

    def count_call(self, operation: str) -> None:
        self.calls[operation] = self.calls.get(operation, 0) + 1

    def count_retry(self, reason: str) -> None:
        self.retries[reason] = self.retries.get(reason, 0) + 1


class FetchError(Exception):
    """A query failed for good. ``code`` is the gRPC status name; ``project_wide`` stops the project."""

    def __init__(self, code: str, message: str, *, project_wide: bool) -> None:
        super().__init__(message)
        self.code = code
        self.project_wide = project_wide


@dataclass
class Series:
    """One returned series: identity labels and ``(end_time, value)`` points, oldest first."""

    resource_labels: dict[str, str]
    metric_labels: dict[str, str]
    points: list[tuple[datetime, float | Histogram]]


def _retry_hint(exc: BaseException) -> float | None:
    for detail in getattr(exc, "details", None) or ():
        delay = getattr(detail, "retry_delay", None)
        if delay is not None and hasattr(delay, "seconds"):
            return delay.seconds + delay.nanos / 1e9
    return None


def _one_line(text: str, limit: int = 240) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _code(exc: BaseException) -> str:
    status = getattr(exc, "grpc_status_code", None)
    return status.name if status is not None else type(exc).__name__


def _gave_up(exc: BaseException, tries: int) -> FetchError:
    if isinstance(exc, QUOTA_ERRORS):
        return FetchError("RESOURCE_EXHAUSTED", f"read quota still exhausted after {tries} attempts", project_wide=True)
    assert isinstance(exc, gexc.GoogleAPICallError)
    return FetchError(_code(exc), f"{_one_line(exc.message)} (after {tries} attempts)", project_wide=True)


def _call_with_retries(call: Callable[[], Any], policy: FetchPolicy, stats: FetchStats, operation: str) -> Any:
    def counted() -> Any:
        stats.count_call(operation)
        return call()

    try:
        return call_with_retry(
            counted,
            policy.retry_policy,
            on_retry=lambda exc, _policy: stats.count_retry(_code(exc)),
            hint=_retry_hint,
            exhausted=_gave_up,
        )
    except gexc.GoogleAPICallError as exc:  # not retried: the caller isolates it to its project
        project_wide = isinstance(exc, gexc.PermissionDenied | gexc.Unauthenticated | gexc.NotFound)
        raise FetchError(_code(exc), _one_line(exc.message), project_wide=project_wide) from None
    except GoogleAuthError as exc:
        raise FetchError("UNAUTHENTICATED", f"credentials refused ({type(exc).__name__})", project_wide=True) from None


def point_value(point: Any, value_kind: str) -> float | Histogram:
    """A point's value as a float, or a Histogram for distributions."""
    typed = monitoring_v3.TypedValue.pb(point.value)
    which = typed.WhichOneof("value")
    if value_kind == "distribution":
        if which != "distribution_value":
            raise FetchError("INVALID_RESPONSE", f"expected a distribution, got {which}", project_wide=False)
        return from_distribution(typed.distribution_value)
    if which == "int64_value":
        return float(typed.int64_value)
    if which == "double_value":
        return float(typed.double_value)
    raise FetchError("INVALID_RESPONSE", f"expected a number, got {which}", project_wide=False)


def list_series(
    client: monitoring_v3.MetricServiceClient,
    request: monitoring_v3.ListTimeSeriesRequest,
    value_kind: str,
    *,
    policy: FetchPolicy,
    stats: FetchStats,
) -> list[Series]:
    """Every series of a request, following page tokens; a series split across pages is rejoined."""
    by_identity: dict[tuple[tuple[str, str], ...], Series] = {}
    token = ""
    seen_tokens: set[str] = set()
    while True:
        page_request = monitoring_v3.ListTimeSeriesRequest(request)
        page_request.page_token = token
        pager = _call_with_retries(
            lambda req=page_request: client.list_time_series(request=req, retry=None, timeout=policy.timeout_s),
            policy,
            stats,
            "ListTimeSeries",
        )
        for ts in pager.time_series:  # this page only; the pager's own iteration would fetch more
            resource_labels = dict(ts.resource.labels)
            metric_labels = dict(ts.metric.labels)
            key = (*sorted(("r." + k, v) for k, v in resource_labels.items()), *sorted(metric_labels.items()))
            series = by_identity.get(key)
            if series is None:
                series = by_identity[key] = Series(resource_labels, metric_labels, [])
                stats.series_returned += 1
            for point in ts.points:
                series.points.append((point.interval.end_time, point_value(point, value_kind)))
                stats.points_returned += 1
        token = pager.next_page_token
        if not token:
            break
        if token in seen_tokens:
            raise FetchError("INVALID_RESPONSE", "the API repeated a page token", project_wide=False)
        seen_tokens.add(token)
    for series in by_identity.values():
        series.points.sort(key=lambda p: p[0])
    return list(by_identity.values())

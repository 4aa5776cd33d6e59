"""Run ``ListTimeSeries`` requests page by page, with bounded retries, into plain Python values.

Paging is explicit (one call per page, ``page_token`` carried by hand) so a quota error on page 7
retries page 7 rather than restarting the query, and so every call is counted for the run record.
The library's own retry is switched off (``retry=None``): its default keeps retrying UNAVAILABLE for
90 s, which would let one dead endpoint stall a cron run.

- ``RESOURCE_EXHAUSTED`` (read quota): back off exponentially with jitter, honouring the server's
  ``RetryInfo`` delay when it sends one, up to ``quota_attempts``.
- ``UNAVAILABLE`` / ``INTERNAL``: a few quick retries, then give up; ``DEADLINE_EXCEEDED`` (each try
  already waited a full timeout: a black-holed endpoint) is tried twice at most.
- anything else (``PERMISSION_DENIED``, ``UNAUTHENTICATED``, ``NOT_FOUND``, ``INVALID_ARGUMENT``):
  no retry. The caller isolates the failure to its project.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from google.api_core import exceptions as gexc
from google.auth.exceptions import GoogleAuthError
from google.cloud import monitoring_v3

from collectors.gcp.distribution import Histogram, from_distribution

QUOTA_ERRORS = (gexc.ResourceExhausted,)
TRANSIENT_ERRORS = (gexc.ServiceUnavailable, gexc.DeadlineExceeded, gexc.InternalServerError)
DEADLINE_ATTEMPTS = 2


def pause(seconds: float) -> None:
    """Wait between retries; the one place a test patches to make backoff instant and observable."""
    time.sleep(seconds)


@dataclass(frozen=True)
class RetryPolicy:
    quota_attempts: int = 6
    transient_attempts: int = 3
    base_delay_s: float = 1.0
    max_delay_s: float = 30.0
    timeout_s: float = 20.0
    sleep: Callable[[float], None] | None = None  # None: ``pause`` (tests replace it to run instantly)

    def delay(self, attempt: int, hinted: float | None = None) -> float:
        """Exponential backoff with jitter; a server hint (RetryInfo) wins when it is longer."""
        backoff = min(self.max_delay_s, self.base_delay_s * 2**attempt) * (0.5 + random.random() / 2)  # noqa: S311
        return min(self.max_delay_s, max(backoff, hinted or 0.0))


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


def _retry_hint(exc: gexc.GoogleAPICallError) -> float | None:
    for detail in getattr(exc, "details", None) or ():
        delay = getattr(detail, "retry_delay", None)
        if delay is not None and hasattr(delay, "seconds"):
            return delay.seconds + delay.nanos / 1e9
    return None


def _one_line(text: str, limit: int = 240) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _call_with_retries(call: Callable[[], Any], policy: RetryPolicy, stats: FetchStats, operation: str) -> Any:
    quota_tries = transient_tries = 0
    while True:
        stats.count_call(operation)
        try:
            return call()
        except QUOTA_ERRORS as exc:
            quota_tries += 1
            if quota_tries >= policy.quota_attempts:
                raise FetchError(
                    "RESOURCE_EXHAUSTED", f"read quota still exhausted after {quota_tries} attempts", project_wide=True
                ) from None
            stats.count_retry("RESOURCE_EXHAUSTED")
            (policy.sleep or pause)(policy.delay(quota_tries - 1, _retry_hint(exc)))
        except TRANSIENT_ERRORS as exc:
            transient_tries += 1
            code = exc.grpc_status_code.name if exc.grpc_status_code else type(exc).__name__
            limit = policy.transient_attempts
            if isinstance(exc, gexc.DeadlineExceeded):  # each try already waited a full timeout
                limit = min(limit, DEADLINE_ATTEMPTS)
            if transient_tries >= limit:
                raise FetchError(
                    code, f"{_one_line(exc.message)} (after {transient_tries} attempts)", project_wide=True
                ) from None
            stats.count_retry(code)
            (policy.sleep or pause)(policy.delay(transient_tries - 1))
        except gexc.GoogleAPICallError as exc:
            code = exc.grpc_status_code.name if exc.grpc_status_code else type(exc).__name__
            project_wide = isinstance(exc, gexc.PermissionDenied | gexc.Unauthenticated | gexc.NotFound)
            raise FetchError(code, _one_line(exc.message), project_wide=project_wide) from None
        except GoogleAuthError as exc:
            raise FetchError(
                "UNAUTHENTICATED", f"credentials refused ({type(exc).__name__})", project_wide=True
            ) from None


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
    policy: RetryPolicy,
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

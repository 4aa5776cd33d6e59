"""An alternative for one resource: what it is, whether it can work, the monthly quantities the replay found,
and its price, line by line through the same estimators as today's cost.

``kind`` is the action it would be: ``move`` (another pattern), ``resize`` (today's pattern, another
size, type or billing mode), ``serverless`` / ``scale to zero`` (an idle endpoint onto a serverless
endpoint or a function), ``delete`` (an endpoint nobody calls), ``add provisioned concurrency``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from analysis.prices import cache_line, rests_on_unconfirmed
from common.services import short_label
from pricing import Estimate, PriceBook, PricingError, estimate
from replay import Assumption

MOVE, RESIZE, SERVERLESS, SCALE_TO_ZERO, DELETE, PROVISIONED, KEEP = (
    "move",
    "resize",
    "serverless",
    "scale to zero",
    "delete",
    "add provisioned concurrency",
    "keep",
)


@dataclass(frozen=True)
class Latency:
    """Per request on this pattern: the mean (cold starts' init included) and the 99th percentile."""

    mean_ms: float
    p99_ms: float | None
    cold_start_share: float = 0.0
    init_ms: float = 0.0


@dataclass(frozen=True)
class Option:
    kind: str
    label: str
    service: str
    pattern: str  # faas | endpoint | serverless-endpoint | hybrid
    feasible: bool = True
    reason: str = ""
    usages: tuple[Any, ...] = ()  # pricing usage objects, monthly quantities
    cold_starts_per_month: float | None = None
    always_on: float | None = None  # instances always on (mean of an autoscaled endpoint, k of a hybrid)
    assumptions: tuple[Assumption, ...] = ()
    notes: tuple[str, ...] = ()
    latency: Latency | None = None
    estimate: Estimate | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def monthly_usd(self) -> float | None:
        if not self.feasible:
            return None
        if self.kind == DELETE:
            return 0.0
        return None if self.estimate is None else self.estimate.total_usd

    @property
    def unconfirmed(self) -> bool:
        return rests_on_unconfirmed(self.estimate)


def infeasible(kind: str, label: str, service: str, pattern: str, reason: str, **more: Any) -> Option:
    return Option(kind, label, service, pattern, feasible=False, reason=reason, **more)


def priced(option: Option, book: PriceBook, cache_requests: float = 0.0, cache_usd: float = 0.0) -> Option:
    """The option with its estimate: every usage priced and the lines joined (the cache's line added)."""
    if not option.feasible or not option.usages:
        return option
    lines, notes, service, region = [], list(option.notes), "", ""
    try:
        for usage in option.usages:
            part = estimate(usage, book)
            lines.extend(part.lines)
            notes.extend(part.notes)
            service = f"{service}+{part.service}" if service else part.service
            region = part.region
    except PricingError as exc:
        return replace(option, feasible=False, reason=f"cannot be priced: {exc}")
    if cache_requests and cache_usd:
        lines.append(cache_line(cache_requests, cache_usd))
    return replace(option, estimate=Estimate(service, region, tuple(lines), tuple(dict.fromkeys(notes))))


def with_cache(est: Estimate | None, cache_requests: float, cache_usd: float) -> Estimate | None:
    """Today's estimate with the what-if cache's own line."""
    if est is None or not (cache_requests and cache_usd):
        return est
    return replace(est, lines=(*est.lines, cache_line(cache_requests, cache_usd)))


def endpoint_label(service: str, instance_type: str, count: float, autoscaled: bool, resized: bool = False) -> str:
    how = f"autoscaled, {count:,.1f} on average" if autoscaled else f"{count:,.0f} always on"
    return f"{short_label(service)}{' resized' if resized else ''} ({instance_type}, {how})"


def faas_label(service: str, memory_mb: float) -> str:
    return f"{short_label(service)} ({memory_mb:,.0f} MB)"

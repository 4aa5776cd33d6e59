"""Per-period usage series and the small queueing helpers the closed-form models share.

The aggregate-input path: ``estimate``/``compare`` take a USAGE.json of monthly totals, with no series to
replay, so this closed-form model serves them; the dashboard and ``report`` replay measured traffic
(``replay/``, ``analysis/``) instead."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from common.units import MONTH_SECONDS
from pricing.errors import UsageError


@dataclass(frozen=True)
class UsageSeries:
    """One resource's usage, one value per period of ``period_s`` seconds.

    ``per_minute_invocations`` (optional) is a finer series used only to find idle gaps for cold starts.
    """

    period_s: int
    invocations: Sequence[float]
    duration_ms_avg: Sequence[float]
    cold_starts: Sequence[float] | None = None
    billed_duration_ms_sum: Sequence[float] | None = None
    instances_avg: Sequence[float] | None = None
    init_duration_ms_avg: Sequence[float] | None = None
    per_minute_invocations: Sequence[float] | None = None

    def __post_init__(self) -> None:
        if self.period_s <= 0:
            raise UsageError("period_s", "must be positive")
        if not self.invocations:
            raise UsageError("invocations", "the series is empty")
        for name in (
            "duration_ms_avg",
            "cold_starts",
            "billed_duration_ms_sum",
            "instances_avg",
            "init_duration_ms_avg",
        ):
            values = getattr(self, name)
            if values is not None and len(values) != len(self.invocations):
                raise UsageError(name, f"has {len(values)} values but invocations has {len(self.invocations)}")
        for name in ("invocations", "duration_ms_avg"):
            if any(v < 0 or not math.isfinite(v) for v in getattr(self, name)):
                raise UsageError(name, "values must be finite and non-negative")

    @property
    def periods(self) -> int:
        return len(self.invocations)

    @property
    def span_s(self) -> float:
        return self.periods * self.period_s

    @property
    def month_factor(self) -> float:
        """Multiply a total over the series by this to get a 730-hour month."""
        return MONTH_SECONDS / self.span_s

    def total_invocations(self) -> float:
        return float(sum(self.invocations))

    def execution_ms(self) -> list[float]:
        """Milliseconds of execution per period: billed sums where known, else invocations × average."""
        if self.billed_duration_ms_sum is not None:
            return [float(v) for v in self.billed_duration_ms_sum]
        return [n * d for n, d in zip(self.invocations, self.duration_ms_avg, strict=True)]

    def mean_duration_ms(self) -> float:
        total = self.total_invocations()
        return sum(self.execution_ms()) / total if total else 0.0

    def max_duration_ms(self) -> float:
        return max((d for n, d in zip(self.invocations, self.duration_ms_avg, strict=True) if n), default=0.0)

    def concurrency(self) -> list[float]:
        """Mean concurrent requests per period by Little's law: arrival rate × mean time in system."""
        return [n / self.period_s * d / 1000 for n, d in zip(self.invocations, self.duration_ms_avg, strict=True)]


def flat_series(requests_per_month: float, avg_duration_ms: float, period_s: int = 3600) -> UsageSeries:
    """A month of evenly spread traffic, for callers that only have aggregates (USAGE.json)."""
    periods = math.ceil(MONTH_SECONDS / period_s)
    per_period = requests_per_month / periods
    return UsageSeries(period_s, [per_period] * periods, [avg_duration_ms] * periods)


def cold_starts_per_month(series: UsageSeries, keep_alive_s: float) -> float:
    """``estimate_cold_starts`` scaled to a 730-hour month by the span of the series it counted on.

    The per-minute series usually covers less time than the main series (CloudWatch keeps 1-minute data
    for 15 days; the store keeps what was collected), so it is scaled by its own span, not the main one.
    """
    count = estimate_cold_starts(series, keep_alive_s)
    if series.per_minute_invocations is not None and len(series.per_minute_invocations):
        return count * MONTH_SECONDS / (len(series.per_minute_invocations) * 60)
    return count * series.month_factor


def estimate_cold_starts(series: UsageSeries, keep_alive_s: float) -> float:
    """Cold starts over the series: a request after an idle gap longer than the keep-alive window.

    With a per-minute series: count the active minutes that follow at least ``keep_alive_s`` of idle
    minutes (the first active minute counts too). Without one: assume Poisson arrivals within each period,
    so a request finds no warm instance with probability exp(-rate × keep_alive).
    """
    if series.per_minute_invocations is not None:
        starts, idle_s = 0, math.inf
        for count in series.per_minute_invocations:
            if count > 0:
                if idle_s >= keep_alive_s:
                    starts += 1
                idle_s = 0.0
            else:
                idle_s += 60
        return float(starts)
    total = 0.0
    for count in series.invocations:
        if count > 0:
            rate = count / series.period_s
            total += count * math.exp(-rate * keep_alive_s)
    return total

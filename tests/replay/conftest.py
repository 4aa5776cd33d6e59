"""Traces, their exact replays and their CloudWatch views, generated once per session (seeded)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from replay import Panel, Traffic
from tests.replay import cloudwatch, exact, traces
from tests.replay.traces import Trace

KEEP_ALIVES = (300.0, 600.0, 900.0)


def mixed(seed: int, hours: float, base_rate: float, burst_rate: float, median_ms: float) -> Trace:
    """A diurnal base with on/off bursts on top: the shape where a hybrid wins."""
    base = traces.diurnal(seed, base_rate, hours, amplitude=0.6, median_ms=median_ms, sigma=0.4, init_ms=2500)
    bursts = traces.on_off(
        seed + 1, burst_rate, hours, on_mean_s=90, off_mean_s=600, median_ms=median_ms, sigma=0.4, init_ms=2500
    )
    order = np.argsort(np.concatenate([base.arrivals_s, bursts.arrivals_s]), kind="stable")

    def joined(name: str) -> np.ndarray:
        return np.concatenate([getattr(base, name), getattr(bursts, name)])[order]

    return Trace("diurnal+bursts", joined("arrivals_s"), joined("duration_ms"), joined("init_ms"), 0.0, base.end_s)


FAMILIES = {
    "poisson-5/s": lambda: traces.poisson(1, 5, 6),
    "poisson-30/s": lambda: traces.poisson(2, 30, 2, median_ms=100),
    "poisson-0.05/s": lambda: traces.poisson(3, 0.05, 24, median_ms=300),
    "diurnal": lambda: traces.diurnal(6, 3, 24),
    "on-off": lambda: traces.on_off(3, 20, 6),
    "on-off-slow": lambda: traces.on_off(13, 5, 12, on_mean_s=120, off_mean_s=900, init_ms=800),
    "flash-crowd": lambda: traces.flash_crowd(4, 2, 3),
    "rarely-used": lambda: traces.rarely_used(5, 3, 48),
}
POISSON_WITHIN_THE_HOUR = ("poisson-5/s", "poisson-30/s", "poisson-0.05/s", "diurnal")


@cache
def trace(name: str) -> Trace:
    return FAMILIES[name]()


@cache
def replayed(name: str, keep_alive_s: float, increment_ms: float = 1.0) -> exact.Replay:
    return exact.replay(trace(name), keep_alive_s, increment_ms=increment_ms)


@dataclass(frozen=True)
class Views:
    minutes: cloudwatch.Aggregates
    hours: cloudwatch.Aggregates


@cache
def views(name: str, keep_alive_s: float) -> Views:
    tr, outcome = trace(name), replayed(name, keep_alive_s)
    window = (tr.start_s, tr.end_s)
    return Views(cloudwatch.aggregate(outcome, 60, window), cloudwatch.aggregate(outcome, 3600, window))


def minutes_only(agg: cloudwatch.Aggregates, drop: tuple[str, ...] = ()) -> Traffic:
    return Traffic(hourly=None, minutes=cloudwatch.panel([agg], drop=drop))


def hours_only(agg: cloudwatch.Aggregates, drop: tuple[str, ...] = ()) -> Traffic:
    return Traffic(hourly=cloudwatch.panel([agg], drop=drop))


def lambda_cost(requests: float, billed_ms: float, rates: exact.Rates) -> float:
    return requests * rates.request_usd + billed_ms / 1000 * rates.memory_gb * rates.gb_second_usd


def panel_of(agg: cloudwatch.Aggregates) -> Panel:
    return cloudwatch.panel([agg])

"""The truth for a traffic what-if: k times a trace built exactly, request by request, and its exact replay.

k > 1 superposes k independent copies of the trace's process (the same family, other seeds): k times the
users, each arriving as today's do. k < 1 thins the trace, keeping each request with probability k (a cache
answering the rest, or fewer users). Each is replayed exactly (tests/replay/exact.py) and aggregated as
CloudWatch would show it (tests/replay/cloudwatch.py); the engine sees only the ×1 trace's per-minute
aggregates, scaled by ``analysis.inputs.apply_what_if``. ``linear`` is the rule before (peaks × k).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache

import numpy as np

from analysis.inputs import apply_what_if
from analysis.params import ModelParams
from replay import FaasModel, FaasResult, Traffic, faas, prepare
from replay.state import states
from tests.replay import cloudwatch, exact, traces
from tests.replay.traces import Trace

KEEP_ALIVE = 600.0
THINNING_SEED = 99

# seed -> trace of one family: copy i of a superposition uses seed i (independent arrivals and durations)
FAMILIES: dict[str, Callable[[int], Trace]] = {
    "poisson-0.05/s": lambda i: traces.poisson(3 + 100 * i, 0.05, 24, median_ms=300),
    "poisson-0.5/s": lambda i: traces.poisson(7 + 100 * i, 0.5, 12, median_ms=300),
    "poisson-5/s": lambda i: traces.poisson(1 + 100 * i, 5, 4),
    "diurnal": lambda i: traces.diurnal(6 + 100 * i, 1, 24),
    "flash-crowd": lambda i: traces.flash_crowd(4 + 100 * i, 2, 3),
    "on-off-slow": lambda i: traces.on_off(13 + 100 * i, 5, 12, on_mean_s=120, off_mean_s=900, init_ms=800),
    "on-off": lambda i: traces.on_off(3 + 100 * i, 20, 6),
    "rarely-used": lambda i: traces.rarely_used(5 + 100 * i, 3, 48),
}


def superpose(parts: list[Trace]) -> Trace:
    """One trace of every request of ``parts`` (same window), in arrival order."""
    order = np.argsort(np.concatenate([t.arrivals_s for t in parts]), kind="stable")

    def joined(name: str) -> np.ndarray:
        return np.concatenate([getattr(t, name) for t in parts])[order]

    first = parts[0]
    return Trace(first.name, joined("arrivals_s"), joined("duration_ms"), joined("init_ms"), first.start_s, first.end_s)


def thin(trace: Trace, share: float, seed: int = THINNING_SEED) -> Trace:
    """Each request kept with probability ``share``."""
    keep = np.random.default_rng(seed).random(trace.arrivals_s.size) < share
    return Trace(
        trace.name, trace.arrivals_s[keep], trace.duration_ms[keep], trace.init_ms[keep], trace.start_s, trace.end_s
    )


def scaled_trace(family: str, k: float) -> Trace:
    """k × the family's first trace: k independent copies (whole k > 1), or the first thinned to k (k < 1)."""
    make = FAMILIES[family]
    if k < 1:
        return thin(make(0), k)
    if k != int(k):
        raise ValueError("superposition needs a whole number of copies")
    return superpose([make(i) for i in range(int(k))])


@dataclass(frozen=True)
class Truth:
    replay: exact.Replay
    minutes: cloudwatch.Aggregates

    @property
    def cold_starts(self) -> int:
        return self.replay.cold_starts

    @property
    def peak(self) -> float:
        """The window's highest minute peak (what a provisioned level or a hybrid's k is bounded by)."""
        return float(np.nanmax(self.minutes.concurrency_max))

    @property
    def mean_peak(self) -> float:
        """The mean peak over the window's minutes (0 in a minute without requests)."""
        return float(np.nansum(self.minutes.concurrency_max) / self.minutes.invocations.size)


@cache
def truth(family: str, k: float) -> Truth:
    trace = scaled_trace(family, k)
    outcome = exact.replay(trace, KEEP_ALIVE)
    return Truth(outcome, cloudwatch.aggregate(outcome, 60, (trace.start_s, trace.end_s)))


def measured(family: str) -> Traffic:
    """What the engine is given: the ×1 trace's per-minute aggregates (with ConcurrentExecutions)."""
    return Traffic(hourly=None, minutes=cloudwatch.panel([truth(family, 1.0).minutes]))


def what_if(family: str, k: float) -> Traffic:
    """The measured minutes under traffic × k, as the dashboard scales them."""
    return apply_what_if(measured(family), ModelParams(traffic_scale=k))


def linear(family: str, k: float) -> Traffic:
    """The rule before: requests and measured peaks × k (at least one where requests remain)."""
    traffic = measured(family)
    panel = traffic.minutes
    peaks = panel.concurrency_max * k
    peaks = np.where(panel.requests * k > 0, np.maximum(peaks, 1.0), peaks)
    scaled = replace(panel, requests=panel.requests * k, cold_starts=None, concurrency_max=peaks)
    return replace(traffic, minutes=scaled)


def model(traffic: Traffic) -> FaasResult:
    return faas(prepare(traffic), FaasModel(keep_alive_s=KEEP_ALIVE))


def mean_peak(traffic: Traffic) -> float:
    """The mean peak over the window's minutes as the engine sees them (modelled where a row has none)."""
    state = states(prepare(traffic), FaasModel(keep_alive_s=KEEP_ALIVE)).blocks[0]
    return float(np.where(state.block.counted, state.peaks, 0.0).sum() / state.block.panel.periods)

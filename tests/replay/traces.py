"""Per-request traces generated at test time (seeded numpy): the arrivals a real model endpoint would see.

Each trace has a measurement window [start_s, end_s) and may carry traffic before ``start_s`` (a warm-up),
so a replay starts the window with the instances that traffic left warm, as a real window does.
Durations are lognormal with a small slow tail (a realistic model-latency shape); each request also
carries the init time it would pay if it had to start a new instance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Trace:
    name: str
    arrivals_s: np.ndarray  # sorted arrival times, seconds from the window start (negative = warm-up)
    duration_ms: np.ndarray  # execution time of each request
    init_ms: np.ndarray  # init time each request would pay on a cold start
    start_s: float
    end_s: float

    def window(self) -> np.ndarray:
        """Mask of the requests inside the measurement window."""
        return (self.arrivals_s >= self.start_s) & (self.arrivals_s < self.end_s)


def durations(rng: np.random.Generator, n: int, median_ms: float, sigma: float, slow_share: float = 0.02) -> np.ndarray:
    """Lognormal latency with a slow tail: ``slow_share`` of requests take 3-8x longer (cache misses, GC)."""
    base = median_ms * np.exp(sigma * rng.standard_normal(n))
    slow = rng.random(n) < slow_share
    base[slow] *= rng.uniform(3.0, 8.0, int(slow.sum()))
    return base


def _poisson_times(rng: np.random.Generator, rate_fn, lo: float, hi: float, rate_max: float) -> np.ndarray:
    """Non-homogeneous Poisson arrivals on [lo, hi) by thinning a homogeneous process at ``rate_max``."""
    n = rng.poisson(rate_max * (hi - lo))
    times = np.sort(rng.uniform(lo, hi, n))
    keep = rng.random(n) < rate_fn(times) / rate_max
    return times[keep]


def _trace(
    rng: np.random.Generator,
    name: str,
    arrivals: np.ndarray,
    start_s: float,
    end_s: float,
    median_ms: float,
    sigma: float,
    init_ms: float,
) -> Trace:
    n = len(arrivals)
    return Trace(
        name,
        arrivals,
        durations(rng, n, median_ms, sigma),
        init_ms * np.exp(0.15 * rng.standard_normal(n)),
        start_s,
        end_s,
    )


def poisson(
    seed: int,
    rate_per_s: float,
    hours: float,
    median_ms: float = 120.0,
    sigma: float = 0.5,
    init_ms: float = 1500.0,
    warmup_s: float = 1800.0,
    start_s: float = 0.0,
) -> Trace:
    rng = np.random.default_rng(seed)
    end = start_s + hours * 3600
    times = _poisson_times(rng, lambda t: np.full_like(t, rate_per_s), start_s - warmup_s, end, rate_per_s)
    return _trace(rng, f"poisson-{rate_per_s:g}/s", times, start_s, end, median_ms, sigma, init_ms)


def diurnal(
    seed: int,
    mean_rate_per_s: float,
    hours: float,
    amplitude: float = 0.8,
    median_ms: float = 150.0,
    sigma: float = 0.5,
    init_ms: float = 2000.0,
    warmup_s: float = 1800.0,
) -> Trace:
    """A daily sine: the night trough is ``1 - amplitude`` of the mean, the afternoon peak ``1 + amplitude``."""
    rng = np.random.default_rng(seed)
    end = hours * 3600

    def rate(t: np.ndarray) -> np.ndarray:
        return mean_rate_per_s * (1 + amplitude * np.sin(2 * np.pi * (t / 86400 - 0.25)))

    times = _poisson_times(rng, rate, -warmup_s, end, mean_rate_per_s * (1 + amplitude))
    return _trace(rng, "diurnal", times, 0.0, end, median_ms, sigma, init_ms)


def on_off(
    seed: int,
    on_rate_per_s: float,
    hours: float,
    on_mean_s: float = 45.0,
    off_mean_s: float = 420.0,
    median_ms: float = 220.0,
    sigma: float = 0.4,
    init_ms: float = 4200.0,
    warmup_s: float = 1800.0,
) -> Trace:
    """Bursts: exponential on-periods at a high rate separated by exponential silences."""
    rng = np.random.default_rng(seed)
    end = hours * 3600
    edges, t, on = [], -warmup_s, bool(rng.random() < 0.5)
    while t < end:
        length = rng.exponential(on_mean_s if on else off_mean_s)
        if on:
            edges.append((t, min(t + length, end)))
        t += length
        on = not on
    chunks = [np.sort(rng.uniform(a, b, rng.poisson(on_rate_per_s * (b - a)))) for a, b in edges]
    times = np.concatenate(chunks) if chunks else np.zeros(0)
    return _trace(rng, "on-off", times, 0.0, end, median_ms, sigma, init_ms)


def flash_crowd(
    seed: int,
    base_rate_per_s: float,
    hours: float,
    spike_factor: float = 20.0,
    spike_start_s: float = 5400.0,
    spike_s: float = 1200.0,
    median_ms: float = 90.0,
    sigma: float = 0.45,
    init_ms: float = 1200.0,
    warmup_s: float = 1800.0,
) -> Trace:
    """Steady traffic, then a sudden surge that ramps up in a minute and decays over the spike."""
    rng = np.random.default_rng(seed)
    end = hours * 3600

    def rate(t: np.ndarray) -> np.ndarray:
        inside = (t >= spike_start_s) & (t < spike_start_s + spike_s)
        ramp = np.clip((t - spike_start_s) / 60.0, 0, 1) * np.exp(-(t - spike_start_s) / spike_s)
        return base_rate_per_s * (1 + np.where(inside, (spike_factor - 1) * ramp, 0.0))

    times = _poisson_times(rng, rate, -warmup_s, end, base_rate_per_s * spike_factor)
    return _trace(rng, "flash-crowd", times, 0.0, end, median_ms, sigma, init_ms)


def rarely_used(
    seed: int,
    sessions_per_hour: float,
    hours: float,
    requests_per_session: float = 4.0,
    median_ms: float = 800.0,
    sigma: float = 0.6,
    init_ms: float = 6000.0,
    warmup_s: float = 3600.0,
) -> Trace:
    """A model someone calls now and then: sessions of a few requests seconds apart, hours of silence."""
    rng = np.random.default_rng(seed)
    end = hours * 3600
    starts = _poisson_times(
        rng, lambda t: np.full_like(t, sessions_per_hour / 3600), -warmup_s, end, sessions_per_hour / 3600
    )
    times = []
    for s in starts:
        k = 1 + rng.poisson(requests_per_session - 1)
        times.append(s + np.cumsum(np.concatenate([[0.0], rng.exponential(8.0, k - 1)])))
    arrivals = np.sort(np.concatenate(times)) if times else np.zeros(0)
    arrivals = arrivals[arrivals < end]
    return _trace(rng, "rarely-used", arrivals, 0.0, end, median_ms, sigma, init_ms)


def clip(trace: Trace, start_s: float, end_s: float, name: str | None = None) -> Trace:
    """The same arrivals measured over another window (traffic before it stays as warm-up)."""
    keep = trace.arrivals_s < end_s
    return Trace(
        name or trace.name,
        trace.arrivals_s[keep],
        trace.duration_ms[keep],
        trace.init_ms[keep],
        start_s,
        end_s,
    )

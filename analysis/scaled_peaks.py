"""Measured peaks under a what-if: how a period's peak concurrency moves when its traffic is scaled by k.

A panel measures, per period, the requests and their mean duration (so the mean concurrency ρ by Little's
law) and the peak in flight P. Multiplying P by k (the rule before) treats k times the traffic as the same
requests arriving k at a time. Traffic grows instead by more requests arriving independently: k independent
copies of today's traffic (thinned to a share k when k < 1). Their mean adds up, k·ρ, but their fluctuations
add like independent noise, so the peak grows sub-linearly. The rule, per period with a measured peak:

    P' = E(k·ρ, k·n) + g · (P − E(ρ, n))

- ``E(ρ, n)`` is the expected peak of Poisson arrivals at mean concurrency ρ over a period with n requests
  (``replay.poisson.expected_max``: it knows the period's length through n). The part of the measured peak
  that Poisson arrivals explain is recomputed at the scaled mean.
- ``P − E`` is what the period had above (or below) Poisson: bursts, or chance. It grows as the spread of a
  peak does, ``g = √((k·ρ + 1) / (ρ + 1))``: like √k where many requests are in flight (fluctuations of k
  independent copies add in quadrature), hardly at all where fewer than one is (a sparse minute peaks at 1
  or 2 whatever k). Thinned traffic (k < 1) keeps each burst at a share of its height: ``g = √k``.
- Bounds: k copies peak at least as high as one of them and at most as high as all peaking together, so P'
  lies between P and k·P (for k < 1, between k·P and P).

Thinned traffic whose peaks are what Poisson arrivals would give (at most 10 % of its measured periods
above the Poisson 95th percentile) is Poisson again: its peaks are left to the engine's Poisson model at the
scaled mean, because a minute of a fraction of a request peaks at 1 or 0 by chance, which an expected peak
of 0.4 replayed minute by minute misses (its warm pool never empties).

A slower model (latency × s) raises ρ, not the arrivals: ρ scales by k·s and n by k.

Assumption, stated where the page shows the what-if: the scaled traffic keeps each measured period's shape
(its busy and idle minutes), adding independent requests inside them. Traffic from new users arriving in
today's idle gaps is not modelled; on bursty traffic whose gaps would fill, the cold starts at ×4 and
above are an upper bound. Figures against exact replays of superposed and thinned traces are in
docs/replay.md (tests/analysis/test_scaled_peaks.py holds them).
"""

from __future__ import annotations

import numpy as np

from replay import poisson

IMPROBABLE = 0.95  # a period's peak above this quantile of Poisson's is a burst (replay.poisson.burst_concurrency)
POISSON_LIKE_SHARE = 0.10  # at most this share of bursty periods: the resource's peaks are Poisson's

RULE_WORDS = (
    "Peaks under the what-if: k times the traffic is taken as k independent copies of today's (a share k of "
    "its requests below ×1). Each period's measured peak is split into what Poisson arrivals at its mean would "
    "peak at, recomputed at the scaled mean, and the excess above it (bursts), which grows like the spread of a "
    "peak, about √k where many requests are in flight and hardly at all where fewer than one is; never under "
    "the measured peak nor over k times it. Busy and idle minutes keep their place: requests from new users "
    "filling today's idle gaps are not modelled, so on bursty traffic the cold starts at ×4 and above are an "
    "upper bound."
)


def mean_concurrency(covered_s: np.ndarray, requests: np.ndarray, duration_ms: np.ndarray) -> np.ndarray:
    """Little's law per cell: arrivals per second × mean duration (0 where unmeasured or idle)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(covered_s > 0, requests / np.maximum(covered_s, 1e-9), 0.0)
    return rate * np.nan_to_num(duration_ms) / 1000.0


def scaled_peaks(
    peaks: np.ndarray,
    covered_s: np.ndarray,
    requests: np.ndarray,
    duration_ms: np.ndarray,
    arrivals: float,
    slow: np.ndarray,
) -> np.ndarray:
    """Each cell's peak under ``arrivals`` × the requests and ``slow`` (per row, or per cell) × the durations.

    NaN stays NaN (not measured); a row of thinned Poisson-like traffic becomes NaN (left to the Poisson
    model); a cell with no requests keeps its value.
    """
    k = float(arrivals)
    slow = np.broadcast_to(np.asarray(slow, dtype=float), peaks.shape)
    measured = (covered_s > 0) & (requests > 0) & np.isfinite(peaks)
    if not measured.any():
        return peaks.copy()
    rho = mean_concurrency(covered_s, requests, duration_ms)
    p, r, n, s = peaks[measured], rho[measured], requests[measured], slow[measured]
    m = k * s  # the mean concurrency's multiplier
    expected = poisson.expected_max(r, n)
    scaled = poisson.expected_max(r * m, n * k)
    spread = np.sqrt((r * m + 1.0) / (r + 1.0)) if k >= 1.0 else np.full(r.shape, np.sqrt(k))
    low, high = np.minimum(p, m * p), np.maximum(p, m * p)
    out = peaks.copy()
    out[measured] = np.clip(scaled + spread * (p - expected), low, high)
    if k < 1.0:
        out[poisson_like(peaks, rho, requests, measured)] = np.nan
    return out


def poisson_like(peaks: np.ndarray, rho: np.ndarray, requests: np.ndarray, measured: np.ndarray) -> np.ndarray:
    """Rows whose measured peaks are what Poisson arrivals at their means would give: at most
    ``POISSON_LIKE_SHARE`` of their measured periods peak above Poisson's 95th percentile."""
    bursty = np.zeros(peaks.shape, dtype=bool)
    p, r, n = peaks[measured], rho[measured], requests[measured]
    bursty[measured] = (r > 0) & (poisson.max_cdf(p - 1.0, r, n) > IMPROBABLE)
    count = measured.sum(axis=1)
    return (count > 0) & (bursty.sum(axis=1) <= POISSON_LIKE_SHARE * count)


def rule_words(arrivals: float, peaks_measured: bool) -> str | None:
    """The rule in words when the what-if scales the traffic of resources with measured peaks, else None."""
    return RULE_WORDS if arrivals != 1.0 and peaks_measured else None

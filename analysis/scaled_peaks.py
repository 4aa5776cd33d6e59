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
- ``P − E`` is what the period had above (or below) Poisson: chance, or a burst. It grows as the spread of
  a peak does, ``g = √((k·ρ + 1) / (ρ + 1))``: like √k where many requests are in flight (fluctuations of k
  independent copies add in quadrature), hardly at all where fewer than one is (a sparse minute peaks at 1
  or 2 whatever k). Thinning (k < 1) keeps a share k of a burst's requests, so a period whose peak was a
  burst (above Poisson's 95th percentile at its mean) keeps ``g = k`` of its excess.
- Bounds: k copies peak at least as high as one of them and at most as high as all peaking together, so P'
  lies between P and k·P (for k < 1, between k·P and P).

Thinned sparse traffic (k < 1, a median peak of two or fewer in flight, at most 10 % of its periods bursts)
is Poisson again: its peaks are left to the engine's Poisson model at the scaled mean. A minute of a few
thinned requests peaks at 1 or 0 by chance, and its warm pool empties when a gap opens; an expected peak of
0.6 replayed minute by minute never empties it (on Poisson 0.5/s: 0.75× and 0.50× the replay's cold starts
at ×0.1 and ×0.5 that way, 1.26× and 0.88× with the Poisson model).

A slower model (latency × s) raises ρ, not the arrivals: ρ scales by k·s and n by k.

Assumption, stated where the page shows the what-if: the scaled traffic keeps each measured period's shape
(its busy and idle minutes), adding independent requests inside them. Traffic from new users arriving in
today's idle gaps is not modelled; on bursty traffic whose gaps would fill, the cold starts at ×4 and
above are an upper bound. Figures against exact replays of superposed and thinned traces are in
docs/replay.md (tests/analysis/test_scaled_peaks.py holds them).
"""

from __future__ import annotations

import numpy as np

from analysis.params import ModelParams
from replay import poisson

IMPROBABLE = 0.95  # a period's peak above this quantile of Poisson's is a burst (replay.poisson.burst_concurrency)
POISSON_LIKE_SHARE = 0.10  # at most this share of bursty periods: the resource's peaks are Poisson's
FEW = 2.0  # a median peak of this many in flight or fewer: sparse traffic, whose thinned minutes empty by chance

RULE_WORDS = (
    "Peaks under the what-if: k times the traffic is taken as k independent copies of today's (below ×1, a "
    "share k of its requests). Each minute's measured peak is split into what random (Poisson) arrivals at its "
    "mean would peak at, recomputed at the scaled mean, and the rest (chance and bursts), which grows like the "
    "spread of a peak: about √k where many requests are in flight, hardly at all where fewer than one is, and a "
    "thinned burst keeps a share k. So peaks move less than the traffic, and stay between today's and k times "
    "today's. Busy and idle minutes keep their place: requests from new users filling today's idle gaps are "
    "not modelled, so on bursty traffic the cold starts at ×4 and above are an upper bound. Where no peak was "
    "measured, the model's Poisson peak at the scaled mean stands in, as without a what-if."
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
    spread = np.sqrt((r * m + 1.0) / (r + 1.0))
    burst = None
    if k < 1.0:  # thinning keeps a share k of a burst's requests in flight
        burst = (r > 0) & (poisson.max_cdf(p - 1.0, r, n) > IMPROBABLE)
        spread = np.where(burst, k, spread)
    low, high = np.minimum(p, m * p), np.maximum(p, m * p)
    out = peaks.copy()
    out[measured] = np.clip(scaled + spread * (p - expected), low, high)
    if burst is not None:
        bursts = np.zeros(peaks.shape, dtype=bool)
        bursts[measured] = burst
        out[sparse_poisson(peaks, bursts, measured)] = np.nan
    return out


def sparse_poisson(peaks: np.ndarray, bursts: np.ndarray, measured: np.ndarray) -> np.ndarray:
    """Rows whose measured peaks are what Poisson arrivals would give (at most ``POISSON_LIKE_SHARE`` of their
    measured periods above Poisson's 95th percentile) and few (a median of ``FEW`` or less in flight)."""
    count = measured.sum(axis=1)
    median = np.full(count.size, np.inf)
    rows = count > 0
    median[rows] = np.nanmedian(np.where(measured, peaks, np.nan)[rows], axis=1)
    return rows & (median <= FEW) & (bursts.sum(axis=1) <= POISSON_LIKE_SHARE * count)


def rule_words(params: ModelParams) -> str | None:
    """The rule in words when the what-if scales the traffic (the page shows it beside the what-if), else None."""
    return RULE_WORDS if params.traffic_factor != 1.0 else None

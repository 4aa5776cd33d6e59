"""Histogram maths for Cloud Monitoring DISTRIBUTION values: merge, percentiles, mean.

Cloud Monitoring keeps latencies as histograms, and percentiles of a period are only exact with
respect to the histogram when the period's histograms are *merged first* and the percentile is read
from the merged buckets. Averaging per-series percentiles, or taking a percentile of percentiles, is
wrong whenever series carry different traffic. So this module:

- turns each ``google.api.Distribution`` into a :class:`Histogram` whose buckets are given by their
  finite boundaries (explicit, linear and exponential options all reduce to a sorted boundary list);
- merges histograms: same boundaries add bucket counts; different boundaries merge their cumulative
  distribution functions (each bucket's mass spread linearly over the bucket), which reduces to the
  same-boundary case when the boundaries agree;
- reads a percentile by linear interpolation inside the bucket where the rank falls.

Bucket numbering (google/api/distribution.proto): with finite boundaries ``B0 < … < BN`` bucket 0 is
the underflow ``(-inf, B0)``, bucket ``i`` is ``[B(i-1), Bi)``, bucket ``N+1`` is the overflow
``[BN, +inf)``. Unbounded ends need a finite value to interpolate to:

- underflow: the distribution's ``range.min`` when set; else 0 when ``B0 > 0`` and the quantity
  cannot be negative (latencies, byte counts, concurrency: all we read); else ``B0`` (all the mass
  sits at ``B0``). A naive "lower = upper = B0" reports ``B0`` for every rank in the underflow, which
  overstates e.g. a p50 of 2 ms as 5 ms when the first explicit bound is 5 ms.
- overflow: ``range.max`` when set; else ``BN``: the percentile is then a lower bound, which is the
  honest reading of "at least BN".

The mean is ``sum / count`` with ``sum = Σ mean_i × count_i`` over the merged histograms.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class _Range:
    min: float
    max: float


@dataclass(frozen=True)
class Histogram:
    """One distribution: finite bucket boundaries, per-bucket counts, total count and mean.

    ``counts`` has ``len(bounds) + 1`` entries (underflow, finite buckets, overflow). ``low`` and
    ``high`` are the values the unbounded end buckets interpolate to (see the module docstring).
    ``bounds`` is empty when the source distribution had no bucket options: only the mean is known.
    """

    bounds: tuple[float, ...]
    counts: tuple[float, ...]  # integers from the API; fractional after merging unequal boundaries
    count: int
    mean: float
    low: float
    high: float

    @property
    def total_sum(self) -> float:
        return self.mean * self.count

    @property
    def has_buckets(self) -> bool:
        return bool(self.bounds) and sum(self.counts) > 0


def bucket_bounds(bucket_options: Any) -> tuple[float, ...]:
    """Finite boundaries of a ``Distribution.BucketOptions`` message, for all three kinds."""
    kind = bucket_options.WhichOneof("options")
    if kind == "explicit_buckets":
        return tuple(float(b) for b in bucket_options.explicit_buckets.bounds)
    if kind == "linear_buckets":
        lin = bucket_options.linear_buckets
        return tuple(lin.offset + lin.width * k for k in range(lin.num_finite_buckets + 1))
    if kind == "exponential_buckets":
        exp = bucket_options.exponential_buckets
        return tuple(exp.scale * exp.growth_factor**k for k in range(exp.num_finite_buckets + 1))
    return ()


def from_distribution(dist: Any, *, nonnegative: bool = True) -> Histogram:
    """Convert a ``google.api.Distribution`` (as the Monitoring client returns it) to a Histogram."""
    bounds = bucket_bounds(dist.bucket_options) if dist.HasField("bucket_options") else ()
    value_range = (dist.range.min, dist.range.max) if dist.HasField("range") else None
    return from_fields(bounds, dist.bucket_counts, int(dist.count), float(dist.mean), value_range, nonnegative)


def from_fields(
    bounds: tuple[float, ...],
    bucket_counts: Iterable[int],
    count: int,
    mean: float,
    value_range: tuple[float, float] | None,
    nonnegative: bool = True,
) -> Histogram:
    """A Histogram from a distribution's fields as ``from_distribution`` reads them off the message (an import
    that has the fields as numbers already builds the same Histogram without a message)."""
    counts = [int(c) for c in bucket_counts]
    n_buckets = len(bounds) + 1 if bounds else 0
    # "If you supply fewer than N values, the remaining values are assumed to be 0."
    counts = (counts + [0] * n_buckets)[:n_buckets] if bounds else []
    rng = _Range(*value_range) if value_range is not None and value_range[1] > value_range[0] else None
    return _make(bounds, counts, count, mean, rng, nonnegative)


def histogram(
    bounds: Sequence[float],
    counts: Sequence[int],
    mean: float,
    *,
    value_range: tuple[float, float] | None = None,
    nonnegative: bool = True,
) -> Histogram:
    """Build a Histogram from plain numbers (tests and transforms that already hold the values)."""
    n_buckets = len(bounds) + 1
    padded = (list(counts) + [0] * n_buckets)[:n_buckets]
    rng = _Range(*value_range) if value_range else None
    return _make(tuple(float(b) for b in bounds), padded, sum(padded), mean, rng, nonnegative)


def _make(
    bounds: tuple[float, ...], counts: list[int], count: int, mean: float, rng: _Range | None, nonnegative: bool
) -> Histogram:
    if not bounds:
        return Histogram((), (), count, mean, math.nan, math.nan)
    first, last = bounds[0], bounds[-1]
    if rng and rng.min < first:
        low = float(rng.min)
    elif nonnegative and first > 0:
        low = 0.0
    else:
        low = first
    high = float(rng.max) if rng and rng.max > last else last
    return Histogram(bounds, tuple(float(c) for c in counts), count, mean, low, high)


def merge(histograms: Iterable[Histogram]) -> Histogram | None:
    """Merge one period's histograms (several series of one resource) into one.

    Histograms with identical boundaries add their counts. When boundaries differ, the result keeps
    the union of the boundaries and re-buckets each input by spreading each bucket's count linearly
    over the bucket, which is the same assumption percentile interpolation makes.
    Returns None when there is nothing to merge.
    """
    items = [h for h in histograms if h.count > 0]
    if not items:
        return None
    count = sum(h.count for h in items)
    mean = sum(h.total_sum for h in items) / count
    bucketed = [h for h in items if h.has_buckets]
    if not bucketed:
        return Histogram((), (), count, mean, math.nan, math.nan)
    low = min(h.low for h in bucketed)
    high = max(h.high for h in bucketed)
    if all(h.bounds == bucketed[0].bounds for h in bucketed):
        counts = [sum(col) for col in zip(*(h.counts for h in bucketed), strict=True)]
        return Histogram(bucketed[0].bounds, tuple(counts), count, mean, low, high)
    bounds = tuple(sorted({b for h in bucketed for b in h.bounds}))
    fractional = [0.0] * (len(bounds) + 1)
    for h in bucketed:
        for i, c in enumerate(h.counts):
            if c:
                _spread(fractional, bounds, h, i, c)
    return Histogram(bounds, tuple(fractional), count, mean, low, high)


def _bucket_span(h: Histogram, i: int) -> tuple[float, float]:
    lower = h.bounds[i - 1] if i > 0 else h.low
    upper = h.bounds[i] if i < len(h.bounds) else h.high
    return lower, upper


def _spread(target: list[float], bounds: tuple[float, ...], h: Histogram, i: int, c: float) -> None:
    """Add ``c`` values of ``h``'s bucket ``i`` to ``target`` buckets of ``bounds``, uniformly."""
    lower, upper = _bucket_span(h, i)
    if upper <= lower:  # all mass at one point: find the target bucket containing it
        target[bisect.bisect_right(bounds, lower)] += c
        return
    # Target bucket j covers [bounds[j-1], bounds[j]); find overlaps with [lower, upper).
    edges = [-math.inf, *bounds, math.inf]
    for j in range(len(bounds) + 1):
        lo, hi = max(lower, edges[j]), min(upper, edges[j + 1])
        if hi > lo:
            target[j] += c * (hi - lo) / (upper - lower)


def percentile(h: Histogram | None, q: float) -> float | None:
    """The ``q`` quantile (0 < q < 1) of a histogram, interpolated linearly inside its bucket.

    Rank is ``q × total``; the answer lies in the first bucket whose cumulative count reaches the
    rank, at the fraction of that bucket's count still needed. None when no bucket counts exist.
    """
    if not 0.0 < q < 1.0:
        raise ValueError(f"quantile must be strictly between 0 and 1, got {q}")
    if h is None or not h.has_buckets:
        return None
    total = float(sum(h.counts))
    rank = q * total
    cumulative = 0.0
    last_nonempty = 0
    for i, c in enumerate(h.counts):
        if c <= 0:
            continue
        last_nonempty = i
        if cumulative + c >= rank:
            lower, upper = _bucket_span(h, i)
            return lower + (upper - lower) * (rank - cumulative) / c
        cumulative += c
    return _bucket_span(h, last_nonempty)[1]  # rounding left the rank just past the last bucket


def mean(h: Histogram | None) -> float | None:
    """The merged mean (``Σ mean × count / Σ count``); None for an empty histogram."""
    if h is None or h.count <= 0:
        return None
    return h.mean

"""Cloud Monitoring distribution values as the REST API writes them (camelCase JSON).

Histograms of one period from several series (status codes, revisions) are merged by adding bucket
counts when their bucket options are the same; percentiles are then read from the merged histogram
by linear interpolation inside the bucket holding the rank (GCP reference notes, section 2, variant B).
Bucket 0 is the underflow bucket and the last one the overflow bucket.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any


@dataclass
class Histogram:
    count: float
    mean: float
    options_key: str
    options: dict[str, Any]
    counts: list[float]

    def merge(self, other: Histogram) -> Histogram:
        count = self.count + other.count
        mean = (self.mean * self.count + other.mean * other.count) / count if count else 0.0
        if self.options_key != other.options_key:
            return Histogram(count, mean, "mixed", {}, [])
        size = max(len(self.counts), len(other.counts))
        a = self.counts + [0.0] * (size - len(self.counts))
        b = other.counts + [0.0] * (size - len(other.counts))
        return Histogram(count, mean, self.options_key, self.options, [x + y for x, y in zip(a, b, strict=True)])


def histogram(value: dict[str, Any]) -> Histogram:
    """A ``distributionValue``; raises ValueError on a malformed one."""
    count = float(value.get("count", 0) or 0)
    mean = float(value.get("mean", 0.0) or 0.0)
    options = value.get("bucketOptions") or {}
    counts = [float(c) for c in value.get("bucketCounts") or []]
    if count < 0 or any(c < 0 for c in counts) or not math.isfinite(mean):
        raise ValueError("negative counts or a non-finite mean")
    return Histogram(count, mean, json.dumps(options, sort_keys=True), options, counts)


def _bounds(options: dict[str, Any], i: int) -> tuple[float, float]:
    if "explicitBuckets" in options:
        b = [float(x) for x in options["explicitBuckets"].get("bounds", [])]
        return (b[i - 1] if i > 0 else b[0]), (b[i] if i < len(b) else b[-1])
    if "exponentialBuckets" in options:
        e = options["exponentialBuckets"]
        n, growth, scale = int(e["numFiniteBuckets"]), float(e["growthFactor"]), float(e["scale"])

        def edge(k: int) -> float:
            return scale * growth**k

        return (edge(i - 1) if i > 0 else 0.0), (edge(i) if i <= n else edge(i - 1))
    lin = options["linearBuckets"]
    n, width, offset = int(lin["numFiniteBuckets"]), float(lin["width"]), float(lin.get("offset", 0.0))

    def edge(k: int) -> float:
        return offset + width * k

    return (edge(i - 1) if i > 0 else edge(0)), (edge(i) if i <= n else edge(i - 1))


def percentile(h: Histogram, q: float) -> float | None:
    """The q-quantile (0..1) of a histogram; None when it has no buckets or mixed bucket options."""
    total = sum(h.counts)
    if not total or h.options_key == "mixed" or not h.options:
        return None
    rank, cumulative = q * total, 0.0
    for i, c in enumerate(h.counts):
        if c and cumulative + c >= rank:
            lo, hi = _bounds(h.options, i)
            return lo + (hi - lo) * (rank - cumulative) / c
        cumulative += c
    return _bounds(h.options, len(h.counts) - 1)[1]

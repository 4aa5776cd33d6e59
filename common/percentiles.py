"""The one definition of a latency percentile, for every place that has the individual requests.

Where Breakeven sees each request (Lambda REPORT lines in a Logs Insights export, the traces a test or a
replay generates), ``duration_ms_p50/p90/p99`` are the percentiles of the request durations by **linear
interpolation between the closest ranks** (numpy's default, Hyndman & Fan's definition 7): it is
continuous in the data, agrees with what spreadsheets and pandas print, and equals the middle value for an
odd count. Where only a histogram exists (Cloud Monitoring distributions) the percentile is read by the
same linear rule inside the bucket where the rank falls (``collectors.gcp.distribution``); where the cloud
computes it (CloudWatch ``p99``, Logs Insights ``pct``) its own, approximate, definition stands.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

# (canonical metric, quantile): the latency percentiles every source fills.
LATENCY_PERCENTILES: tuple[tuple[str, float], ...] = (
    ("duration_ms_p50", 0.50),
    ("duration_ms_p90", 0.90),
    ("duration_ms_p99", 0.99),
)


def percentile(values: Iterable[float], q: float) -> float:
    """The ``q`` quantile (0 ≤ q ≤ 1) of ``values``, interpolated linearly between the closest ranks."""
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"quantile must be between 0 and 1, got {q}")
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values to take a percentile of")
    rank = (len(ordered) - 1) * q
    below = math.floor(rank)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (rank - below) * (ordered[above] - ordered[below])

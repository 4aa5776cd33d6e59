"""What CloudWatch would show for a replayed trace: per-minute and hourly metrics on absolute UTC grids.

Per period: Invocations (Sum, by arrival), Duration Average / p50 / p90 / p99 (nearest rank), Concurrent
Executions Maximum (executions in flight, init included), cold starts and mean Init Duration (from REPORT
lines) and Billed Duration sum. ``epoch_s`` places trace time 0 on the clock, so a window can start at
18:15; periods are clock-aligned and ``covered_s`` says how much of each one the window measured.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tests.replay.exact import Replay

NAN = float("nan")


@dataclass(frozen=True)
class Aggregates:
    period_s: int
    start_s: int  # absolute start of the first period (aligned to period_s)
    covered_s: np.ndarray
    invocations: np.ndarray
    duration_ms_avg: np.ndarray
    duration_ms_p50: np.ndarray
    duration_ms_p90: np.ndarray
    duration_ms_p99: np.ndarray
    concurrency_max: np.ndarray
    cold_starts: np.ndarray
    init_duration_ms_avg: np.ndarray
    billed_duration_ms_sum: np.ndarray


def _percentiles(index: np.ndarray, values: np.ndarray, periods: int, q: float) -> np.ndarray:
    """Nearest-rank percentile of ``values`` within each period."""
    out = np.full(periods, NAN)
    if not len(values):
        return out
    order = np.lexsort((values, index))
    idx, vals = index[order], values[order]
    counts = np.bincount(idx, minlength=periods)
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    has = counts > 0
    rank = np.ceil(q * counts[has]).astype(int) - 1
    out[has] = vals[offsets[has] + np.maximum(rank, 0)]
    return out


def _concurrency_max(outcome: Replay, lo: float, hi: float, grid_start: float, period_s: int, periods: int):
    """Maximum executions in flight per period (only FaaS executions: ``on_slot`` requests are not Lambda's)."""
    faas = ~outcome.on_slot
    starts, ends = outcome.arrivals_s[faas], outcome.busy_until_s[faas]
    overlap = (ends > lo) & (starts < hi)
    starts, ends = starts[overlap], ends[overlap]
    times = np.concatenate([starts, ends])
    deltas = np.concatenate([np.ones(len(starts)), -np.ones(len(ends))])
    order = np.lexsort((deltas, times))  # an end before a start at the same instant
    times, levels = times[order], np.cumsum(deltas[order])
    out = np.zeros(periods)
    edges = grid_start + period_s * np.arange(periods)
    first = np.maximum(edges, lo)
    before = np.searchsorted(times, first, side="right") - 1
    out = np.where(before >= 0, levels[np.maximum(before, 0)], 0.0)
    inside = (times >= lo) & (times < hi)
    idx = ((times[inside] - grid_start) // period_s).astype(int)
    np.maximum.at(out, idx, levels[inside])
    return out


def aggregate(outcome: Replay, period_s: int, window: tuple[float, float], epoch_s: int = 0) -> Aggregates:
    """Per-period metrics of the requests in ``window`` (trace seconds), on the clock grid of ``period_s``."""
    lo, hi = window
    grid_start = np.floor((epoch_s + lo) / period_s) * period_s - epoch_s
    periods = int(np.ceil((hi - grid_start) / period_s))
    edges = grid_start + period_s * np.arange(periods + 1)
    covered = np.minimum(edges[1:], hi) - np.maximum(edges[:-1], lo)
    sel = (outcome.arrivals_s >= lo) & (outcome.arrivals_s < hi)
    a, d = outcome.arrivals_s[sel], outcome.duration_ms[sel]
    idx = ((a - grid_start) // period_s).astype(int)
    count = np.bincount(idx, minlength=periods).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        avg = np.bincount(idx, d, minlength=periods) / count
        cold = np.bincount(idx, outcome.cold[sel], minlength=periods).astype(float)
        init = np.bincount(idx, outcome.init_ms[sel], minlength=periods) / cold
    billed = np.bincount(idx, outcome.billed_ms[sel], minlength=periods)
    active = count > 0
    return Aggregates(
        period_s=period_s,
        start_s=int(epoch_s + grid_start),
        covered_s=covered,
        invocations=count,
        duration_ms_avg=np.where(active, avg, NAN),
        duration_ms_p50=_percentiles(idx, d, periods, 0.50),
        duration_ms_p90=_percentiles(idx, d, periods, 0.90),
        duration_ms_p99=_percentiles(idx, d, periods, 0.99),
        concurrency_max=np.where(active, _concurrency_max(outcome, lo, hi, grid_start, period_s, periods), NAN),
        cold_starts=np.where(active, cold, NAN),
        init_duration_ms_avg=np.where(cold > 0, init, NAN),
        billed_duration_ms_sum=np.where(active, billed, NAN),
    )


PANEL_METRICS = (
    "duration_ms_p50",
    "duration_ms_p90",
    "duration_ms_p99",
    "concurrency_max",
    "cold_starts",
    "init_duration_ms_avg",
)


def panel(aggregates: list[Aggregates], *, drop: tuple[str, ...] = ()):
    """Stack aggregates of several resources (same grid) into one engine Panel; ``drop`` hides metrics."""
    from replay.traffic import Panel

    first = aggregates[0]
    width = max(len(a.invocations) + (a.start_s - first.start_s) // first.period_s for a in aggregates)

    def stack(name: str, fill: float) -> np.ndarray:
        out = np.full((len(aggregates), width), fill)
        for row, agg in enumerate(aggregates):
            offset = (agg.start_s - first.start_s) // first.period_s
            values = getattr(agg, name)
            out[row, offset : offset + len(values)] = values
        return out

    extra = {name: (None if name in drop else stack(name, NAN)) for name in PANEL_METRICS}
    return Panel(
        period_s=first.period_s,
        start_s=min(a.start_s for a in aggregates),
        covered_s=stack("covered_s", 0.0),
        requests=stack("invocations", 0.0),
        duration_ms_avg=stack("duration_ms_avg", NAN),
        **extra,
    )

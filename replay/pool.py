"""The FaaS warm pool on one block of cells, with an optional always-warm floor (provisioned concurrency,
min instances, or the always-on slots of a hybrid in front of it).

Per-minute cells (deterministic): the instances needed in a minute are its peak concurrency; the pool at
the minute's start is the maximum need over the keep-alive window before it (an instance is reclaimed
``keep_alive`` after its last request, so the window is keep-alive + mean duration, less half a period
because a minute's peak is on average half a minute after its start); cold starts are the need above
max(pool, floor). Checked against exact replays: 0.94-1.07x on every trace family in tests/replay.

Hourly cells (stochastic): within an hour the traffic is taken as Poisson at the hour's rate, whose pool
churns at the rate of replay.poisson.cold_starts_per_window; from hour to hour the pool follows the
expected keep-alive-window maximum, so a rising hour adds its scale-out. A floor removes the churn of
the windows whose maximum stays under it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from replay import poisson
from replay.constants import MINUTE_S
from replay.peaks import mean_concurrency
from replay.traffic import Block
from replay.window import fill_gaps, first_known, warm_pool

ALIGNMENT_PERIODS = 0.5
SMOOTHING_MINUTES = 10


@dataclass(frozen=True)
class PoolInput:
    """What the pool needs from a block, computed once and reused for every floor level."""

    block: Block
    need: np.ndarray  # (rows, periods) instances needed (peak concurrency); stochastic blocks: window level
    counted: np.ndarray  # cells the block counts
    pad: np.ndarray  # (rows,) pool before the first period
    window_periods: np.ndarray  # (rows,) keep-alive window in periods (deterministic blocks)
    churn_per_s: np.ndarray | None  # stochastic blocks: cold starts per second from within-period churn
    rho: np.ndarray  # mean concurrency per cell
    window_arrivals: np.ndarray  # arrivals per keep-alive window per cell
    deterministic: np.ndarray  # (rows,) bool: peaks measured (else the stochastic pool)
    rate: np.ndarray  # arrivals per second per cell
    duration_s: np.ndarray  # mean duration per cell
    init_s: np.ndarray  # (rows,) init time of a cold start


def row_duration_s(block: Block) -> np.ndarray:
    """Request-weighted mean duration of each row, seconds."""
    panel = block.panel
    requests = np.where(block.counted, block.requests, 0.0)
    work = (requests * np.nan_to_num(panel.duration_ms_avg)).sum(axis=1)
    total = requests.sum(axis=1)
    return np.where(total > 0, work / np.maximum(total, 1e-12), 0.0) / 1000.0


def pool_input(
    block: Block,
    need: np.ndarray,
    keep_alive_s: float,
    starts_cold: np.ndarray,
    deterministic: np.ndarray,
    init_ms: np.ndarray,
) -> PoolInput:
    """Fill gaps, choose the starting pool and the window; for stochastic rows also the churn rate.

    Stochastic rows (hourly data, or minutes without measured peaks) follow the expected maximum of a
    keep-alive window at each period's rate, plus the churn of stationary Poisson traffic around it.
    """
    panel = block.panel
    counted = block.counted
    duration = row_duration_s(block)
    rho = mean_concurrency(block)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(panel.covered_s > 0, panel.requests / np.maximum(panel.covered_s, 1e-9), 0.0)
    window_s = np.maximum(keep_alive_s + np.nan_to_num(panel.duration_ms_avg) / 1000.0, 1e-3)
    arrivals = rate * window_s
    deterministic = np.asarray(deterministic, dtype=bool)
    churn = None
    if not deterministic.all():
        level = _smoothed_level(block, rate, window_s)
        need = np.where(deterministic[:, None], need, level)
        churn = np.where(deterministic[:, None], 0.0, poisson.cold_starts_per_window(rho, arrivals) / window_s)
    filled = fill_gaps(np.where(counted, need, 0.0), counted)
    pad = np.where(starts_cold[block.rows], 0.0, first_known(filled, counted))
    window_periods = (keep_alive_s + duration) / panel.period_s
    # The branch follows the data's resolution, never the keep-alive: choosing it by comparing the two made the
    # pool jump where the keep-alive crossed the period (1 period at 59 s on minutes, 0.52 at 61 s), so a
    # longer keep-alive could give more cold starts.
    if panel.period_s <= MINUTE_S:  # minutes: a minute's use is on average half a minute after its start
        window_periods = np.maximum(window_periods - ALIGNMENT_PERIODS, 0.0)
    else:  # hours: the pool entering an hour is what the previous hour left
        window_periods = np.maximum(np.ceil(window_periods), 1.0)
    return PoolInput(
        block,
        filled,
        counted,
        pad,
        window_periods,
        churn,
        rho,
        arrivals,
        deterministic,
        rate,
        np.nan_to_num(panel.duration_ms_avg) / 1000.0,
        init_ms[block.rows] / 1000.0,
    )


def _smoothed_level(block: Block, rate: np.ndarray, window_s: np.ndarray) -> np.ndarray:
    """Instances a period needs when its peak is not measured.

    Hours: the expected maximum of a keep-alive window at the hour's rate (the pool an hour holds). Minutes:
    the expected peak of the minute at the rate of the last ``SMOOTHING_MINUTES`` (one minute's count is
    too noisy to say what the traffic was; a centred mean would leak later requests into an idle gap), at
    least one instance in a minute with requests and none in an idle one. Neither depends on the
    keep-alive, which only sets how long the pool holds them.
    """
    panel = block.panel
    rho_rate = rate * np.nan_to_num(panel.duration_ms_avg) / 1000.0
    if panel.period_s > 60:
        return poisson.expected_max(rho_rate, rate * window_s)
    kernel = np.ones(SMOOTHING_MINUTES) / SMOOTHING_MINUTES
    busy = np.where(block.counted, panel.covered_s, 0.0)
    smooth_requests = _rolling(np.where(block.counted, panel.requests, 0.0), kernel)
    smooth_seconds = _rolling(busy, kernel)
    smooth_work = _rolling(np.where(block.counted, rho_rate * panel.covered_s, 0.0), kernel)
    with np.errstate(invalid="ignore", divide="ignore"):
        smooth_rate = np.where(smooth_seconds > 0, smooth_requests / np.maximum(smooth_seconds, 1e-9), 0.0)
        smooth_rho = np.where(smooth_seconds > 0, smooth_work / np.maximum(smooth_seconds, 1e-9), 0.0)
    level = poisson.expected_max(smooth_rho, smooth_rate * panel.period_s)
    return np.where(panel.requests > 0, np.maximum(level, 1.0), 0.0)


def _rolling(values: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Trailing moving average along the period axis: the mean of each cell and the width-1 before it."""
    width = kernel.size
    cumulative = np.cumsum(np.pad(values, ((0, 0), (width, 0))), axis=1)
    return (cumulative[:, width:] - cumulative[:, :-width]) * kernel[0]


def _pool(inp: PoolInput, pad: np.ndarray) -> np.ndarray:
    """Warm instances at the start of each cell, rows grouped by their window length."""
    periods = np.round(inp.window_periods * 20) / 20
    pool = np.empty_like(inp.need)
    for value in np.unique(periods):
        rows = periods == value
        pool[rows] = warm_pool(inp.need[rows], float(value), pad[rows])
    return pool


def scale_out(
    need: np.ndarray,
    warm: np.ndarray,
    rate: np.ndarray,
    duration_s: np.ndarray,
    init_s: np.ndarray,
    requests: np.ndarray,
    stochastic: np.ndarray,
) -> np.ndarray:
    """Instances started per cell: the need above the warm ones, plus, on stochastic cells, the pile-up of
    a scale-out: arrivals the warm instances cannot absorb while the new ones are still in init also start
    instances, (λ − warm / d)⁺ × init of them (measured peaks already contain this). Any array shape."""
    short = np.maximum(need - warm, 0.0)
    if not np.any(stochastic):
        return short
    with np.errstate(invalid="ignore", divide="ignore"):
        absorbed = np.where(duration_s > 0, warm / np.maximum(duration_s, 1e-9), np.inf)
    pileup = np.minimum(np.maximum(rate - absorbed, 0.0) * init_s, requests)
    return short + np.where((short > 0) & stochastic, pileup, 0.0)


def _scale_out(inp: PoolInput, warm: np.ndarray) -> np.ndarray:
    requests = inp.rate * inp.block.panel.covered_s
    stochastic = ~inp.deterministic[:, None]
    return scale_out(inp.need, warm, inp.rate, inp.duration_s, inp.init_s[:, None], requests, stochastic)


def _above(inp: PoolInput, floor_rows: np.ndarray) -> np.ndarray:
    """P(a keep-alive window's maximum exceeds the floor): the share of churn the floor does not absorb.

    Exactly 1 without a floor; evaluated only where it is neither ~1 (floor far under the mean) nor ~0
    (floor far over the window's expected maximum).
    """
    above = np.ones_like(inp.rho)
    if not np.any(floor_rows > 0):
        return above
    floor = np.broadcast_to(floor_rows, inp.rho.shape)
    low = inp.rho - 8 * np.sqrt(inp.rho) - 2
    high = inp.need + 10 * np.sqrt(inp.need) + 10
    above = np.where(floor >= high, 0.0, above)
    band = (inp.churn_per_s > 0) & (floor > 0) & (floor > low) & (floor < high)
    if band.any():
        above[band] = 1.0 - poisson.max_cdf(floor[band], inp.rho[band], inp.window_arrivals[band])
    return above


@dataclass(frozen=True)
class PoolCounts:
    """Per row of a block: window cold starts (steady and one-off), instance-seconds and the peak need."""

    cold_starts: np.ndarray
    startup_cold_starts: np.ndarray
    instance_seconds: np.ndarray
    peak: np.ndarray
    cold_per_cell: np.ndarray  # (rows, periods), steady


@dataclass(frozen=True)
class Pools:
    """The warm pools of a block, computed once: from the assumed-warm start and, where the data shows the
    resource starting, from an empty one. Every floor level reuses them."""

    inp: PoolInput
    warm: np.ndarray
    from_empty: np.ndarray | None


def pools(inp: PoolInput) -> Pools:
    """The block's pools, computed once per input (the FaaS run, the burst concurrency and every level
    curve of the block read the same ones; nothing writes into them). The arrays are kept on the input,
    not the ``Pools`` that points back at it: a cycle would keep a group's arrays until a garbage collection."""
    done = inp.__dict__.get("_pools")
    if done is None:
        warm_pad = first_known(inp.need, inp.counted)
        warm = _pool(inp, warm_pad)
        from_empty = _pool(inp, inp.pad) if np.any(inp.pad != warm_pad) else None
        done = (warm, from_empty)
        object.__setattr__(inp, "_pools", done)
    return Pools(inp, *done)


def cold_starts(state: PoolInput | Pools, floor: np.ndarray | float = 0.0) -> PoolCounts:
    """Cold starts above an always-warm ``floor`` (per row, or one value) for every row of the block.

    Without a floor the counts are kept on the input (the FaaS run and the burst concurrency both read them)."""
    state = pools(state) if isinstance(state, PoolInput) else state
    if isinstance(floor, float | int) and floor == 0:
        done = state.inp.__dict__.get("_bare")
        if done is None or done[0] is not state.warm or done[1] is not state.from_empty:
            done = (state.warm, state.from_empty, _cold_starts(state, 0.0))
            object.__setattr__(state.inp, "_bare", done)
        return done[2]
    return _cold_starts(state, floor)


def _cold_starts(state: Pools, floor: np.ndarray | float) -> PoolCounts:
    inp = state.inp
    floor_rows = np.broadcast_to(np.asarray(floor, dtype=float), (inp.need.shape[0],))[:, None]
    seconds = inp.block.seconds
    steady = _scale_out(inp, np.maximum(state.warm, floor_rows))
    startup = np.zeros(inp.need.shape[0])
    if state.from_empty is not None:
        from_cold = _scale_out(inp, np.maximum(state.from_empty, floor_rows))
        startup = np.where(inp.counted, from_cold - steady, 0.0).sum(axis=1)
    if inp.churn_per_s is not None:
        steady = steady + inp.churn_per_s * seconds * _above(inp, floor_rows)  # 0 on rows with measured peaks
    steady = np.where(inp.counted, steady, 0.0)
    alive = np.maximum(np.maximum(state.warm, inp.need), floor_rows)
    return PoolCounts(
        cold_starts=steady.sum(axis=1),
        startup_cold_starts=np.maximum(startup, 0.0),
        instance_seconds=np.where(inp.counted, alive * seconds, 0.0).sum(axis=1),
        peak=np.where(inp.counted, inp.need, 0.0).max(axis=1, initial=0.0),
        cold_per_cell=steady,
    )

"""The level curve's core: what k always-on levels leave to FaaS, for every k, from the active cells only.

Work per cell stops at the level past which nothing can change for it: Erlang B is ~0 once the slots
exceed ρ + 8√ρ + 8 (below 1e-9), and no cold start remains once the floor passes both the cell's need
and its churn's reach (5 standard deviations over the expected keep-alive-window maximum). Cells are
sorted once by that cap, so each slot step touches only the cells still in play (a suffix of the order),
and each level is recorded as the recursion reaches it. Rows past their own ``k_max`` repeat it. The
churn's Poisson tail (the window maximum's CDF at the floor) is stepped from floor to floor (poisson.LevelTail).
"""

from __future__ import annotations

import numpy as np

from replay import poisson
from replay.pool import Pools, scale_out

ERLANG_SIGMAS = 8.0
TAIL_STEPS = 16  # the churn's Poisson tail is stepped level by level up to this many levels at a time


def _cells_of(pool: Pools, rows: np.ndarray) -> np.ndarray:
    inp = pool.inp
    return inp.counted & ((inp.need > 0) | (inp.block.requests > 0)) & rows[:, None]


def _erlang_cells(row: np.ndarray, mixture: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(active cell, concurrency factor, request weight) of each Erlang cell, cell by cell and bin by bin:
    every bin of a row with a within-hour spread (its factor, 1/bins of the requests), the cell itself
    (factor and weight 1) for the others. Built for those only, not for every bin of every cell."""
    if mixture is None:
        return np.arange(row.size), np.ones(row.size), np.ones(row.size)
    bins = mixture.shape[1]
    spread = np.any(mixture != 1.0, axis=1)[row]
    counts = np.where(spread, bins, 1)
    cell = np.repeat(np.arange(row.size), counts)
    binned = spread[cell]
    where = np.arange(cell.size) - np.repeat(np.cumsum(counts) - counts, counts)  # the bin within its cell
    factor, weight = np.ones(cell.size), np.ones(cell.size)
    factor[binned] = mixture[row[cell[binned]], where[binned]]
    weight[binned] = 1.0 / bins
    return cell, factor, weight


class LevelCurve:
    """Overflow and cold starts per (row, level) for the rows of one block that share a slot size."""

    def __init__(
        self,
        pool: Pools,
        burst_rho: np.ndarray,
        peaks: np.ndarray,
        billed_per_request: np.ndarray,
        mixture: np.ndarray | None,
        rows: np.ndarray,
        cold: bool = True,
    ) -> None:
        inp = pool.inp
        self.rows = inp.need.shape[0]
        active = _cells_of(pool, rows)
        row, col = np.nonzero(active)
        self.cell_row = row
        requests = inp.block.requests[row, col]  # gathered first: every step below is per cell
        duration = np.nan_to_num(inp.block.panel.duration_ms_avg[row, col]) / 1000.0
        billed = billed_per_request[row, col]
        rho = burst_rho[row, col]
        deterministic = inp.deterministic[row]
        measured_peak = np.where(deterministic, peaks[row, col], np.inf)
        # Erlang cells: one per active cell, or one per mixture bin for rows with a within-hour spread
        cell, factor, weight = _erlang_cells(row, mixture)
        self.e_row = row[cell]
        self.e_rho = rho[cell] * factor
        self.e_requests = requests[cell] * weight
        self.e_billed = billed[cell] * self.e_requests
        self.e_busy = duration[cell] * self.e_requests
        self.e_peak = measured_peak[cell]
        e_cap = np.where(self.e_rho > 0, np.ceil(self.e_rho + ERLANG_SIGMAS * np.sqrt(self.e_rho) + ERLANG_SIGMAS), 0)
        self.e_cap = np.minimum(e_cap, np.where(np.isfinite(self.e_peak), self.e_peak, np.inf))
        order = np.argsort(self.e_cap, kind="stable")
        for name in ("e_row", "e_rho", "e_requests", "e_billed", "e_busy", "e_peak", "e_cap"):
            setattr(self, name, getattr(self, name)[order])
        self.e_share = np.ones_like(self.e_rho)
        self.cold = cold
        if cold:  # the warm pool's cells: only a caller of the cold starts needs them
            self._pool_cells(pool, row, col, deterministic)
        self.total_requests = np.bincount(row, requests, minlength=self.rows)
        self.total_billed = np.bincount(row, requests * billed, minlength=self.rows)
        self.total_busy = np.bincount(row, requests * duration, minlength=self.rows)

    def _pool_cells(self, pool: Pools, row: np.ndarray, col: np.ndarray, deterministic: np.ndarray) -> None:
        """The warm pool's quantities per active cell, sorted by the floor past which the cell is done."""
        inp = pool.inp
        warm = pool.warm[row, col]
        self.p_need = inp.need[row, col]
        self.p_warm = warm
        self.p_empty = None if pool.from_empty is None else pool.from_empty[row, col]
        self.p_rate = inp.rate[row, col]
        self.p_duration = inp.duration_s[row, col]
        self.p_init = inp.init_s[row]
        self.p_requests = self.p_rate * inp.block.panel.covered_s[row, col]
        self.p_stochastic = ~deterministic
        churn = np.zeros(row.size)
        if inp.churn_per_s is not None:
            churn = inp.churn_per_s[row, col] * inp.block.seconds[row, col]
        self.p_churn = churn
        self.p_rho = inp.rho[row, col]
        self.p_arrivals = inp.window_arrivals[row, col]
        churned = churn > 0  # the level-independent parts of the churn's window maximum, once
        self.p_mode = np.ones(row.size)
        self.p_mode[churned] = poisson.mode_cdf(self.p_rho[churned], self.p_arrivals[churned])
        self.p_low = self.p_rho - 8 * np.sqrt(self.p_rho) - 2
        reach = np.where(churn > 0, self.p_need + 5 * np.sqrt(self.p_need) + 5, 0.0)  # window max's tail
        p_cap = np.ceil(np.maximum(self.p_need, reach))
        order = np.argsort(p_cap, kind="stable")
        self.p_order = order
        self.p_cap = p_cap[order]
        self.p_churned = np.flatnonzero(churn[order] > 0)  # positions in the pool order with a churn
        self._tail: tuple[poisson.LevelTail | None, int] = (None, 0)

    def _erlang_to(self, slots: int, first: int) -> int:
        """Advance every Erlang cell still in play to ``slots``; returns the first cell still in play."""
        past = max(first, int(np.searchsorted(self.e_cap, slots, side="left")))  # caps are sorted
        self.e_share[first:past] = 0.0  # past their cap: B < 1e-9, or their measured peak fits
        first = past
        if first < self.e_cap.size:
            rho = self.e_rho[first:]
            carried = rho * self.e_share[first:]
            self.e_share[first:] = carried / (slots + carried)
        return first

    def _pool_at(self, floor: float, first: int) -> tuple[np.ndarray, np.ndarray, int]:
        """(cold starts per row, one-off start-up cold starts per row) with ``floor`` always warm."""
        first = max(first, int(np.searchsorted(self.p_cap, floor, side="right")))  # caps are sorted
        idx = self.p_order[first:]
        steady = self._scale_out(idx, np.maximum(self.p_warm[idx], floor))
        startup = np.zeros(self.rows)
        if self.p_empty is not None:
            from_empty = self._scale_out(idx, np.maximum(self.p_empty[idx], floor))
            startup = np.bincount(self.cell_row[idx], from_empty - steady, minlength=self.rows)
        churn = self.p_churn[idx]
        with_churn = churn > 0
        if floor > 0 and with_churn.any():
            sub = idx[with_churn]
            above = 1.0 - self._tail_at(floor, first).max_cdf_at_mode(self.p_arrivals[sub], self.p_mode[sub])
            low = self.p_low[sub]
            churn = churn.copy()
            churn[with_churn] *= np.where(floor <= low, 1.0, above)
        steady = steady + churn
        return np.bincount(self.cell_row[idx], steady, minlength=self.rows), np.maximum(startup, 0.0), first

    def _tail_at(self, floor: float, first: int) -> poisson.LevelTail:
        """The Poisson tail at ``floor`` of the churned cells from position ``first`` of the pool order on:
        stepped from the previous floor's (the cells in play only ever leave from the front), or computed
        afresh on the first floor and after a jump of more than ``TAIL_STEPS`` levels."""
        churned = self.p_churned
        start = int(np.searchsorted(churned, first, side="left"))
        tail, at = self._tail
        x = np.floor(floor)
        if tail is None or not 0 < x - tail.x <= TAIL_STEPS:
            tail = poisson.LevelTail.at(x, self.p_rho[self.p_order[churned[start:]]])
        else:
            if start > at:
                tail = tail.take(slice(start - at, None))
            tail = tail.step_to(x)
        self._tail = (tail, start)
        return tail

    def _scale_out(self, idx: np.ndarray, warm: np.ndarray) -> np.ndarray:
        return scale_out(
            self.p_need[idx],
            warm,
            self.p_rate[idx],
            self.p_duration[idx],
            self.p_init[idx],
            self.p_requests[idx],
            self.p_stochastic[idx],
        )

    def _settled(self, e_first: int, p_first: int, cold: bool) -> bool:
        """True once every Erlang cell (and, with ``cold``, every warm-pool cell) is past its cap: from this
        level up nothing overflows and nothing starts cold, and the firsts only ever move forward."""
        return e_first == self.e_cap.size and (not cold or p_first == self.p_cap.size)

    def curve(self, slots: int, k_max: np.ndarray, levels: int, cold: bool = True) -> dict[str, np.ndarray]:
        """Per (row, level): overflow requests, their billed ms and busy seconds, cold starts (steady, one-off).

        Level k is k × ``slots`` always-on concurrent requests; rows past their own ``k_max`` repeat it. The
        levels are stepped only until every cell is past its cap (nothing overflows, nothing starts cold from
        there up), so a ``k_max`` far above the traffic (provisioned concurrency 10,000 asked for) costs what
        the traffic's own reach costs; the levels above repeat that last one, zeros, as they would compute.
        ``cold`` False leaves the cold starts at zero (the warm pool's replay is most of the work, and a
        caller that needs only the overflow need not pay for it).
        """
        out = {name: np.zeros((self.rows, levels)) for name in ("overflow", "billed", "busy", "cold", "startup")}
        if cold and not self.cold:
            raise ValueError("this curve was set up without its warm pool (cold=False)")
        e_first = p_first = 0
        top = int(min(levels - 1, k_max.max(initial=0)))
        for k in range(top + 1):
            if k > 0:
                for n in range((k - 1) * slots + 1, k * slots + 1):
                    e_first = self._erlang_to(n, e_first)
            live = slice(e_first, None)  # cells before it are past their cap: nothing overflows there
            share = np.where(self.e_peak[live] <= k * slots, 0.0, self.e_share[live])  # a measured peak that fits
            for name, values in (("overflow", self.e_requests), ("billed", self.e_billed), ("busy", self.e_busy)):
                out[name][:, k] = np.bincount(self.e_row[live], values[live] * share, minlength=self.rows)
            if cold:
                out["cold"][:, k], out["startup"][:, k], p_first = self._pool_at(float(k * slots), p_first)
            if self._settled(e_first, p_first, cold):
                top = k  # every cell past its cap: this level is all zeros, and so is every level above it
                break
        capped = np.minimum(k_max.astype(int), top)
        beyond = np.arange(levels)[None, :] > capped[:, None]
        for name in ("overflow", "billed", "busy", "cold", "startup"):
            last = out[name][np.arange(self.rows), capped]
            out[name] = np.where(beyond, last[:, None], out[name])
        out["requests"], out["all_billed"], out["all_busy"] = self.total_requests, self.total_billed, self.total_busy
        return out

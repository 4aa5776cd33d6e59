"""Queueing facts for Poisson arrivals, vectorised: what a period's mean cannot say about its peaks.

With Poisson arrivals at rate λ and mean duration d, the number of requests in flight is Poisson with mean
ρ = λd (Little's law; M/G/∞, any duration distribution). Three facts follow, used wherever a finer
measurement is missing:

* **Peaks** (Poisson clumping heuristic): the number of times a window of ``a`` expected arrivals goes above
  level x is about h_x = a·p(x)·thin(x) (arrivals that find x in flight, thinned to one per clump; see
  :func:`clumps`), so P(max ≤ x) ≈ F(x)·exp(−h_x).
* **Cold starts of a warm pool** that keeps an instance for ``keep_alive`` after its last request: the
  (x+1)-th instance must start again when level x+1 was not reached in the last keep-alive, so the rate
  is Σ_x ν_x·exp(−ν_x·keep_alive) with ν_x = h_x / keep_alive. It reduces to λ·exp(−λ·keep_alive) when
  requests are rare, and was checked against exact replays from 0.002 to 200 requests per second.
* **Overflow of S always-on slots** (a loss system): the share of requests that find every slot busy is
  Erlang B, B(S, ρ) = p(S) / F(S), whatever the duration distribution.

The first two are tabulated on a (ρ, a) grid on first use and interpolated, so a 5,000-resource hourly
panel costs a few array operations per cell rather than a sum over levels.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

_LOG_RHO = np.linspace(np.log(1e-5), np.log(3e4), 141)
_LOG_A = np.linspace(np.log(1e-5), np.log(1e8), 171)
_TINY = 1e-300


def log_pmf(x: np.ndarray, rho: np.ndarray) -> np.ndarray:
    """log P(N = x) for N ~ Poisson(rho), rho > 0."""
    rho = np.maximum(rho, _TINY)
    from scipy.special import gammaln  # imported on first use: a page that replays nothing never pays scipy

    return x * np.log(rho) - rho - gammaln(x + 1.0)


def cdf(x: np.ndarray, rho: np.ndarray) -> np.ndarray:
    """P(N <= x) for integer x >= 0."""
    from scipy.special import gammaincc

    return gammaincc(np.floor(x) + 1.0, np.maximum(rho, _TINY))


def clumps(x: np.ndarray, rho: np.ndarray, arrivals: np.ndarray) -> np.ndarray:
    """Expected number of separate excursions above level x among ``arrivals`` Poisson arrivals.

    Above the mean an upcrossing starts a new excursion with probability 1 − ρ/(x+1) (the process drifts
    back down); near and under the mean that vanishes, yet excursions still separate about once per mean
    duration, which a floor of 1/(1 + √ρ) on the thinning gives (arrivals · p(x) / √ρ ≈ window / duration).
    """
    thin = np.maximum(1.0 - rho / (x + 1.0), 1.0 / (1.0 + np.sqrt(rho)))
    return arrivals * np.exp(log_pmf(x, rho)) * thin


def max_cdf(x: np.ndarray, rho: np.ndarray, arrivals: np.ndarray) -> np.ndarray:
    """P(max in flight <= x) over a stretch with ``arrivals`` expected arrivals at mean concurrency rho.

    Under the mode the approximation can dip below a lower level's value; a CDF cannot, so it is capped
    there by its value at the mode.
    """
    return max_cdf_at_mode(x, rho, arrivals, mode_cdf(rho, arrivals))


def mode_cdf(rho: np.ndarray, arrivals: np.ndarray) -> np.ndarray:
    """``max_cdf``'s value at the mode, where it caps the levels under it: the half of its work that does
    not depend on the level, for a caller that asks about many levels of the same cells."""
    mode = np.floor(rho)
    return cdf(mode, rho) * np.exp(-clumps(mode, rho, arrivals))


def max_cdf_at_mode(x: np.ndarray, rho: np.ndarray, arrivals: np.ndarray, at_mode: np.ndarray) -> np.ndarray:
    """``max_cdf`` with its value at the mode given (``mode_cdf`` of the same cells)."""
    x = np.maximum(np.floor(x), 0.0)
    raw = cdf(x, rho) * np.exp(-clumps(x, rho, arrivals))
    return np.where(rho > 0, np.where(x < np.floor(rho), np.minimum(raw, at_mode), raw), 1.0)


@dataclass
class LevelTail:
    """Poisson(rho)'s log pmf and CDF at one whole level x of many cells, stepped from level to level.

    For a caller that asks about levels x, x + s, x + 2s, … of the same cells (a warm-pool floor raised a
    slot at a time). The pmf at a level is the direct form (x log ρ − ρ − ln x!, the factorial one scalar for
    every cell, ln ρ taken once), bit for bit :func:`log_pmf`'s; the CDF is stepped, P(N ≤ x + 1) = P(N ≤ x)
    + P(N = x + 1), a compensated (Kahan) sum of positive terms, instead of ``gammaincc`` afresh at each
    level. It stays within a few ulps of the direct form (``tests/replay/test_poisson_levels.py``: rates
    from 1e-6 to 1e4, 60 levels). ``rho`` must be positive.
    """

    x: float
    rho: np.ndarray
    log_rho: np.ndarray
    log_pmf: np.ndarray
    cdf: np.ndarray
    carry: np.ndarray  # the compensated sum's running error

    @classmethod
    def at(cls, x: float, rho: np.ndarray) -> LevelTail:
        """The direct form at level ``x`` (a whole number >= 0)."""
        from scipy.special import gammaln  # on first use, as log_pmf

        rho = np.maximum(np.asarray(rho, dtype=float), _TINY)
        x = float(x)
        log_rho = np.log(rho)
        return cls(
            x, rho, log_rho, x * log_rho - rho - gammaln(x + 1.0), cdf(np.full(rho.shape, x), rho), np.zeros(rho.shape)
        )

    def take(self, keep: slice | np.ndarray) -> LevelTail:
        """The same level for some of the cells."""
        return LevelTail(
            self.x, self.rho[keep], self.log_rho[keep], self.log_pmf[keep], self.cdf[keep], self.carry[keep]
        )

    def step_to(self, x: float) -> LevelTail:
        """This tail at a higher whole level ``x`` (in place: the arrays are updated and returned)."""
        from scipy.special import gammaln  # on first use, as log_pmf

        total, carry = self.cdf, self.carry
        for level in range(int(self.x) + 1, int(x) + 1):
            level_f = float(level)
            self.log_pmf = level_f * self.log_rho - self.rho - gammaln(level_f + 1.0)
            term = np.exp(self.log_pmf) - carry
            after = total + term
            carry = (after - total) - term
            total = after
        self.cdf, self.carry, self.x = np.minimum(total, 1.0), carry, float(x)
        return self

    def max_cdf_at_mode(self, arrivals: np.ndarray, at_mode: np.ndarray) -> np.ndarray:
        """:func:`max_cdf_at_mode` at this level, from the stepped CDF."""
        x, rho = self.x, self.rho
        thin = np.maximum(1.0 - rho / (x + 1.0), 1.0 / (1.0 + np.sqrt(rho)))
        raw = self.cdf * np.exp(-(arrivals * np.exp(self.log_pmf) * thin))
        return np.where(x < np.floor(rho), np.minimum(raw, at_mode), raw)


def erlang_b(slots: np.ndarray, rho: np.ndarray) -> np.ndarray:
    """Share of Poisson arrivals that find all ``slots`` busy (0 slots: all of them)."""
    slots = np.asarray(slots, dtype=float)
    rho = np.asarray(rho, dtype=float)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        value = np.exp(log_pmf(slots, rho)) / np.maximum(cdf(slots, rho), _TINY)
    return np.where(slots <= 0, 1.0, np.where(rho > 0, np.clip(value, 0.0, 1.0), 0.0))


def _levels(rho: float, below_sigmas: float) -> np.ndarray:
    """Levels that can matter at mean rho: from ``below_sigmas`` standard deviations under it to far above."""
    low = max(0, int(np.floor(rho - below_sigmas * np.sqrt(rho))) - 1)
    high = int(np.ceil(rho + 14 * np.sqrt(rho) + 40))
    step = max(1, int(np.sqrt(rho) / 12))  # the summands vary on the scale of √ρ: sample them, weight by step
    return np.arange(low, high + 1, step, dtype=float)


@cache
def _tables() -> tuple[np.ndarray, np.ndarray]:
    """log of cold starts per arrival and the expected window maximum, on the (log ρ, log a) grid.

    Both are monotone along a at the grid nodes (cold starts per arrival fall as the keep-alive window
    holds more arrivals, the maximum rises), and bilinear interpolation keeps that, so the engine's
    cold starts never rise with the keep-alive.

    Levels under ρ add no cold starts (the process keeps returning to them); levels more than 9 standard
    deviations under ρ are always exceeded, so each adds exactly 1 to the expected maximum.
    """
    churn = np.empty((_LOG_RHO.size, _LOG_A.size))
    peak = np.empty_like(churn)
    a = np.exp(_LOG_A)[None, :]
    for i, log_rho in enumerate(_LOG_RHO):
        rho = float(np.exp(log_rho))
        levels = _levels(rho, 0.0)[:, None]
        step = levels[1, 0] - levels[0, 0]
        h = clumps(levels, rho, a)
        churn[i] = np.log(step * np.sum(h * np.exp(-h), axis=0) / a[0] + _TINY)  # per arrival: falls with a
        levels = _levels(rho, 9.0)[:, None]
        step = levels[1, 0] - levels[0, 0]
        below_max = 1.0 - cdf(levels, rho) * np.exp(-clumps(levels, rho, a))
        peak[i] = levels[0, 0] + step * np.sum(below_max, axis=0)
    return churn, peak


def _interpolate(table: np.ndarray, rho: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Bilinear interpolation of a table on (log ρ, log a), clamped to the grid."""
    u = np.interp(np.log(np.maximum(rho, _TINY)), _LOG_RHO, np.arange(_LOG_RHO.size))
    v = np.interp(np.log(np.maximum(a, _TINY)), _LOG_A, np.arange(_LOG_A.size))
    i = np.minimum(u.astype(int), _LOG_RHO.size - 2)
    j = np.minimum(v.astype(int), _LOG_A.size - 2)
    fu, fv = u - i, v - j
    return (
        table[i, j] * (1 - fu) * (1 - fv)
        + table[i + 1, j] * fu * (1 - fv)
        + table[i, j + 1] * (1 - fu) * fv
        + table[i + 1, j + 1] * fu * fv
    )


def cold_starts_per_window(rho: np.ndarray, arrivals_per_keep_alive: np.ndarray) -> np.ndarray:
    """Expected cold starts per keep-alive window of a warm pool under stationary Poisson traffic."""
    churn, _ = _tables()
    rho, arrivals = np.asarray(rho, dtype=float), np.asarray(arrivals_per_keep_alive, dtype=float)
    out = np.zeros(np.broadcast_shapes(rho.shape, arrivals.shape))
    active = (rho > 0) & (arrivals > 0)
    if active.any():
        a = np.broadcast_to(arrivals, out.shape)[active]
        out[active] = np.exp(_interpolate(churn, np.broadcast_to(rho, out.shape)[active], a)) * a
    return out


def expected_max(rho: np.ndarray, arrivals: np.ndarray) -> np.ndarray:
    """Expected maximum in flight over a stretch with ``arrivals`` expected arrivals at mean rho."""
    _, peak = _tables()
    rho, arrivals = np.asarray(rho, dtype=float), np.asarray(arrivals, dtype=float)
    out = np.zeros(np.broadcast_shapes(rho.shape, arrivals.shape))
    active = (rho > 0) & (arrivals > 0)
    if active.any():
        values = _interpolate(
            peak, np.broadcast_to(rho, out.shape)[active], np.broadcast_to(arrivals, out.shape)[active]
        )
        out[active] = np.maximum(values, 0.0)
    return out


def burst_concurrency(
    rho: np.ndarray, peak: np.ndarray, arrivals: np.ndarray, *, improbable: float = 0.95
) -> np.ndarray:
    """Mean concurrency while a period's traffic was active, from its measured peak.

    A Poisson period rarely peaks above its 95th percentile; one that does was bursty: its requests came
    in a fraction of the period at a higher concurrency. That concurrency is the one whose median peak is
    the measured one (bisection on log ρ). Other periods keep ρ.
    """
    rho = np.asarray(rho, dtype=float)
    peak = np.asarray(peak, dtype=float)
    arrivals = np.asarray(arrivals, dtype=float)
    suspect = (rho > 0) & (peak >= 1) & (max_cdf(peak - 1, rho, arrivals) > improbable)
    if not suspect.any():
        return rho
    r0, p, n = rho[suspect], peak[suspect], arrivals[suspect]
    low, high = np.log(r0), np.log(np.maximum(4 * p, 2 * r0))
    for _ in range(40):
        mid = (low + high) / 2
        above = max_cdf(p - 1, np.exp(mid), n) > 0.5
        low, high = np.where(above, mid, low), np.where(above, high, mid)
    out = rho.copy()
    out[suspect] = np.maximum(np.exp((low + high) / 2), r0)
    return out

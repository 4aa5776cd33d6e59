"""Always-on capacity in front of a FaaS pool: the hybrid (k endpoint instances) and provisioned
concurrency (P pre-warmed instances), over every level at once.

Per period, requests that find every always-on slot busy overflow to FaaS: Erlang B of the period's mean
concurrency (exact for Poisson arrivals, any duration distribution; computed by its recursion, level by
level). A period whose measured peak stays
within the slots overflows nothing; a period whose peak (less the instances its cold starts kept in init)
is improbable for Poisson traffic was bursty, and its concurrency while active replaces the mean
(replay.poisson.burst_concurrency). The overflow keeps its own warm pool above the slots
(replay.pool, floor = slots), so its cold starts come from the same replay as FaaS alone.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np

from replay import poisson
from replay.assumptions import Assumption
from replay.constants import MONTH_HOURS, MONTH_SECONDS
from replay.faas import faas
from replay.levels import LevelCurve
from replay.model import FaasModel
from replay.peaks import mean_concurrency
from replay.pool import cold_starts, pools
from replay.prices import FaasPricer
from replay.state import BlockState, calibration_ratio, states
from replay.traffic import Prepared

MIXTURE_BINS = 16


@dataclass(frozen=True)
class FloorCurve:
    """Window quantities per resource (rows) and level k (columns: k always-on instances of ``slots`` each).

    Columns beyond a resource's ``k_max`` repeat its last level (more capacity carries nothing more).
    """

    k: np.ndarray
    slots_per_instance: np.ndarray
    k_max: np.ndarray
    requests: np.ndarray
    floor_requests: np.ndarray
    floor_busy_s: np.ndarray  # request-seconds the always-on slots carried
    floor_billed_ms: np.ndarray  # those requests' durations, rounded as FaaS would bill them
    faas_requests: np.ndarray
    faas_billed_ms: np.ndarray  # overflow durations billed (init excluded)
    faas_init_ms: np.ndarray  # init billed on the overflow's cold starts
    faas_cold_starts: np.ndarray
    startup_cold_starts: np.ndarray
    month_factor: np.ndarray
    assumptions: tuple[Assumption, ...]

    def take(self, rows: np.ndarray) -> FloorCurve:
        """The same curve for some of its resources (``rows``: indices), in that order."""
        return replace(
            self,
            **{f.name: getattr(self, f.name)[rows] for f in fields(self) if f.name not in ("k", "assumptions")},
        )


def burst_rho(state: BlockState, rows: np.ndarray | None = None) -> np.ndarray:
    """Concurrency each period's requests met: the mean, or the burst concurrency its peak reveals once the
    instances its cold starts kept in init are taken out of the peak.

    Computed once per block state and row (the FaaS-side curves of a block all read it; nothing writes into
    it). ``rows`` (a mask over the block's rows): the rows the caller reads; only those are sure to be
    computed (a row not yet asked for holds its mean concurrency). Each cell's value depends on its own cell
    only, so computing rows apart gives the same values as all at once."""
    n = state.block.panel.rows
    wanted = np.ones(n, dtype=bool) if rows is None else np.asarray(rows, dtype=bool)
    done = state.__dict__.get("_burst_rho")
    if done is None:
        done = (mean_concurrency(state.block), np.zeros(n, dtype=bool) if not state.hourly else np.ones(n, bool))
        object.__setattr__(state, "_burst_rho", done)
    values, computed = done
    missing = np.flatnonzero(wanted & ~computed)
    if missing.size:
        values[missing] = _burst_rho(state, values, missing)
        computed[missing] = True
    return values


def _burst_rho(state: BlockState, rho: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The burst concurrency of the minute cells of ``rows`` (indices), from their mean ``rho``."""
    block = state.block
    requests = np.where(block.counted[rows], block.requests[rows], 0.0)
    in_init = cold_starts(pools(state.pool), 0.0).cold_per_cell[rows]
    if block.panel.cold_starts is not None:
        measured = block.panel.cold_starts[rows]
        in_init = np.where(np.isnan(measured), in_init, measured)
    peaks = state.peaks[rows]
    request_peak = np.maximum(peaks - in_init, np.minimum(peaks, 1.0))
    return poisson.burst_concurrency(rho[rows], request_peak, requests)


def minute_mixture(
    minutes: BlockState, hours: BlockState, bins: int = MIXTURE_BINS, rows: np.ndarray | None = None
) -> np.ndarray:
    """Per row: ``bins`` request-weighted bins of (the concurrency a minute's requests met / its hour's mean).

    How a resource's traffic spreads inside its hours, learnt from its own minutes; an hourly cell of the
    same resource is then modelled as that spread around its own mean. Kept on the minutes' state, row by
    row (every level curve of the same states reads it: the hybrid search and the provisioned curve;
    nothing writes into it); ``rows`` (a mask) as for :func:`burst_rho`: a row not asked for holds ones.
    """
    n = minutes.block.panel.rows
    wanted = np.ones(n, dtype=bool) if rows is None else np.asarray(rows, dtype=bool)
    done = minutes.__dict__.get("_mixture")
    if done is None or done[0] is not hours or done[1] != bins:
        done = (hours, bins, np.ones((n, bins)), np.zeros(n, dtype=bool))
        object.__setattr__(minutes, "_mixture", done)
    values, computed = done[2], done[3]
    missing = np.flatnonzero(wanted & ~computed)
    if missing.size:
        values[missing] = _minute_mixture(minutes, hours, bins, missing)
        computed[missing] = True
    return values


def _minute_mixture(minutes: BlockState, hours: BlockState, bins: int, rows: np.ndarray) -> np.ndarray:
    """The mixture of ``rows`` (indices of the minutes' rows)."""
    panel = minutes.block.panel
    mask = np.zeros(panel.rows, dtype=bool)
    mask[rows] = True
    rho_minute = burst_rho(minutes, mask)[rows]
    requests = np.where(minutes.block.counted[rows], panel.requests[rows], 0.0)
    hour_rho = mean_concurrency(hours.block)[rows]
    offset = (panel.start_s - hours.block.panel.start_s) // 60
    hour_index = np.clip((offset + np.arange(panel.periods)) // 60, 0, hours.block.panel.periods - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(hour_rho[:, hour_index] > 0, rho_minute / hour_rho[:, hour_index], 0.0)
    order = np.argsort(ratio, axis=1)
    sorted_ratio = np.take_along_axis(ratio, order, axis=1)
    sorted_weight = np.take_along_axis(requests, order, axis=1)
    cumulative = np.cumsum(sorted_weight, axis=1)
    total = np.maximum(cumulative[:, -1:], 1e-12)
    which = np.minimum((cumulative - sorted_weight / 2) / total * bins, bins - 1).astype(int)
    weighted = np.zeros((rows.size, bins))
    weights = np.zeros((rows.size, bins))
    row_index = np.repeat(np.arange(rows.size), panel.periods)
    np.add.at(weighted, (row_index, which.ravel()), (sorted_ratio * sorted_weight).ravel())
    np.add.at(weights, (row_index, which.ravel()), sorted_weight.ravel())
    # Each bin holds 1/bins of the requests; its value is the request-weighted mean ratio in it. The
    # request-weighted mean is above 1 on bursty traffic: requests crowd into the busy minutes.
    return np.where(weights > 0, weighted / np.maximum(weights, 1e-12), 1.0)


def _block_curve(
    state: BlockState,
    levels: np.ndarray,
    slots: np.ndarray,
    k_max: np.ndarray,
    mixture: np.ndarray | None = None,
    cold: bool = True,
    wanted: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Per row of one block and per level: overflow requests, their billed ms and busy seconds, cold starts.

    ``slots`` and ``k_max`` are per row; ``mixture`` (rows, bins), for hourly cells: the spread of
    concurrency inside the hour (rows of ones for resources without one); ``wanted`` (per row) the rows to
    set up and compute, the others left at zero (every row's figures depend on its own cells only).
    """
    shared = pools(state.pool)
    burst = burst_rho(state, wanted)
    rows = state.block.panel.rows
    # Every name at zero first: a block none of whose rows is wanted computes nothing and still answers.
    out = {name: np.zeros(rows) for name in ("requests", "all_billed", "all_busy")}
    out |= {name: np.zeros((rows, levels.size)) for name in ("overflow", "billed", "busy", "cold", "startup")}
    for value in np.unique(slots if wanted is None else slots[wanted]):
        group = slots == value if wanted is None else (slots == value) & wanted
        curve = LevelCurve(shared, burst, state.peaks, state.billed_per_request, mixture, group, cold)
        part = curve.curve(int(value), np.where(group, k_max, 0), levels.size, cold)
        for name, values in part.items():
            out[name] = np.where(group[:, None] if values.ndim == 2 else group, values, out[name])
    return out


def floor_curve(
    prepared: Prepared,
    model: FaasModel,
    slots_per_instance: np.ndarray | float,
    k_max: np.ndarray | int | None = None,
    *,
    with_cold_starts: bool = True,
    rows: np.ndarray | None = None,
) -> FloorCurve:
    """The curve over k = 0..max(k_max); ``k_max`` defaults to what covers each resource's highest peak.

    ``with_cold_starts`` False: the overflow only (its cold-start, start-up and init columns are zeros),
    for a caller that reads nothing else; the overflow does not depend on them (nor is the warm pool's
    level set-up built). ``rows`` (a mask over the resources): the only ones a caller reads; the others'
    quantities are left at zero, and a read row's figures are the same as without it (each row's curve
    is computed from its own cells)."""
    n = prepared.resources
    slots = np.broadcast_to(np.asarray(slots_per_instance, dtype=float), (n,)).copy()
    if np.any(slots < 1) or np.any(slots != np.floor(slots)):
        raise ValueError("slots_per_instance must be whole numbers >= 1 (concurrent requests one instance serves)")
    st = states(prepared, model)
    peak = np.zeros(n)
    for state in st.blocks:
        np.maximum.at(peak, state.block.rows, np.where(state.block.counted, state.peaks, 0.0).max(axis=1))
    if k_max is None:
        k_max = np.ceil(peak / slots)
    k_max = np.broadcast_to(np.asarray(k_max, dtype=float), (n,)).copy()
    levels = np.arange(int(k_max.max(initial=0)) + 1)

    mixture = None
    cold_ratio = None
    if st.minutes_of_both is not None and st.hours_of_both is not None:
        both_rows = st.minutes_of_both.block.rows
        both_wanted = None if rows is None else rows[both_rows]
        mixture = (both_rows, minute_mixture(st.minutes_of_both, st.hours_of_both, rows=both_wanted))
        if with_cold_starts:  # the calibration scales cold starts only
            minute = _block_curve(st.minutes_of_both, levels, slots[both_rows], k_max[both_rows], wanted=both_wanted)
            hour = _block_curve(
                st.hours_of_both, levels, slots[both_rows], k_max[both_rows], mixture[1], wanted=both_wanted
            )
            cold_ratio = (both_rows, calibration_ratio(minute["cold"], hour["cold"], 1.0))
    shape = (n, levels.size)
    total = {name: np.zeros(n) for name in ("requests", "all_billed", "all_busy")}
    part = {name: np.zeros(shape) for name in ("overflow", "billed", "busy", "cold", "startup")}
    for state in st.blocks:
        block_rows = state.block.rows
        spread = None
        if state.hourly and mixture is not None:
            spread = np.ones((block_rows.size, MIXTURE_BINS))
            spread[np.searchsorted(block_rows, mixture[0])] = mixture[1]
        wanted = None if rows is None else rows[block_rows]
        curve = _block_curve(state, levels, slots[block_rows], k_max[block_rows], spread, with_cold_starts, wanted)
        if state.hourly and cold_ratio is not None:
            scale = np.ones((block_rows.size, levels.size))
            scale[np.searchsorted(block_rows, cold_ratio[0])] = cold_ratio[1]
            curve["cold"] = curve["cold"] * scale
        for name in total:
            np.add.at(total[name], block_rows, curve[name])
        for name in part:
            np.add.at(part[name], block_rows, curve[name])
    init_ms = (part["cold"] + part["startup"]) * st.init_ms[:, None] if model.init_billed else np.zeros(shape)
    assumptions = (
        *model.assumptions(),
        Assumption(
            "overflow_rule",
            "erlang-b",
            "",
            "a request goes to a free always-on slot, else to FaaS; per period the share that finds every slot "
            "busy is Erlang B of the period's mean concurrency (or of its burst concurrency when its peak shows "
            "a burst); none when the measured peak fits the slots",
        ),
        Assumption("endpoint_duration", "as measured", "", "requests take as long on an instance as on FaaS"),
    )
    return FloorCurve(
        k=levels,
        slots_per_instance=slots,
        k_max=k_max,
        requests=prepared.requests,
        floor_requests=total["requests"][:, None] - part["overflow"],
        floor_busy_s=total["all_busy"][:, None] - part["busy"],
        floor_billed_ms=total["all_billed"][:, None] - part["billed"],
        faas_requests=part["overflow"],
        faas_billed_ms=part["billed"],
        faas_init_ms=init_ms,
        faas_cold_starts=part["cold"],
        startup_cold_starts=part["startup"],
        month_factor=prepared.month_factor,
        assumptions=assumptions,
    )


@dataclass(frozen=True)
class HybridPrices:
    """``faas`` prices the overflow; each always-on instance costs ``instance_hour_usd`` for 730 hours."""

    instance_hour_usd: np.ndarray | float
    faas: FaasPricer
    memory_gb: np.ndarray | float


@dataclass(frozen=True)
class CurveCosts:
    """Monthly USD per resource and level; ``best_k`` is the cheapest level (0 = FaaS alone)."""

    monthly_usd: np.ndarray
    best_k: np.ndarray
    best_usd: np.ndarray
    cold_starts_per_month: np.ndarray


def _monthly(curve: FloorCurve, values: np.ndarray) -> np.ndarray:
    return np.nan_to_num(values * curve.month_factor[:, None])


def _choose(curve: FloorCurve, monthly: np.ndarray) -> CurveCosts:
    valid = curve.k[None, :] <= curve.k_max[:, None]
    monthly = np.where(valid, monthly, np.nan)
    best = np.nanargmin(np.where(np.isnan(monthly), np.inf, monthly), axis=1)
    rows = np.arange(monthly.shape[0])
    return CurveCosts(monthly, curve.k[best], monthly[rows, best], _monthly(curve, curve.faas_cold_starts))


def hybrid_costs(curve: FloorCurve, prices: HybridPrices) -> CurveCosts:
    """Endpoint instances always on plus FaaS for the overflow, per level; the cheapest level per resource."""
    n = curve.requests.shape[0]
    memory = np.broadcast_to(np.asarray(prices.memory_gb, dtype=float), (n,))[:, None]
    hourly = np.broadcast_to(np.asarray(prices.instance_hour_usd, dtype=float), (n,))[:, None]
    gb_seconds = _monthly(curve, (curve.faas_billed_ms + curve.faas_init_ms) / 1000.0) * memory
    faas = prices.faas(_monthly(curve, curve.faas_requests), gb_seconds)
    return _choose(curve, faas + curve.k[None, :] * MONTH_HOURS * hourly)


@dataclass(frozen=True)
class ProvisionedPrices:
    """Lambda provisioned concurrency: per GB-second enabled, per GB-second run on it; ``faas`` the rest."""

    enabled_gb_second_usd: float
    duration_gb_second_usd: float
    faas: FaasPricer
    memory_gb: np.ndarray | float


def provisioned_costs(curve: FloorCurve, prices: ProvisionedPrices) -> CurveCosts:
    """Level P kept warm all month (curve built with one slot per instance): its cost and what it removes."""
    n = curve.requests.shape[0]
    memory = np.broadcast_to(np.asarray(prices.memory_gb, dtype=float), (n,))[:, None]
    spill_gb_s = _monthly(curve, (curve.faas_billed_ms + curve.faas_init_ms) / 1000.0) * memory
    requests = _monthly(curve, curve.floor_requests + curve.faas_requests)
    enabled = curve.k[None, :] * curve.slots_per_instance[:, None] * memory * MONTH_SECONDS
    on_pool = _monthly(curve, curve.floor_billed_ms / 1000.0) * memory
    monthly = (
        prices.faas(requests, spill_gb_s)
        + enabled * prices.enabled_gb_second_usd
        + on_pool * prices.duration_gb_second_usd
    )
    return _choose(curve, monthly)


@dataclass(frozen=True)
class HybridOptimum:
    """Per resource: the cheapest k (0 = FaaS alone) and its monthly cost, next to FaaS alone."""

    best_k: np.ndarray
    best_usd: np.ndarray
    faas_only_usd: np.ndarray
    curve_needed: np.ndarray  # the resources whose curve was computed (the others cannot gain from k >= 1)
    curve: FloorCurve | None = None  # that curve, its rows in order (the chosen k's quantities are read off it)

    @property
    def saving_usd(self) -> np.ndarray:
        return self.faas_only_usd - self.best_usd


def hybrid_optimum(
    prepared: Prepared,
    model: FaasModel,
    slots_per_instance: np.ndarray | float,
    prices: HybridPrices,
    k_max: np.ndarray | int | None = None,
) -> HybridOptimum:
    """The hybrid optimum of every resource, computing curves only where an always-on instance could pay.

    Exact pruning: k always-on instances cost at least k instance-months, so a k whose instances alone
    cost more than FaaS alone is never the optimum; a resource for which that rules out every k >= 1
    keeps k = 0 without a curve, and the others are searched only up to the k their FaaS cost allows.
    """
    n = prepared.resources
    alone = faas(prepared, model)
    memory = np.broadcast_to(np.asarray(prices.memory_gb, dtype=float), (n,))
    faas_usd = prices.faas(alone.monthly(alone.requests), alone.monthly(alone.billed_seconds) * memory)
    instance_month = np.broadcast_to(np.asarray(prices.instance_hour_usd, dtype=float), (n,)) * MONTH_HOURS
    with np.errstate(invalid="ignore", divide="ignore"):
        affordable = np.floor(np.where(instance_month > 0, faas_usd / instance_month, np.inf))
    slots = np.broadcast_to(np.asarray(slots_per_instance, dtype=float), (n,))
    peak_levels = np.ceil(alone.peak_concurrency / slots)
    bound = np.minimum(affordable, peak_levels)
    if k_max is not None:
        bound = np.minimum(bound, np.broadcast_to(np.asarray(k_max, dtype=float), (n,)))
    needed = bound >= 1
    best_k = np.zeros(n)
    best_usd = faas_usd.copy()
    rows = np.flatnonzero(needed)
    if rows.size:  # on the prepared traffic's own states (shared with the FaaS run above), for those rows only
        curve = floor_curve(prepared, model, slots, np.where(needed, bound, 0.0), rows=needed).take(rows)
        part = HybridPrices(
            np.broadcast_to(np.asarray(prices.instance_hour_usd, dtype=float), (n,))[rows], prices.faas, memory[rows]
        )
        costs = hybrid_costs(curve, part)
        best_k[rows] = costs.best_k
        best_usd[rows] = costs.best_usd
        return HybridOptimum(best_k, best_usd, faas_usd, needed, curve)
    return HybridOptimum(best_k, best_usd, faas_usd, needed)

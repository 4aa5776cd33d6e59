"""The right size of an endpoint for the measured traffic: instance type and count, fixed or autoscaled.

Capacity moves between types with their vCPUs (a CPU-bound model server: an assumption, stated), and a
type must hold the model's memory. A fixed count is sized so that the 99th-percentile minute of demand
(hours without minutes: their mean) runs at the target utilisation; an autoscaled one is simulated.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from replay.assumptions import Assumption
from replay.constants import MONTH_HOURS
from replay.endpoint import ScalingPolicy, autoscale
from replay.traffic import Prepared


@dataclass(frozen=True)
class InstanceTypes:
    """Candidate types (M of them) with their on-demand price per instance-hour."""

    names: tuple[str, ...]
    vcpu: np.ndarray
    memory_gib: np.ndarray
    hour_usd: np.ndarray


@dataclass(frozen=True)
class RightSize:
    """Per resource (rows) and type (columns); ``best_*`` index the cheapest feasible column (-1: none)."""

    types: InstanceTypes
    demand_quantile_rps: np.ndarray  # (R,) the demand a fixed size is sized for
    needed_instances: np.ndarray  # (R, M) before the minimum (0 for an idle resource)
    fixed_instances: np.ndarray  # (R, M)
    fixed_monthly_usd: np.ndarray
    autoscaled_instance_hours: np.ndarray  # per month
    autoscaled_monthly_usd: np.ndarray
    autoscaled_share_above: np.ndarray
    feasible: np.ndarray  # (R, M) memory fits and capacity is known
    best_fixed: np.ndarray
    best_autoscaled: np.ndarray
    idle: np.ndarray  # (R,) no requests in the window
    assumptions: tuple[Assumption, ...]


def demand_quantile(prepared: Prepared, quantile: float) -> np.ndarray:
    """Time-weighted quantile of requests per second over each resource's measured periods."""
    values, weights, owners = [], [], []
    for block in prepared.blocks:
        panel = block.panel
        with np.errstate(invalid="ignore", divide="ignore"):
            rate = np.where(block.counted, panel.requests / np.maximum(panel.covered_s, 1e-9), 0.0)
        values.append(rate.ravel())
        weights.append(np.where(block.counted, block.seconds, 0.0).ravel())
        owners.append(np.repeat(block.rows, panel.periods))
    value, weight, owner = (np.concatenate(x) for x in (values, weights, owners))
    order = np.lexsort((value, owner))
    value, weight, owner = value[order], weight[order], owner[order]
    out = np.zeros(prepared.resources)
    total = np.bincount(owner, weight, minlength=prepared.resources)
    cumulative = np.cumsum(weight)
    start = np.concatenate([[0.0], np.cumsum(total)[:-1]])
    within = cumulative - start[owner]
    reached = within >= quantile * total[owner] - 1e-9
    first = np.full(prepared.resources, -1)
    candidates = np.flatnonzero(reached & (weight > 0))
    if candidates.size:
        owners_hit, index = np.unique(owner[candidates], return_index=True)
        first[owners_hit] = candidates[index]
    has = first >= 0
    out[has] = value[first[has]]
    return out


def right_size(
    prepared: Prepared,
    capacity_rps: np.ndarray,
    current_vcpu: np.ndarray,
    memory_needed_gib: np.ndarray,
    types: InstanceTypes,
    policy: ScalingPolicy | None = None,
    *,
    quantile: float = 0.99,
) -> RightSize:
    """Cheapest fixed and autoscaled sizes among ``types`` for every resource."""
    policy = policy or ScalingPolicy()
    n, m = prepared.resources, len(types.names)
    capacity = np.broadcast_to(np.asarray(capacity_rps, dtype=float), (n,))
    scale = np.asarray(types.vcpu, dtype=float)[None, :] / np.asarray(current_vcpu, dtype=float)[:, None]
    per_type = capacity[:, None] * scale
    fits = np.asarray(types.memory_gib, dtype=float)[None, :] >= np.asarray(memory_needed_gib, dtype=float)[:, None]
    known = np.isfinite(per_type) & (per_type > 0)
    feasible = fits & known
    demand = demand_quantile(prepared, quantile)
    with np.errstate(invalid="ignore", divide="ignore"):
        needed = np.where(known, np.ceil(np.round(demand[:, None] / (per_type * policy.target_utilization), 9)), 0)
    fixed = np.clip(needed, max(policy.min_instances, 1), None)
    price = np.asarray(types.hour_usd, dtype=float)[None, :]
    fixed_usd = np.where(feasible, fixed * MONTH_HOURS * price, np.nan)
    hours = np.full((n, m), np.nan)
    share = np.full((n, m), np.nan)
    for j in range(m):
        if not known[:, j].any():
            continue
        result = autoscale(prepared, np.where(known[:, j], per_type[:, j], 1.0), policy)
        hours[:, j] = np.where(known[:, j], result.instance_hours_per_month, np.nan)
        share[:, j] = np.where(known[:, j], result.share_above_capacity, np.nan)
    auto_usd = np.where(feasible, hours * price, np.nan)
    assumptions = (
        *policy.assumptions(),
        Assumption("capacity_scales_with_vcpu", True, "", "requests/s per instance moves between types with vCPUs"),
        Assumption("fixed_size_quantile", quantile, "", "a fixed count carries this quantile of minute demand"),
    )
    return RightSize(
        types=types,
        demand_quantile_rps=demand,
        needed_instances=needed,
        fixed_instances=fixed,
        fixed_monthly_usd=fixed_usd,
        autoscaled_instance_hours=hours,
        autoscaled_monthly_usd=auto_usd,
        autoscaled_share_above=share,
        feasible=feasible,
        best_fixed=_cheapest(fixed_usd),
        best_autoscaled=_cheapest(auto_usd),
        idle=prepared.requests <= 0,
        assumptions=assumptions,
    )


def _cheapest(usd: np.ndarray) -> np.ndarray:
    finite = np.isfinite(usd)
    best = np.argmin(np.where(finite, usd, np.inf), axis=1)
    return np.where(finite.any(axis=1), best, -1)

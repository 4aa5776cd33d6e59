"""Break-even: how much of this traffic (the same shape, scaled by α) makes an endpoint as cheap as FaaS.

The endpoint is sized the way replay.rightsize sizes it, so the break-even moves with the traffic's peaks:
at α the fixed count is max(min, ceil(α · q / (capacity · target))), q the demand quantile the size is
for; FaaS costs the scaled requests and GB-seconds plus the init of the measured cold starts (held at
their measured count: a scaled pool would need another replay, and init is a small share). The answer is
the smallest α where FaaS costs at least the endpoint (scan of a log grid, then bisection), reported as
requests per month next to the operating point (α = 1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from replay.assumptions import Assumption
from replay.constants import MONTH_HOURS
from replay.prices import FaasPricer

GRID = np.geomspace(1e-4, 1e4, 161)


@dataclass(frozen=True)
class BreakEven:
    alpha: np.ndarray  # (R,) NaN: FaaS stays cheaper over the whole grid; 0: the endpoint is always cheaper
    requests_per_month: np.ndarray  # at the break-even
    operating_requests_per_month: np.ndarray
    faas_usd: np.ndarray  # at the operating point
    endpoint_usd: np.ndarray
    endpoint_instances: np.ndarray  # at the operating point
    instances_at_break_even: np.ndarray
    curve_alpha: np.ndarray  # (A,)
    curve_faas_usd: np.ndarray  # (R, A)
    curve_endpoint_usd: np.ndarray
    assumptions: tuple[Assumption, ...]


def _instances(alpha: np.ndarray, demand_rps: np.ndarray, per_instance_rps: np.ndarray, minimum: int) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        count = np.ceil(np.round(alpha * demand_rps / per_instance_rps, 9))
    return np.maximum(np.nan_to_num(count, nan=np.inf, posinf=np.inf), minimum)


def break_even(
    requests_per_month: np.ndarray,
    gb_seconds_per_month: np.ndarray,
    init_gb_seconds_per_month: np.ndarray,
    faas_prices: FaasPricer,
    demand_rps: np.ndarray,
    capacity_rps: np.ndarray,
    instance_hour_usd: np.ndarray | float,
    *,
    target_utilization: float = 0.7,
    min_instances: int = 1,
) -> BreakEven:
    """Break-even per resource; ``demand_rps`` is the demand a fixed size is sized for (replay.rightsize)."""
    requests = np.asarray(requests_per_month, dtype=float)
    n = requests.shape[0]
    gb_s = np.asarray(gb_seconds_per_month, dtype=float)
    init_gb_s = np.asarray(init_gb_seconds_per_month, dtype=float)
    per_instance = np.asarray(capacity_rps, dtype=float) * target_utilization
    demand = np.asarray(demand_rps, dtype=float)
    hourly = np.broadcast_to(np.asarray(instance_hour_usd, dtype=float), (n,))

    def faas_usd(alpha: np.ndarray) -> np.ndarray:
        return faas_prices(alpha * requests[:, None], alpha * gb_s[:, None] + init_gb_s[:, None])

    def endpoint_usd(alpha: np.ndarray) -> np.ndarray:
        count = _instances(alpha, demand[:, None], per_instance[:, None], min_instances)
        return count * MONTH_HOURS * hourly[:, None]

    grid = np.broadcast_to(GRID, (n, GRID.size))
    faas_curve, endpoint_curve = faas_usd(grid), endpoint_usd(grid)
    crossed = faas_curve >= endpoint_curve
    first = np.argmax(crossed, axis=1)
    any_cross = crossed.any(axis=1)
    alpha = np.full(n, np.nan)
    at_start = any_cross & (first == 0)
    alpha[at_start] = 0.0
    bracket = any_cross & (first > 0)
    if bracket.any():
        lo = GRID[first[bracket] - 1].copy()
        hi = GRID[first[bracket]].copy()
        rows = np.flatnonzero(bracket)
        for _ in range(60):
            mid = np.sqrt(lo * hi)
            column = mid[:, None]
            f = faas_prices(column * requests[rows, None], column * gb_s[rows, None] + init_gb_s[rows, None])[:, 0]
            e = _instances(mid, demand[rows], per_instance[rows], min_instances) * MONTH_HOURS * hourly[rows]
            above = f >= e
            hi, lo = np.where(above, mid, hi), np.where(above, lo, mid)
        alpha[rows] = hi
    one = np.ones((n, 1))
    assumptions = (
        Assumption("target_utilization", target_utilization, "fraction", "the endpoint's instances run this busy"),
        Assumption("min_instances", min_instances, "instances", "an endpoint keeps at least this many"),
        Assumption("traffic_shape", "as measured", "", "scaled traffic keeps the measured shape and peaks"),
        Assumption("cold_starts_at_scale", "as measured", "", "init cost held at the measured cold starts"),
    )
    return BreakEven(
        alpha=alpha,
        requests_per_month=alpha * requests,
        operating_requests_per_month=requests,
        faas_usd=faas_usd(one)[:, 0],
        endpoint_usd=endpoint_usd(one)[:, 0],
        endpoint_instances=_instances(np.ones(n), demand, per_instance, min_instances),
        instances_at_break_even=np.where(
            np.isfinite(alpha), _instances(np.nan_to_num(alpha), demand, per_instance, min_instances), np.nan
        ),
        curve_alpha=GRID,
        curve_faas_usd=faas_curve,
        curve_endpoint_usd=endpoint_curve,
        assumptions=assumptions,
    )

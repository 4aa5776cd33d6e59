"""Hybrid (k always-on instances + Lambda overflow) and provisioned concurrency against exact replays.

The replay: k × slots endpoint slots take each request when one is free, the rest overflows to a Lambda
pool with its own keep-alive and cold starts; its cost is k instances for the window plus the overflow's
exact Lambda bill. From per-minute data the engine's optimum lands within 3 % of the replayed optimum's
cost, and the k it picks costs (in the replay) within 3 % of the best.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from replay import (
    FaasModel,
    HybridPrices,
    ProvisionedPrices,
    Traffic,
    floor_curve,
    hybrid_costs,
    hybrid_optimum,
    linear_faas_prices,
    prepare,
    provisioned_costs,
)
from tests.replay import cloudwatch, exact, traces
from tests.replay.conftest import mixed

KEEP_ALIVE = 600.0
SLOTS = 4
RATES = exact.Rates(instance_hour_usd=0.115, memory_gb=2.0)
FAAS = linear_faas_prices(RATES.request_usd, RATES.gb_second_usd)
HYBRID_TRACES = {
    "diurnal-long-requests": lambda: traces.diurnal(21, 6, 8, amplitude=0.7, median_ms=1500, sigma=0.4, init_ms=2500),
    "diurnal+bursts": lambda: mixed(30, 8, base_rate=4, burst_rate=12, median_ms=1200),
}


@cache
def truth(name: str, k_max: int = 10) -> tuple[np.ndarray, exact.Replay, object]:
    tr = HYBRID_TRACES[name]()
    costs, _ = exact.hybrid_curve(tr, KEEP_ALIVE, SLOTS, k_max, RATES)
    return costs, exact.replay(tr, KEEP_ALIVE), tr


def window_costs(traffic: Traffic, hours: float, k_max: int = 10) -> tuple[np.ndarray, int]:
    """The engine's hybrid curve priced for the window (the month factor undone)."""
    prepared = prepare(traffic)
    curve = floor_curve(prepared, FaasModel(keep_alive_s=KEEP_ALIVE), SLOTS, k_max)
    factor = curve.month_factor[0]
    # an instance costs instance_hour_usd for the window's hours; hybrid_costs charges it for 730 hours
    prices = HybridPrices(RATES.instance_hour_usd * hours / 730 * factor, FAAS, RATES.memory_gb)
    costs = hybrid_costs(curve, prices)
    return costs.monthly_usd[0] / factor, int(costs.best_k[0])


@pytest.mark.parametrize("name", sorted(HYBRID_TRACES))
def test_per_minute_hybrid_optimum_within_three_percent(name: str) -> None:
    true_costs, outcome, tr = truth(name)
    best = int(np.argmin(true_costs))
    assert 0 < best < len(true_costs) - 1, "the case must have an interior optimum"
    assert true_costs[best] < 0.85 * true_costs[0], "and the hybrid must clearly beat Lambda alone"
    minutes = cloudwatch.aggregate(outcome, 60, (tr.start_s, tr.end_s))
    model, k = window_costs(Traffic(hourly=None, minutes=cloudwatch.panel([minutes])), (tr.end_s - tr.start_s) / 3600)
    assert model[k] == pytest.approx(true_costs[best], rel=0.03)
    assert true_costs[k] <= 1.03 * true_costs[best]
    assert model == pytest.approx(true_costs, rel=0.03)  # the whole curve, not just its minimum


def test_hourly_hybrid_on_traffic_poisson_within_the_hour() -> None:
    true_costs, outcome, tr = truth("diurnal-long-requests")
    hours = cloudwatch.aggregate(outcome, 3600, (tr.start_s, tr.end_s))
    model, k = window_costs(Traffic(hourly=cloudwatch.panel([hours])), (tr.end_s - tr.start_s) / 3600)
    assert model[k] == pytest.approx(true_costs.min(), rel=0.03)


def test_hourly_history_calibrated_by_a_day_of_minutes() -> None:
    """30 h of bursty traffic: hours for the first 6, minutes for the last 24 (a full daily cycle)."""
    tr = mixed(40, 30, base_rate=2.5, burst_rate=8, median_ms=1800)
    true_costs, _ = exact.hybrid_curve(tr, KEEP_ALIVE, SLOTS, 8, RATES)
    outcome = exact.replay(tr, KEEP_ALIVE)
    split = 6 * 3600.0
    traffic = Traffic(
        hourly=cloudwatch.panel([cloudwatch.aggregate(outcome, 3600, (0.0, tr.end_s))]),
        minutes=cloudwatch.panel([cloudwatch.aggregate(outcome, 60, (split, tr.end_s))]),
        minute_rows=np.array([0]),
    )
    model, k = window_costs(traffic, 30.0, 8)
    assert int(np.argmin(true_costs)) > 0
    assert model[k] == pytest.approx(true_costs.min(), rel=0.03)
    assert true_costs[k] <= 1.03 * true_costs.min()
    hourly_only, _ = window_costs(Traffic(hourly=traffic.hourly), 30.0, 8)
    assert hourly_only.min() < 0.9 * true_costs.min()  # what the calibration fixes: hours alone miss the bursts


def test_provisioned_concurrency_removes_the_cold_starts_the_replay_removes() -> None:
    tr = traces.on_off(13, 5, 12, on_mean_s=120, off_mean_s=900, init_ms=800)
    outcome = exact.replay(tr, KEEP_ALIVE)
    minutes = cloudwatch.aggregate(outcome, 60, (tr.start_s, tr.end_s))
    prepared = prepare(Traffic(hourly=None, minutes=cloudwatch.panel([minutes])))
    curve = floor_curve(prepared, FaasModel(keep_alive_s=KEEP_ALIVE), 1, 6)
    enabled_rate, run_rate = 0.0000041667, 0.0000097222
    factor = curve.month_factor[0]
    costs = provisioned_costs(curve, ProvisionedPrices(enabled_rate, run_rate, FAAS, RATES.memory_gb))
    window_s = tr.end_s - tr.start_s
    for level in (0, 2, 4):
        replayed = exact.replay(tr, KEEP_ALIVE, slots=level)
        assert curve.faas_cold_starts[0, level] == pytest.approx(replayed.cold_starts, rel=0.3, abs=3)
        assert curve.faas_requests[0, level] == pytest.approx(replayed.faas_requests, rel=0.15, abs=20)
        on_pool_ms = np.ceil(replayed.duration_ms[replayed.on_slot & replayed.inside]).sum()
        true_cost = (
            replayed.requests * RATES.request_usd
            + replayed.faas_billed_ms / 1000 * RATES.memory_gb * RATES.gb_second_usd
            + on_pool_ms / 1000 * RATES.memory_gb * run_rate
            + level * RATES.memory_gb * window_s * enabled_rate
        )
        # a month is 730 h; undoing the month factor leaves the level enabled for exactly the window
        assert costs.monthly_usd[0, level] / factor == pytest.approx(true_cost, rel=0.03)
    assert np.all(np.diff(costs.cold_starts_per_month[0]) <= 1e-9)  # more provisioned, fewer cold starts
    assert costs.monthly_usd[0, 6] > costs.monthly_usd[0, 0]  # and the fix has a price


def test_the_pruned_optimum_is_the_full_curves_optimum() -> None:
    """hybrid_optimum skips every k whose instances alone cost more than FaaS alone; nothing else changes."""
    aggregates = []
    for name in sorted(HYBRID_TRACES):
        _, outcome, tr = truth(name)
        aggregates.append(cloudwatch.aggregate(outcome, 60, (tr.start_s, tr.end_s)))
    small = traces.poisson(51, 0.5, 8)  # far too little traffic for an always-on instance
    small_outcome = exact.replay(small, KEEP_ALIVE)
    aggregates.append(cloudwatch.aggregate(small_outcome, 60, (small.start_s, small.end_s)))
    prepared = prepare(Traffic(hourly=None, minutes=cloudwatch.panel(aggregates)))
    model = FaasModel(keep_alive_s=KEEP_ALIVE)
    prices = HybridPrices(RATES.instance_hour_usd, FAAS, RATES.memory_gb)
    full = hybrid_costs(floor_curve(prepared, model, SLOTS, 12), prices)
    pruned = hybrid_optimum(prepared, model, SLOTS, prices, k_max=12)
    assert pruned.best_k.tolist() == full.best_k.tolist()
    assert pruned.best_usd == pytest.approx(full.best_usd, rel=1e-9)
    assert pruned.faas_only_usd == pytest.approx(full.monthly_usd[:, 0], rel=1e-9)
    assert pruned.curve_needed.tolist() == [True, True, False]

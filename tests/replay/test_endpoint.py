"""Endpoint sizing: the target-tracking recurrence traced by hand, capacity calibrated from a synthetic
endpoint with a known CPU model, the saturated demo shape, and the right size across types."""

from __future__ import annotations

import numpy as np
import pytest

from replay import (
    InstanceTypes,
    Panel,
    ScalingPolicy,
    Traffic,
    autoscale,
    demand_quantile,
    measured_capacity,
    prepare,
    right_size,
)
from replay.endpoint import simulate_minutes


def _minutes(rps: np.ndarray, **metrics: np.ndarray) -> Traffic:
    rps = np.atleast_2d(rps)
    covered = np.full(rps.shape, 60.0)
    panel = Panel(60, 0, covered, rps * 60, np.full(rps.shape, 30.0), **metrics)
    return Traffic(hourly=None, minutes=panel)


def test_a_step_in_demand_traced_by_hand() -> None:
    """10 rps, then 40 rps from minute 30 to 89, then 10 rps; 10 rps per instance, target 70 %."""
    demand = np.concatenate([np.full(30, 10.0), np.full(60, 40.0), np.full(60, 10.0)])[None, :]
    counted = np.ones_like(demand, bool)
    serving, launching, actions = simulate_minutes(demand, counted, np.array([10.0]), ScalingPolicy())
    assert serving[0, :37].tolist() == [2.0] * 37  # ceil(10 / 7) = 2 from the start
    assert launching[0, 32] == 4  # above target at minutes 30, 31, 32: ceil(2 * 40 / 14) = 6, so 4 more
    assert serving[0, 37] == 6  # in service 5 minutes after launch
    assert serving[0, 103] == 6 and serving[0, 104] == 2  # 15 minutes under 90 % of target from minute 90
    assert actions[0] == 2


def test_cooldown_min_and_max() -> None:
    demand = np.concatenate([np.full(10, 5.0), np.full(10, 30.0), np.full(20, 100.0)])[None, :]
    policy = ScalingPolicy(min_instances=2, max_instances=5, provisioning_s=60)
    serving, launching, _ = simulate_minutes(demand, np.ones_like(demand, bool), np.array([10.0]), policy)
    assert serving[0, 0] == 2  # one instance would do; the minimum is two
    assert launching[0, 12] == 3  # minute 12: ceil(2 * 30 / 14) = 5 (the maximum)
    assert serving.max() == 5
    panel = Panel(60, 0, np.full((1, 40), 60.0), demand * 60, np.full((1, 40), 30.0))
    result = autoscale(prepare(Traffic(hourly=None, minutes=panel)), np.array([10.0]), policy)
    # 30 rps on 2 x 10 during minutes 10-12 (launched at 12, serving at 13), then 100 rps never fits 5 x 10
    assert result.minutes_above_capacity[0] == 3 + 20


def test_hours_run_the_count_their_mean_needs() -> None:
    rps = np.array([[5.0, 50.0, 20.0, 0.0]])
    panel = Panel(3600, 0, np.full((1, 4), 3600.0), rps * 3600, np.full((1, 4), 30.0))
    result = autoscale(prepare(Traffic(hourly=panel)), np.array([10.0]), ScalingPolicy())
    assert result.instance_seconds[0] == pytest.approx((1 + 8 + 3 + 1) * 3600)
    assert result.peak_instances[0] == 8


def test_vertex_defaults_are_labelled_with_their_confidence() -> None:
    policy = ScalingPolicy.vertex()
    assert policy.target_utilization == 0.6 and policy.min_instances == 1
    names = {a.name: a.confidence for a in policy.assumptions()}
    assert names["scale_out_periods"] == "unconfirmed" and names["provisioning_s"] == "unconfirmed"


def test_capacity_is_recovered_from_a_synthetic_endpoint() -> None:
    rng = np.random.default_rng(0)
    minutes = 24 * 60
    rps = 20 + 15 * np.sin(np.arange(minutes) / 90) + rng.normal(0, 1, minutes)
    instances = np.full(minutes, 3.0)
    cpu = 3 + 0.9 * rps / instances + rng.normal(0, 0.5, minutes)  # 0.9 % CPU per request/s per instance
    traffic = _minutes(rps, instances_avg=instances[None], cpu_utilization_pct_avg=cpu[None])
    capacity = measured_capacity(prepare(traffic))
    assert capacity.method[0] == "fit"
    assert capacity.requests_per_s[0] == pytest.approx((100 - 3) / 0.9, rel=0.03)
    assert capacity.idle_cpu[0] == pytest.approx(0.03, abs=0.01)


def test_a_saturated_endpoint_carries_what_it_measurably_carries() -> None:
    """The demo's search-rerank shape: ~140 rps on ~2.95 instances at 99.7 % CPU."""
    rng = np.random.default_rng(1)
    minutes = 7 * 24 * 60
    rps = 140 * (1 + 0.3 * np.sin(np.arange(minutes) / 229)) + rng.normal(0, 3, minutes)
    instances = np.clip(np.round(rps / 47.5), 2, 6)
    cpu = np.full(minutes, 99.7)
    traffic = _minutes(rps, instances_avg=instances[None], cpu_utilization_pct_avg=cpu[None])
    prepared = prepare(traffic)
    capacity = measured_capacity(prepared)
    assert capacity.method[0] == "saturated"
    per_instance = float((rps / instances).mean())
    assert capacity.requests_per_s[0] == pytest.approx(per_instance, rel=0.02)
    types = InstanceTypes(
        ("ml.c5.xlarge", "ml.c5.2xlarge"), np.array([4.0, 8.0]), np.array([8.0, 16.0]), np.array([0.204, 0.408])
    )
    sized = right_size(prepared, capacity.requests_per_s, np.array([4.0]), np.array([3.3]), types)
    measured_mean = float(instances.mean())
    assert sized.fixed_instances[0, 0] < 2.5 * measured_mean  # not "needed" at 5x what it runs on
    assert sized.fixed_instances[0, 0] >= measured_mean  # yet enough for its peaks at the target
    assert sized.best_fixed[0] in (0, 1)


def test_right_size_picks_the_cheapest_type_that_holds_the_model() -> None:
    rps = np.full((1, 600), 30.0)
    prepared = prepare(_minutes(rps))
    types = InstanceTypes(
        ("small", "medium", "large"),
        np.array([2.0, 4.0, 8.0]),
        np.array([2.0, 8.0, 16.0]),
        np.array([0.05, 0.20, 0.38]),
    )
    sized = right_size(prepared, np.array([10.0]), np.array([4.0]), np.array([3.0]), types)
    assert not sized.feasible[0, 0]  # 2 GiB cannot hold a 3 GiB model
    # medium: 10 rps at 70 % -> ceil(30 / 7) = 5 x 0.20; large (20 rps each): ceil(30 / 14) = 3 x 0.38
    assert sized.fixed_instances[0, 1:].tolist() == [5.0, 3.0]
    assert sized.best_fixed[0] == 1
    assert demand_quantile(prepared, 0.99)[0] == pytest.approx(30.0)


def test_several_capacities_in_one_recurrence_are_each_capacitys_own_run() -> None:
    """``autoscale_each`` stacks the capacities as rows of one minute recurrence: each result is exactly
    ``autoscale`` of that capacity alone (rows never interact)."""
    from replay.endpoint import Limits, autoscale_each

    rng = np.random.default_rng(7)
    rps = np.vstack([rng.gamma(2.0, 10.0, 600), np.r_[np.full(300, 5.0), np.full(300, 80.0)], np.zeros(600)])
    prepared = prepare(_minutes(rps))
    limits = Limits(np.array([0.7, 0.5, 0.7]), np.array([1.0, 2.0, 1.0]), np.array([100.0, 6.0, 3.0]))
    capacities = [np.array([10.0, 12.0, 5.0]), np.array([25.0, 4.0, 9.0])]
    together = autoscale_each(prepared, capacities, ScalingPolicy(), limits)
    for capacity, result in zip(capacities, together, strict=True):
        alone = autoscale(prepared, capacity, ScalingPolicy(), limits)
        for name in ("instance_seconds", "peak_instances", "minutes_above_capacity", "minutes", "scaling_actions"):
            assert getattr(result, name).tolist() == getattr(alone, name).tolist(), name
    assert together[0].scaling_actions.sum() > 0 and not np.array_equal(
        together[0].instance_seconds, together[1].instance_seconds
    )


@pytest.mark.parametrize("seed", range(4))
def test_the_scalar_steps_are_the_vectorised_recurrence(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """A few rows step in plain floats (replay.minute_rows); the same inputs forced through the vectorised
    recurrence give the same numbers, the same layout, under minimums of 0 (a zero serving count), gaps,
    idle stretches, measured stretches inside longer rows (the scalar steps skip the minutes before and
    after them), caps and every delay and alarm shape."""
    import replay.endpoint as endpoint

    rng = np.random.default_rng(seed)
    for _ in range(40):
        rows, periods = int(rng.integers(1, 5)), int(rng.integers(1, 300))
        shape = rng.choice([0.0, 1.0, 3.0], (rows, periods), p=[0.3, 0.5, 0.2])
        demand = rng.gamma(0.5, 20, (rows, 1)) * shape * rng.random((rows, periods))
        counted = rng.random((rows, periods)) > rng.choice([0.0, 0.1, 0.5])
        if rng.random() < 0.5:  # each row measured in a stretch of its own, the demand zero outside it
            lo, hi = np.sort(rng.integers(0, periods + 1, (2, rows)), axis=0)
            counted &= (np.arange(periods) >= lo[:, None]) & (np.arange(periods) < hi[:, None])
            demand = np.where(counted, demand, 0.0)
        policy = ScalingPolicy(
            target_utilization=float(rng.choice([0.5, 0.7, 1.0])),
            min_instances=int(rng.choice([0, 1, 2])),
            max_instances=int(rng.choice([3, 100])),
            scale_out_periods=int(rng.integers(0, 4)),
            scale_in_periods=int(rng.integers(0, 20)),
            scale_out_cooldown_s=float(rng.choice([0, 60, 300])),
            scale_in_cooldown_s=float(rng.choice([0, 300, 600])),
            provisioning_s=float(rng.choice([0, 60, 240, 500])),
        )
        capacity = rng.choice([0.5, 1.0, 7.3], rows)
        with np.errstate(all="ignore"):
            scalar = simulate_minutes(demand, counted, capacity, policy)
            monkeypatch.setattr(endpoint, "SCALAR_ROWS", 0)
            vector = simulate_minutes(demand, counted, capacity, policy)
            monkeypatch.undo()
        for a, b in zip(scalar, vector, strict=True):
            assert a.strides == b.strides
            np.testing.assert_array_equal(a, b)

"""Windows and periods: exact spans at mid-hour edges, short series, a memory change, an idle endpoint,
and the rule that a window's first minutes are not a cold pool."""

from __future__ import annotations

import numpy as np
import pytest

from replay import (
    FaasModel,
    InstanceTypes,
    Panel,
    Traffic,
    autoscale,
    faas,
    floor_curve,
    measured_capacity,
    prepare,
    right_size,
)
from replay.constants import MONTH_SECONDS
from tests.replay import cloudwatch, exact, traces
from tests.replay.conftest import lambda_cost

KEEP_ALIVE = 600.0
RATES = exact.Rates()
MIDNIGHT = 20_412 * 86_400  # 2025-11-20 00:00 UTC
AT_18_15 = MIDNIGHT + 18 * 3600 + 15 * 60
SPAN = 3 * 3600 + 25 * 60  # 18:15 -> 21:40


@pytest.fixture(scope="module")
def mid_hour() -> tuple[traces.Trace, exact.Replay]:
    tr = traces.poisson(11, 4, SPAN / 3600, median_ms=150)
    return tr, exact.replay(tr, KEEP_ALIVE)


def _cost(result, index: int = 0) -> float:
    return lambda_cost(result.requests[index], result.billed_ms[index] + result.init_billed_ms[index], RATES)


@pytest.mark.parametrize("period", [60, 3600])
def test_a_window_from_18_15_to_21_40_is_priced_on_exactly_its_span(mid_hour, period: int) -> None:
    tr, outcome = mid_hour
    agg = cloudwatch.aggregate(outcome, period, (0.0, tr.end_s), epoch_s=AT_18_15)
    panel = cloudwatch.panel([agg])
    traffic = Traffic(hourly=panel) if period == 3600 else Traffic(hourly=None, minutes=panel)
    prepared = prepare(traffic)
    assert prepared.measured_s[0] == SPAN
    assert prepared.month_factor[0] == pytest.approx(MONTH_SECONDS / SPAN)
    result = faas(prepared, FaasModel(keep_alive_s=KEEP_ALIVE))
    assert result.requests[0] == outcome.requests
    assert _cost(result) == pytest.approx(exact.faas_cost(outcome, RATES), rel=0.03)
    assert "extrapolated from 3.4 hours" in result.notes[0]
    if period == 3600:
        assert agg.covered_s[0] == 2700 and agg.covered_s[-1] == 2400  # the partial hours, not floored away


def test_hours_around_minutes_count_only_their_remaining_part(mid_hour) -> None:
    """Hours for the whole window and minutes from 20:30: the 20:00 hour contributes only its first half."""
    tr, outcome = mid_hour
    hours = cloudwatch.aggregate(outcome, 3600, (0.0, tr.end_s), epoch_s=AT_18_15)
    split = 2 * 3600 + 15 * 60.0  # 20:30
    minutes = cloudwatch.aggregate(outcome, 60, (split, tr.end_s), epoch_s=AT_18_15)
    traffic = Traffic(hourly=cloudwatch.panel([hours]), minutes=cloudwatch.panel([minutes]), minute_rows=np.array([0]))
    prepared = prepare(traffic)
    assert prepared.measured_s[0] == SPAN
    assert prepared.minute_s[0] == SPAN - split
    assert prepared.hourly.weight[0].tolist() == [1.0, 1.0, 0.5, 0.0]
    assert prepared.requests[0] == pytest.approx(outcome.requests, rel=0.01)  # half an hour spread evenly


def test_a_twenty_minute_upload_gives_figures_and_says_how_little_they_rest_on() -> None:
    tr = traces.poisson(12, 3, 20 / 60, median_ms=200)
    outcome = exact.replay(tr, KEEP_ALIVE)
    agg = cloudwatch.aggregate(outcome, 60, (0.0, tr.end_s), epoch_s=AT_18_15)
    result = faas(prepare(Traffic(hourly=None, minutes=cloudwatch.panel([agg]))), FaasModel(keep_alive_s=KEEP_ALIVE))
    assert result.month_factor[0] == pytest.approx(MONTH_SECONDS / 1200)
    assert "extrapolated from 0.3 hours" in result.notes[0]
    assert _cost(result) == pytest.approx(exact.faas_cost(outcome, RATES), rel=0.03)
    assert abs(result.cold_starts[0] - outcome.cold_starts) <= 2


def test_a_memory_change_is_two_configurations_and_the_second_starts_cold() -> None:
    """The caller splits at the change; new environments start cold, and that burst is not a monthly rate."""
    before = traces.diurnal(14, 2, 6, median_ms=400)
    change = 3 * 3600.0
    after_arrivals = before.arrivals_s[before.arrivals_s >= change]
    after = traces.Trace(
        "after",
        after_arrivals,
        before.duration_ms[before.arrivals_s >= change] * 0.55,  # twice the memory, faster
        before.init_ms[before.arrivals_s >= change],
        change,
        before.end_s,
    )
    first = traces.clip(before, 0.0, change)
    truth_first, truth_after = exact.replay(first, KEEP_ALIVE), exact.replay(after, KEEP_ALIVE)
    panels = [
        cloudwatch.panel([cloudwatch.aggregate(o, 60, (t.start_s, t.end_s))])
        for t, o in ((first, truth_first), (after, truth_after))
    ]
    model = FaasModel(keep_alive_s=KEEP_ALIVE)
    old = faas(prepare(Traffic(hourly=None, minutes=panels[0])), model)
    new = faas(prepare(Traffic(hourly=None, minutes=panels[1], starts_cold=np.array([True]))), model)
    assert _cost(old) == pytest.approx(exact.faas_cost(truth_first, RATES), rel=0.03)
    assert _cost(new) == pytest.approx(exact.faas_cost(truth_after, RATES), rel=0.03)
    assert new.startup_cold_starts[0] >= 1
    total = new.cold_starts[0] + new.startup_cold_starts[0]
    assert 0.7 <= total / truth_after.cold_starts <= 1.4
    assert new.monthly(new.cold_starts)[0] == pytest.approx(new.cold_starts[0] * new.month_factor[0])


def test_the_first_minutes_are_not_a_cold_pool() -> None:
    """Same arrivals, two histories: traffic before the window (warm) or none (the resource starting)."""
    warm = traces.poisson(15, 20, 2, median_ms=300, init_ms=3000)
    after = warm.arrivals_s >= 0
    cold = traces.Trace("new", warm.arrivals_s[after], warm.duration_ms[after], warm.init_ms[after], 0.0, warm.end_s)
    model = FaasModel(keep_alive_s=KEEP_ALIVE)
    for tr, starts_cold in ((warm, False), (cold, True)):
        outcome = exact.replay(tr, KEEP_ALIVE)
        agg = cloudwatch.aggregate(outcome, 60, (0.0, tr.end_s))
        traffic = Traffic(hourly=None, minutes=cloudwatch.panel([agg]), starts_cold=np.array([starts_cold]))
        result = faas(prepare(traffic), model)
        total = result.cold_starts[0] + result.startup_cold_starts[0]
        assert 0.7 <= total / outcome.cold_starts <= 1.4, (starts_cold, total, outcome.cold_starts)
        if starts_cold:
            assert result.startup_cold_starts[0] >= 0.5 * outcome.cold_starts  # the start-up burst dominates
        else:
            assert result.startup_cold_starts[0] == 0
    assert exact.replay(cold, KEEP_ALIVE).cold_starts > 2 * exact.replay(warm, KEEP_ALIVE).cold_starts


def _idle_endpoint() -> Traffic:
    hours = 7 * 24
    zeros = np.zeros((1, hours))
    panel = Panel(
        3600,
        MIDNIGHT,
        np.full((1, hours), 3600.0),
        zeros,
        np.full((1, hours), np.nan),
        instances_avg=np.ones((1, hours)),
        cpu_utilization_pct_avg=np.full((1, hours), 2.0),
    )
    return Traffic(hourly=panel)


def test_an_idle_endpoint_gets_numbers_not_silence() -> None:
    prepared = prepare(_idle_endpoint())
    lam = faas(prepared, FaasModel())
    assert lam.requests[0] == 0 and lam.cold_starts[0] == 0 and lam.billed_ms[0] == 0
    assert np.isfinite(lam.month_factor[0])
    capacity = measured_capacity(prepared)
    assert capacity.method[0] == "none"
    types = InstanceTypes(
        ("ml.c5.large", "ml.c5.xlarge"), np.array([2.0, 4.0]), np.array([4.0, 8.0]), np.array([0.102, 0.204])
    )
    sized = right_size(prepared, np.array([50.0]), np.array([4.0]), np.array([1.0]), types)
    assert sized.idle[0]
    assert sized.needed_instances[0].tolist() == [0.0, 0.0]  # no traffic needs no instance: scale to zero/delete
    assert autoscale(prepared, np.array([50.0])).instance_hours_per_month[0] == pytest.approx(730.0)  # min 1
    curve = floor_curve(prepared, FaasModel(), 4)
    assert curve.k.tolist() == [0] and curve.faas_requests[0, 0] == 0

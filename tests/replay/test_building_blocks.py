"""Building blocks checked against independent truths: Monte Carlo rounding, Erlang B's recursion,
the clumping tables' direct sums, and the engine's input checks."""

from __future__ import annotations

import numpy as np
import pytest

from replay import Panel, Traffic, TrafficError, prepare
from replay.durations import billed_ms_per_request
from replay.poisson import clumps, cold_starts_per_window, erlang_b, expected_max, max_cdf
from replay.traffic import to_hours


@pytest.mark.parametrize(
    ("median", "sigma", "increment"), [(150, 0.5, 100), (40, 0.3, 100), (3, 0.4, 1), (900, 0.8, 100), (70, 0.05, 100)]
)
def test_per_request_rounding_matches_monte_carlo(median: float, sigma: float, increment: float) -> None:
    rng = np.random.default_rng(1)
    d = median * np.exp(sigma * rng.standard_normal(400_000))
    p50, p99 = np.percentile(d, [50, 99])
    truth = np.ceil(d / increment).mean() * increment
    got = billed_ms_per_request(np.array([d.mean()]), increment, p50_ms=np.array([p50]), p99_ms=np.array([p99]))[0]
    assert got == pytest.approx(truth, rel=0.005)


def test_rounding_the_average_would_be_wrong_where_the_engine_is_right() -> None:
    """Cloud Functions' 100 ms: a 90 ms average with spread 0.5 bills ~130 ms per request, not ceil(90) = 100."""
    rng = np.random.default_rng(2)
    d = 90 * np.exp(0.5 * rng.standard_normal(200_000)) / np.exp(0.125)
    truth = np.ceil(d / 100).mean() * 100
    got = billed_ms_per_request(np.array([d.mean()]), 100.0, default_sigma=0.5)[0]
    assert got == pytest.approx(truth, rel=0.005)
    assert (truth - np.ceil(d.mean() / 100) * 100) / truth > 0.2


def test_erlang_b_matches_the_recursion() -> None:
    for rho in (0.3, 2.0, 17.5, 120.0):
        b = 1.0
        for slots in range(1, 200):
            b = rho * b / (slots + rho * b)
            assert erlang_b(np.array(float(slots)), np.array(rho)) == pytest.approx(b, rel=1e-9, abs=1e-300)


@pytest.mark.parametrize(("rho", "arrivals"), [(0.01, 5.0), (0.3, 700.0), (2.2, 4000.0), (17.3, 1e5), (333.0, 2e6)])
def test_tables_match_their_direct_sums(rho: float, arrivals: float) -> None:
    levels = np.arange(0, int(rho + 14 * np.sqrt(rho) + 60), dtype=float)
    h = clumps(levels, rho, arrivals)
    at_or_above_mean = levels >= np.floor(rho) - 1  # a level under the mean is always exceeded: no cold starts
    churn = np.sum(np.where(at_or_above_mean, h * np.exp(-h), 0.0))
    peak = np.sum(1 - max_cdf(levels, rho, arrivals))
    assert cold_starts_per_window(np.array([rho]), np.array([arrivals]))[0] == pytest.approx(churn, rel=0.02)
    assert expected_max(np.array([rho]), np.array([arrivals]))[0] == pytest.approx(peak, rel=0.02)


def _panel(**changes) -> Panel:
    values = {
        "period_s": 60,
        "start_s": 0,
        "covered_s": np.full((2, 3), 60.0),
        "requests": np.ones((2, 3)),
        "duration_ms_avg": np.full((2, 3), 100.0),
    }
    return Panel(**{**values, **changes})


@pytest.mark.parametrize(
    ("changes", "field", "place"),
    [
        ({"requests": np.array([[1.0, -1.0, 1.0], [1.0, 1.0, 1.0]])}, "requests", "row 0, period 1"),
        ({"covered_s": np.array([[60.0, 61.0, 60.0], [60.0, 60.0, 60.0]])}, "covered_s", "row 0, period 1"),
        ({"duration_ms_avg": np.array([[100.0, 100.0, 100.0], [np.nan, 100.0, 100.0]])}, "duration_ms_avg", "row 1"),
        ({"concurrency_max": np.ones((2, 4))}, "concurrency_max", "shape"),
        ({"cpu_utilization_pct_avg": np.full((2, 3), 140.0)}, "cpu_utilization_pct_avg", "row 0, period 0"),
        ({"start_s": 30}, "start_s", "aligned"),
        ({"period_s": 300}, "period_s", "60 or 3600"),
    ],
)
def test_bad_input_is_one_clear_line_naming_field_and_place(changes, field, place) -> None:
    with pytest.raises(TrafficError) as caught:
        _panel(**changes)
    assert caught.value.field == field
    assert place in str(caught.value) and "\n" not in str(caught.value)


def test_traffic_checks_its_rows() -> None:
    with pytest.raises(TrafficError, match="minute_rows"):
        Traffic(hourly=None, minutes=_panel(), minute_rows=np.array([0, 0]))
    with pytest.raises(TrafficError, match="starts_cold"):
        Traffic(hourly=None, minutes=_panel(), starts_cold=np.array([True]))


def test_minutes_summed_to_hours_keep_every_count() -> None:
    rng = np.random.default_rng(3)
    periods = 150  # from 00:30 for 2.5 hours
    requests = rng.poisson(20, (1, periods)).astype(float)
    duration = rng.uniform(50, 150, (1, periods))
    peaks = rng.integers(1, 9, (1, periods)).astype(float)
    panel = Panel(60, 1800, np.full((1, periods), 60.0), requests, duration, concurrency_max=peaks)
    hours = to_hours(panel)
    assert hours.start_s == 0 and hours.periods == 3
    assert hours.covered_s[0].tolist() == [1800.0, 3600.0, 3600.0]
    assert hours.requests.sum() == requests.sum()
    assert (hours.requests * hours.duration_ms_avg).sum() == pytest.approx((requests * duration).sum())
    assert hours.concurrency_max[0, 1] == peaks[0, 30:90].max()
    prepared = prepare(Traffic(hourly=hours))
    assert prepared.measured_s[0] == periods * 60

"""FaaS cold starts and Lambda cost from what CloudWatch gives, against the exact per-request replay.

Per-minute data (Invocations, Duration avg/p50/p90/p99, ConcurrentExecutions Maximum): cold starts within
0.7-1.4x and the Lambda bill within 3 % on every family and keep-alive. Hourly data: the bound the
hourly model can honestly meet holds for traffic that is Poisson within the hour (0.75-1.35x); for bursty
traffic the hourly figure is a lower bound and the result says it was modelled from hourly data.
"""

from __future__ import annotations

import pytest

from replay import FaasModel, faas, prepare
from tests.replay import exact
from tests.replay.conftest import (
    FAMILIES,
    KEEP_ALIVES,
    POISSON_WITHIN_THE_HOUR,
    hours_only,
    lambda_cost,
    minutes_only,
    replayed,
    views,
)

RATES = exact.Rates()
CASES = [(name, keep_alive) for name in FAMILIES for keep_alive in KEEP_ALIVES]


def _within(model: float, truth: int, low: float, high: float, slack: float = 3.0) -> bool:
    """Ratio bounds, with a few cold starts of slack where the truth itself is a handful."""
    if truth < 10:
        return abs(model - truth) <= slack
    return low <= model / truth <= high


def _model(traffic, keep_alive: float):
    return faas(prepare(traffic), FaasModel(keep_alive_s=keep_alive))


@pytest.mark.parametrize(("name", "keep_alive"), CASES)
def test_per_minute_cold_starts_and_cost_match_the_replay(name: str, keep_alive: float) -> None:
    truth = replayed(name, keep_alive)
    result = _model(minutes_only(views(name, keep_alive).minutes), keep_alive)
    assert _within(result.cold_starts[0], truth.cold_starts, 0.7, 1.4), (result.cold_starts[0], truth.cold_starts)
    assert result.requests[0] == truth.requests
    modelled = lambda_cost(result.requests[0], result.billed_ms[0] + result.init_billed_ms[0], RATES)
    exact_cost = exact.faas_cost(truth, RATES)
    assert modelled == pytest.approx(exact_cost, rel=0.03)
    assert result.cold_starts_measured[0] == truth.cold_starts  # reported beside the model
    assert result.source[0] == "minutes"
    truth_latency = truth.init_ms[truth.inside].sum() / truth.requests  # mean init a request waits for
    assert result.added_latency_ms[0] == pytest.approx(truth_latency, rel=0.4, abs=0.5)


@pytest.mark.parametrize("name", POISSON_WITHIN_THE_HOUR)
@pytest.mark.parametrize("keep_alive", KEEP_ALIVES)
def test_hourly_data_meets_its_stated_bound_on_traffic_poisson_within_the_hour(name: str, keep_alive: float) -> None:
    truth = replayed(name, keep_alive)
    result = _model(hours_only(views(name, keep_alive).hours), keep_alive)
    assert _within(result.cold_starts[0], truth.cold_starts, 0.75, 1.35, slack=4.0)
    modelled = lambda_cost(result.requests[0], result.billed_ms[0] + result.init_billed_ms[0], RATES)
    assert modelled == pytest.approx(exact.faas_cost(truth, RATES), rel=0.03)
    assert any("modelled from hourly data" in note for note in result.notes[0])


@pytest.mark.parametrize("name", sorted(set(FAMILIES) - set(POISSON_WITHIN_THE_HOUR)))
def test_hourly_data_is_a_lower_bound_on_bursty_traffic_and_says_so(name: str) -> None:
    truth = replayed(name, 600.0)
    result = _model(hours_only(views(name, 600.0).hours), 600.0)
    assert result.cold_starts[0] <= 1.05 * truth.cold_starts
    assert any("modelled from hourly data" in note for note in result.notes[0])


@pytest.mark.parametrize("name", (*POISSON_WITHIN_THE_HOUR, "flash-crowd"))
def test_per_minute_data_without_peaks_on_smooth_traffic(name: str) -> None:
    """Without ConcurrentExecutions the minute model is stochastic: 0.75-1.35x on smooth traffic."""
    truth = replayed(name, 600.0)
    result = _model(minutes_only(views(name, 600.0).minutes, drop=("concurrency_max",)), 600.0)
    assert _within(result.cold_starts[0], truth.cold_starts, 0.75, 1.35, slack=4.0)

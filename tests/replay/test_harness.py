"""The truth itself, checked by hand: the exact replay and the CloudWatch aggregation on tiny traces."""

from __future__ import annotations

import numpy as np
import pytest

from tests.replay import cloudwatch, exact
from tests.replay.traces import Trace


def _trace(arrivals: list[float], durations_ms: list[float], init_ms: float = 1000.0, end_s: float = 600.0) -> Trace:
    n = len(arrivals)
    return Trace("hand", np.array(arrivals), np.array(durations_ms), np.full(n, init_ms), 0.0, end_s)


def test_keep_alive_and_reuse_by_hand() -> None:
    # t=0 cold (busy until 1.0 + 0.1); t=5 reuses it; t=5.05 overlaps -> second instance, cold;
    # t=200 both idle since ~6.1 s: with keep-alive 100 s they are gone -> cold.
    outcome = exact.replay(_trace([0.0, 5.0, 5.05, 200.0], [100.0, 200.0, 100.0, 100.0]), keep_alive_s=100.0)
    assert outcome.cold.tolist() == [True, False, True, True]
    assert exact.replay(_trace([0.0, 5.0, 5.05, 200.0], [100.0, 200.0, 100.0, 100.0]), 300.0).cold_starts == 2


def test_most_recently_freed_instance_is_taken() -> None:
    # Two instances free at 1.2 s and 2.2 s; a request at 50 s takes the later one, so the earlier one
    # expires at 1.2 + 60 and a request at 61.5 s finds only the later one (freed again at 50.1 s).
    arrivals = [0.0, 0.1, 50.0, 61.5, 61.55]
    outcome = exact.replay(_trace(arrivals, [200.0, 1100.0, 100.0, 100.0, 100.0], init_ms=1000.0), 60.0)
    assert outcome.cold.tolist() == [True, True, False, False, True]


def test_lambda_billing_rounds_each_request_and_bills_init() -> None:
    outcome = exact.replay(_trace([0.0, 10.0], [10.2, 10.2], init_ms=100.4), 600.0)
    # cold: ceil(100.4 + 10.2) = 111; warm: ceil(10.2) = 11
    assert outcome.billed_ms.tolist() == [111.0, 11.0]
    rounded = exact.replay(_trace([0.0, 10.0], [10.2, 150.0], init_ms=100.4), 600.0, increment_ms=100.0)
    assert rounded.billed_ms.tolist() == [200.0, 200.0]


def test_slots_take_requests_first_and_overflow_when_busy() -> None:
    outcome = exact.replay(_trace([0.0, 0.05, 0.06, 1.0], [100.0, 100.0, 100.0, 100.0]), 600.0, slots=2)
    assert outcome.on_slot.tolist() == [True, True, False, True]
    assert outcome.faas_requests == 1 and outcome.cold_starts == 1


def test_aggregation_by_hand() -> None:
    outcome = exact.replay(_trace([0.0, 0.5, 30.0, 61.0], [1000.0, 1000.0, 200.0, 500.0], init_ms=0.0), 600.0)
    agg = cloudwatch.aggregate(outcome, 60, (0.0, 120.0))
    assert agg.invocations.tolist() == [3.0, 1.0]
    assert agg.duration_ms_avg[0] == pytest.approx(2200.0 / 3)
    assert agg.concurrency_max.tolist() == [2.0, 1.0]  # two overlap at 0.5-1.0 s
    assert agg.duration_ms_p50.tolist() == [1000.0, 500.0]
    assert agg.cold_starts.tolist() == [2.0, 0.0]


def test_aggregation_places_a_mid_hour_window_on_the_clock() -> None:
    outcome = exact.replay(_trace([0.0, 1000.0, 3000.0], [10.0, 10.0, 10.0], end_s=3600.0), 600.0)
    # window 18:15 -> 19:15: trace time 0 is 18:15 (epoch 18:00 + 900 s)
    agg = cloudwatch.aggregate(outcome, 3600, (0.0, 3600.0), epoch_s=18 * 3600 + 900)
    assert agg.start_s == 18 * 3600
    assert agg.covered_s.tolist() == [2700.0, 900.0]
    assert agg.invocations.tolist() == [2.0, 1.0]

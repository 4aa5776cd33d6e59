"""Break-even worked by hand: a linear FaaS price against a step-function endpoint size."""

from __future__ import annotations

import numpy as np
import pytest

from replay import break_even, linear_faas_prices

PER_MILLION = linear_faas_prices(1e-6, 0.0)  # $1 per million requests, no duration charge
MONTH_S = 730 * 3600


def test_break_even_inside_the_first_instance() -> None:
    requests = np.array([10.0 * MONTH_S])  # 10 rps: 26.28 M requests, $26.28 on FaaS
    args = (requests, np.zeros(1), np.zeros(1), PER_MILLION, np.array([10.0]), np.array([100.0]), 0.1)
    result = break_even(*args, target_utilization=0.5)
    # one instance ($73/month) carries up to 50 rps (alpha 5): 26.28 * alpha = 73
    assert result.alpha[0] == pytest.approx(73 / 26.28, rel=1e-6)
    assert result.requests_per_month[0] == pytest.approx(73e6, rel=1e-6)
    assert result.instances_at_break_even[0] == 1
    assert result.faas_usd[0] == pytest.approx(26.28) and result.endpoint_usd[0] == pytest.approx(73.0)


def test_peaks_decide_the_size_so_the_break_even_moves() -> None:
    """30 rps on average, peaks of 100: sized for its peaks the endpoint grows by $73 every 25 rps of mean
    traffic while FaaS grows by $65.70, so it never catches up; sized for the mean it would at alpha 0.926."""
    requests = np.array([30.0 * MONTH_S])  # $78.84 on FaaS at alpha 1
    args = (requests, np.zeros(1), np.zeros(1), PER_MILLION)
    by_peak = break_even(*args, np.array([100.0]), np.array([100.0]), 0.1, target_utilization=0.5)
    by_mean = break_even(*args, np.array([30.0]), np.array([100.0]), 0.1, target_utilization=0.5)
    assert by_peak.endpoint_instances[0] == 2 and by_mean.endpoint_instances[0] == 1
    assert np.isnan(by_peak.alpha[0])
    assert by_mean.alpha[0] == pytest.approx(73 / 78.84, rel=1e-6)


def test_no_break_even_when_faas_stays_cheaper() -> None:
    cheap = linear_faas_prices(1e-12, 0.0)
    result = break_even(np.array([1.0]), np.zeros(1), np.zeros(1), cheap, np.array([1e-6]), np.array([100.0]), 1.0)
    assert np.isnan(result.alpha[0]) and np.isnan(result.requests_per_month[0])

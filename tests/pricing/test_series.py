"""Cold starts from idle gaps, scaled to a month by the span they were counted on."""

from __future__ import annotations

import pytest

from common.units import MONTH_SECONDS
from pricing import UsageSeries, cold_starts_per_month, estimate_cold_starts


def test_idle_gaps_in_a_shorter_per_minute_series_scale_by_their_own_span() -> None:
    # 30 days hourly, but per-minute data for one day only: active, 20 idle minutes, active, 5 idle, active
    minutes = [1.0] + [0.0] * 20 + [1.0] + [0.0] * 5 + [1.0] + [0.0] * (1440 - 28)
    series = UsageSeries(3600, [3.0] * (30 * 24), [100.0] * (30 * 24), per_minute_invocations=minutes)
    assert estimate_cold_starts(series, keep_alive_s=600) == 2  # the first request, then after 20 idle minutes
    assert cold_starts_per_month(series, keep_alive_s=600) == pytest.approx(2 * MONTH_SECONDS / 86400)


def test_without_minutes_poisson_arrivals_scale_by_the_main_span() -> None:
    series = UsageSeries(3600, [1.0] * 24, [50.0] * 24)
    per_day = estimate_cold_starts(series, keep_alive_s=600)
    assert cold_starts_per_month(series, keep_alive_s=600) == pytest.approx(per_day * MONTH_SECONDS / 86400)

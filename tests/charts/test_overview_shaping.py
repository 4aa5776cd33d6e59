from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from charts.format import compact
from charts.overview import by_service, choose_bucket_s, log_ticks, per_resource_summary

T = datetime(2026, 1, 1)


def _rows(*rows: dict) -> pd.DataFrame:
    base = {"errors": 0.0, "cold_starts": None, "duration_ms_p50": None, "duration_ms_p99": None}
    return pd.DataFrame([{**base, **r} for r in rows])


def test_rates_are_per_bucket_and_a_bucket_still_filling_is_not_a_drop() -> None:
    later = datetime(2026, 1, 2)
    rolled = _rows(
        {"resource_id": "a", "service": "lambda", "bucket_start": T, "period_s": 3600, "invocations": 144_000.0},
        {"resource_id": "a", "service": "lambda", "bucket_start": later, "period_s": 3600, "invocations": 24_000.0},
    )
    out = by_service(rolled, 86400, until=datetime(2026, 1, 2, 4)).set_index("bucket_start")
    assert out.loc[T, "requests_per_min"] == pytest.approx(100.0)  # 144,000 over a whole day
    assert out.loc[later, "requests_per_min"] == pytest.approx(100.0)  # 24,000 in the 4 hours stored so far


def test_cold_start_rate_ignores_resources_that_cannot_report_them() -> None:
    rolled = _rows(
        {
            "resource_id": "fn",
            "service": "lambda",
            "bucket_start": T,
            "period_s": 3600,
            "invocations": 100.0,
            "cold_starts": 5.0,
            "duration_ms_p50": 10.0,
            "duration_ms_p99": 50.0,
        },
        {
            "resource_id": "ep",
            "service": "lambda",
            "bucket_start": T,
            "period_s": 3600,
            "invocations": 900.0,
            "duration_ms_p50": 20.0,
            "duration_ms_p99": 90.0,
        },
    )
    svc = by_service(rolled, 3600).iloc[0]
    assert svc["cold_start_pct"] == pytest.approx(5.0)  # 5 of fn's 100, not of all 1,000
    assert svc["p50_ms"] == pytest.approx((10 * 100 + 20 * 900) / 1000)  # request-weighted
    per = per_resource_summary(rolled).set_index("resource_id")
    assert per.loc["fn", "cold_start_pct"] == pytest.approx(5.0)
    assert pd.isna(per.loc["ep", "cold_start_pct"])


def test_bucket_choice() -> None:
    assert choose_bucket_s(T, datetime(2026, 1, 2)) == 300
    assert choose_bucket_s(T, datetime(2026, 1, 15)) == 3600
    assert choose_bucket_s(T, datetime(2026, 3, 1)) == 86400
    # never finer than the data: one day of hourly data is drawn hourly, per-minute data in 5-minute buckets
    assert choose_bucket_s(T, datetime(2026, 1, 2), finest_period_s=3600) == 3600
    assert choose_bucket_s(T, datetime(2026, 1, 2), finest_period_s=60) == 300
    assert choose_bucket_s(T, datetime(2026, 1, 15), finest_period_s=86400) == 86400


def test_log_latency_ticks_carry_their_decade() -> None:
    values, labels = log_ticks(35.0, 2400.0)
    assert values == [20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0]
    assert labels == ["20 ms", "50 ms", "100 ms", "200 ms", "500 ms", "1 s", "2 s"]
    assert all(label.endswith(("ms", "s")) for label in labels)


def test_compact_headline_counts() -> None:
    assert [compact(v) for v in (0, 999, 1234, 999_999, 662_204_087, 1_167_681_182)] == [
        "0",
        "999",
        "1.23 k",
        "1.00 M",
        "662 M",
        "1.17 B",
    ]

"""The Overview's bucket choice and axis labels; its traffic sums are tested through the store
(tests/store/test_traffic.py)."""

from __future__ import annotations

from datetime import datetime

from charts.format import compact
from charts.overview import choose_bucket_s, log_ticks

T = datetime(2026, 1, 1)


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

"""analysis.usage_over_time: one resource's traffic, percentiles and concurrency per bucket, every stored
resolution counted once, checked against sums and weighted means worked out by hand."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from analysis.usage import DAY_S, HOUR_S, bucket_for, usage_over_time
from store.queries import Filters
from store.writes import Batch, ResourceRecord, metrics_frame, write_batch

T0 = datetime(2026, 3, 1)
FN = ResourceRecord("lambda", "1", "us-east-1", "scorer")
OTHER = ResourceRecord("lambda", "1", "us-east-1", "other")


@pytest.fixture
def db(empty_db: Path) -> Path:
    """Hours 0 and 1 stored hourly; hour 2 stored per minute only (minute m: 10 + m requests, p99 100 or 300 ms,
    concurrency m % 7); another function beside it that must not leak in."""
    rows = []
    for h, (requests, p50, p99) in enumerate([(3600.0, 20.0, 80.0), (7200.0, 30.0, 120.0)]):
        start = T0 + timedelta(hours=h)
        for metric, value in (("invocations", requests), ("duration_ms_p50", p50), ("duration_ms_p99", p99),
                              ("concurrency_max", 4.0 + h)):  # fmt: skip
            rows.append((FN.resource_id, metric, start, 3600, value, "t"))
        rows.append((OTHER.resource_id, "invocations", start, 3600, 1e6, "t"))
    for m in range(60):
        start = T0 + timedelta(hours=2, minutes=m)
        for metric, value in (("invocations", 10.0 + m), ("duration_ms_p99", 100.0 if m % 2 else 300.0),
                              ("concurrency_max", float(m % 7))):  # fmt: skip
            rows.append((FN.resource_id, metric, start, 60, value, "t"))
    write_batch(empty_db, Batch(resources=[FN, OTHER], metrics=metrics_frame(rows)))
    return empty_db


def test_hourly_buckets_fold_the_minutes_by_the_catalog_rules(db: Path) -> None:
    usage = usage_over_time(db, FN.resource_id, Filters(start=date(2026, 3, 1), end=date(2026, 3, 1)))
    assert usage is not None and usage.bucket_s == HOUR_S
    epoch = (T0 - datetime(1970, 1, 1)).total_seconds()
    assert usage.x == (epoch, epoch + 3600, epoch + 7200)
    minute_requests = [10.0 + m for m in range(60)]  # 2,370 in hour 2
    assert usage.requests == (3600.0, 7200.0, sum(minute_requests))
    assert usage.requests_per_s == pytest.approx((1.0, 2.0, 2370 / 3600))
    weighted_p99 = sum(r * (100.0 if m % 2 else 300.0) for m, r in enumerate(minute_requests)) / sum(minute_requests)
    assert usage.p99_ms == pytest.approx((80.0, 120.0, weighted_p99))
    assert usage.concurrency_max == (4.0, 5.0, 6.0)  # the peak of the minutes
    assert usage.p50_ms[:2] == (20.0, 30.0) and usage.p50_ms[2] != usage.p50_ms[2]  # not stored: NaN, not 0
    assert usage.has_latency and usage.has_concurrency


def test_no_data_in_the_window_is_none_and_long_windows_are_daily(db: Path) -> None:
    assert usage_over_time(db, FN.resource_id, Filters(start=date(2026, 4, 1), end=date(2026, 4, 2))) is None
    wide = Filters(start=date(2026, 1, 1), end=date(2026, 3, 31))
    assert bucket_for(wide, None) == DAY_S
    assert bucket_for(wide, (T0, T0 + timedelta(days=3))) == HOUR_S  # the window as the data fills it

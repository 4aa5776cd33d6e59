"""``store.page_reads``: the Overview's reads in one open return what each read apart returns, on the demo's
file, for the default window (daily buckets), a fortnight (hourly; both from the read model) and two days
(5-minute buckets from ``metrics``, the temporary table's path)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest

from charts.overview import choose_bucket_s
from store import queries as q
from store.page_reads import overview_reads
from store.traffic import TrafficSums, traffic_sums


def _same_traffic(one: TrafficSums, apart: TrafficSums) -> None:
    for name in ("services", "resources", "top", "others"):
        pd.testing.assert_frame_equal(getattr(one, name), getattr(apart, name), check_exact=False, rtol=1e-12)
    assert one.others_count == apart.others_count and len(one.top_ids) == len(apart.top_ids)


@pytest.mark.parametrize(("days", "bucket_s"), [(30, 86400), (14, 3600), (2, 300)])
def test_one_open_reads_what_each_read_apart_reads(demo_db: Path, days: int, bucket_s: int) -> None:
    last = (q.filter_options(demo_db)["last"] - timedelta(microseconds=1)).date()
    f = q.Filters(start=last - timedelta(days=days - 1), end=last)
    reads = overview_reads(demo_db, f, choose_bucket_s, runs=5)
    freshness = q.freshness(demo_db, f)
    pd.testing.assert_frame_equal(reads.inventory, q.inventory(demo_db, f))
    pd.testing.assert_frame_equal(reads.freshness, freshness)
    pd.testing.assert_frame_equal(reads.runs, q.recent_runs(demo_db, 5))
    lo, hi = f.window()
    assert reads.bucket_s == choose_bucket_s(lo, hi, int(freshness["finest_period_s"].min()))
    assert reads.bucket_s == bucket_s
    _same_traffic(reads.traffic, traffic_sums(demo_db, f, reads.bucket_s, min(hi, freshness["data_until"].max())))

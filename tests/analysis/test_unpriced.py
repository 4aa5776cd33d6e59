"""A resource the price sheets cannot price is said to be so on its own row; the rest of the estate is assessed."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from analysis.detail import assess_resource
from analysis.estate import assess_estate
from pricing import load_price_book
from store.queries import Filters
from store.writes import Batch, ConfigRecord, ResourceRecord, metrics_frame, write_batch


def test_an_unknown_region_is_one_row_saying_why(empty_db: Path) -> None:
    t0 = datetime(2026, 3, 1)
    known = ResourceRecord("lambda", "1", "us-east-1", "priced")
    unknown = ResourceRecord("lambda", "1", "mars-north-1", "unpriced")
    rows = [
        (r.resource_id, metric, t0 + timedelta(hours=h), 3600, value, "t")
        for r in (known, unknown)
        for h in range(24)
        for metric, value in (("invocations", 500.0), ("duration_ms_avg", 80.0))
    ]
    configs = [ConfigRecord(r.resource_id, t0, {"memory_mb": 1024}, "t") for r in (known, unknown)]
    write_batch(empty_db, Batch(resources=[known, unknown], configs=configs, metrics=metrics_frame(rows)))
    book = load_price_book(use_env=False)
    rows = {r.name: r for r in assess_estate(empty_db, Filters(), None, book).rows}
    assert rows["priced"].current.monthly_usd > 0
    bad = rows["unpriced"]
    assert bad.current.monthly_usd is None and "unknown region 'mars-north-1'" in bad.verdict.text
    assert all(not o.feasible for o in bad.options)
    detail = assess_resource(empty_db, unknown.resource_id, Filters(), None, book)
    assert detail.hybrid is None and detail.break_even is None

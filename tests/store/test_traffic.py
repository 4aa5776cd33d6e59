"""The Overview's traffic sums (``store.traffic``), written through ``write_batch`` into a real DuckDB file and
read back through the figures' shaping (``charts.overview``) and the headline totals
(``analysis.overview.traffic_totals``), against numbers worked out by hand. Both reads are covered: the read
model for buckets of whole hours, ``metrics`` for 5-minute buckets."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from analysis.overview import traffic_totals
from charts.overview import by_resource, by_service, per_resource_summary
from store.queries import Filters, rollup
from store.traffic import traffic_sums
from store.writes import Batch, ResourceRecord, metrics_frame, write_batch

T = datetime(2026, 1, 1)


def _write(path: Path, rows: list[tuple[str, str, datetime, int, float]]) -> dict[str, str]:
    """Write (name, metric, start, period_s, value) rows of Lambda functions; returns name -> resource id."""
    records = {name: ResourceRecord("lambda", "111122223333", "us-east-1", name) for name, *_ in rows}
    table = metrics_frame([(records[n].resource_id, m, start, p, v, "test") for n, m, start, p, v in rows])
    write_batch(path, Batch(resources=list(records.values()), metrics=table))
    return {name: record.resource_id for name, record in records.items()}


def _hourly(name: str, metric: str, start: datetime, hours: int, value: float) -> list:
    return [(name, metric, start + timedelta(hours=h), 3600, value) for h in range(hours)]


def test_rates_are_per_bucket_and_a_bucket_still_filling_is_not_a_drop(empty_db: Path) -> None:
    _write(
        empty_db, _hourly("a", "invocations", T, 24, 6000.0) + _hourly("a", "invocations", T + timedelta(1), 4, 6000.0)
    )
    sums = traffic_sums(
        empty_db, Filters(start=date(2026, 1, 1), end=date(2026, 1, 2)), 86400, T + timedelta(1, hours=4)
    )
    out = by_service(sums).set_index("bucket_start")
    assert out.loc[T, "requests_per_min"] == pytest.approx(100.0)  # 144,000 over a whole day
    assert out.loc[T + timedelta(1), "requests_per_min"] == pytest.approx(100.0)  # 24,000 in the 4 hours so far
    assert out.loc[T + timedelta(1), "invocations"] == pytest.approx(24_000.0)
    # without the end of the data the second day is a whole day's span: a drop to a sixth
    whole = by_service(traffic_sums(empty_db, Filters(start=date(2026, 1, 1), end=date(2026, 1, 2)), 86400))
    assert whole.set_index("bucket_start").loc[T + timedelta(1), "requests_per_min"] == pytest.approx(100.0 / 6)


def test_cold_start_rate_ignores_resources_that_cannot_report_them(empty_db: Path) -> None:
    rows = [("fn", "invocations", T, 3600, 100.0), ("fn", "cold_starts", T, 3600, 5.0)]
    rows += [("fn", "duration_ms_p50", T, 3600, 10.0), ("fn", "duration_ms_p99", T, 3600, 50.0)]
    rows += [("fn", "errors", T, 3600, 2.0), ("ep", "invocations", T, 3600, 900.0)]
    rows += [("ep", "duration_ms_p50", T, 3600, 20.0), ("ep", "duration_ms_p99", T, 3600, 90.0)]
    ids = _write(empty_db, rows)
    sums = traffic_sums(empty_db, Filters(start=date(2026, 1, 1), end=date(2026, 1, 1)), 3600)
    svc = by_service(sums).iloc[0]
    assert svc["cold_start_pct"] == pytest.approx(5.0)  # 5 of fn's 100, not of all 1,000
    assert svc["p50_ms"] == pytest.approx((10 * 100 + 20 * 900) / 1000)  # request-weighted
    assert svc["p99_ms"] == pytest.approx((50 * 100 + 90 * 900) / 1000)
    assert svc["error_pct"] == pytest.approx(0.2)  # 2 of 1,000
    per = per_resource_summary(sums).set_index("resource_id")
    assert per.loc[ids["fn"], "cold_start_pct"] == pytest.approx(5.0)
    assert pd.isna(per.loc[ids["ep"], "cold_start_pct"]) and pd.isna(per.loc[ids["ep"], "cold_starts"])
    assert per.loc[ids["ep"], "p50_ms"] == pytest.approx(20.0)
    inventory = pd.DataFrame({"pattern": ["faas", "faas"]})
    totals = traffic_totals(inventory, sums.resources)
    assert totals.requests == pytest.approx(1000.0) and totals.errors == pytest.approx(2.0)
    assert totals.cold_starts == pytest.approx(5.0)
    assert totals.cold_start_rate == pytest.approx(0.05)  # over fn's requests only


def test_the_busiest_resources_get_a_series_and_the_rest_add_up(empty_db: Path) -> None:
    later = T + timedelta(hours=1)
    rows = [("big", "invocations", T, 3600, 6000.0), ("big", "invocations", later, 3600, 6000.0)]
    rows += [("mid", "invocations", T, 3600, 600.0), ("small", "invocations", T, 3600, 60.0)]
    rows += [("tiny", "invocations", later, 3600, 120.0), ("dup", "invocations", T, 3600, 1200.0)]
    ids = _write(empty_db, rows)
    sums = traffic_sums(empty_db, Filters(start=date(2026, 1, 1), end=date(2026, 1, 1)), 3600, top=3)
    assert sums.top_ids == (ids["big"], ids["dup"], ids["mid"])  # by requests: 12,000, 1,200, 600
    assert sums.others_count == 2
    others = sums.others.set_index("bucket_start")["requests_per_min"]
    assert others[T] == pytest.approx(1.0) and others[later] == pytest.approx(2.0)  # small 60, tiny 120 an hour
    top = sums.top.set_index(["resource_id", "bucket_start"])["requests_per_min"]
    assert top[(ids["big"], later)] == pytest.approx(100.0)
    assert len(sums.resources) == 5 and sums.resources["invocations"].sum() == pytest.approx(13_980.0)


def test_five_minute_buckets_read_the_minute_rows(empty_db: Path) -> None:
    """A window of two days or less is drawn in 5-minute buckets, read from ``metrics`` (``rollup_sql``)."""
    rows = [("fn", "invocations", T + timedelta(minutes=m), 60, 10.0) for m in range(30)]
    rows += [("fn", "cold_starts", T + timedelta(minutes=m), 60, 1.0 if m % 10 == 0 else 0.0) for m in range(30)]
    _write(empty_db, rows)
    sums = traffic_sums(empty_db, Filters(start=date(2026, 1, 1), end=date(2026, 1, 1)), 300, T + timedelta(minutes=27))
    svc = by_service(sums).set_index("bucket_start")
    assert svc.loc[T, "requests_per_min"] == pytest.approx(10.0)  # 50 in 5 minutes
    assert svc.loc[T + timedelta(minutes=25), "requests_per_min"] == pytest.approx(25.0)  # 50 in the 2 minutes so far
    assert svc.loc[T + timedelta(minutes=5), "cold_start_pct"] == pytest.approx(0.0)  # reported, none: 0, not —
    assert svc.loc[T + timedelta(minutes=10), "cold_start_pct"] == pytest.approx(2.0)  # 1 of 50
    assert len(svc) == 6


def test_filters_and_an_empty_window(empty_db: Path) -> None:
    _write(empty_db, [("a", "invocations", T, 3600, 60.0), ("b", "invocations", T, 3600, 120.0)])
    ids = {"a": ResourceRecord("lambda", "111122223333", "us-east-1", "a").resource_id}
    one = traffic_sums(empty_db, Filters(start=date(2026, 1, 1), end=date(2026, 1, 1), resource_ids=(ids["a"],)), 3600)
    assert list(one.resources["resource_id"]) == [ids["a"]] and one.others_count == 0
    assert by_service(one).iloc[0]["requests_per_min"] == pytest.approx(1.0)
    none = traffic_sums(empty_db, Filters(start=date(2026, 2, 1), end=date(2026, 2, 2)), 3600)
    assert none.resources.empty and by_service(none).empty and by_resource(none, pd.DataFrame()).empty
    assert traffic_totals(pd.DataFrame({"pattern": ["faas"]}), none.resources).cold_starts is None


def _sums_of(rolled: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """The sums by hand from the reference rollup (``rollup_sql`` over ``metrics``), whole buckets."""
    d = rolled.assign(inv=rolled["invocations"].fillna(0.0))
    d["rate"] = d["inv"] / 300 * 60
    for stat in ("p50", "p99"):
        d[f"w_{stat}"] = d[f"duration_ms_{stat}"] * d["inv"]
        d[f"inv_{stat}"] = d["inv"].where(d[f"duration_ms_{stat}"].notna(), 0.0)
    d["inv_cold"] = d["inv"].where(d["cold_starts"].notna(), 0.0)
    g = d.groupby(keys).agg(
        requests_per_min=("rate", "sum"),
        invocations=("inv", "sum"),
        errors=("errors", "sum"),
        cold_starts=("cold_starts", "sum"),
        inv_cold=("inv_cold", "sum"),
        has_cold=("cold_starts", "count"),
        w_p50=("w_p50", "sum"),
        inv_p50=("inv_p50", "sum"),
        w_p99=("w_p99", "sum"),
        inv_p99=("inv_p99", "sum"),
    )
    return g.sort_index()


def test_five_minute_buckets_of_hourly_only_resources_equal_the_rollup_of_metrics(empty_db: Path) -> None:
    """Resources that only ever stored hourly rows are spread from the read model; the rest go through
    ``rollup_sql``: together they must equal ``rollup_sql`` over everyone (the reference), mixed with
    per-minute, daily and 5-minute rows, an hour without requests and a mid-window start."""
    rows = []
    for h in range(30):
        start = T + timedelta(hours=h)
        rows += [("hourly", "invocations", start, 3600, float(0 if h == 3 else 100 + 7 * h))]
        rows += [("hourly", "duration_ms_p50", start, 3600, 10.0 + h), ("hourly", "errors", start, 3600, h % 3)]
        rows += [("hourly", "cold_starts", start, 3600, float(h % 4)), ("both", "invocations", start, 3600, 60.0)]
        rows += [("other", "invocations", start, 3600, 12.0), ("other", "duration_ms_p99", start, 3600, 40.0)]
    rows += [("both", "invocations", T + timedelta(hours=2, minutes=m), 60, 2.0) for m in range(60)]
    rows += [("both", "duration_ms_p50", T + timedelta(hours=2, minutes=m), 60, 5.0 + m) for m in range(60)]
    rows += [("daily", "invocations", T, 86400, 2880.0), ("daily", "duration_ms_p99", T, 86400, 75.0)]
    rows += [("other", "invocations", T + timedelta(hours=5, minutes=15), 300, 9.0)]  # finer than its hours
    _write(empty_db, rows)
    for f in (
        Filters(start=date(2026, 1, 1), end=date(2026, 1, 2)),
        Filters(since=T + timedelta(hours=1, minutes=30), until=T + timedelta(hours=20)),
    ):
        sums = traffic_sums(empty_db, f, 300)
        rolled = rollup(
            empty_db, f, 300, ["invocations", "errors", "cold_starts", "duration_ms_p50", "duration_ms_p99"]
        )
        expected = _sums_of(rolled.fillna({"errors": 0.0}), ["resource_id"])
        got = sums.resources.set_index("resource_id").sort_index()[expected.columns]
        pd.testing.assert_frame_equal(got, expected, check_dtype=False, rtol=1e-9)
        by_service_expected = _sums_of(rolled.fillna({"errors": 0.0}), ["service", "bucket_start"])
        got_service = sums.services.set_index(["service", "bucket_start"]).sort_index()[by_service_expected.columns]
        pd.testing.assert_frame_equal(got_service, by_service_expected, check_dtype=False, rtol=1e-9)

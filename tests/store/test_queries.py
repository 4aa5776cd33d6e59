from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from store import connect
from store.queries import Filters, data_origin, filter_options, freshness, inventory, rollup
from store.writes import Batch, ResourceRecord, metrics_frame, write_batch
from tests.conftest import DEMO_END


def _stored_sum(path: Path, period_s: int, lo: datetime, hi: datetime, service: str | None = None) -> float:
    with connect(path, read_only=True) as con:
        return con.execute(
            "SELECT sum(value) FROM metrics JOIN resources USING (resource_id) WHERE metric = 'invocations' "
            "AND period_s = ? AND period_start >= ? AND period_start < ? AND (? IS NULL OR service = ?)",
            [period_s, lo, hi, service, service],
        ).fetchall()[0][0]


@pytest.mark.parametrize("bucket_s", [300, 3600, 86400])
def test_rollup_never_double_counts_mixed_resolutions(demo_db: Path, bucket_s: int) -> None:
    f = Filters(start=date(2026, 11, 15), end=date(2026, 11, 28))
    lo, hi = f.window()
    rolled = rollup(demo_db, f, bucket_s, ["invocations"])
    # per-minute rows only exist for the last 7 days; where both exist exactly one resolution is used
    assert rolled["invocations"].sum() == pytest.approx(_stored_sum(demo_db, 3600, lo, hi))


def test_rollup_prefers_minutes_for_fine_buckets(demo_db: Path) -> None:
    f = Filters(start=date(2026, 11, 26), end=date(2026, 11, 26))
    rolled = rollup(demo_db, f, 300, ["invocations"])
    assert set(rolled["period_s"]) == {60}
    assert len(rolled["bucket_start"].unique()) == 288


def test_filters_narrow_the_rows(demo_db: Path) -> None:
    everything = inventory(demo_db, Filters())
    gcp = inventory(demo_db, Filters(providers=("gcp",)))
    run_eu = inventory(demo_db, Filters(services=("cloud-run",), regions=("europe-west1",)))
    assert len(everything) == 24 and 0 < len(gcp) < len(everything)
    assert set(gcp["provider"]) == {"gcp"}
    assert list(run_eu["name"]) == ["run-bert-ner"]
    assert inventory(demo_db, Filters(providers=("aws",), services=("cloud-run",))).empty


def test_filter_values_are_parameters_not_sql(demo_db: Path) -> None:
    hostile = ("x') OR TRUE; DROP TABLE metrics; --",)
    assert inventory(demo_db, Filters(regions=hostile)).empty
    assert rollup(demo_db, Filters(accounts=hostile), 3600, ["invocations"]).empty
    assert not inventory(demo_db, Filters()).empty


def test_inventory_shows_configuration_in_effect_at_window_end(demo_db: Path) -> None:
    recsys = Filters(services=("lambda",))
    before_change = inventory(demo_db, Filters(end=(DEMO_END - timedelta(days=45)).date(), services=("lambda",)))
    now = inventory(demo_db, recsys)
    pick = lambda df: int(df.loc[df["name"] == "recsys-rank", "memory_mb"].iloc[0])  # noqa: E731
    assert (pick(before_change), pick(now)) == (1024, 2048)


def test_weighted_latency_rollup_uses_request_weights(empty_db: Path) -> None:
    fn = ResourceRecord("lambda", "1", "us-east-1", "w")
    t = datetime(2026, 1, 1)
    rows = [
        (fn.resource_id, "invocations", t, 60, 1.0, "t"),
        (fn.resource_id, "duration_ms_avg", t, 60, 1000.0, "t"),
        (fn.resource_id, "invocations", t + timedelta(minutes=1), 60, 3.0, "t"),
        (fn.resource_id, "duration_ms_avg", t + timedelta(minutes=1), 60, 200.0, "t"),
        (fn.resource_id, "instances_avg", t, 60, 2.0, "t"),
        (fn.resource_id, "instances_avg", t + timedelta(minutes=1), 60, 4.0, "t"),
    ]
    write_batch(empty_db, Batch(resources=[fn], metrics=metrics_frame(rows)))
    out = rollup(empty_db, Filters(), 3600, ["duration_ms_avg", "instances_avg"]).iloc[0]
    assert out["invocations"] == 4
    assert out["duration_ms_avg"] == pytest.approx((1000 + 3 * 200) / 4)
    assert out["instances_avg"] == pytest.approx(3.0)


def test_options_freshness_and_origin(demo_db: Path, empty_db: Path) -> None:
    opts = filter_options(demo_db)
    assert opts["provider"] == ["aws", "gcp"] and opts["last"] == DEMO_END
    fresh = freshness(demo_db, Filters())
    assert len(fresh) == 24 and set(fresh["finest_period_s"]) == {60}
    assert data_origin(demo_db) == {"demo": True, "real": False, "empty": False}
    assert data_origin(empty_db) == {"demo": False, "real": False, "empty": True}


def _write_rows(db: Path, rows: list[tuple[datetime, int, float]]) -> str:
    fn = ResourceRecord("lambda", "1", "us-east-1", "mixed")
    write_batch(
        db,
        Batch(
            resources=[fn],
            metrics=metrics_frame(
                [(fn.resource_id, "invocations", start, period, value, "t") for start, period, value in rows]
            ),
        ),
    )
    return fn.resource_id


def test_a_day_row_and_hours_that_cover_half_of_it_are_counted_once(empty_db: Path) -> None:
    day = datetime(2026, 1, 1)
    hours = [(day + timedelta(hours=h), 3600, 100.0) for h in range(12, 48)]  # Jan 1 12:00 .. Jan 2 23:00
    _write_rows(empty_db, [(day, 86400, 2400.0), *hours])
    daily = rollup(empty_db, Filters(), 86400, ["invocations"]).set_index("bucket_start")["invocations"]
    assert daily.to_dict() == {day: 2400.0, day + timedelta(days=1): 2400.0}  # the day row wins its own day
    hourly = rollup(empty_db, Filters(), 3600, ["invocations"]).set_index("bucket_start")["invocations"]
    assert len(hourly) == 48 and hourly.sum() == pytest.approx(4800.0)
    assert hourly[day] == pytest.approx(100.0)  # the morning, known only from the day row, is spread over it


def test_a_resolution_change_inside_a_bucket_keeps_both_sides(empty_db: Path) -> None:
    t = datetime(2026, 1, 1, 12)
    five = [(t + timedelta(minutes=m), 300, 300.0) for m in (0, 5)]  # 12:00-12:10 at 5-minute periods
    one = [(t + timedelta(minutes=m), 60, 60.0) for m in range(10, 60)]  # then per minute
    _write_rows(empty_db, five + one)
    hourly = rollup(empty_db, Filters(), 3600, ["invocations"])
    assert hourly["invocations"].tolist() == [600.0 + 50 * 60.0]

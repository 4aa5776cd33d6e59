"""The read model against the truth it replaces: ``rollup_sql`` and plain aggregates over ``metrics``.

Random batches of mixed resolutions (aligned and unaligned periods, rows longer than an hour and shorter
than a minute, overlapping rewrites, a source replaced) go through ``write_batch``; after every write the
maintained ``usage_hourly`` must equal what ``store.queries.rollup_sql`` computes from scratch at a one-hour
bucket over every metric, and ``resource_facts`` what ``metrics`` says. Values are compared to 1e-9
relative: DuckDB sums floats in no fixed order, so two correct sums of the same rows may differ in the last
bits; keys, missing values and covered seconds must match exactly.
"""

from __future__ import annotations

import math
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from common.metrics import METRICS
from store import connect, ensure_database
from store.queries import Filters, reads_hours, rollup, rollup_sql
from store.read_model import WEIGHTED, weight_column
from store.schema import apply_migrations
from store.writes import Batch, ResourceRecord, metrics_frame, write_batch

RESOURCES = [ResourceRecord("lambda", "1", "us-east-1", f"fn{i}") for i in range(2)]
BASE = datetime(2026, 1, 1)
# Periods that divide an hour, cross an hour (2400 s: 00:40-01:20), are spread (5400 s is not hour-aligned),
# span days, or are not aligned at all (7 s, 5000 s: the store only aligns periods that divide a day).
PERIODS = [7, 60, 300, 2400, 3600, 5000, 5400, 7200, 86400, 172800]
SOME_METRICS = ["invocations", "cold_starts", "duration_ms_avg", "init_duration_ms_avg", "concurrency_max", "errors"]
SOME_METRICS += ["instances_avg"]
SPAN_S = 3 * 86400


def _start(period: int, slot: int, offset: int) -> datetime:
    if 86400 % period == 0:
        return BASE + timedelta(seconds=(slot * period) % SPAN_S)
    if period > 86400:
        return BASE + timedelta(days=slot % 3)
    return BASE + timedelta(seconds=offset % SPAN_S)


row_strategy = st.tuples(
    st.integers(0, len(RESOURCES) - 1),
    st.sampled_from(SOME_METRICS),
    st.sampled_from(PERIODS),
    st.integers(0, 2000),
    st.integers(0, SPAN_S),
    st.integers(0, 40).map(lambda v: v / 2),
)
write_strategy = st.tuples(
    st.lists(row_strategy, min_size=0, max_size=60),
    st.sampled_from(["a", "b"]),
    st.booleans(),  # replace what this source wrote before
)


def _batch(rows: list[tuple[int, str, int, int, int, float]], source: str, replace: bool) -> Batch:
    keyed: dict[tuple[str, str, int, datetime], float] = {}
    for resource, metric, period, slot, offset, value in rows:
        keyed[(RESOURCES[resource].resource_id, metric, period, _start(period, slot, offset))] = value
    table = metrics_frame([(rid, m, start, p, v, source) for (rid, m, p, start), v in keyed.items()])
    return Batch(resources=list(RESOURCES), metrics=table, replace_source=source if replace else None)


def _truth(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, datetime], dict[str, Any]]:
    sql, params = rollup_sql(Filters(), 3600, list(METRICS))
    rows = con.execute(sql, params).fetchall()
    names = [d[0] for d in con.description]
    return {(r[0], r[1]): dict(zip(names, r, strict=True)) for r in rows}


def _model(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, datetime], dict[str, Any]]:
    rows = con.execute("SELECT * FROM usage_hourly").fetchall()
    names = [d[0] for d in con.description]
    out = {}
    for r in rows:
        row = dict(zip(names, r, strict=True))
        key = (row["resource_id"], row["hour"])
        assert key not in out, f"two rows for {key}"
        out[key] = row
    return out


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)


def assert_read_model_is_true(path: Path) -> None:
    with connect(path, read_only=True) as con:
        truth, model = _truth(con), _model(con)
        assert set(model) == set(truth)
        for key, want in truth.items():
            got = model[key]
            assert int(got["covered_s"]) == int(want["covered_s"]) and got["period_s"] == want["period_s"], key
            for name in METRICS:
                assert _same(got[name], want[name]), (key, name, got[name], want[name])
            for name in WEIGHTED:
                assert (got[weight_column(name)] is None) == (got[name] is None), (key, name)
        facts = con.execute("SELECT * FROM resource_facts ORDER BY resource_id").fetchall()
        counted = con.execute(
            """
            SELECT resource_id, min(period_start), max(period_start + to_seconds(period_s)), min(period_s),
                   max(period_s), list_sort(list(DISTINCT source))
            FROM metrics GROUP BY 1 ORDER BY 1
            """
        ).fetchall()
        assert facts == counted


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(write_strategy, min_size=1, max_size=3))
@example(  # two 2-day rows a day apart overlap: their pieces of one hour are one slot
    [
        (
            [
                (0, "invocations", 7, 0, 0, 0.0),
                (0, "invocations", 172800, 0, 0, 1.0),
                (0, "invocations", 172800, 1, 0, 2.0),
            ],
            "a",
            False,
        )
    ]
)
def test_maintained_hours_equal_the_rollup_computed_from_scratch(writes: list) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "t.duckdb"
        ensure_database(path)
        for rows, source, replace in writes:
            write_batch(path, _batch(rows, source, replace))
            assert_read_model_is_true(path)


def test_rewriting_the_same_window_changes_nothing(demo_db: Path) -> None:
    def hours() -> list[tuple]:
        with connect(demo_db, read_only=True) as con:
            return con.execute("SELECT * FROM usage_hourly ORDER BY resource_id, hour").fetchall()

    before = hours()
    with connect(demo_db, read_only=True) as con:
        rows = con.sql(
            "SELECT * FROM metrics WHERE period_start >= TIMESTAMP '2026-11-26' AND period_start < TIMESTAMP "
            "'2026-11-27 06:00'"
        ).to_arrow_table()
        ids = [r[0] for r in con.execute("SELECT DISTINCT resource_id FROM metrics").fetchall()]
    assert rows.num_rows > 10_000 and len(ids) == 24
    summary = write_batch(demo_db, Batch(metrics=rows))
    assert (summary.inserted, summary.updated) == (0, 0)
    assert hours() == before


def test_the_demo_estate_is_resolved_and_removed_with_it(demo_db: Path) -> None:
    from demo import remove_demo

    assert_read_model_is_true(demo_db)
    remove_demo(demo_db)
    with connect(demo_db, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM usage_hourly").fetchall()[0][0] == 0
        assert con.execute("SELECT count(*) FROM resource_facts").fetchall()[0][0] == 0


def test_the_migration_builds_the_read_model_of_an_older_database(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    apply_migrations(con, target=4)
    fn = RESOURCES[0]
    con.execute(
        "INSERT INTO resources VALUES (?, 'aws', 'lambda', 'faas', '1', 'us-east-1', 'fn0', NULL, NULL)",
        [fn.resource_id],
    )
    rows = [(fn.resource_id, "invocations", BASE + timedelta(minutes=m), 60, 1.0, "old") for m in range(90)]
    rows += [(fn.resource_id, "invocations", BASE, 86400, 2400.0, "old")]
    con.executemany("INSERT INTO metrics VALUES (?, ?, ?, ?, ?, ?)", rows)
    con.close()
    ensure_database(path)  # migrates
    assert_read_model_is_true(path)
    with connect(path, read_only=True) as con:
        hours = con.execute("SELECT count(*), sum(invocations) FROM usage_hourly").fetchall()[0]
    assert hours == (24, 60 + 30 + 22 * 100)  # two hours per minute, the other 22 from the spread day


@pytest.mark.parametrize("bucket_s", [3600, 86400])
@pytest.mark.parametrize(
    "f",
    [
        Filters(start=date(2026, 11, 10), end=date(2026, 11, 28)),
        Filters(services=("lambda", "sagemaker-endpoint"), start=date(2026, 9, 1)),
    ],
)
def test_pages_read_the_numbers_rollup_sql_computes(demo_db: Path, f: Filters, bucket_s: int) -> None:
    assert reads_hours(f, bucket_s)
    metrics = list(METRICS)
    got = rollup(demo_db, f, bucket_s, metrics)
    with connect(demo_db, read_only=True) as con:
        sql, params = rollup_sql(f, bucket_s, metrics)
        want = con.execute(sql, params).df()
    assert len(got) == len(want) > 100
    assert got["resource_id"].tolist() == want["resource_id"].tolist()
    assert got["bucket_start"].tolist() == want["bucket_start"].tolist()
    for name in ["covered_s", "period_s", *metrics]:
        a, b = got[name].astype(float), want[name].astype(float)
        assert (a.isna() == b.isna()).all(), name
        assert all(_same(x, y) for x, y in zip(a[a.notna()], b[b.notna()], strict=True)), name
    assert set(got["service"]) == set(f.services or got["service"])


def test_short_windows_and_mid_hour_starts_read_the_metrics(demo_db: Path) -> None:
    assert not reads_hours(Filters(start=date(2026, 11, 27), end=date(2026, 11, 28)), 300)
    five = rollup(demo_db, Filters(start=date(2026, 11, 27), end=date(2026, 11, 27)), 300, ["invocations"])
    assert set(five["period_s"]) == {60} and len(five["bucket_start"].unique()) == 288

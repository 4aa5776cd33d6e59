"""``usage_panels``' hourly grid, read from the read model, against the old path computed from ``metrics``.

The old path is ``rollup_sql`` at a one-hour bucket over rows coarser than a minute (the per-minute rows are
the minute panel's), every catalog metric, on the panels' hour-aligned window. Random batches of mixed
resolutions (the read model's own test generator: minutes, sub-minute rows, periods crossing an hour,
spread days, unaligned periods, rewrites) go through ``write_batch``; the grid must equal the old path
cell by cell, to 1e-9 relative (DuckDB sums floats in no fixed order).
"""

from __future__ import annotations

import math
import tempfile
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from common.metrics import METRICS
from common.timeutil import EPOCH
from store import connect, ensure_database
from store.panels import HOURLY_METRICS, STORED_S
from store.queries import Filters, rollup_sql, usage_panels
from store.writes import write_batch
from tests.store.test_read_model import BASE, _batch, write_strategy


def _old_grid(path: Path, f: Filters) -> tuple[list[str], int, int, dict[str, np.ndarray]]:
    panels = usage_panels(path, f)
    ids = [r["resource_id"] for r in panels.resources]
    lo = EPOCH + timedelta(seconds=panels.hour_start_s)
    hi = lo + timedelta(hours=panels.hours)
    grid = {name: np.full((len(ids), panels.hours), np.nan) for name in (*HOURLY_METRICS, STORED_S)}
    if panels.hours:
        old = replace(f, start=None, end=None, since=lo, until=hi)
        sql, values = rollup_sql(old, 3600, list(METRICS), coarser_than_s=60)
        with connect(path, read_only=True) as con:
            frame = con.execute(sql, values).df()
        for _, row in frame.iterrows():
            r, c = ids.index(row["resource_id"]), int((row["bucket_start"] - lo).total_seconds() // 3600)
            for name in grid:
                grid[name][r, c] = np.nan if row[name] is None else float(row[name])
    return ids, panels.hour_start_s, panels.hours, grid


def assert_grid_is_the_old_path(path: Path, f: Filters) -> None:
    panels = usage_panels(path, f)
    ids, start, hours, want = _old_grid(path, f)
    assert [r["resource_id"] for r in panels.resources] == ids
    assert (panels.hour_start_s, panels.hours) == (start, hours)
    for name, expected in want.items():
        got = panels.hourly[name]
        assert got.shape == expected.shape, name
        assert (np.isnan(got) == np.isnan(expected)).all(), (name, np.argwhere(np.isnan(got) != np.isnan(expected)))
        both = ~np.isnan(expected)
        for a, b in zip(got[both], expected[both], strict=True):
            assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9), (name, a, b)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(write_strategy, min_size=1, max_size=2), st.integers(0, 60))
@example(  # minutes inside a 40-minute row that starts in the hour before: the old path reads it from there
    [([(0, "invocations", 2400, 1, 0, 3.0), (0, "invocations", 60, 45, 0, 1.0)], "a", False)], 1
)
@example(  # minutes beside a spread day: the day's piece is the hour in the grid, the minutes' elsewhere
    [([(0, "invocations", 86400, 0, 0, 48.0), (0, "invocations", 60, 70, 0, 1.0)], "a", False)], 0
)
def test_the_grid_equals_the_old_path_on_mixed_resolutions(writes: list, cut_hours: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "t.duckdb"
        ensure_database(path)
        for rows, source, replace in writes:
            write_batch(path, _batch(rows, source, replace))
        assert_grid_is_the_old_path(path, Filters())
        # a window from a later hour (periods crossing its first hour start before it)
        assert_grid_is_the_old_path(path, Filters(since=BASE + timedelta(hours=cut_hours)))


def test_the_demo_grid_is_the_old_path(demo_db: Path) -> None:
    assert_grid_is_the_old_path(demo_db, Filters(since=datetime(2026, 11, 20), services=("lambda", "cloud-run")))

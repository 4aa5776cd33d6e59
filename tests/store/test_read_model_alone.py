"""The read model refreshed from a batch's own slots, against the truth computed from scratch.

When no stored row lies in the hours a batch touches or the hour before (``read_model.alone_in_its_hours``),
``write_batch`` inserts the rows plainly and resolves the hours from the slots ``check_batch`` pivoted,
without reading ``metrics`` back. Random mixed-resolution batches shifted by whole days (so that some lie
apart from what is stored, some touch it at an edge, some overlap it) must leave ``usage_hourly`` equal to
``rollup_sql`` from scratch, whichever path each write took; and the fast path must be the one taken for a
batch that lies apart, or this test would prove nothing about it.
"""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from store import ensure_database, read_model
from store.writes import Batch, metrics_frame, write_batch
from tests.store.test_read_model import RESOURCES, _batch, assert_read_model_is_true, write_strategy


def _shifted(batch: Batch, days: int) -> Batch:
    """The batch's rows ``days`` later (whole days keep every period aligned)."""
    rows = batch.metrics.to_pylist() if batch.metrics is not None else []
    shifted = [
        (
            r["resource_id"],
            r["metric"],
            r["period_start"] + timedelta(days=days),
            r["period_s"],
            r["value"],
            r["source"],
        )
        for r in rows
    ]
    return Batch(resources=batch.resources, metrics=metrics_frame(shifted), replace_source=batch.replace_source)


@pytest.fixture
def slot_refreshes(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each refresh of the hours read the batch's slots (True) or ``metrics`` (False)."""
    seen: list[bool] = []
    original = read_model.refresh_hours

    def spy(
        con: duckdb.DuckDBPyConnection, scope: str, slots: str | None = None, present: list[str] | None = None
    ) -> None:
        seen.append(slots is not None)
        return original(con, scope, slots, present)

    monkeypatch.setattr(read_model, "refresh_hours", spy)
    return seen


SLOW_OK = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]  # the spy only records here


@settings(max_examples=4, deadline=None, suppress_health_check=SLOW_OK)
@given(st.lists(st.tuples(write_strategy, st.integers(0, 8)), min_size=2, max_size=3))
def test_batches_apart_or_touching_keep_the_read_model_true(slot_refreshes: list[bool], writes: list) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "t.duckdb"
        ensure_database(path)
        for (rows, source, replace), days in writes:
            write_batch(path, _shifted(_batch(rows, source, replace), days))
            assert_read_model_is_true(path)


def test_a_batch_apart_from_what_is_stored_is_resolved_from_its_slots(slot_refreshes: list[bool]) -> None:
    day = [(0, "invocations", 60, m, 0, 1.0) for m in range(90)] + [(1, "invocations", 86400, 0, 0, 5.0)]
    day += [(0, "duration_ms_avg", 60, m, 0, 2.0) for m in range(90)] + [(0, "invocations", 3600, 0, 0, 50.0)]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "t.duckdb"
        ensure_database(path)
        for days, replace in ((0, False), (10, False), (10, False), (11, False), (20, True)):
            write_batch(path, _shifted(_batch(day, "a", replace), days))
            assert_read_model_is_true(path)
    # new; ten days on (apart); the same again (stored there now); the next day (its first hour follows the
    # stored 1-day row's end, and the hour before holds it); a source replaced (its rows deleted first)
    assert slot_refreshes == [True, True, False, False, False]
    assert len(RESOURCES) == 2

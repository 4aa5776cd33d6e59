"""Metric rows staged in a scratch DuckDB file (``store.staged``): the store checks them as it checks an Arrow
table, and the write attaches them.

The same rows handed in as Arrow and as a scratch file must be refused with the same line, or written to the
same stored rows and a read model equal to ``rollup_sql`` from scratch; a scratch file changed after its check
must be refused with nothing written; the folder must go when nothing refers to it.
"""

from __future__ import annotations

import gc
import math
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from store import ensure_database
from store.checks import DuplicateKeyError, check_batch
from store.errors import BatchError
from store.staged import CheckedRows, ScratchFolder, StagedRows, scratch_connection
from store.writes import Batch, metrics_frame, write_batch
from tests.store.test_read_model import RESOURCES, _batch, assert_read_model_is_true, write_strategy

T0 = datetime(2026, 1, 1)
RID = RESOURCES[0].resource_id


def staged(table: pa.Table) -> StagedRows:
    """The rows of ``table`` (the batch's columns, one source) in a scratch file, as an importer stages them."""
    sources = set(table["source"].to_pylist())
    assert len(sources) <= 1
    folder = ScratchFolder()
    path = folder.path / "rows.duckdb"
    con = scratch_connection(path)
    try:
        rows = table.drop_columns(["source"])  # noqa: F841 - read by DuckDB's replacement scan below
        con.execute("CREATE TABLE rows AS SELECT * FROM rows")
    finally:
        con.close()
    return StagedRows(folder, path, "rows", table.num_rows, next(iter(sources), "x"))


def _stored(path: Path) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("SELECT * FROM metrics ORDER BY ALL").fetchall()


def _rows(*rows: tuple[str, datetime, int, float]) -> pa.Table:
    return metrics_frame([(RID, metric, start, period, value, "upload:1") for metric, start, period, value in rows])


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(write_strategy, min_size=1, max_size=2))
def test_staged_writes_store_what_arrow_writes_and_keep_the_read_model_true(writes: list) -> None:
    with tempfile.TemporaryDirectory() as folder:
        by_arrow, by_file = Path(folder) / "a.duckdb", Path(folder) / "f.duckdb"
        ensure_database(by_arrow)
        ensure_database(by_file)
        for rows, source, replace in writes:
            batch = _batch(rows, source, replace)
            write_batch(by_arrow, batch)
            as_file = staged(batch.metrics) if batch.metrics.num_rows else None
            write_batch(by_file, Batch(batch.resources, metrics=as_file, replace_source=batch.replace_source))
            assert_read_model_is_true(by_file)
            assert _stored(by_file) == _stored(by_arrow)


BAD = [
    (("invocations", T0, 60, -1.0), "invalid value -1.0"),
    (("invocations", T0, 60, math.nan), "invalid value nan"),
    (("invocations", T0 + timedelta(seconds=30), 60, 1.0), "is not on a multiple of its 60-s period"),
    (("invocations", datetime(2001, 1, 1), 60, 1.0), "invocations of lambda:1:us-east-1:fn0"),
    (("no_such_metric", T0, 60, 1.0), "unknown metric 'no_such_metric'"),
    (("invocations", T0, 0, 1.0), "invalid value 1.0"),
]


@pytest.mark.parametrize(("bad", "says"), BAD)
def test_a_bad_row_is_refused_in_the_same_line_as_from_arrow(bad: tuple, says: str) -> None:
    table = _rows(("invocations", T0 + timedelta(minutes=1), 60, 2.0), bad)
    with pytest.raises(BatchError) as from_arrow:
        check_batch(Batch(list(RESOURCES), metrics=table))
    with pytest.raises(BatchError) as from_file:
        check_batch(Batch(list(RESOURCES), metrics=staged(table)))
    assert str(from_file.value) == str(from_arrow.value)
    assert says in str(from_file.value)


def test_exact_repeats_are_dropped_and_two_values_for_one_key_refused() -> None:
    twice = _rows(("invocations", T0, 60, 2.0), ("invocations", T0, 60, 2.0), ("errors", T0, 60, 1.0))
    checked = check_batch(Batch(list(RESOURCES), metrics=staged(twice)))
    assert isinstance(checked.metrics, CheckedRows) and checked.metric_rows == 2
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "t.duckdb"
        assert write_batch(path, checked).inserted == 2
        assert_read_model_is_true(path)
    clash = _rows(("invocations", T0, 60, 2.0), ("invocations", T0, 60, 3.0))
    with pytest.raises(DuplicateKeyError, match="2 different values for invocations"):
        check_batch(Batch(list(RESOURCES), metrics=staged(clash)))


def test_rows_without_a_source_are_refused() -> None:
    rows = staged(_rows(("invocations", T0, 60, 2.0)))
    with pytest.raises(BatchError, match="no source"):
        check_batch(Batch(list(RESOURCES), metrics=StagedRows(rows.folder, rows.path, rows.relation, 1)))


def test_a_scratch_file_changed_after_its_check_is_refused_and_nothing_written() -> None:
    rows = staged(_rows(("invocations", T0, 60, 2.0)))
    checked = check_batch(Batch(list(RESOURCES), metrics=rows))
    con = duckdb.connect(str(rows.path))
    con.execute("UPDATE rows SET value = -5")  # what the check passed is no longer what the file holds
    con.close()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "t.duckdb"
        ensure_database(path)
        with pytest.raises(BatchError, match="changed after the store checked them"):
            write_batch(path, checked)
        assert _stored(path) == []


def test_the_scratch_folder_goes_with_the_last_reference() -> None:
    rows = staged(_rows(("invocations", T0, 60, 2.0)))
    checked = check_batch(Batch(list(RESOURCES), metrics=rows))
    folder = rows.path.parent
    del rows
    gc.collect()
    assert folder.exists()  # the checked batch still refers to it
    del checked
    gc.collect()
    assert not folder.exists()

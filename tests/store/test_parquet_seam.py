"""Beyond one machine (docs/performance.md): the read model is a query over plain tables, so the pages' rollup
runs unchanged over Parquet files of the same columns (what collectors per account could write to object
storage), read by DuckDB with no database file at all."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from store import connect
from store.hours import read_hours

LO, HI = datetime(2026, 11, 1), datetime(2026, 11, 29)


def test_the_rollup_reads_parquet_files_as_it_reads_the_database(demo_db: Path, tmp_path: Path) -> None:
    with connect(demo_db, read_only=True) as con:
        for table in ("resources", "usage_hourly"):
            con.execute(f"COPY {table} TO '{tmp_path / table}.parquet' (FORMAT parquet)")
        where, params = "list_contains($f_service::VARCHAR[], r.service)", {"f_service": ["lambda", "cloud-run"]}
        want = read_hours(con, where, params, LO, HI, 86400, ["duration_ms_avg", "instances_avg"])
    lake = duckdb.connect()  # no file: views over the Parquet files stand in for the tables
    for table in ("resources", "usage_hourly"):
        lake.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{tmp_path / table}.parquet')")
    got = read_hours(lake, where, params, LO, HI, 86400, ["duration_ms_avg", "instances_avg"])
    assert len(want) > 100 and set(want["service"]) == {"lambda", "cloud-run"}
    pd.testing.assert_frame_equal(got, want)

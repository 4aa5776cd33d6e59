"""The hourly grid of ``store.panels`` from the read model, with the few cells it cannot give read the old way.

The grid is "every canonical metric per resource-hour, rolled up from rows coarser than a minute" (the
per-minute rows are the minute panel's: an hour that only minutes cover is empty in the grid). The read
model (``usage_hourly``) resolved every resolution once at write time, minutes included, so for most cells
it already is that grid: a cell differs only where rows of a minute or less took part in the resolution.
Those rows shape only the hour they lie in (they shadow finer rows and the spread pieces of longer rows in
their own hour, nothing else), and an hour holding a stored hourly row is that row alone either way (it
hides everything else in the hour and nothing hides it). So the cells read from ``metrics`` by
``rollup_sql`` (the old path, ``coarser_than_s=60``) are only those of resources holding rows of a minute or
less, inside the span of those rows, in hours without a stored hourly row: none for a collector that stores
hourly history beside its recent minutes (the demo, CloudWatch), a few hours for a per-minute upload.

One read of ``usage_hourly`` for the filtered set, positions joined from the id list (a hash join, not a
list lookup per row), streamed in record batches into the numpy grid.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import duckdb
import numpy as np

from store.read_model import HOUR_S

BATCH_ROWS = 1 << 20  # rows per record batch streamed from DuckDB

if TYPE_CHECKING:
    import pandas as pd

# fallback(con, resource ids, lo, hi): the old path's frame (resource_id, bucket_start, metrics, covered_s)
Fallback = Callable[[duckdb.DuckDBPyConnection, list[str], datetime, datetime], "pd.DataFrame"]


def read_grid(
    con: duckdb.DuckDBPyConnection,
    ids: list[str],
    hour_lo: datetime,
    hours: int,
    names: tuple[str, ...],
    fine_spans: dict[int, tuple[int, int]],
    fallback: Fallback,
) -> dict[str, np.ndarray]:
    """(resource × hour) arrays of ``names`` (metrics and ``covered_s``) from ``hour_lo`` for ``hours`` hours.

    ``fine_spans[row]`` is the [first, end) epoch span of the row's stored periods of a minute or less inside
    the window (rows without any are absent): only there can the read model differ from the grid.
    """
    n = len(ids)
    grid = {name: np.full((n, hours), np.nan) for name in names}
    hour_start = int((hour_lo - datetime(1970, 1, 1)).total_seconds())
    if not n or not hours:
        return grid
    data = con.sql(
        f"""
        WITH chosen AS (
            SELECT unnest($ids::VARCHAR[]) AS resource_id, generate_subscripts($ids::VARCHAR[], 1) - 1 AS row
        )
        SELECT c.row::INTEGER AS row, ((epoch(h.hour)::BIGINT - $start) // {HOUR_S})::INTEGER AS col, h.period_s,
               {", ".join(f"h.{name}::DOUBLE AS {name}" for name in names)}
        FROM usage_hourly h JOIN chosen c USING (resource_id)
        WHERE h.hour >= $lo AND h.hour < $hi
        """,  # noqa: S608 - column names come from the catalog
        params={"ids": ids, "start": hour_start, "lo": hour_lo, "hi": hour_lo + timedelta(seconds=hours * HOUR_S)},
    ).to_arrow_reader(BATCH_ROWS)
    period = np.zeros((n, hours), dtype=np.int32)
    for batch in data:  # streamed: the rows never sit whole in memory beside the grid
        rows, cols = batch.column("row").to_numpy(), batch.column("col").to_numpy()
        for name in names:  # a NULL arrives as NaN
            grid[name][rows, cols] = batch.column(name).to_numpy(zero_copy_only=False)
        period[rows, cols] = batch.column("period_s").to_numpy()
    _patch_fine_hours(con, ids, grid, period, hour_lo, hour_start, fine_spans, fallback)
    return grid


def _patch_fine_hours(
    con: duckdb.DuckDBPyConnection,
    ids: list[str],
    grid: dict[str, np.ndarray],
    period: np.ndarray,
    hour_lo: datetime,
    hour_start: int,
    fine_spans: dict[int, tuple[int, int]],
    fallback: Fallback,
) -> None:
    """Overwrite the cells rows of a minute or less may have shaped with the old path's values (module doc)."""
    hours = period.shape[1]
    mask = np.zeros(period.shape, dtype=bool)
    for row, (first, end) in fine_spans.items():
        c0 = max(0, (int(first) - hour_start) // HOUR_S)
        c1 = min(hours, -(-(int(end) - hour_start) // HOUR_S))
        mask[row, c0:c1] = True
    mask &= period != HOUR_S  # a stored hourly row is the hour alone, with or without the minutes
    if not mask.any():
        return
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    lo = hour_lo + timedelta(seconds=int(cols[0]) * HOUR_S)
    hi = hour_lo + timedelta(seconds=(int(cols[-1]) + 1) * HOUR_S)
    # from an hour earlier: a stored period that shadows a finer one in the first hour may start before it
    frame = fallback(con, [ids[r] for r in rows], lo - timedelta(seconds=HOUR_S), hi)
    for values in grid.values():
        values[mask] = np.nan
    if not len(frame):
        return
    index = {ids[r]: r for r in rows}
    r = frame["resource_id"].map(index).to_numpy(dtype=float, na_value=-1).astype(np.int64)
    starts = frame["bucket_start"].to_numpy().astype("datetime64[s]").astype(np.int64)
    c = (starts - hour_start) // HOUR_S
    inside = (r >= 0) & (c >= 0) & (c < hours)
    r, c = r[inside], c[inside]
    take = mask[r, c]
    for name, values in grid.items():
        values[r[take], c[take]] = frame[name].to_numpy(dtype=float)[inside][take]

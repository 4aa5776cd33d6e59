"""Reads over the read model (``usage_hourly``): per-resource buckets of whole hours, as the pages want them.

The aggregate itself is cheap (one scan of a row per resource-hour); at 5,000 resources what cost most was
handing 150,000 rows of resource-id and name strings from DuckDB to pandas. So the query returns a small
integer per row (the resource's position among the selected resources, in id order) and the identity
columns are taken from the few thousand resource rows by that position, in Arrow, without a string per row
crossing from DuckDB. The SQL is plain (a scan, a join, a group by) over plain columns, so it runs the same
over Parquet files of the read model (docs/performance.md, "Beyond one machine").
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import duckdb

from common.metrics import METRICS
from common.timeutil import align_down
from store.read_model import HOUR_S, weight_column

if TYPE_CHECKING:
    import pandas as pd

IDENTITY = ("resource_id", "provider", "service", "pattern", "account", "region", "name")


def reads_hours(lo: datetime, bucket_s: int) -> bool:
    """Whether a rollup of this window and bucket can read the read model: buckets of whole hours over a window
    starting on the hour. Finer buckets (windows of two days or less) and mid-hour starts read ``metrics``."""
    return bucket_s % HOUR_S == 0 and lo == align_down(lo, HOUR_S)


def metric_list(metrics: list[str]) -> list[str]:
    """The metrics a rollup returns: the ones asked for, after the two every page needs."""
    needed = list(dict.fromkeys(["invocations", "cold_starts", *metrics]))
    unknown = [m for m in needed if m not in METRICS]
    if unknown:
        raise ValueError(f"unknown metric(s) {unknown}")
    return needed


def _aggregates(needed: list[str], bucket_s: int) -> str:
    if bucket_s == HOUR_S:
        return ", ".join(["h.covered_s", "h.period_s", *(f"h.{m}" for m in needed)])
    parts = ["sum(h.covered_s) AS covered_s", "max(h.period_s) AS period_s"]
    for name in needed:
        rule = METRICS[name].rollup
        if rule in ("sum", "max"):
            parts.append(f"{rule}(h.{name}) AS {name}")
        else:  # a mean: weighted by what each hour's mean was taken over, so a day is the mean of its rows
            w = weight_column(name)
            parts.append(f"sum(h.{name} * h.{w}) / nullif(sum(h.{w}), 0) AS {name}")
    return ", ".join(parts)


def buckets_sql(where: str, bucket_s: int, metrics: list[str]) -> str:
    """SQL for per-resource, per-bucket metrics from the read model (parameters ``$lo``, ``$hi``, ``$bucket``
    for buckets longer than an hour, and the filter's), one row per resource and bucket with its
    ``resource_id``: ``hours_sql`` hands them to pandas, ``store.traffic`` aggregates them further in SQL.

    Hours combine by each metric's rule. Within an hour the read model resolved the resolutions
    (``store.read_model``); a day holding an upload's daily row next to collected hours therefore counts the
    hours where they exist and the spread day elsewhere, where ``rollup_sql`` at a daily bucket lets the day
    row hide them: both count every instant once.
    """
    needed = metric_list(metrics)
    bucket = "h.hour" if bucket_s == HOUR_S else "time_bucket(to_seconds($bucket), h.hour)"
    group = "" if bucket_s == HOUR_S else "GROUP BY h.resource_id, bucket_start"
    # with no filter every row is selected; probing every hour row against the selection costs more than the
    # aggregate it would save
    # ``where`` is resource_where's: column names and $parameters, never a user's value
    chosen = "" if where == "TRUE" else f"AND h.resource_id IN (SELECT resource_id FROM resources r WHERE {where})"  # noqa: S608
    return f"""
            SELECT h.resource_id, {bucket} AS bucket_start, {_aggregates(needed, bucket_s)}
            FROM usage_hourly h
            WHERE h.hour >= $lo AND h.hour < $hi {chosen}
            {group}
    """  # noqa: S608 - metric names come from the catalog, every user value is a parameter


def hours_sql(where: str, bucket_s: int, metrics: list[str]) -> str:
    """``buckets_sql`` with ``code`` in place of the resource id: the resource's position among those ``where``
    selects, in id order."""
    return f"""
        WITH chosen AS (
            SELECT resource_id, (row_number() OVER (ORDER BY resource_id) - 1)::INTEGER AS code
            FROM resources r WHERE {where}
        ),
        buckets AS ({buckets_sql(where, bucket_s, metrics)})
        SELECT c.code, b.* EXCLUDE (resource_id) FROM buckets b JOIN chosen c USING (resource_id)
        ORDER BY c.code, b.bucket_start
    """  # noqa: S608 - metric names come from the catalog, every user value is a parameter


def read_hours(
    con: duckdb.DuckDBPyConnection,
    where: str,
    params: dict[str, Any],
    lo: datetime,
    hi: datetime,
    bucket_s: int,
    metrics: list[str],
) -> pd.DataFrame:
    """The rollup frame (``store.queries.rollup``'s columns) from the read model, in one read."""
    import numpy as np
    import pyarrow as pa

    resources = con.sql(
        f"SELECT {', '.join(IDENTITY)} FROM resources r WHERE {where} ORDER BY resource_id",  # noqa: S608
        params=params,
    ).to_arrow_table()
    values = {"lo": lo, "hi": hi, **params}
    if bucket_s != HOUR_S:
        values["bucket"] = bucket_s
    data = con.execute(hours_sql(where, bucket_s, metrics), values).fetchnumpy()
    codes = pa.array(np.asarray(data.pop("code"), dtype=np.int32))
    columns: dict[str, Any] = {"resource_id": resources["resource_id"].take(codes)}
    for name, array in data.items():
        masked = isinstance(array, np.ma.MaskedArray)
        columns[name] = pa.array(array.data, mask=np.ma.getmaskarray(array)) if masked else pa.array(array)
    for name in IDENTITY[1:]:
        columns[name] = resources[name].take(codes)
    frame = pa.table(columns).to_pandas()
    frame["covered_s"] = frame["covered_s"].astype(float)
    return frame

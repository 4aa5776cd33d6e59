"""The Overview's plain reads in one open: the inventory, the freshness table, the traffic's sums and the last
runs. Each read of its own opened the file (about 25 ms of CPU an open, the gate and DuckDB's start-up, at any
estate size); read together they open it once, which is still the rule (open, query, close), and what they
read is the same as each read apart (``store.queries.inventory``, ``freshness``, ``recent_runs``,
``store.traffic.traffic_sums``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from store import queries as q
from store.db import run_read
from store.traffic import TrafficSums, traffic_in

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class OverviewReads:
    inventory: pd.DataFrame
    freshness: pd.DataFrame
    bucket_s: int  # the traffic's bucket, chosen from the window and the finest data stored for it
    traffic: TrafficSums
    runs: pd.DataFrame


def overview_reads(
    path: Path, f: q.Filters, choose_bucket: Callable[[datetime, datetime, int | None], int], runs: int = 5
) -> OverviewReads:
    """What the Overview reads, in one open. ``choose_bucket(lo, hi, finest_period_s)`` is the chart's rule for
    its resolution (``charts.overview.choose_bucket_s``); the traffic runs to the end of the data, so its last
    bucket's rate is over the time it has been filling."""

    def read(con: duckdb.DuckDBPyConnection) -> OverviewReads:
        inventory = q.inventory_in(con, f)
        freshness = q.freshness_in(con, f)
        lo, hi = f.window()
        finest = int(freshness["finest_period_s"].min()) if not freshness.empty else None
        bucket_s = choose_bucket(lo, hi, finest)
        data_until = freshness["data_until"].max() if not freshness.empty else None
        until = min(hi, data_until) if data_until is not None else hi
        traffic = traffic_in(con, f, bucket_s, until)
        return OverviewReads(inventory, freshness, bucket_s, traffic, q.recent_runs_in(con, runs))

    return run_read(path, read)

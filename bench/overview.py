"""Benchmark: the Overview's data path against the best single SQL for the same numbers, in the same run.

Ours is what ``views/overview.py`` calls for the default view (the 30 days ending at the newest data, no
filter), uncached: the inventory, the freshness table, the traffic's sums at the page's bucket
(``store.traffic``) and their shaping into per-service series and per-resource rows (``charts.overview``).
Two floors are measured on the same file: one hand-written query over the read model for the per-resource,
per-day numbers the page shows (the best we know), and the same numbers from ``metrics`` as a hand-written
query would take them, from the hourly rows alone (no resolution shadowing: the figure issue 11 measured
against). Each is run ``repeats`` times after one warm-up; the median is printed. Figures are printed, not
asserted.

Usage: ``python bench/overview.py [--sizes 24 500 2000 5000] [--repeats 5]`` (estates from bench/estate.py).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.estate import DEFAULT_DIR, build_estate, estate_rows
from charts import overview as charts
from store import queries as q
from store.db import run_read
from store.traffic import traffic_sums

PAGE_METRICS = ["invocations", "errors", "throttles", "cold_starts", "duration_ms_p50", "duration_ms_p99"]


def default_filters(path: Path) -> q.Filters:
    """The page's default: the 30 days ending at the newest data."""
    last = (q.filter_options(path)["last"] - timedelta(microseconds=1)).date()
    return q.Filters(start=last - timedelta(days=29), end=last)


def ours(path: Path, f: q.Filters) -> Any:
    """The Overview's reads and shaping, as the page runs them."""
    inventory = q.inventory(path, f)
    freshness = q.freshness(path, f)
    lo, hi = f.window()
    bucket_s = charts.choose_bucket_s(lo, hi, int(freshness["finest_period_s"].min()))
    traffic = traffic_sums(path, f, bucket_s, min(hi, freshness["data_until"].max()))
    by_service = charts.by_service(traffic)
    per_resource = charts.per_resource_summary(traffic)
    table = inventory.merge(per_resource, on="resource_id", how="left")
    return by_service, table


def _weighted(name: str) -> str:
    return f"sum(h.{name} * h.{name}_weight) / nullif(sum(h.{name}_weight), 0) AS {name}"


def floor_read_model(path: Path, f: q.Filters) -> Any:
    """One query over the read model: per resource and day, the page's numbers with the service."""
    lo, hi = f.window()
    sql = f"""
        SELECT h.resource_id, r.service, time_bucket(INTERVAL 1 DAY, h.hour) AS day,
               sum(h.invocations) AS invocations, sum(h.errors) AS errors, sum(h.throttles) AS throttles,
               sum(h.cold_starts) AS cold_starts, {_weighted("duration_ms_p50")}, {_weighted("duration_ms_p99")}
        FROM usage_hourly h JOIN resources r USING (resource_id)
        WHERE h.hour >= $lo AND h.hour < $hi
        GROUP BY ALL
    """
    return run_read(path, lambda con: con.execute(sql, {"lo": lo, "hi": hi}).df())


def _by_requests(name: str) -> str:
    return f"sum({name} * invocations) / nullif(sum(invocations) FILTER (WHERE {name} IS NOT NULL), 0) AS {name}"


def floor_metrics(path: Path, f: q.Filters) -> Any:
    """The same numbers from ``metrics``, hourly rows only: one pivot and aggregate."""
    lo, hi = f.window()
    pick = ", ".join(f"max(value) FILTER (WHERE metric = '{m}') AS {m}" for m in PAGE_METRICS)
    sql = f"""
        WITH slots AS (
            SELECT resource_id, period_start, {pick} FROM metrics
            WHERE period_s = 3600 AND period_start >= $lo AND period_start < $hi GROUP BY ALL
        )
        SELECT s.resource_id, r.service, time_bucket(INTERVAL 1 DAY, s.period_start) AS day,
               sum(invocations) AS invocations, sum(errors) AS errors, sum(throttles) AS throttles,
               sum(cold_starts) AS cold_starts,
               {_by_requests("duration_ms_p50")}, {_by_requests("duration_ms_p99")}
        FROM slots s JOIN resources r USING (resource_id)
        GROUP BY ALL
    """
    return run_read(path, lambda con: con.execute(sql, {"lo": lo, "hi": hi}).df())


def median_s(fn: Callable[[], Any], repeats: int) -> float:
    fn()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[24, 500, 2000, 5000])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    args = parser.parse_args()
    print(
        f"{'resources':>9} {'metric rows':>12} {'ours s':>8} {'floor s':>8} {'ratio':>6} "
        f"{'metrics floor s':>16} {'ours/metrics floor':>19}"
    )
    for n in args.sizes:
        path, _ = build_estate(n, args.dir)
        f = default_filters(path)
        _, rows, _ = estate_rows(path)
        mine = median_s(lambda: ours(path, f), args.repeats)  # noqa: B023 - called at once
        best = median_s(lambda: floor_read_model(path, f), args.repeats)  # noqa: B023
        raw = median_s(lambda: floor_metrics(path, f), args.repeats)  # noqa: B023
        print(f"{n:>9,} {rows:>12,} {mine:>8.3f} {best:>8.3f} {mine / best:>6.2f} {raw:>16.3f} {mine / raw:>19.2f}")


if __name__ == "__main__":
    main()

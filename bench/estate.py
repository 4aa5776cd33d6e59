"""Estates of 24 to 5,000 resources for the benchmarks, cloned from the demo's with their real metric mix.

Resource ``j`` is a clone of demo profile ``j % 24`` (same service, account, region, configuration history
and metric rows, named ``<profile>-<j>``): the last 30 days hourly for every clone, and the last 7 days
per minute as well for a tenth of them (clones whose ``j // 24`` is a multiple of 10, so every profile has
some, and the 24-resource estate is the demo's own mix). Everything goes in through ``store.write_batch``,
250 resources a batch, so the read model is built by the write path the app uses, and the time that takes
is a figure too. A built estate is kept (``<dir>/estate-<n>.duckdb``) and reused while its recipe holds.

Usage: ``python bench/estate.py [--sizes 24 500 2000 5000] [--dir data/bench]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from demo import build_demo
from demo.profiles import PROFILES
from store import connect
from store.writes import Batch, ConfigRecord, ResourceRecord, write_batch

END = datetime(2026, 11, 29)  # fixed, like the tests' demo: the same estate every run
HOURLY_DAYS = 30
MINUTE_DAYS = 7
CHUNK = 250
RECIPE = "demo clones v1: 30 d hourly, 7 d minutes for a tenth"
DEFAULT_DIR = Path(__file__).resolve().parent.parent / "data" / "bench"


def has_minutes(j: int) -> bool:
    return (j // len(PROFILES)) % 10 == 0


def clone_name(j: int) -> str:
    return f"{PROFILES[j % len(PROFILES)].name}-{j:04d}"


class Demo:
    """The demo's rows once, indexed per profile: hourly rows of the last 30 days, minute rows of the last 7."""

    def __init__(self) -> None:
        batch = build_demo(end=END)
        table = batch.metrics
        assert isinstance(table, pa.Table)
        self.table = table.drop_columns(["resource_id"])
        index = table["resource_id"].combine_chunks().indices.to_numpy()
        period = table["period_s"].to_numpy()
        start = table["period_start"].to_numpy()
        hourly_from = np.datetime64(END - timedelta(days=HOURLY_DAYS), "us")
        self.hourly = [np.flatnonzero((index == p) & (period == 3600) & (start >= hourly_from)) for p in range(24)]
        self.minutes = [np.flatnonzero((index == p) & (period == 60)) for p in range(24)]
        self.configs = {
            p: [c for c in batch.configs if c.resource_id == r.resource_id] for p, r in enumerate(batch.resources)
        }

    def batch(self, clones: range) -> Batch:
        """The batch of clones ``clones`` (resource ids dictionary-encoded, as the demo writes them)."""
        resources, configs, takes, owners = [], [], [], []
        for at, j in enumerate(clones):
            p = j % len(PROFILES)
            profile = PROFILES[p]
            record = ResourceRecord(profile.service, profile.account, profile.region, clone_name(j), END)
            resources.append(record)
            for c in self.configs[p]:
                configs.append(ConfigRecord(record.resource_id, c.valid_from, dict(c.values), c.source))
            rows = np.concatenate([self.hourly[p], self.minutes[p]]) if has_minutes(j) else self.hourly[p]
            takes.append(rows)
            owners.append(np.full(rows.size, at, dtype=np.int32))
        rows = self.table.take(pa.array(np.concatenate(takes)))
        ids = pa.array([r.resource_id for r in resources], pa.string())
        column = pa.DictionaryArray.from_arrays(pa.array(np.concatenate(owners)), ids)
        return Batch(resources=resources, configs=configs, metrics=rows.add_column(0, "resource_id", column))


def estate_path(n: int, folder: Path = DEFAULT_DIR) -> Path:
    return Path(folder) / f"estate-{n}.duckdb"


def _recipe_holds(path: Path, n: int) -> bool:
    if not path.exists():
        return False
    try:
        with connect(path, read_only=True) as con:
            found = con.execute("SELECT count(*) FROM resources").fetchall()[0][0]
            mark = con.execute("SELECT detail FROM runs WHERE kind = 'bench-estate'").fetchall()
    except Exception:
        return False
    return found == n and bool(mark) and RECIPE in str(mark[0][0])


def build_estate(n: int, folder: Path = DEFAULT_DIR, demo: Demo | None = None) -> tuple[Path, float]:
    """The estate of ``n`` resources (built unless a file of the same recipe exists); returns its path and the
    seconds the writes took (0 when reused)."""
    from store.writes import RunRecord

    path = estate_path(n, folder)
    if _recipe_holds(path, n):
        return path, 0.0
    for stale in (path, Path(f"{path}.wal")):
        stale.unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    demo = demo or Demo()
    started = time.perf_counter()
    for at in range(0, n, CHUNK):
        batch = demo.batch(range(at, min(at + CHUNK, n)))
        if at + CHUNK >= n:
            now = datetime.now()
            batch.run = RunRecord(f"bench-estate-{n}", "bench-estate", now, "ok", now, detail={"recipe": RECIPE})
        write_batch(path, batch)
    return path, time.perf_counter() - started


def estate_rows(path: Path) -> tuple[int, int, int]:
    """(resources, metric rows, read-model rows) of an estate."""
    with connect(path, read_only=True) as con:
        return tuple(
            con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
            for table in ("resources", "metrics", "usage_hourly")
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[24, 500, 2000, 5000])
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    args = parser.parse_args()
    demo = Demo()
    print(f"{'resources':>9} {'metric rows':>12} {'hour rows':>10} {'write s':>8} {'rows/s':>10} {'file MB':>8}")
    for n in args.sizes:
        path, seconds = build_estate(n, args.dir, demo)
        resources, rows, hours = estate_rows(path)
        rate = f"{rows / seconds:,.0f}" if seconds else "reused"
        size = path.stat().st_size / 1e6
        print(f"{resources:>9,} {rows:>12,} {hours:>10,} {seconds:>8.1f} {rate:>10} {size:>8.0f}")


if __name__ == "__main__":
    main()

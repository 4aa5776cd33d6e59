"""Benchmark: the Overview's heaviest read, the 5-minute traffic of a two-day window (``store.traffic``), in one
fresh process: its wall and CPU seconds and the process's peak memory (``VmHWM``), under whatever
``BREAKEVEN_READ_MEMORY_MB`` the environment sets (DuckDB's memory for reads; 256 MiB unless set). Run it once
per limit, one after the other, on the same copy. Figures are printed, not asserted.

Usage: ``BREAKEVEN_READ_MEMORY_MB=1024 python bench/read_memory.py --db COPY.duckdb``
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analysis.stored_summary import default_filters
from bench.render import peak_rss_gb
from common.settings import settings
from store.traffic import traffic_sums


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    args = parser.parse_args()
    latest = default_filters(args.db)
    two_days = replace(latest, start=latest.end - timedelta(days=1))  # the newest day and the one before
    cpu, wall = time.process_time(), time.perf_counter()
    traffic_sums(args.db, two_days, 300)
    peak = peak_rss_gb(os.getpid())
    took, used = time.perf_counter() - wall, time.process_time() - cpu
    print(
        f"read memory {settings().read_memory_mb} MiB: two days in 5-minute buckets in {took:.1f} s wall, "
        f"{used:.1f} s CPU, peak {peak:.2f} GB"
    )


if __name__ == "__main__":
    main()

"""Benchmark: the Overview's first computation at one estate size in one plain process, its resident size
after each step and its peak (``VmHWM``), with or without ``malloc_trim`` between the estate's groups
(``common.memory.release_freed``). Run it beside itself with ``--no-trim``, and under ``MALLOC_ARENA_MAX=2``,
in the same run; figures are printed, not asserted.

Usage: ``python bench/memory_trim.py --db COPY.duckdb [--no-trim] [--tables-only]`` (nothing is stored: the
summary is computed, not written, so the copy is left as it was).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def status_gb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) * 1024 / 1e9
    raise RuntimeError(f"no {field} in /proc status")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--no-trim", action="store_true", help="release_freed made a no-op")
    parser.add_argument("--tables-only", action="store_true", help="the estate's tables alone, not the spend")
    args = parser.parse_args()
    import analysis.chunked
    import analysis.window_model
    from analysis import tables, window_spend
    from analysis.params import ModelParams
    from analysis.reconcile_model import current_model
    from analysis.spend import spend
    from analysis.stored_summary import default_filters
    from pricing import load_price_book

    if args.no_trim:
        for module in (analysis.chunked, analysis.window_model):
            if hasattr(module, "release_freed"):
                module.release_freed = lambda: False  # type: ignore[attr-defined]
    arena = os.environ.get("MALLOC_ARENA_MAX", "default")
    print(f"trim {'off' if args.no_trim else 'on'}, MALLOC_ARENA_MAX {arena}", flush=True)
    path, book = args.db, load_price_book()
    filters, params = default_filters(path), ModelParams()
    cpu, wall = time.process_time(), time.perf_counter()
    done = tables.assess_tables(path, filters, params, book)
    print(
        f"  the estate's tables: {time.perf_counter() - wall:.1f} s wall, {time.process_time() - cpu:.1f} s CPU, "
        f"RSS {status_gb('VmRSS'):.2f} GB, "
        f"peak {status_gb('VmHWM'):.2f} GB",
        flush=True,
    )
    if args.tables_only:
        return
    cpu, wall = time.process_time(), time.perf_counter()
    window_spend.estate_spend(path, filters, done.estate, book, params.free_tier)
    spend(path, filters, current_model(path, book, filters))
    print(
        f"  the spend and the spend line: {time.perf_counter() - wall:.1f} s wall, {time.process_time() - cpu:.1f} s "
        f"CPU, RSS {status_gb('VmRSS'):.2f} GB, "
        f"peak {status_gb('VmHWM'):.2f} GB",
        flush=True,
    )


if __name__ == "__main__":
    main()

"""Benchmark: the Costs page's data path and one resource's view, per estate size, against a floor in the same run.

For each estate of ``bench/estate.py`` (30 days hourly, 7 days per minute for a tenth) and the page's default
window (the 30 days ending at the newest data, no filter), uncached, as the first visitor after a write sees
it:
- **store read**: ``store.queries.usage_panels``, the analysis's one read (the hourly grid from the read
  model, the per-minute detail, spans, configuration history);
- **Costs data path**: ``analysis.assess_estate`` (read, replay of every pattern, pricing, verdicts): what
  ``views/costs.py`` lays out; then again with one assumption changed (``ModelParams`` with half as much
  traffic again), which is what a rerun after an edit costs while nothing caches the arrays;
- **one resource**: ``analysis.assess_resource`` for a function with per-minute data (its curves, break-even,
  cold starts);
- **floor**: a bare numpy pass over the same arrays (Little's law per cell, a 10-minute sliding maximum,
  per-resource sums), which no model of this traffic can beat, and the read model's plain scan into numpy
  (``SELECT * FROM usage_hourly``), which no store read can beat.
Wall and CPU seconds are printed (the machine may be shared); figures are printed, not asserted. Then the
peak resident memory (``VmHWM``) of a fresh process doing only the store read, and of one doing only
the Costs data path (read and assessment, a group of resources at a time), beside a process that only
imports the same modules (the floor).

Usage: ``python bench/costs.py [--sizes 24 500 2000 5000] [--repeats 1] [--no-memory]``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analysis.detail import assess_resource
from analysis.estate import assess_estate
from analysis.params import ModelParams
from bench.estate import DEFAULT_DIR, build_estate, clone_name, estate_rows
from bench.overview import default_filters
from demo.profiles import PROFILES
from pricing import load_price_book
from replay.window import max_of_previous
from store.db import run_read
from store.queries import usage_panels


def timed(fn: Callable[[], Any], repeats: int) -> tuple[float, float]:
    """(best wall seconds, best CPU seconds) of ``fn()``."""
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


def numpy_floor(panels: Any) -> None:
    """The least any model of this traffic does: one pass over each array."""
    for arrays in (panels.hourly, panels.minutes):
        requests = np.nan_to_num(arrays["invocations"])
        if not requests.size:
            continue
        concurrency = requests * np.nan_to_num(arrays["duration_ms_avg"]) / 1000.0
        max_of_previous(concurrency, 10, np.zeros(concurrency.shape[0]))
        requests.sum(axis=1)


def scan_floor(path: Path) -> None:
    """The least a store read does: the read model's rows into numpy, no join, no arrays built."""
    run_read(path, lambda con: con.execute("SELECT * FROM usage_hourly").fetchnumpy())


def minute_function(n: int) -> str:
    """A clone with per-minute data: the first clone of the demo's bursty embedding function."""
    p = next(i for i, profile in enumerate(PROFILES) if profile.name == "text-embed-burst")
    profile = PROFILES[p]
    return f"{profile.service}:{profile.account}:{profile.region}:{clone_name(p)}"


def child(what: str, path: Path) -> None:
    """One step alone in this process, then its peak resident memory in GB on stdout."""
    if what == "read":
        usage_panels(path, default_filters(path))
    elif what == "costs":
        assess_estate(path, default_filters(path), ModelParams(), load_price_book(use_env=False))
    # VmHWM, not ru_maxrss: Linux carries the forking parent's high-water mark into ru_maxrss across exec
    status = Path("/proc/self/status").read_text()
    kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))
    print(f"{kb / 1024**2:.2f}")


def peak_gb(what: str, path: Path) -> str:
    """Peak resident memory of a fresh process doing ``what`` (imports, read, costs)."""
    done = subprocess.run(
        [sys.executable, __file__, "--child", what, str(path)], capture_output=True, text=True, check=True
    )
    return done.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[24, 500, 2000, 5000])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory processes")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return
    book = load_price_book(use_env=False)
    base = ModelParams()
    edited = replace(base, traffic_scale=1.5)  # one assumption changed: traffic half as much again
    head = ["resources", "rows", "scan floor", "store read", "numpy floor", "Costs path", "after edit", "one view"]
    print(" ".join(f"{h:>12}" for h in head), "(wall s / CPU s)")
    for n in args.sizes:
        path, _ = build_estate(n, args.dir)
        f = default_filters(path)
        _, rows, _ = estate_rows(path)
        panels = usage_panels(path, f)
        cells = [
            timed(lambda: scan_floor(path), args.repeats),  # noqa: B023 - called at once
            timed(lambda: usage_panels(path, f), args.repeats),  # noqa: B023
            timed(lambda: numpy_floor(panels), args.repeats),  # noqa: B023
            timed(lambda: assess_estate(path, f, base, book), args.repeats),  # noqa: B023
            timed(lambda: assess_estate(path, f, edited, book), args.repeats),  # noqa: B023
            timed(lambda: assess_resource(path, minute_function(n), f, base, book), args.repeats),  # noqa: B023
        ]
        panels = None  # its arrays freed before the next size
        text = " ".join(f"{f'{wall:.2f}/{cpu:.2f}':>12}" for wall, cpu in cells)
        print(f"{n:>12,} {rows:>12,} {text}", flush=True)
        if not args.no_memory:
            peaks = {what: peak_gb(what, path) for what in ("imports", "read", "costs")}
            print(
                f"{'':>12} peak memory, GB: imports only {peaks['imports']}, store read {peaks['read']}, "
                f"Costs data path {peaks['costs']}",
                flush=True,
            )


if __name__ == "__main__":
    main()

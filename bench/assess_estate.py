"""Benchmark: ``analysis.assess_estate`` on the demo estate, against a floor measured in the same run.

The demo (24 resources, 30 days hourly, 7 days per minute) is written to a temporary database; then, best of
``--repeats``: the store read alone (``store.queries.usage_panels``), the whole assessment (read, replay of
every pattern, pricing line by line, verdicts), one resource's detail (``assess_resource``), and the floor:
a bare numpy pass over the same arrays (Little's law per cell, a 10-minute sliding maximum, per-resource
sums), which no model of this traffic can beat. CPU seconds are printed beside wall seconds (the machine
may be shared). Figures are printed, not asserted. Usage: ``python bench/assess_estate.py [--repeats 3]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analysis.detail import assess_resource
from analysis.estate import assess_estate
from analysis.params import ModelParams
from demo import write_demo
from pricing import load_price_book
from replay.window import max_of_previous
from store.queries import Filters, usage_panels

WINDOW = Filters(start=date(2026, 10, 30), end=date(2026, 11, 28))
DETAIL = "lambda:111122223333:us-east-1:text-embed-burst"


def _timed(fn, repeats: int) -> tuple[float, float]:  # noqa: ANN001
    """(best wall seconds, best CPU seconds) of ``fn()``."""
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


def _floor(panels) -> None:  # noqa: ANN001
    for arrays in (panels.hourly, panels.minutes):
        requests = np.nan_to_num(arrays["invocations"])
        if not requests.size:
            continue
        concurrency = requests * np.nan_to_num(arrays["duration_ms_avg"]) / 1000.0
        max_of_previous(concurrency, 10, np.zeros(concurrency.shape[0]))
        requests.sum(axis=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "demo.duckdb"
        write_demo(path, end=datetime(2026, 11, 29))
        book = load_price_book(use_env=False)
        params = ModelParams()
        panels = usage_panels(path, WINDOW)
        rows = {
            "floor (numpy pass over the same arrays)": _timed(lambda: _floor(panels), args.repeats),
            "store read (usage_panels)": _timed(lambda: usage_panels(path, WINDOW), args.repeats),
            "assess_estate (read + replay + pricing)": _timed(
                lambda: assess_estate(path, WINDOW, params, book), args.repeats
            ),
            "assess_resource (one resource, curves)": _timed(
                lambda: assess_resource(path, DETAIL, WINDOW, params, book), args.repeats
            ),
        }
    floor_cpu = rows["floor (numpy pass over the same arrays)"][1]
    estate_wall, estate_cpu = rows["assess_estate (read + replay + pricing)"]
    print(
        f"demo estate: {panels.size} resources, {panels.hours} hours, {panels.minutes['invocations'].shape[1]} minutes"
    )
    print(f"{'step':44s} {'wall s':>8s} {'CPU s':>8s} {'CPU / floor':>12s}")
    for name, (wall, cpu) in rows.items():
        ratio = cpu / floor_cpu if floor_cpu > 0 else float("nan")
        print(f"{name:44s} {wall:8.3f} {cpu:8.3f} {ratio:12.0f}")
    print(f"per resource: {estate_wall / panels.size * 1000:.0f} ms wall, {estate_cpu / panels.size * 1000:.0f} ms CPU")


if __name__ == "__main__":
    main()

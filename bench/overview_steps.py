"""Benchmark: where the Overview's first render goes on the server, step by step, in one fresh process.

The page is run as a first visitor after a restart runs it (``streamlit.testing``'s AppTest on ``app.py``,
every cache empty), with a timer around each step it takes: the store reads (each opens the file), the
stored summary's parts, the traffic's sums, the shaping, building each plotly figure, and Streamlit's own
serialisation of what it sends (the figures' JSON, the tables' Arrow bytes). Each step's CPU is the
script thread's (``time.thread_time``), so the figure holds on a shared machine. The floor, in the same
process, is the same AppTest drawing ``bench/bare_page.py`` (pandas, a plotly chart, a table) after the
imports are paid. What the browser adds (drawing) is ``bench/render.py``'s figure minus this one. Figures
are printed, not asserted.

Usage: ``python bench/overview_steps.py --db data/bench/estate-5000.duckdb [--runs 2]`` (the second run is
a fresh AppTest in the same process: the caches are Streamlit's and stay warm, so only the first is cold).
"""

from __future__ import annotations

import argparse
import functools
import importlib
import os
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# (module, attribute, step): each is looked up by the page at call time, so a wrapper set before the run counts
STEPS = [
    ("store.queries", "filter_options", "read: the sidebar's options"),
    ("store.queries", "data_origin", "read: the data's origin"),
    ("store.queries", "inventory", "read: inventory"),
    ("store.queries", "freshness", "read: freshness"),
    ("store.queries", "recent_runs", "read: runs"),
    ("store.queries", "billing_periods", "read: invoice months"),
    ("store.page_reads", "overview_reads", "read: inventory, freshness, traffic, runs in one open"),
    ("store.traffic", "traffic_sums", "read: traffic sums"),
    ("analysis.stored_summary", "tables_for", "stored: the estate's tables"),
    ("analysis.stored_summary", "spend_for", "stored: the spend"),
    ("analysis.stored_summary", "bill_spend_for", "stored: the spend line"),
    ("analysis.billed", "billed_view", "read: the bill beside the model"),
    ("analysis.overview", "traffic_totals", "shape: totals"),
    ("analysis.opportunities", "top_opportunities", "shape: opportunities"),
    ("charts.overview", "by_service", "shape: per service"),
    ("charts.overview", "per_resource_summary", "shape: per resource"),
    ("charts.overview", "by_resource", "shape: busiest resources"),
    ("charts.overview", "inventory_table", "shape: the inventory table"),
    ("charts.overview_money", "spend_frame", "shape: spend table"),
    ("charts.overview_money", "spend_figure", "figure: spend"),
    ("charts.overview", "inventory_figure", "figure: inventory"),
    ("charts.overview", "traffic_figure", "figure: traffic"),
    ("charts.overview", "resource_traffic_figure", "figure: busiest resources"),
    ("charts.overview", "latency_figure", "figure: latency"),
    ("charts.overview", "cold_start_figure", "figure: cold starts"),
    ("plotly.io", "to_json", "streamlit: figures to JSON"),
    ("streamlit.dataframe_util", "convert_pandas_df_to_arrow_bytes", "streamlit: tables to Arrow"),
    ("streamlit.dataframe_util", "convert_arrow_table_to_arrow_bytes", "streamlit: tables to Arrow"),
]


class Clock:
    """CPU and wall seconds per step; a step inside another is counted in its own line only."""

    def __init__(self) -> None:
        self.cpu: dict[str, float] = defaultdict(float)
        self.wall: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._depth = 0

    def wrap(self, step: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            if self._depth:
                return fn(*args, **kwargs)
            self._depth += 1
            cpu, wall = time.thread_time(), time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self._depth -= 1
                self.cpu[step] += time.thread_time() - cpu
                self.wall[step] += time.perf_counter() - wall
                self.calls[step] += 1

        return timed


@contextmanager
def timed_steps(clock: Clock) -> Iterator[None]:
    saved = []
    for module_name, attribute, step in STEPS:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        if not hasattr(module, attribute):
            continue
        saved.append((module, attribute, getattr(module, attribute)))
        setattr(module, attribute, clock.wrap(step, getattr(module, attribute)))
    try:
        yield
    finally:
        for module, attribute, fn in saved:
            setattr(module, attribute, fn)


def run_app(script: str, thread_cpu: list[float]) -> tuple[float, float, Any]:
    """One AppTest run of ``script``: wall seconds and the script thread's CPU seconds."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / script), default_timeout=900)
    wall = time.perf_counter()
    at.run()
    return time.perf_counter() - wall, sum(thread_cpu), at


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    os.environ["BREAKEVEN_DB"] = str(args.db.resolve())
    import threading

    thread_cpu: list[float] = []
    original_run = threading.Thread.run

    def measured_run(self: threading.Thread) -> None:  # the script thread's CPU, whatever the thread
        start = time.thread_time()
        try:
            original_run(self)
        finally:
            thread_cpu.append(time.thread_time() - start)

    threading.Thread.run = measured_run  # type: ignore[method-assign]
    imports = time.process_time()
    wall, _, _ = run_app("bench/bare_page.py", thread_cpu)
    print(f"imports and the bare page's first run: {wall:.2f} s wall, {time.process_time() - imports:.2f} s CPU")
    thread_cpu.clear()
    wall, cpu, _ = run_app("bench/bare_page.py", thread_cpu)
    print(f"floor: the bare page again: {wall:.2f} s wall, {cpu:.2f} s CPU (script thread)")
    for run in range(args.runs):
        clock = Clock()
        thread_cpu.clear()
        with timed_steps(clock):
            wall, cpu, at = run_app("app.py", thread_cpu)
        if at.exception:
            print("the page failed:", at.exception[0].value)
        label = "first run (caches empty)" if run == 0 else "again (caches warm)"
        print(f"\nOverview, {label}: {wall:.2f} s wall, {cpu:.2f} s CPU (script thread)")
        print(f"  {'step':<52} {'calls':>5} {'CPU s':>7} {'wall s':>7}")
        for step in sorted(clock.cpu, key=lambda s: -clock.cpu[s]):
            print(f"  {step:<52} {clock.calls[step]:>5} {clock.cpu[step]:>7.3f} {clock.wall[step]:>7.3f}")
        rest = cpu - sum(clock.cpu.values())
        print(f"  {'everything else (Streamlit, the rest of the script)':<52} {'':>5} {rest:>7.3f}")


if __name__ == "__main__":
    main()

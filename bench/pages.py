"""Benchmark: each page's data path on the demo estate, cold (caches cleared) and warm (the next rerun),
against a floor measured in the same run: the bare store read every modelled figure starts from
(``store.queries.usage_panels``).

A page's data path is the cached calls its script makes (``views.common``'s ``cached_*`` and the Cold starts
and Endpoints pages' ``views.estate_tables.cached_tables``), in the page's order, with the sidebar's own read
(``cached_options``) in front: what a rerun waits for before anything is drawn. Warm is what every widget
interaction costs once the page has been seen (st.cache_data copies its value out on every hit). Called
outside a Streamlit server, ``st.cache_data`` keeps its values in memory all the same. Figures are printed, not
asserted; the issue aims well under 0.3 s warm. Usage: ``python bench/pages.py [--repeats 3] [--stored]``:
``--stored`` refreshes the default view's stored summary first, as a write command does, so "cold" is a
server restart that reads it; without it nothing is stored or read, as before the stored summary.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
logging.getLogger("streamlit").setLevel(logging.ERROR)

import streamlit as st  # noqa: E402

from analysis import stored_summary  # noqa: E402
from analysis.coldstarts import cold_start_table  # noqa: E402
from analysis.estate import run_panels  # noqa: E402
from analysis.idle import idle_table  # noqa: E402
from analysis.params import ModelParams  # noqa: E402
from analysis.stored_summary import refresh_default  # noqa: E402
from analysis.summary import summarise  # noqa: E402
from demo import write_demo  # noqa: E402
from pricing import load_price_book  # noqa: E402
from pricing.listing import price_rows  # noqa: E402
from store.queries import Filters, usage_panels  # noqa: E402
from views import billing_panels, common  # noqa: E402
from views.estate_tables import cached_tables  # noqa: E402
from views.overview_data import cached_overview_reads  # noqa: E402
from views.price_editor import cached_bundled_book  # noqa: E402

WINDOW = Filters(start=date(2026, 10, 30), end=date(2026, 11, 28))
DETAIL = "lambda:111122223333:us-east-1:text-embed-burst"


def paths(path: Path) -> dict[str, Callable[[], object]]:
    """Each page's cached calls, as its script makes them (the overview's daily buckets for a 30-day window)."""
    p, v, params, o = str(path), common.db_version(path), ModelParams(), common.overrides_version()

    def sidebar() -> None:
        common.cached_options(p, v)

    def overview() -> None:
        sidebar()
        cached_overview_reads(p, v, WINDOW)  # inventory, freshness, traffic sums and runs: the page's one open
        estate = common.cached_estate(p, v, WINDOW, params, o)  # the money: the estate's run and its spend
        common.cached_spend(p, v, WINDOW, params, o, estate)
        billing_panels.cached_spend(p, v, WINDOW, o)  # the spend line: billed where a bill covers the window

    def costs() -> None:
        sidebar()
        common.cached_price_book(o)
        common.cached_estate(p, v, WINDOW, params, o)
        common.cached_detail(p, v, WINDOW, DETAIL, params, o)

    def tables() -> None:
        sidebar()
        cached_tables(p, v, WINDOW, params, o)

    def prices() -> None:
        sidebar()
        cached_bundled_book()
        price_rows(common.cached_price_book(o))

    def sources() -> None:
        sidebar()
        common.cached_runs(p, v, 50)
        common.cached_watermarks(p, v)

    return {
        "Overview": overview,
        "Costs & alternatives": costs,
        "Cold starts": tables,
        "Endpoints": tables,
        "Prices": prices,
        "Data sources": sources,
    }


def common_no_store() -> None:
    """Without ``--stored``: the pages compute as before the stored summary (nothing read, nothing stored)."""
    from store import summaries

    summaries.load_entry = lambda *_args, **_kwargs: None  # type: ignore[assignment]
    summaries.save_entry = lambda *_args, **_kwargs: False  # type: ignore[assignment]


def _timed(fn: Callable[[], object], repeats: int, clear: bool) -> tuple[float, float]:
    """(best wall seconds, best CPU seconds) of ``fn()``; ``clear``: every cache emptied before each call."""
    walls, cpus = [], []
    for _ in range(repeats):
        if clear:  # a server restart: nothing in memory (the stored summary's rows read last time included)
            st.cache_data.clear()
            stored_summary._recent.clear()
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--stored",
        action="store_true",
        help="store the default view's summary first (what a write command does), so cold is a server restart "
        "reading it (analysis.stored_summary)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "demo.duckdb"
        write_demo(path, end=datetime(2026, 11, 29))
        if args.stored:
            print(refresh_default(path).line())
        else:  # no summary at all: every cold path replays (the lazy store after a first computation is off)
            common_no_store()
        usage_panels(path, WINDOW)  # the first open of the file is not a page's cost
        floor = _timed(lambda: usage_panels(path, WINDOW), args.repeats, clear=False)
        results = {}
        for name, fn in paths(path).items():
            cold = _timed(fn, args.repeats, clear=True)
            fn()
            warm = _timed(fn, args.repeats, clear=False)
            results[name] = (cold, warm)
        # what the two tables add to the estate's run (the engine's replay and pricing are the rest)
        run = run_panels(usage_panels(path, WINDOW), ModelParams(), load_price_book(use_env=False))
        estate = summarise(run)
        extra = _timed(lambda: (cold_start_table(run, estate.rows), idle_table(run, estate.rows)), args.repeats, False)
        # the Endpoints page after the Cold starts page: one run serves both
        st.cache_data.clear()
        paths(path)["Cold starts"]()
        after = _timed(paths(path)["Endpoints"], 1, clear=False)
        # the Costs page after the Cold starts page: the estate is that run's (only the one resource's detail
        # is replayed), and the Overview after either reads it too
        costs_after = _timed(paths(path)["Costs & alternatives"], 1, clear=False)
        overview_after = _timed(paths(path)["Overview"], 1, clear=False)
    print(
        f"floor: the store read alone (usage_panels, 24 resources, 30 days): {floor[0]:.3f} s wall, "
        f"{floor[1]:.3f} s CPU"
    )
    head = ("page", "cold wall", "cold CPU", "x floor", "warm wall", "warm CPU", "x floor")
    print(f"{head[0]:<22}" + "".join(f"{h:>11}" for h in head[1:]))
    for name, ((cw, cc), (ww, wc)) in results.items():
        cells = (
            f"{cw:.3f}s",
            f"{cc:.3f}s",
            f"{cw / floor[0]:.1f}x",
            f"{ww:.3f}s",
            f"{wc:.3f}s",
            f"{ww / floor[0]:.2f}x",
        )
        print(f"{name:<22}" + "".join(f"{c:>11}" for c in cells))
    print(f"the cold-start and idle tables on top of the estate's run: {extra[0]:.4f} s wall, {extra[1]:.4f} s CPU")
    print(f"Endpoints right after Cold starts (same cached run): {after[0]:.3f} s wall")
    print(
        f"Costs right after Cold starts (same cached run; its resource detail replayed): {costs_after[0]:.3f} s, "
        f"{costs_after[1]:.3f} s CPU"
    )
    print(
        f"Overview right after those (same cached run): {overview_after[0]:.3f} s wall, {overview_after[1]:.3f} s CPU"
    )


if __name__ == "__main__":
    main()

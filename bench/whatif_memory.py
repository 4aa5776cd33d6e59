"""Benchmark: the server's peak memory on the What-if page at the levers' extremes (issue 11: "under 1.5 GB
at 5,000 resources, whatever the page").

For each case a fresh ``streamlit run app.py``, started as the README starts it (``MALLOC_ARENA_MAX=2``),
serves its own fresh copy of the estate (the summary a server computes is stored into the file, so a second
server on the same copy would read it instead of computing it); headless Chromium opens ``/what-if`` with
the case's assumptions in the link (``m_…``, as a shared link or the page's own levers put them), waits until
the page is drawn, and the server's peak resident memory (``VmHWM``) and CPU seconds are read. The floor, in
the same run and first, is the same page on the default assumptions: both of its sides are the stored
summary's, so it computes nothing. The extremes are the levers' tops (``analysis.params.RANGES``): traffic
×100, 10,240 MB, provisioned concurrency 10,000, a cache taking half the requests, and growth of 50 % a month
for a year. Figures are printed, not asserted.

The estate should carry its default view's stored summary (``analysis.stored_summary.refresh_default`` on
it, what every write command and the first start run), as every real way to a database stores it; without it
the floor computes the baseline too, and the run says so.

Usage: ``python bench/whatif_memory.py --db ESTATE.duckdb [--cases floor traffic-x100 …]``
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.render import ARGS, CHROMIUM, PAGES, cpu_s, peak_rss_gb, render_s, serve  # noqa: E402

CASES: dict[str, dict[str, str]] = {
    "floor": {},
    "traffic-x100": {"m_traffic_scale": "100"},
    "memory-10240": {"m_memory_mb": "10240"},
    "pc-10000": {"m_provisioned_concurrency": "10000"},
    "cache-0.5": {"m_cache_hit_rate": "0.5"},
    "growth-50%-12mo": {"m_growth_per_month": "0.5", "m_growth_months": "12"},
}
LIMIT_GB = 1.5  # the aim


def _stored(db: Path) -> bool:
    """Whether ``db`` holds a stored summary for its default view (the floor then computes nothing)."""
    from analysis.params import ModelParams
    from analysis.stored_summary import default_filters, stored_estate

    return stored_estate(db, default_filters(db), ModelParams()) is not None


def _case(browser: object, db: Path, work: Path, name: str, query: dict[str, str]) -> tuple[float, float, float]:
    """(seconds to the page drawn, server CPU seconds, server peak GB) for one case on its own copy."""
    copy = work / f"{name}.duckdb"
    shutil.copyfile(db, copy)
    try:
        with serve(copy, extra_env={"MALLOC_ARENA_MAX": "2"}) as (url, pid):
            page = PAGES["what-if"]
            suffix = f"?{urlencode(query)}" if query else ""
            shown = render_s(browser, url, replace(page, path=page.path + suffix), timeout_s=900)
            return shown, cpu_s(pid), peak_rss_gb(pid)
    finally:
        for stale in (copy, Path(f"{copy}.wal")):
            stale.unlink(missing_ok=True)


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="the estate (copied per case into --work-dir)")
    parser.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    parser.add_argument("--work-dir", type=Path, default=None, help="where the copies go (default: a temporary folder)")
    args = parser.parse_args()
    if not args.db.exists():
        parser.error(f"--db {args.db}: no such file (python bench/estate.py --sizes 5000 makes one)")
    if not _stored(args.db):
        print(f"note: {args.db} holds no stored summary for its default view; the floor computes its baseline")
    cases = ["floor", *[c for c in args.cases if c != "floor"]]  # the floor first, in the same run
    with tempfile.TemporaryDirectory(dir=args.work_dir) as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            print(f"{'case':18s} {'drawn s':>8s} {'server CPU s':>13s} {'peak GB':>8s}  vs floor")
            floor = None
            for name in cases:
                started = time.perf_counter()
                shown, cpu, peak = _case(browser, args.db, Path(tmp), name, CASES[name])
                floor = floor if floor is not None else peak
                verdict = "over the 1.5 GB aim" if peak > LIMIT_GB else "under 1.5 GB"
                print(
                    f"{name:18s} {shown:8.1f} {cpu:13.1f} {peak:8.2f}  {peak - floor:+.2f} GB, {verdict} "
                    f"({time.perf_counter() - started:.0f} s in all)",
                    flush=True,
                )
        finally:
            browser.close()


if __name__ == "__main__":
    main()

"""Benchmark: the Overview's first render after a restart, milestone by milestone in Chromium, for one or more
source trees in the same run (this branch and main's, say), each against its own copy of an estate whose
default view's summary is already stored (``analysis.stored_summary.refresh_default``).

For each round and tree a fresh ``streamlit run app.py`` serves the copy on a given port and a fresh browser
context opens the Overview; the page's own clock records when the HTML arrived (``responseEnd``), when the
"Money" heading, the first chart and every chart were on screen, and when Streamlit stopped running the script.
The server's CPU seconds for that first visit (its imports included) are read from ``/proc``. The floor in the
same run is the bare page (``bench/bare_page.py``) on the same server and browser. Printed, not asserted.

Usage: ``python bench/overview_milestones.py --tree ROOT=DB [--tree ROOT=DB ...] --port 8621 --rounds 3``
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(HERE))

from bench.render import cpu_s, serve  # noqa: E402  (the one server and CPU reading of the benches)

CHROMIUM = os.environ.get("BREAKEVEN_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# each milestone: a JavaScript condition, recorded (performance.now(), ms from navigation) when first true
MARKS = {
    "money": "document.body && document.body.innerText.includes('Money')",
    "first chart": "document.querySelectorAll('.js-plotly-plot .main-svg').length >= 1",
    "all drawn": "document.querySelectorAll('.js-plotly-plot .main-svg').length >= 3 && "
    "document.body.innerText.includes('Data freshness') && "
    "document.querySelector('[data-testid=\"stStatusWidget\"]') === null",
}
BARE = {
    "first chart": MARKS["first chart"],
    "all drawn": "document.body && document.body.innerText.includes('bare page')"
    " && document.querySelectorAll('.js-plotly-plot .main-svg').length >= 1",
}
WATCH = """(marks) => { window.__marks = {}; const tick = () => { for (const [name, cond] of Object.entries(marks)) {
  if (!(name in window.__marks)) { try { if (eval(cond)) window.__marks[name] = performance.now(); } catch (e) {} } }
  if (Object.keys(window.__marks).length < Object.keys(marks).length) setTimeout(tick, 20); }; tick(); }"""


def visit(browser: object, url: str, marks: dict[str, str]) -> dict[str, float]:
    """Seconds from navigation to each milestone, in a new browser context (a new Streamlit session)."""
    context = browser.new_context(viewport={"width": 1500, "height": 1100})  # type: ignore[attr-defined]
    try:
        tab = context.new_page()
        tab.add_init_script(f"({WATCH})({json.dumps(marks)})")
        tab.goto(url, wait_until="commit")
        tab.wait_for_function(
            f"window.__marks && Object.keys(window.__marks).length === {len(marks)}", timeout=600_000, polling=100
        )
        got = tab.evaluate("window.__marks")
        html = tab.evaluate("performance.getEntriesByType('navigation')[0].responseEnd")
        return {"html": html / 1000, **{k: v / 1000 for k, v in got.items()}}
    finally:
        context.close()


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", action="append", required=True, help="ROOT=DB: a source tree and its copy")
    parser.add_argument("--port", type=int, default=8621)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    trees = [(Path(a.split("=", 1)[0]), Path(a.split("=", 1)[1])) for a in args.tree]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        for round_ in range(args.rounds):
            with serve(None, "bench/bare_page.py", args.port, HERE) as (url, pid):
                bare = visit(browser, url, BARE)
            print(f"round {round_ + 1} floor (bare page): " + ", ".join(f"{k} {v:.2f} s" for k, v in bare.items()))
            for root, db in trees:
                with serve(db, port=args.port, root=root) as (url, pid):
                    before = cpu_s(pid)
                    got = visit(browser, url, MARKS)
                    time.sleep(0.5)
                    spent = cpu_s(pid) - before
                print(
                    f"round {round_ + 1} {root}: "
                    + ", ".join(f"{k} {v:.2f} s" for k, v in got.items())
                    + f"; server CPU {spent:.2f} s",
                    flush=True,
                )
        browser.close()


if __name__ == "__main__":
    main()

"""The Costs page's rerun after a model assumption changes, in a real browser: how long until the resource in
view shows its new numbers, how long until the estate's table is drawn, and the server's CPU meanwhile; then
two sessions asking for the same new assumptions at once (one estate computation, or two).

Each code tree (``--code``: this checkout, and e.g. an export of main: ``git archive main | tar -x -C DIR``)
serves its own copy of ``--db`` (``streamlit run app.py`` with ``BREAKEVEN_DB``) on a port of ``--ports``, in
a fresh headless Chromium (Debian's ``/usr/bin/chromium`` through Playwright's ``executable_path``). The floor
is ``bench/bare_page.py`` drawn by the same server and browser in the same run. Printed, not asserted.

    python bench/costs_rerun.py --db COPY.duckdb --code . /tmp/main --ports 8611 8612 8613

``--tabs N``: instead, N tabs opened at once, each on its own new keep-alive (N estates queued in the one
runner), until each has drawn its table; the server's CPU and its peak memory. ``--close``: instead, a tab
opened on a new keep-alive is closed while its estate replays, and the server's CPU is read until it goes
quiet (a closed tab's run is given up at its next group, ``analysis.estate_runs``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.render import cpu_s, peak_rss_gb, serve  # noqa: E402  (the one server and CPU reading of the benches)

CHROMIUM = os.environ.get("BREAKEVEN_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Streamlit marks the elements of a run that has not redrawn them yet as stale; the estate's part of the page is
# everything above the resource's header
STALE = "document.querySelectorAll('[data-stale=\"true\"]').length === 0"
ESTATE = "(document.body.innerText.split('One resource in detail')[0] || '')"
DETAIL = "(document.body.innerText.split('One resource in detail')[1] || '')"
TABLE = (
    f"{ESTATE}.includes('Resources to review') && !{ESTATE}.includes('Replaying ')"
    f" && !{ESTATE}.includes('Listing the') && !{ESTATE}.includes('Waiting for another replay')"
)
DETAIL_DRAWN = f"{DETAIL}.includes('Options on the same traffic') && !{DETAIL}.includes('Replaying this')"
# the rerun has begun: the link holds the new assumption and Streamlit has marked the old elements stale
BEGUN = "location.href.includes('m_keep_alive_s=%s') && document.querySelectorAll('[data-stale=\"true\"]').length > 0"
# nothing below the resource's header is stale any more (the estate's part above it may still be)
DETAIL_FRESH = (
    "(() => { const h = [...document.querySelectorAll('h2, h3')].find(e => e.innerText.includes('One resource in"
    " detail')); if (!h) return false; return [...document.querySelectorAll('[data-stale=\"true\"]')]"
    ".every(e => !(h.compareDocumentPosition(e) & Node.DOCUMENT_POSITION_FOLLOWING)); })()"
)


def open_costs(browser: Any, url: str, timeout_s: float) -> tuple[Any, Any, float]:
    """A new session on the Costs page, waited for until its estate's table and its resource are drawn."""
    context = browser.new_context(viewport={"width": 1500, "height": 1100})
    tab = context.new_page()
    started = time.perf_counter()
    tab.goto(url, wait_until="domcontentloaded")
    tab.wait_for_function(f"{TABLE} && {DETAIL_DRAWN} && {STALE}", timeout=timeout_s * 1000, polling=100)
    return context, tab, time.perf_counter() - started


def change_keep_alive(tab: Any, seconds: float) -> None:
    tab.get_by_text("Model assumptions").first.click()
    box = tab.get_by_role("spinbutton", name="FaaS keep-alive (s)")
    box.fill(f"{seconds:g}")
    box.press("Enter")


def rerun(browser: Any, url: str, pid: int, keep: float, timeout_s: float) -> tuple[float, float, float, float]:
    """First render, then (a) the resource's new numbers and (b) the estate's table after one assumption."""
    context, tab, first = open_costs(browser, url, timeout_s)
    try:
        before = tab.evaluate(DETAIL)
        cpu0, started = cpu_s(pid), time.perf_counter()
        change_keep_alive(tab, keep)
        # a text compared before the rerun has begun, or a table still on screen from the last run, would be
        # counted as drawn at once: wait for the rerun to begin, then for the sections it redraws
        tab.wait_for_function(BEGUN % f"{keep:g}", timeout=timeout_s * 1000, polling=20)
        tab.wait_for_function(
            f"{DETAIL} !== {before!r} && {DETAIL_DRAWN} && {DETAIL_FRESH}", timeout=timeout_s * 1000, polling=100
        )
        detail_s = time.perf_counter() - started
        tab.wait_for_function(f"!({TABLE})", timeout=timeout_s * 1000, polling=100)  # the estate's run shown
        tab.wait_for_function(f"{TABLE} && {STALE}", timeout=timeout_s * 1000, polling=100)
        table_s = time.perf_counter() - started
        return first, detail_s, table_s, cpu_s(pid) - cpu0
    finally:
        context.close()


def closed_tab(browser: Any, url: str, pid: int, keep: float, timeout_s: float) -> tuple[float, float, str]:
    """A new session asks for a new estate (the link's ``m_keep_alive_s``) and its tab is closed while the run
    is replaying: the seconds until the server's CPU goes quiet (under 0.1 s of CPU in a second), the CPU it
    spent meanwhile, and the run's own estimate of its time left when the tab was closed."""
    context = browser.new_context(viewport={"width": 1500, "height": 1100})
    tab = context.new_page()
    tab.goto(f"{url}&m_keep_alive_s={keep:g}", wait_until="domcontentloaded")
    tab.wait_for_function(f"{ESTATE}.includes(' s left') || {ESTATE}.includes(' min left')", timeout=timeout_s * 1000)
    said = next(line for line in tab.evaluate(ESTATE).splitlines() if "Replaying " in line)
    cpu0, started = cpu_s(pid), time.perf_counter()
    context.close()  # the tab's websocket closes: its session is no longer active
    last = cpu0
    while time.perf_counter() - started < timeout_s:
        time.sleep(1.0)
        now = cpu_s(pid)
        if now - last < 0.1:
            return time.perf_counter() - started, now - cpu0, said
        last = now
    raise TimeoutError(f"the server was still busy {timeout_s} s after the tab closed")


def at_once(browser: Any, url: str, pid: int, keeps: list[float], timeout_s: float) -> tuple[list[float], float, float]:
    """One new session per keep-alive in ``keeps`` (the link's ``m_keep_alive_s``), all opened at once: the same
    value twice is two sessions joining one estate's run, different values are estates queued in the one runner.
    Each tab's seconds until its estate's table and resource are drawn, the server's CPU for all of them, and its
    peak memory (VmHWM)."""
    contexts = [browser.new_context(viewport={"width": 1500, "height": 1100}) for _ in keeps]
    tabs = [c.new_page() for c in contexts]
    cpu0, started = cpu_s(pid), time.perf_counter()
    for tab, keep in zip(tabs, keeps, strict=True):
        tab.goto(f"{url}&m_keep_alive_s={keep:g}", wait_until="commit")
    drawn = []
    for tab in tabs:
        tab.wait_for_function(f"{TABLE} && {DETAIL_DRAWN} && {STALE}", timeout=timeout_s * 1000, polling=100)
        drawn.append(time.perf_counter() - started)
    out = drawn, cpu_s(pid) - cpu0, peak_rss_gb(pid)
    for c in contexts:
        c.close()
    return out


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="a copy: each code tree serves its own copy of it")
    parser.add_argument("--code", type=Path, nargs="+", default=[ROOT])
    parser.add_argument("--ports", type=int, nargs="+", default=[8611, 8612, 8613])
    parser.add_argument("--resource", default="", help="the resource in view (?resource=)")
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--keep-alive", type=float, default=900, help="the FaaS keep-alive changed to (s)")
    parser.add_argument("--no-pair", action="store_true", help="skip the two sessions at once")
    parser.add_argument("--close", action="store_true", help="only a tab closed while its estate replays")
    parser.add_argument("--tabs", type=int, default=0, help="only this many tabs at once, each on a new keep-alive")
    args = parser.parse_args()
    query = f"/costs?resource={args.resource}" if args.resource else "/costs?"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        with serve(None, "bench/bare_page.py", args.ports[0], ROOT) as (_, pid):
            context = browser.new_context()
            tab = context.new_page()
            started, cpu0 = time.perf_counter(), cpu_s(pid)
            tab.goto(f"http://127.0.0.1:{args.ports[0]}/", wait_until="domcontentloaded")
            tab.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 1", polling=50)
            print(f"floor: a bare page drawn in {time.perf_counter() - started:.2f} s, {cpu_s(pid) - cpu0:.2f} s CPU")
            context.close()
        for i, code in enumerate(args.code):
            copy = args.db.with_name(f"{args.db.stem}-run{i}.duckdb")
            shutil.copyfile(args.db, copy)
            port = args.ports[1 + i % (len(args.ports) - 1)]
            with serve(copy, port=port, root=code.resolve()) as (_, pid):
                url = f"http://127.0.0.1:{port}{query}"
                if args.tabs:
                    keeps = [901.0 + i for i in range(args.tabs)]  # a new estate each
                    drawn, cpu, peak = at_once(browser, url, pid, keeps, args.timeout)
                    print(f"{code}: {args.tabs} tabs at once on new keep-alives: drawn after "
                          f"{', '.join(f'{d:.1f}' for d in drawn)} s, server CPU {cpu:.1f} s, "
                          f"server peak {peak:.2f} GB", flush=True)  # fmt: skip
                elif args.close:
                    quiet, cpu, said = closed_tab(browser, url, pid, args.keep_alive, args.timeout)
                    print(f"{code}: a tab closed while its page said {said!r}: the server quiet after "
                          f"{quiet:.1f} s, {cpu:.1f} s of CPU meanwhile", flush=True)  # fmt: skip
                else:
                    first, detail_s, table_s, cpu = rerun(browser, url, pid, args.keep_alive, args.timeout)
                    print(
                        f"{code}: first render {first:.1f} s; after keep-alive 600→{args.keep_alive:g} s: "
                        f"the resource's new numbers in {detail_s:.1f} s, the estate's table in {table_s:.1f} s, "
                        f"server CPU {cpu:.1f} s",
                        flush=True,
                    )
                    if not args.no_pair:
                        drawn, cpu, _ = at_once(browser, url, pid, [1200.0, 1200.0], args.timeout)
                        wall = max(drawn)
                        print(f"{code}: two sessions at once on keep-alive 1200 s: both drawn in {wall:.1f} s, "
                              f"server CPU {cpu:.1f} s", flush=True)  # fmt: skip
            copy.unlink(missing_ok=True)
            Path(f"{copy}.wal").unlink(missing_ok=True)
        browser.close()


if __name__ == "__main__":
    main()

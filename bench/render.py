"""Benchmark: first render of the pages in headless Chromium and the server's peak memory, per estate size.

For each estate a fresh ``streamlit run app.py`` serves it (``BREAKEVEN_DB``) and a fresh headless Chromium
(Debian's, through Playwright's ``executable_path``) opens the page: the time from navigation until the
page is drawn (its charts on screen, Streamlit no longer running the script) is the first render, caches
empty, as the first visitor after a restart sees it. Then every page is visited once and the server's peak
resident memory is read from ``/proc/<pid>/status`` (``VmHWM``). The floor, in the same run, is the same
server and browser drawing a bare page (``bench/bare_page.py``: pandas, a plotly chart and a table): what
Streamlit, the imports and the browser cost before any of our work. Figures are printed, not asserted.

Usage: ``python bench/render.py [--sizes 24 500 2000 5000] [--pages overview costs]``; every page is visited
for the memory figure unless ``--also`` names fewer. ``--variants default MALLOC_ARENA_MAX=2`` serves each
estate once per variant, one after the other in the same run: ``default`` as it is, ``NAME=VALUE[,NAME=VALUE]``
with those variables in the server's environment (the allocator's, say). With more than one variant each
server reads its own fresh copy of the estate (the dashboard stores the summary it computes, so a second
server on the same file would read the first one's instead of computing it).
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.estate import DEFAULT_DIR, build_estate  # noqa: E402

# the browser tests' rule: $BREAKEVEN_CHROMIUM, else the distribution's chromium on PATH (Debian's)
CHROMIUM = os.environ.get("BREAKEVEN_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]
RUNNING = "document.querySelector('[data-testid=\"stStatusWidget\"]') === null"


@dataclass(frozen=True)
class Page:
    """A page to open, and what on it says it is drawn."""

    path: str
    ready: str  # a JavaScript condition

    def condition(self) -> str:
        return f"({self.ready}) && {RUNNING}"


PLOTS = "document.querySelectorAll('.js-plotly-plot .main-svg').length"
PAGES = {
    "overview": Page("/", f"{PLOTS} >= 3 && document.body.innerText.includes('Data freshness')"),
    "costs": Page("/costs", f"{PLOTS} >= 1 && document.body.innerText.includes('One resource in detail')"),
    "resource": Page("/resource", f"{PLOTS} >= 2 && document.body.innerText.includes('Configuration history')"),
    "what-if": Page("/what-if", f"{PLOTS} >= 1 && document.body.innerText.includes('One resource')"),
    "cold-starts": Page("/cold-starts", 'document.body.innerText.includes("One resource\'s fixes")'),
    "endpoints": Page("/endpoints", 'document.body.innerText.includes("One endpoint\'s ways out")'),
    "prices": Page("/prices", "document.body.innerText.includes('Your discounts and overrides')"),
    "sources": Page("/sources", "document.body.innerText.includes('Data sources')"),
    "upload": Page("/upload", "document.body.innerText.includes('Upload')"),
}
BARE = Page("/", f"{PLOTS} >= 1 && document.body.innerText.includes('bare page')")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(
    db: Path | None,
    script: str = "app.py",
    port: int | None = None,
    root: Path = ROOT,
    extra_env: dict[str, str] | None = None,
) -> Iterator[tuple[str, int]]:
    """A fresh Streamlit server of the tree ``root`` on ``port`` (else a free loopback port), with
    ``extra_env`` in its environment; yields its URL and process id."""
    port = port or _free_port()
    env = {k: v for k, v in os.environ.items() if k != "BREAKEVEN_DB"} | (extra_env or {})
    env["PYTHONPATH"], env["PYTHONDONTWRITEBYTECODE"] = str(root), "1"  # no bytecode written into an exported tree
    if db is not None:
        env["BREAKEVEN_DB"] = str(db)
    command = [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port)]
    command += ["--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    proc = subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("streamlit did not start") from None
                time.sleep(0.2)
        yield url, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _fresh_copy(db: Path) -> Path:
    """A copy of the estate beside it (``<name>.variant.duckdb``, replaced each time), without its WAL."""
    copy = db.with_suffix(".variant.duckdb")
    for stale in (copy, Path(f"{copy}.wal")):
        stale.unlink(missing_ok=True)
    shutil.copyfile(db, copy)
    return copy


def _variant(text: str) -> tuple[str, dict[str, str]]:
    """``default`` (nothing added) or ``NAME=VALUE[,NAME=VALUE]``: a label and the variables it adds."""
    if text == "default":
        return text, {}
    pairs = [part.partition("=") for part in text.split(",")]
    if any(not name or not sep for name, sep, _ in pairs):
        raise argparse.ArgumentTypeError(f"{text!r}: expected default or NAME=VALUE[,NAME=VALUE]")
    return text, {name: value for name, _, value in pairs}


def cpu_s(pid: int) -> float:
    """The process's user plus system CPU seconds, every thread's (``/proc/PID/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_gb(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM), in GB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024 / 1e9
    raise RuntimeError("no VmHWM in /proc status")


def render_s(browser: object, url: str, page: Page, timeout_s: float = 600) -> float:
    """Seconds from navigation to ``page`` drawn, in a new browser context (a new Streamlit session)."""
    context = browser.new_context(viewport={"width": 1500, "height": 1100})  # type: ignore[attr-defined]
    try:
        tab = context.new_page()
        started = time.perf_counter()
        tab.goto(url + page.path, wait_until="domcontentloaded")
        tab.wait_for_function(page.condition(), timeout=timeout_s * 1000, polling=50)
        return time.perf_counter() - started
    finally:
        context.close()


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[24, 500, 2000, 5000])
    parser.add_argument("--pages", nargs="+", default=["overview", "costs"], choices=list(PAGES))
    parser.add_argument("--also", nargs="*", default=list(PAGES), choices=list(PAGES), help="pages visited for memory")
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--port", type=int, default=None, help="the servers' port (else a free one)")
    parser.add_argument("--root", type=Path, default=ROOT, help="the source tree served (main's, to compare)")
    parser.add_argument("--variants", nargs="+", default=["default"], type=_variant, help="default or NAME=VALUE,...")
    args = parser.parse_args()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        with serve(None, "bench/bare_page.py", args.port) as (url, pid):
            floor = render_s(browser, url, BARE)
            floor_gb = peak_rss_gb(pid)
        print(f"floor: a bare page drawn in {floor:.2f} s, server peak {floor_gb:.2f} GB")
        heads = " ".join(f"{name + ' s':>12} {'again s':>8}" for name in args.pages)
        visited = ", ".join(dict.fromkeys(args.pages + args.also))
        print(f"{'resources':>9} {heads} {'peak GB':>8} (pages visited: {visited})")
        for n, (label, extra) in ((n, variant) for n in args.sizes for variant in args.variants):
            db, _ = build_estate(n, args.dir)
            if len(args.variants) > 1:  # a fresh copy: the first server stores what it computes into the file
                print(f"          served with {label}", flush=True)
                db = _fresh_copy(db)
            with serve(db, port=args.port, root=args.root, extra_env=extra) as (url, pid):
                cells = []
                for name in args.pages:
                    first = render_s(browser, url, PAGES[name])
                    again = render_s(browser, url, PAGES[name])
                    cells.append(f"{first:>12.2f} {again:>8.2f}")
                steps = [f"after first renders {peak_rss_gb(pid):.2f}"]
                for name in args.also:
                    if name not in args.pages:
                        seconds = render_s(browser, url, PAGES[name])
                        steps.append(f"{name} {seconds:.1f} s → {peak_rss_gb(pid):.2f}")
                print(f"{n:>9,} {' '.join(cells)} {peak_rss_gb(pid):>8.2f}", flush=True)
                print(f"          server peak GB after each page: {'; '.join(steps)}", flush=True)
        browser.close()


if __name__ == "__main__":
    main()

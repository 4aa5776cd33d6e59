"""Every page in app.py's ``PAGES`` (read from the file, so pages added later are covered) opened in headless
Debian Chromium against the demo estate: no page error, no exception box, no error-boundary message, no
request to any host but the app, no traceback in the server's log; a screenshot of each in test-artifacts/."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import ARTIFACTS, new_page, start_app, stop_app
from tests.conftest import PROJECT_ROOT

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FAILURES = (
    "Something went wrong while drawing this page",
    "could not be used:",
)


def pages_of(app: Path) -> list[tuple[str, str]]:
    """(script, URL path) of every ``st.Page`` in the ``PAGES`` list: ``url_path`` when given, else the
    script's stem as Streamlit infers it, and "" for the default page."""
    tree = ast.parse(app.read_text("utf-8"))
    listing = next(
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "PAGES" for t in node.targets)
    )
    out = []
    for call in listing.elts:
        script = call.args[0].value
        words = {k.arg: k.value.value for k in call.keywords if isinstance(k.value, ast.Constant)}
        out.append((script, "" if words.get("default") else words.get("url_path") or Path(script).stem))
    return out


def test_the_page_list_is_read_from_app_py() -> None:
    pages = dict(pages_of(PROJECT_ROOT / "app.py"))
    assert pages["views/overview.py"] == "" and pages["views/coldstarts.py"] == "cold-starts"
    assert pages["views/costs.py"] == "costs" and len(pages) >= 7


def _settle(page: Page) -> None:
    """Wait until the page's script has run to its end (Streamlit marks the app root)."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=60_000)
    page.wait_for_function(
        "(() => { const app = document.querySelector('[data-testid=\"stApp\"]');"
        " return app && app.getAttribute('data-test-script-state') === 'notRunning'"
        " && document.querySelector('[data-testid=\"stMain\"] h1') !== null; })()",
        timeout=180_000,
    )
    page.wait_for_timeout(500)  # let the last deltas paint before the screenshot


def test_every_page_in_headless_chromium(demo_db: Path, chromium: Browser) -> None:
    proc, url = start_app(demo_db)
    seen: dict[str, list[str]] = {}
    try:
        page = new_page(chromium)
        ARTIFACTS.mkdir(exist_ok=True)
        for script, path in pages_of(PROJECT_ROOT / "app.py"):
            page.goto(f"{url}/{path}", wait_until="domcontentloaded")
            _settle(page)
            name = Path(script).stem
            page.screenshot(path=str(ARTIFACTS / f"page-{name}.png"), full_page=True)
            text = page.locator('[data-testid="stMain"]').inner_text()
            problems = [f for f in FAILURES if f in text]
            if page.locator('[data-testid="stException"]').count():
                problems.append("an exception box")
            seen[script] = problems + [f"page error: {e}" for e in page.errors]
            page.errors.clear()
    finally:
        log = stop_app(proc)
    assert {s: p for s, p in seen.items() if p} == {}
    assert len(seen) == len(pages_of(PROJECT_ROOT / "app.py"))
    elsewhere = [u for u in page.requests if urlsplit(u).netloc != urlsplit(url).netloc]
    assert elsewhere == [], elsewhere
    assert "Traceback" not in log, log[-3000:]

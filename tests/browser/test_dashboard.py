"""One real browser against the running app: charts draw, no errors, filters reach the URL."""

from __future__ import annotations

import pytest

from tests.browser.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _wait_for_charts(page, count: int) -> None:
    page.wait_for_function(f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= {count}", timeout=90_000)


def test_overview_in_headless_chromium(running_app: str, browser_page) -> None:
    page = browser_page
    page.goto(running_app, wait_until="domcontentloaded")
    _wait_for_charts(page, 4)
    page.wait_for_selector("text=You are looking at demo data", timeout=30_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "overview.png"), full_page=True)
    assert "start=" in page.url and "end=" in page.url

    # a filter chosen in the sidebar narrows the page and lands in the URL, so the view can be shared
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.locator('[data-testid="stMultiSelect"]').filter(has_text="Service").locator("input").click()
    page.get_by_role("option", name="Cloud Run").click()
    page.wait_for_url("**service=cloud-run**", timeout=30_000)
    page.wait_for_function(
        "[...document.querySelectorAll('[data-testid=\"stMetricValue\"]')].some(e => e.textContent.trim() === '3')",
        timeout=30_000,
    )
    _wait_for_charts(page, 4)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.errors == []

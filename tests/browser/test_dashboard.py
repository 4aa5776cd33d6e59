"""One real browser against the running app: charts draw, no errors, filters reach the URL."""

from __future__ import annotations

import tomllib
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import ARTIFACTS, new_page, start_app, stop_app

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


def _choose_rule(page, starting: str) -> str:
    """Open the editor's chooser (a click on a list that a rerun just redrew may not open it: retry), pick the
    option that has ``starting`` and return its text as the browser shows it."""
    chooser = page.locator('[data-testid="stSelectbox"]').filter(has_text="Rule to edit").locator("input")
    for _ in range(5):
        chooser.click()
        try:
            page.wait_for_selector("[role=listbox]", timeout=3_000)
            break
        except Exception:
            page.keyboard.press("Escape")
    option = page.get_by_role("option").filter(has_text=starting).first
    text = option.inner_text()
    option.click()
    return text


def test_prices_page_in_headless_chromium(demo_db, tmp_path, chromium) -> None:
    """The Prices page draws with no page error, saves an edit made in the browser, and asks nothing of any host
    but the app: not the sources it links to, not an address hidden in a rule's name."""
    overrides = tmp_path / "prices.toml"
    overrides.write_text(
        "[[discount]]\nservice = 'cloud-run'\npercent = 5\n"
        "name = '![pixel](http://127.0.0.1:9/rule.png) <img src=\"http://127.0.0.1:9/tag.png\"> **bold**'\n"
    )
    proc, url = start_app(demo_db, extra_env={"BREAKEVEN_PRICE_OVERRIDES": str(overrides)})
    try:
        page = new_page(chromium)
        page.goto(f"{url}/prices", wait_until="domcontentloaded")
        page.wait_for_selector("text=Your discounts and overrides", timeout=120_000)
        page.wait_for_function("document.querySelectorAll('[data-testid=\"stDataFrame\"]').length >= 3", timeout=60_000)
        assert page.locator('[data-testid="stException"]').count() == 0

        # the rule's name is text in the chooser's list, exactly as written
        assert "· ![pixel](http://127.0.0.1:9/rule.png) <img" in _choose_rule(page, "discount[0]")
        page.wait_for_selector("text=Remove this rule", timeout=30_000)
        _choose_rule(page, "New discount")
        # under load the rerun may still show the chosen rule's form beside the new one: wait for one form
        page.wait_for_function(
            """() => [...document.querySelectorAll('[data-testid="stTextInput"]')]
                   .filter(e => (e.innerText || '').trim().startsWith('Service')).length === 1
               && ![...document.querySelectorAll('button')].some(b => b.innerText.includes('Remove this rule'))""",
            timeout=60_000,
        )

        for label, value in (("Service", "lambda"), ("Percent off list", "12"), ("Name", "browser plan")):
            field = page.locator('[data-testid="stTextInput"]').filter(has_text=label).locator("input")
            field.fill(value)
            field.press("Tab")
        page.wait_for_timeout(500)
        page.get_by_role("button", name="Save").click()
        # the save's own message ("Rules are saved to …", the caption above the form, is there all along)
        page.wait_for_selector("text=prices differ from list now", timeout=60_000)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "prices.png"), full_page=True)
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.errors == []
    finally:
        log = stop_app(proc)
    saved = tomllib.loads(overrides.read_text("utf-8"))
    assert [d["name"] for d in saved["discount"]][1] == "browser plan" and saved["discount"][1]["percent"] == 12
    # nothing may leave the app: not the tab icon (a file of ours), no source page the table links to, no address
    # written in a rule's name
    elsewhere = [u for u in page.requests if urlsplit(u).netloc != urlsplit(url).netloc]
    assert elsewhere == [], elsewhere
    assert "Traceback" not in log, log[-3000:]

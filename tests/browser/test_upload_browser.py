"""A real browser uploads a sample file into the running app, which imports it into a temporary database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.conftest import ARTIFACTS, halt, start_app
from tests.importers.conftest import SAMPLES, rows

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def empty_app(empty_db: Path) -> Iterator[tuple[str, Path]]:
    proc, url = start_app(empty_db)
    try:
        yield url, empty_db
    finally:
        halt(proc)


def test_upload_a_sample_through_the_browser(empty_app: tuple[str, Path], browser_page) -> None:
    url, db = empty_app
    page = browser_page
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector("h1:has-text('Overview')", timeout=60_000)
    # through the navigation, as a person would
    page.locator('[data-testid="stSidebarNav"] a[href$="/upload"]').click()
    page.wait_for_selector('[data-testid="stFileUploader"]', timeout=60_000)
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(SAMPLES / "long.csv"))
    page.wait_for_selector("text=Rows read", timeout=60_000)
    page.get_by_role("button", name="Import 1 file(s)").click()
    page.wait_for_selector("text=60 new, 0 updated, 0 unchanged", timeout=60_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "upload.png"), full_page=True)
    assert rows(db, "SELECT count(*) FROM metrics") == [(60,)]
    assert rows(db, "SELECT file_name, format FROM uploads") == [("long.csv", "long")]
    # the summary's link opens the Overview filtered to the imported Lambda function and its dates
    page.get_by_role("button", name="Open in Overview — AWS Lambda · 111122223333 · us-east-1: churn-scorer").click()
    page.wait_for_selector("h1:has-text('Overview')", timeout=30_000)
    page.wait_for_function(
        "[...document.querySelectorAll('[data-testid=\"stMetric\"]')].some(m => m.textContent.includes('Resources') "
        "&& m.querySelector('[data-testid=\"stMetricValue\"]').textContent.trim() === '1')",
        timeout=30_000,
    )
    sidebar = page.locator('[data-testid="stSidebar"]')
    assert (
        sidebar.locator('[data-testid="stMultiSelect"]').filter(has_text="Service").inner_text().count("AWS Lambda")
        == 1
    )
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.errors == []

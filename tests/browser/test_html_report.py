"""The downloadable HTML report opened from disk in headless Chromium: it draws its chart, requests nothing
but itself (the browser tests' no-outside-request rule), and a hostile resource name runs nothing."""

from __future__ import annotations

from pathlib import Path

from charts.html_report import to_html
from tests.charts.test_html_report import HOSTILE, estate


def test_the_report_file_draws_its_chart_offline_and_runs_no_injected_markup(chromium, tmp_path: Path) -> None:
    report = tmp_path / "report.html"
    report.write_text(to_html(estate(HOSTILE, HOSTILE), billed=None), "utf-8")
    page = chromium.new_page()
    requests: list[str] = []
    errors: list[str] = []
    dialogs: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(report.as_uri())
    page.wait_for_selector("#chart-1 svg.main-svg", timeout=30_000)
    assert requests == [report.as_uri()]  # no CDN, font, image or beacon: not even a failed attempt
    assert not errors and not dialogs
    assert page.locator("td", has_text="evil.example").first.inner_text() == HOSTILE  # inert text, as written
    assert page.locator("img").count() == 0
    page.close()

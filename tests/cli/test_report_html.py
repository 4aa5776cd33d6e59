"""``report --format html`` on the demo: the golden file (plotly.js cut out), the builder's output, its help."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from tests.charts.test_html_report import without_library
from tests.cli.test_report import golden, report  # noqa: F401 (golden is a fixture)


def test_the_demo_html_report_matches_its_golden_file_and_the_builder(
    demo_db_template: Path,
    capsys: pytest.CaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    golden,  # noqa: F811
) -> None:
    from analysis.billed import billed_view
    from analysis.estate import assess_estate
    from charts.html_report import to_html
    from pricing import load_price_book
    from store.queries import Filters

    monkeypatch.delenv("BREAKEVEN_PRICE_OVERRIDES", raising=False)
    code, out, err = report(capsys, "--db", str(demo_db_template), "--format", "html")
    assert code == 0, err
    assert out.startswith("<!DOCTYPE html>") and out.endswith("</html>\n")
    golden("report_demo.html", without_library(out))
    window = Filters(since=datetime(2026, 10, 30), until=datetime(2026, 11, 29))  # report's default window
    book = load_price_book(use_env=False)
    billed = billed_view(demo_db_template, window, book)  # the demo's own bills cover the window
    assert billed is not None and billed.rows
    assert out == to_html(assess_estate(demo_db_template, window, None, book), billed=billed)


def test_the_format_is_listed_in_the_help(capsys: pytest.CaptureFixture) -> None:
    from breakeven.cli import main

    assert main(["report", "--help"]) == 0
    assert "{json,csv,markdown,html}" in capsys.readouterr().out

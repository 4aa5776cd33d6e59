"""The Costs page with a bill (issue 13): its billed figures are ``report``'s for the same inputs, a file without
resource ids is unmatched spend, a re-issued month replaces rather than doubles, and the view at the bill's
rates prices the estate at the rates the bill implies, checked by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from breakeven.cli import main
from charts.format import money
from demo.bills.constants import SEARCH_RERANK_RATE, TRANSLATE_SP_DISCOUNT
from tests.app.conftest import metrics_of, open_app, shown
from tests.billing.small_estate import (
    DAYS,
    GB_S_PER_DAY,
    GHOST_PER_DAY,
    LIST_GB_S_RATE,
    LOGS_PER_DAY,
    REQUEST_RATE,
    REQUESTS_PER_DAY,
    import_cur,
    small_cur_lines,
    write_small_estate,
)

PAGE = "views/costs.py"
LIST_PER_DAY = REQUESTS_PER_DAY * REQUEST_RATE + GB_S_PER_DAY * LIST_GB_S_RATE  # $4.480008


def frame_with(at: AppTest, *columns: str) -> pd.DataFrame:
    """The first table on the page with all of ``columns``."""
    return next(d.value for d in at.dataframe if set(columns) <= set(d.value.columns))


def report_json(capsys: pytest.CaptureFixture, db: Path) -> dict:
    assert main(["report", "--db", str(db)]) == 0
    return json.loads(capsys.readouterr().out)


def test_the_pages_billed_figures_are_reports(
    demo_reissued_template: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    """Same database, same (default) window, same prices: every resource's billed cost, difference and bill,
    the unmatched spend per service; then the toggle to the bill's rates, checked against the sample bills."""
    monkeypatch.delenv("BREAKEVEN_PRICE_OVERRIDES", raising=False)
    at = open_app(demo_reissued_template, monkeypatch, page=PAGE)
    assert not at.exception
    report = report_json(capsys, demo_reissued_template)
    billed = {r["name"]: r["billed"] for r in report["resources"]}
    table = frame_with(at, "explained_by")
    assert len(table) == len(billed) == 24
    for _, row in table.iterrows():
        expected = billed[row["name"]]
        assert round(row["billed_usd"], 2) == expected["window_usd"], row["name"]
        assert round(row["difference_pct"], 1) + 0.0 == expected["difference_pct"], row["name"]
        assert row["source"] == expected["source"]
    unmatched = frame_with(at, "account", "usd").groupby("service")["usd"].sum().round(2).to_dict()
    assert unmatched == report["unmatched_usd"]
    headline = metrics_of(at)
    assert headline["Billed, same days"] == money(table["billed_usd"].sum())
    assert headline["Unmatched spend"] == money(sum(report["unmatched_usd"].values()))

    at.toggle(key="bill_rates").set_value(True).run()
    assert not at.exception and at.query_params["bill_rates"] in ("1", ["1"])
    calibration = frame_with(at, "derivation").set_index(["service", "region"])
    # SageMaker us-east-1: 20 % off translate-inf2's $0.99 hours over all three endpoints' billed hours there, in
    # the default window (30 October - 28 November: October's days from the demo's own bill, November's from the
    # samples, which re-issue it with the same charges)
    hours = 30 * 24
    on_demand = hours * (0.23 + 0.99) + billed["llm-summarize-g5"]["window_usd"]
    percent = TRANSLATE_SP_DISCOUNT * hours * 0.99 / on_demand * 100
    assert calibration.loc[("sagemaker-endpoint", "us-east-1"), "rate"] == f"{round(percent, 4):g} % off"
    assert calibration.loc[("sagemaker-endpoint", "eu-west-1"), "rate"] == f"${SEARCH_RERANK_RATE:.6g} per hour"
    rates = frame_with(at, "bill_verdict").set_index("name")
    forecast = rates.loc["legacy-forecast"]
    assert forecast["bill_usd"] == pytest.approx(730 * 0.23 * (1 - round(percent, 4) / 100), abs=0.01)
    rerank = rates.loc["search-rerank"]
    assert rerank["bill_usd"] == pytest.approx(rerank["list_usd"] * SEARCH_RERANK_RATE / 0.204, rel=1e-3)


@pytest.fixture
def small(tmp_path: Path) -> Path:
    return write_small_estate(tmp_path / "small.duckdb")


def test_a_file_without_resource_ids_is_unmatched_spend(
    small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    import_cur(small, tmp_path / "no-ids.csv", small_cur_lines(resource_ids=False))
    at = open_app(small, monkeypatch, page=PAGE)
    assert not at.exception
    (row,) = frame_with(at, "explained_by").itertuples()
    assert row.billed_usd == 0.0 and "names no resource" in row.explanation  # covered, billed nothing by name
    unmatched = frame_with(at, "account", "usd").set_index("service")["usd"]
    lambda_usd = DAYS * (REQUESTS_PER_DAY * REQUEST_RATE + GB_S_PER_DAY * 1.5e-5 + GHOST_PER_DAY)  # $45.80
    assert unmatched.to_dict() == pytest.approx({"AWSLambda": lambda_usd, "AmazonCloudWatch": DAYS * LOGS_PER_DAY})
    assert metrics_of(at)["Unmatched spend"] == money(lambda_usd + DAYS * LOGS_PER_DAY)  # $48.30
    assert report_json(capsys, small)["unmatched_usd"] == {"AWSLambda": 45.8, "AmazonCloudWatch": 2.5}


def test_a_reissued_month_replaces_rather_than_doubles(
    small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    import_cur(small, tmp_path / "cur-first.csv", small_cur_lines())  # duration at the negotiated $0.000015
    import_cur(small, tmp_path / "cur-reissued.csv", small_cur_lines(LIST_GB_S_RATE))  # the month again, at list
    at = open_app(small, monkeypatch, page=PAGE)
    assert not at.exception
    (row,) = frame_with(at, "explained_by").itertuples()
    assert row.billed_usd == pytest.approx(DAYS * LIST_PER_DAY)  # $44.80, not $40.80 + $44.80
    assert row.modelled_usd == pytest.approx(DAYS * LIST_PER_DAY) and abs(row.difference_pct) < 1e-9
    assert row.source == "cur2: cur-reissued.csv"
    assert frame_with(at, "account", "usd").set_index("service")["usd"].to_dict() == pytest.approx(
        {"AWSLambda": DAYS * GHOST_PER_DAY, "AmazonCloudWatch": DAYS * LOGS_PER_DAY}
    )
    (resource,) = report_json(capsys, small)["resources"]
    assert resource["billed"]["window_usd"] == round(DAYS * LIST_PER_DAY, 2)


def test_the_overviews_spend_is_billed_where_a_bill_covers_the_window(
    small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The window holds the function's ten days of data: modelled at list prices ($4.480008 a day) until a
    bill covering those days is imported, then billed at its negotiated duration rate ($4.08 a day)."""
    at = open_app(small, monkeypatch)
    assert not at.exception
    (label,) = [m for m in metrics_of(at) if m.startswith("Spend")]
    assert label == "Spend 01 Nov – 10 Nov 2026 (modelled)"
    assert metrics_of(at)[label] == money(DAYS * LIST_PER_DAY)  # $44.80
    import_cur(small, tmp_path / "cur.csv", small_cur_lines())
    at = open_app(small, monkeypatch)
    assert not at.exception
    billed = DAYS * (REQUESTS_PER_DAY * REQUEST_RATE + GB_S_PER_DAY * 1.5e-5)  # $40.80
    assert metrics_of(at)["Spend 01 Nov – 10 Nov 2026 (billed)"] == money(billed)
    assert any("billed: every resource's account has a bill covering this window" in shown(c.value) for c in at.caption)


def test_the_resource_view_shows_its_bill_beside_the_model(
    small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    """The Resource view's billed line is ``report``'s billed object: $4.08 a day billed over the ten days
    against $4.480008 modelled at list (the negotiated duration rate explains it); before the bill, it says why
    there is no billed figure."""
    at = open_app(small, monkeypatch, page="views/resource.py")
    assert not at.exception
    assert not [m for m in metrics_of(at) if m.startswith("Billed")]
    assert any("no imported bill covers this window" in shown(c.value) for c in at.caption)
    import_cur(small, tmp_path / "cur.csv", small_cur_lines())
    at = open_app(small, monkeypatch, page="views/resource.py")
    assert not at.exception
    seen = metrics_of(at)
    billed = DAYS * (REQUESTS_PER_DAY * REQUEST_RATE + GB_S_PER_DAY * 1.5e-5)  # $40.80
    assert seen["Billed 01 Nov – 10 Nov 2026"] == money(billed)
    assert seen["Modelled, same days"] == money(DAYS * LIST_PER_DAY)  # $44.80
    assert seen["Difference"] == money(billed - DAYS * LIST_PER_DAY, signed=True)  # −$4.00
    (resource,) = report_json(capsys, small)["resources"]
    assert resource["billed"]["window_usd"] == round(billed, 2)

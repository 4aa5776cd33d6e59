"""``report`` with a bill (issue 13): the ``billed`` object per resource and ``unmatched_usd``, in JSON, CSV and
markdown, checked against hand computations on a small CUR file written here and on the demo's sample bills."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from breakeven.cli import main
from demo.bills.constants import (
    CLOUDWATCH_GB_PER_DAY,
    CLOUDWATCH_USD_PER_GB,
    CUR_FILE,
    FOCUS_FILE,
    LEGACY_ETL_GB_S,
    LEGACY_ETL_REQUESTS,
    RUN_LEGACY_VCPU_S,
    SEARCH_RERANK_RATE,
    TRANSLATE_SP_DISCOUNT,
)
from tests.billing.small_estate import (
    BILLED_GB_S_RATE,
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


def report(capsys: pytest.CaptureFixture, *args: str) -> str:
    code = main(["report", *args])
    out = capsys.readouterr()
    assert code == 0, out.err
    return out.out


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("small-bill")
    path = write_small_estate(folder / "small.duckdb")
    import_cur(path, folder / "cur-2026-11.csv", small_cur_lines())
    return path


WINDOW = ("--since", "2026-11-03", "--until", "2026-11-07")  # 3–7 November: five whole days


def test_the_billed_object_is_the_charges_inside_the_window(small: Path, capsys: pytest.CaptureFixture) -> None:
    data = json.loads(report(capsys, "--db", str(small), *WINDOW))
    (resource,) = data["resources"]
    days = 5
    billed = days * (REQUESTS_PER_DAY * REQUEST_RATE + GB_S_PER_DAY * BILLED_GB_S_RATE)  # 5 × (0.48 + 3.60) = 20.40
    modelled = days * (REQUESTS_PER_DAY * REQUEST_RATE + GB_S_PER_DAY * LIST_GB_S_RATE)  # 5 × 4.480008 = 22.40004
    assert billed == pytest.approx(20.40) and modelled == pytest.approx(22.40004)
    assert resource["billed"] == {
        "window_usd": 20.40,  # days 1–2 and 8–10 of the bill are outside the window and not counted
        "monthly_usd": round(billed * 730 / (days * 24), 2),  # 124.10
        "difference_pct": round((billed - modelled) / modelled * 100, 1),  # −8.9
        "source": "cur2: cur-2026-11.csv",
    }
    assert data["unmatched_usd"] == {"AWSLambda": days * GHOST_PER_DAY, "AmazonCloudWatch": days * LOGS_PER_DAY}
    # the resource's modelled month is the report's own, unchanged by the bill
    assert resource["current"]["monthly_usd"] == pytest.approx(modelled / (days * 24) * 730, abs=0.01)


def test_csv_and_markdown_show_the_same_figures(small: Path, capsys: pytest.CaptureFixture) -> None:
    table = list(csv.DictReader(io.StringIO(report(capsys, "--db", str(small), *WINDOW, "--format", "csv"))))
    assert [r["name"] for r in table] == ["scorer", "AWSLambda", "AmazonCloudWatch"]
    fn, ghost, logs = table
    assert (fn["billed_window_usd"], fn["billed_monthly_usd"], fn["billed_difference_pct"]) == ("20.4", "124.1", "-8.9")
    assert fn["billed_source"] == "cur2: cur-2026-11.csv"
    assert (ghost["resource_id"], ghost["billed_window_usd"], logs["billed_window_usd"]) == ("", "2.5", "1.25")
    assert ghost["skipped_reason"].startswith("unmatched spend") and ghost["current_monthly_usd"] == ""
    md = report(capsys, "--db", str(small), *WINDOW, "--format", "markdown")
    assert "Whole UTC days of the window: 2026-11-03 → 2026-11-07 (5 days)" in md
    assert "- Billed: **$20.40** against $22.40 modelled for the same days" in md
    assert "| scorer | 2026-11-03 → 2026-11-07 | $20.40 | $124.10 | $22.40 | −$2.00 | −8.9 % |" in md
    assert "| AWSLambda | $2.50 |" in md and "| AmazonCloudWatch | $1.25 |" in md


def test_a_window_the_bill_does_not_reach_is_null(small: Path, capsys: pytest.CaptureFixture) -> None:
    """Days after the bill's last: no account coverage, so ``billed`` is null, not $0."""
    data = json.loads(report(capsys, "--db", str(small), "--since", "2026-11-12", "--until", "2026-11-14"))
    assert data["resources"][0]["billed"] is None and data["unmatched_usd"] == {}


def test_the_demo_out_of_the_box(
    demo_db_template: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo carries its own bills (``demo.bills``): the default window (the 30 days ending at the newest
    data, 30 October – 28 November) is billed whole, by October's and November's bills; hand figures from the
    bills' own rates (data/samples/README.md)."""
    monkeypatch.delenv("BREAKEVEN_PRICE_OVERRIDES", raising=False)
    data = json.loads(report(capsys, "--db", str(demo_db_template)))
    billed = {r["name"]: r["billed"] for r in data["resources"]}
    days = 30
    hours = days * 24
    cur = "cur2: demo/billing-cur2-111122223333.csv.gz"
    assert billed["legacy-forecast"] == {  # ml.m5.xlarge always on at $0.23, billed as the model prices it
        "window_usd": round(hours * 0.23, 2),
        "monthly_usd": round(730 * 0.23, 2),
        "difference_pct": 0.0,
        "source": cur,
    }
    translate = billed["translate-inf2"]  # ml.inf2.xlarge at $0.99, 20 % off under a SageMaker Savings Plan
    assert translate["window_usd"] == round(hours * 0.99 * (1 - TRANSLATE_SP_DISCOUNT), 2)
    assert translate["difference_pct"] == -20.0
    assert translate["source"] == "focus: demo/billing-focus-1.2-444455556666.csv"
    rerank = billed["search-rerank"]  # the same instance hours at the billed rate against the sheet's $0.204
    assert rerank["difference_pct"] == round((SEARCH_RERANK_RATE / 0.204 - 1) * 100, 1)  # +11.3
    assert all(b is not None and b["window_usd"] >= 0 for b in billed.values())
    assert data["unmatched_usd"] == pytest.approx(
        {
            "AWSLambda": days * (LEGACY_ETL_REQUESTS * 2e-7 + LEGACY_ETL_GB_S * 1.66667e-5),  # 16.00
            "AmazonCloudWatch": days * CLOUDWATCH_GB_PER_DAY * CLOUDWATCH_USD_PER_GB,  # 30.00
            "Cloud Run": days * RUN_LEGACY_VCPU_S * 2.4e-5,  # 7.20
        },
        abs=0.005,
    )
    md = report(capsys, "--db", str(demo_db_template), "--format", "markdown")
    usd = f"${hours * 0.23:,.2f}"
    assert f"| legacy-forecast | 2026-10-30 → 2026-11-28 | {usd} | $167.90 | {usd} | $0.00 |" in md


def test_the_committed_samples_reissue_the_demos_november(
    demo_reissued_template: Path, demo_db_template: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Importing the samples replaces the demo's own November (a re-issued month), with the same figures: only
    the source names change."""
    monkeypatch.delenv("BREAKEVEN_PRICE_OVERRIDES", raising=False)
    args = ("--since", "2026-11-01", "--until", "2026-11-29")
    data = json.loads(report(capsys, "--db", str(demo_reissued_template), *args))
    billed = {r["name"]: r["billed"] for r in data["resources"]}
    assert billed["legacy-forecast"] == {
        "window_usd": round(28 * 24 * 0.23, 2),
        "monthly_usd": round(730 * 0.23, 2),
        "difference_pct": 0.0,
        "source": f"cur2: {CUR_FILE}",
    }
    assert billed["translate-inf2"]["source"] == f"focus: {FOCUS_FILE}"
    own = json.loads(report(capsys, "--db", str(demo_db_template), *args))

    def figures(report_data: dict) -> list:
        return [{k: v for k, v in (r["billed"] or {}).items() if k != "source"} for r in report_data["resources"]] + [
            report_data["unmatched_usd"]
        ]

    assert figures(data) == figures(own)


def test_the_html_report_shows_the_bill_too(small: Path, capsys: pytest.CaptureFixture) -> None:
    """Issue 13's "the CSV/HTML reports show them too": the same billed row and unmatched spend as the markdown."""
    page = report(capsys, "--db", str(small), *WINDOW, "--format", "html")
    section = page.split("<h2>Billed against modelled</h2>", 1)[1]
    assert "<li>Billed: $20.40 against $22.40 modelled for the same days</li>" in section
    row = next(line for line in section.splitlines() if line.startswith("<tr><td>scorer</td>"))
    assert "<td>$20.40</td><td>$124.10</td><td>$22.40</td><td>−$2.00</td><td>−8.9 %</td>" in row
    assert '<tr><td>AWSLambda</td><td class="num">$2.50</td></tr>' in section
    assert '<tr><td>AmazonCloudWatch</td><td class="num">$1.25</td></tr>' in section

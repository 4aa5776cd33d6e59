"""``report`` with a bill (issue 13): the ``billed`` object per resource and ``unmatched_usd``, in JSON, CSV and
markdown, checked against hand computations on a small CUR file written here and on the demo's sample bills."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from breakeven.cli import main
from importers.billing import read_billing_file
from store.billing import write_billing
from store.writes import Batch, ConfigRecord, ResourceRecord, metrics_frame, write_batch
from tests.billing.sample_constants import (
    CLOUDWATCH_GB_PER_DAY,
    CLOUDWATCH_USD_PER_GB,
    CUR_FILE,
    FOCUS_FILE,
    GCP_FILE,
    LEGACY_ETL_GB_S,
    LEGACY_ETL_REQUESTS,
    RUN_LEGACY_VCPU_S,
    SEARCH_RERANK_RATE,
    TRANSLATE_SP_DISCOUNT,
)
from tests.billing.specimens import ACCOUNT, LAMBDA_ARN, cur_row
from tests.billing.writers import write_csv
from tests.conftest import PROJECT_ROOT, copy_database

NOV = datetime(2026, 11, 1)
REQUESTS_PER_HOUR, DURATION_MS, MEMORY_GB = 100_000, 100.0, 1.0
REQUESTS_PER_DAY = 24 * REQUESTS_PER_HOUR  # 2.4 M
GB_S_PER_DAY = REQUESTS_PER_DAY * DURATION_MS / 1000 * MEMORY_GB  # 240,000 GB-s
BILLED_GB_S_RATE = 1.5e-5  # a negotiated rate: the list price is 1.66667e-5
GHOST_PER_DAY, LOGS_PER_DAY = 0.5, 0.25  # a function Breakeven does not know; log ingestion without a resource id


def report(capsys: pytest.CaptureFixture, *args: str) -> str:
    code = main(["report", *args])
    out = capsys.readouterr()
    assert code == 0, out.err
    return out.out


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One Lambda function measured hourly on 1–10 November, and its account's CUR for those ten days."""
    folder = tmp_path_factory.mktemp("small-bill")
    path = folder / "small.duckdb"
    fn = ResourceRecord("lambda", ACCOUNT, "us-east-1", "scorer")
    rows = [
        (fn.resource_id, metric, NOV + timedelta(hours=h), 3600, value, "t")
        for h in range(10 * 24)
        for metric, value in (
            ("invocations", float(REQUESTS_PER_HOUR)),
            ("duration_ms_avg", DURATION_MS),
            ("billed_duration_ms_sum", REQUESTS_PER_HOUR * DURATION_MS),  # Logs Insights' exact billed time
        )
    ]
    config = ConfigRecord(fn.resource_id, NOV, {"memory_mb": 1024, "architecture": "x86_64"}, "t")
    write_batch(path, Batch(resources=[fn], configs=[config], metrics=metrics_frame(rows)))
    lines = []
    for day in range(10):
        start, end = NOV + timedelta(days=day), NOV + timedelta(days=day + 1)
        when = {"line_item_usage_start_date": start, "line_item_usage_end_date": end}
        requests = REQUESTS_PER_DAY * 2e-7
        duration = GB_S_PER_DAY * BILLED_GB_S_RATE
        lines += [
            cur_row(
                identity_line_item_id=f"req-{day}", line_item_usage_type="USE1-Request",
                line_item_usage_amount=float(REQUESTS_PER_DAY), pricing_unit="Requests",
                line_item_unblended_cost=requests, pricing_public_on_demand_cost=requests, **when,
            ),
            cur_row(
                identity_line_item_id=f"gbs-{day}", line_item_usage_amount=GB_S_PER_DAY,
                line_item_unblended_cost=duration, pricing_public_on_demand_cost=GB_S_PER_DAY * 1.66667e-5, **when,
            ),
            cur_row(
                identity_line_item_id=f"ghost-{day}", line_item_resource_id=LAMBDA_ARN.replace("scorer", "ghost"),
                line_item_unblended_cost=GHOST_PER_DAY, pricing_public_on_demand_cost=GHOST_PER_DAY, **when,
            ),
            cur_row(
                identity_line_item_id=f"logs-{day}", line_item_product_code="AmazonCloudWatch",
                line_item_usage_type="USE1-DataProcessing-Bytes", line_item_resource_id="", pricing_unit="GB",
                line_item_unblended_cost=LOGS_PER_DAY, pricing_public_on_demand_cost=LOGS_PER_DAY, **when,
            ),
        ]  # fmt: skip
    write_billing(path, read_billing_file(write_csv(folder / "cur-2026-11.csv", lines)))
    return path


WINDOW = ("--since", "2026-11-03", "--until", "2026-11-07")  # 3–7 November: five whole days


def test_the_billed_object_is_the_charges_inside_the_window(small: Path, capsys: pytest.CaptureFixture) -> None:
    data = json.loads(report(capsys, "--db", str(small), *WINDOW))
    (resource,) = data["resources"]
    days = 5
    billed = days * (REQUESTS_PER_DAY * 2e-7 + GB_S_PER_DAY * BILLED_GB_S_RATE)  # 5 × (0.48 + 3.60) = 20.40
    modelled = days * (REQUESTS_PER_DAY * 2e-7 + GB_S_PER_DAY * 1.66667e-5)  # 5 × 4.480008 = 22.40004
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


@pytest.fixture(scope="module")
def demo_billed(demo_db_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = copy_database(demo_db_template, tmp_path_factory.mktemp("demo-billed") / "demo.duckdb")
    for name in (CUR_FILE, FOCUS_FILE, GCP_FILE):
        write_billing(path, read_billing_file(PROJECT_ROOT / "data" / "samples" / name))
    return path


def test_the_demo_with_its_sample_bills(
    demo_billed: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The default window (30 days ending at the newest data) holds the bills' 28 days: hand figures from the
    sample bills' own rates (data/samples/README.md)."""
    monkeypatch.delenv("BREAKEVEN_PRICE_OVERRIDES", raising=False)
    data = json.loads(report(capsys, "--db", str(demo_billed)))
    billed = {r["name"]: r["billed"] for r in data["resources"]}
    hours = 28 * 24
    assert billed["legacy-forecast"] == {  # ml.m5.xlarge always on at $0.23, billed as the model prices it
        "window_usd": round(hours * 0.23, 2),
        "monthly_usd": round(730 * 0.23, 2),
        "difference_pct": 0.0,
        "source": f"cur2: {CUR_FILE}",
    }
    translate = billed["translate-inf2"]  # ml.inf2.xlarge at $0.99, 20 % off under a SageMaker Savings Plan
    assert translate["window_usd"] == round(hours * 0.99 * (1 - TRANSLATE_SP_DISCOUNT), 2)
    assert translate["difference_pct"] == -20.0 and translate["source"] == f"focus: {FOCUS_FILE}"
    rerank = billed["search-rerank"]  # the same instance hours at the billed rate against the sheet's $0.204
    assert rerank["difference_pct"] == round((SEARCH_RERANK_RATE / 0.204 - 1) * 100, 1)  # +11.3
    assert all(b is not None and b["window_usd"] >= 0 for b in billed.values())
    assert data["unmatched_usd"] == pytest.approx(
        {
            "AWSLambda": 28 * (LEGACY_ETL_REQUESTS * 2e-7 + LEGACY_ETL_GB_S * 1.66667e-5),  # 14.93
            "AmazonCloudWatch": 28 * CLOUDWATCH_GB_PER_DAY * CLOUDWATCH_USD_PER_GB,  # 28.00
            "Cloud Run": 28 * RUN_LEGACY_VCPU_S * 2.4e-5,  # 6.72
        },
        abs=0.005,
    )
    md = report(capsys, "--db", str(demo_billed), "--format", "markdown")
    assert f"| legacy-forecast | 2026-11-01 → 2026-11-28 | ${hours * 0.23:,.2f} | $167.90 | $154.56 | $0.00 |" in md

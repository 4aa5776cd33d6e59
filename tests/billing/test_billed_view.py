"""The bill beside the model for a window (analysis.billed) and the Overview's spend (analysis.spend), on the
demo with its sample bills: billed figures against the bills' own numbers, modelled ones against the model's
seam for the same days, and the window rules (whole days only, months, partial coverage)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from analysis.billed import billed_view, report_dict, window_days
from analysis.calibrate import calibrate, calibrated_book
from analysis.reconcile import reconcile
from analysis.reconcile_model import current_model
from analysis.spend import spend
from demo.bills.constants import (
    CLOUDWATCH_GB_PER_DAY,
    CLOUDWATCH_USD_PER_GB,
    CUR_FILE,
    FOCUS_FILE,
    LEGACY_ETL_GB_S,
    LEGACY_ETL_REQUESTS,
    RUN_LEGACY_VCPU_S,
)
from demo.bills.writers import write_csv
from demo.profiles import AWS_PROD, AWS_RESEARCH, GCP_PROJECT
from importers.billing import read_billing_file
from pricing import load_price_book
from pricing.overrides import Discount, Override, Overrides
from store import queries as q
from store.billing import write_billing
from tests.billing.specimens import cur_row

NOVEMBER = q.Filters(start=date(2026, 11, 1), end=date(2026, 11, 30), month=date(2026, 11, 1))
DAYS, HOURS = 28, 28 * 24
FORECAST = f"sagemaker-endpoint:{AWS_PROD}:us-east-1:legacy-forecast"


@pytest.fixture(scope="module")
def book():
    return load_price_book(use_env=False)


@pytest.fixture(scope="module")
def november(demo_billed_template: Path, book):
    return billed_view(demo_billed_template, NOVEMBER, book)


def test_the_days_wholly_inside_a_window() -> None:
    assert window_days(q.Filters(start=date(2026, 11, 1), end=date(2026, 11, 30))) == (
        date(2026, 11, 1),
        date(2026, 11, 30),
    )
    mid = q.Filters(since=datetime(2026, 11, 2, 18, 15), until=datetime(2026, 11, 29, 6))
    assert window_days(mid) == (date(2026, 11, 3), date(2026, 11, 28))  # the partial first and last days left out
    assert window_days(q.Filters(since=datetime(2026, 11, 2, 1), until=datetime(2026, 11, 2, 23))) is None


def test_the_billed_object_of_every_resource(november, demo_billed_template: Path, book) -> None:
    assert len(november.rows) == 24 and november.uncovered == ()
    forecast = november.row(FORECAST)
    assert (forecast.start, forecast.end) == (date(2026, 11, 1), date(2026, 11, 28))
    assert forecast.window_usd == pytest.approx(HOURS * 0.23)  # 672 h of ml.m5.xlarge at $0.23, as billed
    assert forecast.to_dict() == {
        "window_usd": round(HOURS * 0.23, 2),
        "monthly_usd": round(730 * 0.23, 2),
        "difference_pct": 0.0,
        "source": f"cur2: {CUR_FILE}",
    }
    # the modelled side is the model's own cost of the same days
    modelled = current_model(demo_billed_template, book, NOVEMBER)(date(2026, 11, 1), date(2026, 11, 28))
    for row in november.rows:
        assert row.modelled_usd == pytest.approx(modelled[row.resource_id].usd), row.resource_id
        assert row.difference_usd == pytest.approx(row.window_usd - row.modelled_usd)
    rerank = november.row(f"sagemaker-endpoint:{AWS_PROD}:eu-west-1:search-rerank")
    assert rerank.explained_by == "price of compute (duration / instance time)" and "0.227" in rerank.explanation
    translate = november.row(f"sagemaker-endpoint:{AWS_RESEARCH}:us-east-1:translate-inf2")
    assert translate.source == f"focus: {FOCUS_FILE}" and translate.explained_by.startswith("Savings Plan")


def test_unmatched_spend_per_service_in_the_report(november) -> None:
    expected = {
        "AWSLambda": round(DAYS * (LEGACY_ETL_REQUESTS * 2e-7 + LEGACY_ETL_GB_S * 1.66667e-5), 2),
        "AmazonCloudWatch": DAYS * CLOUDWATCH_GB_PER_DAY * CLOUDWATCH_USD_PER_GB,
        "Cloud Run": round(DAYS * RUN_LEGACY_VCPU_S * 2.4e-5, 2),
    }
    assert november.unmatched_usd == pytest.approx(expected, abs=0.01)
    estate = {"window": {}, "resources": [{"resource_id": FORECAST}, {"resource_id": "lambda:x:y:gone"}]}
    out = report_dict(estate, november)
    assert out["resources"][0]["billed"]["window_usd"] == round(HOURS * 0.23, 2)
    assert out["resources"][1]["billed"] is None
    assert out["unmatched_usd"] == dict(sorted(november.unmatched_usd.items()))
    assert report_dict(estate, None)["unmatched_usd"] == {}


def test_filters_narrow_the_bill_too(demo_billed_template: Path, book) -> None:
    lam = billed_view(
        demo_billed_template, q.Filters(start=date(2026, 11, 1), end=date(2026, 11, 28), services=("lambda",)), book
    )
    assert {r.resource_id.split(":")[0] for r in lam.rows} == {"lambda"}
    assert set(lam.unmatched_usd) == {"AWSLambda"}  # CloudWatch and Cloud Run spend is other services'
    research = billed_view(
        demo_billed_template, q.Filters(start=date(2026, 11, 1), end=date(2026, 11, 28), accounts=(AWS_RESEARCH,)), book
    )
    assert {r.resource_id.split(":")[1] for r in research.rows} == {AWS_RESEARCH} and research.unmatched_usd == {}


def test_a_file_without_resource_ids_is_unmatched_spend(demo_billed: Path, tmp_path: Path, book) -> None:
    before = billed_view(demo_billed, NOVEMBER, book)
    rows = [
        cur_row(
            line_item_usage_account_id=AWS_RESEARCH,
            line_item_resource_id="",
            line_item_usage_start_date=datetime(2026, 11, day),
            line_item_usage_end_date=datetime(2026, 11, day + 1),
            line_item_unblended_cost=2.5,
            pricing_public_on_demand_cost=2.5,
            bill_payer_account_id=AWS_RESEARCH,
        )
        for day in range(1, 29)
    ]
    write_billing(demo_billed, read_billing_file(write_csv(tmp_path / "no-ids.csv", rows)))
    after = billed_view(demo_billed, NOVEMBER, book)
    assert after.unmatched_usd["AWSLambda"] == pytest.approx(before.unmatched_usd["AWSLambda"] + 28 * 2.5, abs=0.01)
    # it replaced the FOCUS month of that account: its resources are billed nothing now, and say so
    churn = after.row(f"lambda:{AWS_RESEARCH}:us-east-1:churn-predict")
    assert churn.window_usd == 0.0 and any("names no resource" in n for n in churn.notes)


def test_spend_is_billed_where_a_bill_covers_the_window_and_says_so(demo_billed_template: Path, book) -> None:
    model = current_model(demo_billed_template, book, NOVEMBER)
    month = spend(demo_billed_template, NOVEMBER, model)
    assert (month.start, month.end) == (date(2026, 11, 1), date(2026, 11, 28))  # the days with data
    assert month.basis == "billed" and {r.basis for r in month.resources} == {"billed"}
    view = billed_view(demo_billed_template, NOVEMBER, book)
    assert month.total() == pytest.approx(view.billed_usd)
    by_account = month.by("account").set_index("account")["window_usd"]
    assert by_account[GCP_PROJECT] == pytest.approx(
        sum(r.window_usd for r in view.rows if GCP_PROJECT in r.resource_id)
    )
    assert month.unmatched_usd == pytest.approx(view.unmatched_total, abs=0.02)  # the view rounds per service

    rolling = q.Filters(start=date(2026, 10, 30), end=date(2026, 11, 28))  # the bills cover 28 of 30 days
    partly = spend(demo_billed_template, rolling, current_model(demo_billed_template, book, rolling))
    assert partly.basis == "modelled" and len(partly.notes) == 3
    assert partly.basis_text().startswith("modelled") and "28 of the window's 30 days" in partly.notes[0]
    forecast = next(r for r in partly.resources if r.resource_id == FORECAST)
    assert forecast.monthly_usd == pytest.approx(730 * 0.23, rel=1e-6)  # the model's month, always on


def test_the_calibrated_book_sets_aside_the_users_rules_the_bill_measured(demo_billed_template: Path, book) -> None:
    recon = reconcile(
        demo_billed_template, date(2026, 11, 1), date(2026, 11, 28), current_model(demo_billed_template, book)
    )
    calibrations = calibrate(recon)
    user = Overrides(
        discounts=(Discount("lambda", 30.0, ("*",), ("us-east-1",), "my lambda deal"),),
        overrides=(Override("cloud-functions", "invocations", 0.0000002, "*", "my gcf price"),),
        path="mine.toml",
    )
    calibrated = calibrated_book(book, user, calibrations)
    assert calibrated.set_aside == ["discount my lambda deal (30 % on lambda)"]
    measured = next(
        c for c in calibrations if c.kind == "discount" and c.service == "lambda" and c.region == "us-east-1"
    )
    duration = calibrated.book.price("lambda", "duration-x86_64", "us-east-1")
    listed = book.price("lambda", "duration-x86_64", "us-east-1")
    assert duration.usd == pytest.approx(listed.usd * (1 - measured.percent / 100))  # the bill's rate, not × 0.7 too
    assert calibrated.book.price("cloud-functions", "invocations", "us-central1").usd == pytest.approx(2e-7)


def test_a_reports_instants_model_the_billed_days_only(demo_billed_template: Path, book) -> None:
    """``report``'s window is since/until instants (30 days ending at the newest data): the model's side must
    still be the days the bill covers (1–28 November), not the whole window (the merge of since/until)."""
    view = billed_view(
        demo_billed_template, q.Filters(since=datetime(2026, 10, 30), until=datetime(2026, 11, 29)), book
    )
    forecast = view.row(FORECAST)
    assert (forecast.start, forecast.end) == (date(2026, 11, 1), date(2026, 11, 28))
    assert forecast.modelled_usd == pytest.approx(HOURS * 0.23)  # always on: 672 h at $0.23, as billed
    assert forecast.difference_pct == pytest.approx(0.0, abs=1e-9)

"""The demo estate reconciled with its sample bills (imported into a demo database), against differences
computed by hand from the demo's hourly metrics, the price sheet's list prices and the samples' own figures."""

from __future__ import annotations

import gzip
from datetime import date
from pathlib import Path

import duckdb
import pytest

from analysis.reconcile import Reconciliation, reconcile
from analysis.reconcile_model import current_model
from demo.bills.constants import (
    CLOUDWATCH_GB_PER_DAY,
    CLOUDWATCH_USD_PER_GB,
    CUR_FILE,
    EGRESS_GB_PER_DAY,
    EGRESS_USD_PER_GB,
    FEATURE_CREDIT_PER_DAY,
    LEGACY_ETL_GB_S,
    LEGACY_ETL_REQUESTS,
    RUN_CUD_DISCOUNT,
    RUN_LEGACY_VCPU_S,
    SEARCH_RERANK_RATE,
    SP_DISCOUNT,
    SP_SHARE,
    T4_RATE,
    TRANSLATE_SP_DISCOUNT,
)
from demo.profiles import AWS_PROD, AWS_RESEARCH, GCP_PROJECT
from pricing import load_price_book
from tests.billing.conftest import SAMPLES

START, END = date(2026, 11, 1), date(2026, 11, 28)
DAYS, HOURS = 28, 28 * 24


@pytest.fixture(scope="module")
def recon(demo_billed_template: Path) -> Reconciliation:
    return reconcile(demo_billed_template, START, END, current_model(demo_billed_template, load_price_book()))


def daily_sums(db: Path, resource_id: str, metric: str) -> list[float]:
    """Σ per day of one metric's hourly rows over the billed days (plain SQL, not the analysis code)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute(
            "SELECT CAST(period_start AS DATE), sum(value) FROM metrics WHERE resource_id = ? AND metric = ? "
            "AND period_s = 3600 AND period_start >= ? AND period_start < ? GROUP BY 1 ORDER BY 1",
            [resource_id, metric, START, date(2026, 11, 29)],
        ).fetchall()
    finally:
        con.close()
    assert len(rows) == DAYS
    return [value for _, value in rows]


def hourly_sum(db: Path, resource_id: str, metric: str) -> float:
    return sum(daily_sums(db, resource_id, metric))


def kinds(recon: Reconciliation, resource_id: str) -> dict[str, float]:
    res = recon.resource(resource_id)
    assert res is not None, resource_id
    out: dict[str, float] = {}
    for e in res.explanations:
        out[e.kind] = out.get(e.kind, 0.0) + e.usd
    return out


def test_every_difference_is_explained_exactly_by_its_effects(recon: Reconciliation) -> None:
    assert len(recon.resources) == 24 and recon.uncovered == []
    for res in recon.resources:
        assert res.modelled_usd is not None, res.resource_id
        assert sum(e.usd for e in res.explanations) == pytest.approx(res.difference_usd, abs=0.03), res.resource_id


def test_an_always_on_endpoint_billed_at_list_price_reconciles_to_zero(recon: Reconciliation) -> None:
    res = recon.resource(f"sagemaker-endpoint:{AWS_PROD}:us-east-1:legacy-forecast")
    assert res.effective_usd == pytest.approx(HOURS * 0.23)  # 672 h × $0.23 (ml.m5.xlarge, us-east-1)
    assert res.modelled_usd == pytest.approx(HOURS * 0.23)
    assert res.difference_usd == pytest.approx(0.0, abs=0.01) and res.explanations == []
    assert res.monthly_usd == pytest.approx(730 * 0.23)  # as a 730-hour month


def test_a_savings_plan_and_data_transfer_explain_fraud_score(
    recon: Reconciliation, demo_billed_template: Path
) -> None:
    rid = f"lambda:{AWS_PROD}:us-east-1:fraud-score"
    duration = hourly_sum(demo_billed_template, rid, "billed_duration_ms_sum") / 1000 * 0.5 * 1.66667e-5  # 512 MB
    commitment = -SP_SHARE * SP_DISCOUNT * duration
    transfer = DAYS * EGRESS_GB_PER_DAY * EGRESS_USD_PER_GB
    res = recon.resource(rid)
    assert res.difference_usd == pytest.approx(commitment + transfer, abs=0.02)
    assert kinds(recon, rid) == pytest.approx({"commitment": commitment, "not_modelled": transfer}, abs=0.01)
    assert res.main_explanation.kind == "commitment"
    # On the invoice the covered part nets out against its negation: the plan's fee (an account charge) carries it.
    assert res.billed_usd == pytest.approx(res.modelled_usd - SP_SHARE * duration + transfer, abs=0.02)


def test_a_price_the_model_did_not_know(recon: Reconciliation, demo_billed_template: Path) -> None:
    rid = f"sagemaker-endpoint:{AWS_PROD}:eu-west-1:search-rerank"
    instance_hours = hourly_sum(demo_billed_template, rid, "instances_avg")
    res = recon.resource(rid)
    assert res.difference_usd == pytest.approx((SEARCH_RERANK_RATE - 0.204) * instance_hours, abs=0.02)
    assert res.main_explanation.kind == "price" and "0.227" in res.main_explanation.detail
    assert res.difference_pct == pytest.approx(100 * (SEARCH_RERANK_RATE / 0.204 - 1), abs=0.05)


def test_focus_savings_plan_and_credit(recon: Reconciliation) -> None:
    translate = recon.resource(f"sagemaker-endpoint:{AWS_RESEARCH}:us-east-1:translate-inf2")
    assert translate.billed_usd == 0.0  # FOCUS bills covered usage at 0: the plan's purchase carries it
    assert translate.difference_usd == pytest.approx(-TRANSLATE_SP_DISCOUNT * HOURS * 0.99, abs=0.01)
    assert translate.difference_pct == pytest.approx(-100 * TRANSLATE_SP_DISCOUNT, abs=0.01)
    rid = f"lambda:{AWS_RESEARCH}:us-east-1:feature-enrich"
    assert kinds(recon, rid) == pytest.approx({"credit": -DAYS * FEATURE_CREDIT_PER_DAY}, abs=0.01)


def test_gcp_committed_use_credits_and_an_unpriced_gpu(recon: Reconciliation, demo_billed_template: Path) -> None:
    gpu = recon.resource(f"vertex-endpoint:{GCP_PROJECT}:europe-west1:vertex-vision-t4")
    assert kinds(recon, gpu.resource_id) == pytest.approx({"not_modelled": HOURS * T4_RATE}, abs=0.01)
    assert any("incomplete" in n for n in gpu.notes)
    rid = f"cloud-run:{GCP_PROJECT}:us-central1:run-embeddings"
    busy = [ms / 1000 for ms in daily_sums(demo_billed_template, rid, "billable_instance_ms_sum")]
    active = sum(busy) * (2 * 2.4e-5 + 4 * 2.5e-6)  # 2 vCPU and 4 GiB at the request-based rates
    idle_seconds = sum(max(0.0, 2 * 86400 - s) for s in busy)  # two min instances, idle when not busy
    idle = idle_seconds * (2 * 2.5e-6 + 4 * 2.5e-6)
    assert kinds(recon, rid)["commitment"] == pytest.approx(-RUN_CUD_DISCOUNT * (active + idle), abs=0.01)


def test_spend_matching_no_resource_is_kept_per_service(recon: Reconciliation) -> None:
    unmatched = recon.unmatched_by_service()
    legacy_etl = DAYS * (LEGACY_ETL_REQUESTS * 2e-7 + LEGACY_ETL_GB_S * 1.66667e-5)
    assert unmatched == pytest.approx(
        {
            "AWSLambda": round(legacy_etl, 2),
            "AmazonCloudWatch": DAYS * CLOUDWATCH_GB_PER_DAY * CLOUDWATCH_USD_PER_GB,
            "Cloud Run": round(DAYS * RUN_LEGACY_VCPU_S * 2.4e-5, 2),
        },
        abs=0.01,
    )
    charges = {(r.account, r.charge_category): r.billed_usd for r in recon.account_charges.itertuples()}
    assert charges[(AWS_PROD, "tax")] == pytest.approx((30.0 + 60.0) * DAYS / 30)  # monthly tax, 28 of 30 days


def test_the_invoice_total_is_every_charge_of_the_file(recon: Reconciliation) -> None:
    """Resources, unmatched spend and account charges add up to the sample file's own total (read with gzip+csv)."""
    import csv

    with gzip.open(SAMPLES / CUR_FILE, "rt", newline="") as handle:
        rows = list(csv.DictReader(handle))
    file_total = sum(
        float(r["line_item_unblended_cost"]) * (DAYS / 30 if r["line_item_line_item_type"] == "Tax" else 1)
        for r in rows
    )
    ours = sum(r.billed_usd for r in recon.resources if r.account == AWS_PROD)
    ours += recon.unmatched.query("account == @AWS_PROD")["billed_usd"].sum()
    ours += recon.account_charges.query("account == @AWS_PROD")["billed_usd"].sum()
    assert ours == pytest.approx(file_total, abs=0.01)

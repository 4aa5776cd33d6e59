"""Each billing format read from small files written at test time to its specification (CSV, gzipped CSV,
Parquet), into daily charges whose figures are checked against the rows written."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest

from demo.bills.writers import write_csv, write_parquet
from importers.billing import detect_billing_format, read_billing_file
from tests.billing.specimens import (
    ACCOUNT,
    DAY,
    GCP_SCHEMA,
    LAMBDA_ARN,
    cur_row,
    cur_schema,
    focus_row,
    gcp_flat,
    gcp_row,
)


def rows_of(batch) -> list[dict]:
    return batch.charges.to_pylist()


def one(batch, **where) -> dict:
    found = [r for r in rows_of(batch) if all(r[k] == v for k, v in where.items())]
    assert len(found) == 1, found
    return found[0]


def write(tmp_path: Path, name: str, rows: list[dict], schema: pa.Schema | None = None) -> Path:
    path = tmp_path / name
    if name.endswith(".parquet"):
        return write_parquet(path, rows, schema or pa.Table.from_pylist(rows).schema)
    return write_csv(path, rows)


@pytest.mark.parametrize("name", ["focus.csv", "focus.csv.gz", "focus.parquet"])
def test_focus_hourly_usage_is_summed_into_its_day_with_all_four_costs(tmp_path: Path, name: str) -> None:
    hours = [
        focus_row(ChargePeriodStart=DAY + timedelta(hours=h), ChargePeriodEnd=DAY + timedelta(hours=h + 1))
        for h in range(24)
    ]
    hours.append(focus_row(ChargePeriodStart=DAY + timedelta(days=1), ChargePeriodEnd=DAY + timedelta(days=1, hours=1)))
    path = write(tmp_path, name, hours)
    assert detect_billing_format(path) == "focus"
    batch = read_billing_file(path)
    day = one(batch, day=date(2026, 11, 3))
    assert day["usage_quantity"] == pytest.approx(24_000.0)
    for cost in ("billed_cost", "effective_cost", "list_cost", "contracted_cost"):
        assert day[cost] == pytest.approx(24 * 0.0166667)
    assert (day["provider"], day["account"], day["billing_account"]) == ("aws", ACCOUNT, "999988887777")
    assert (day["billing_period"], day["region"], day["service_name"]) == (date(2026, 11, 1), "us-east-1", "AWS Lambda")
    assert (day["usage_type"], day["usage_unit"], day["charge_category"]) == (
        "USE1-Lambda-GB-Second",
        "Lambda-GB-Second",
        "usage",
    )
    assert day["billed_resource_id"] == LAMBDA_ARN
    assert one(batch, day=date(2026, 11, 4))["usage_quantity"] == pytest.approx(1000.0)
    assert batch.upload.format == "focus" and batch.rows_read == 25


def test_focus_charge_categories_commitments_and_corrections(tmp_path: Path) -> None:
    sp = "arn:aws:savingsplans::123456789012:savingsplan/abc"
    rows = [
        focus_row(CommitmentDiscountStatus="Used", CommitmentDiscountId=sp, BilledCost=0.0, EffectiveCost=0.0138),
        focus_row(
            ChargeCategory="Usage",
            CommitmentDiscountStatus="Unused",
            CommitmentDiscountId=sp,
            ResourceId=sp,
            x_UsageType="ComputeSP:1yrNoUpfront",
            BilledCost=0.0,
            EffectiveCost=0.5,
        ),
        focus_row(
            ChargeCategory="Purchase",
            CommitmentDiscountId=sp,
            ResourceId=sp,
            x_UsageType="ComputeSP:fee",
            BilledCost=1.0,
            EffectiveCost=0.0,
        ),
        focus_row(ChargeCategory="Credit", x_UsageType="Credit", BilledCost=-0.3, EffectiveCost=-0.3),
        focus_row(
            ChargeCategory="Tax",
            ResourceId=None,
            x_UsageType=None,
            ChargeDescription="Sales tax",
            BilledCost=0.7,
            EffectiveCost=0.7,
        ),
        focus_row(ChargeCategory="Adjustment", x_UsageType="Rounding", BilledCost=0.01, EffectiveCost=0.01),
        focus_row(ChargeClass="Correction", x_UsageType="Refund", BilledCost=-0.2, EffectiveCost=-0.2),
        focus_row(ChargeCategory="Purchase", x_UsageType="Support", BilledCost=29.0, EffectiveCost=29.0),
    ]
    batch = read_billing_file(write(tmp_path, "focus.csv", rows))
    by_type = {r["usage_type"]: r["charge_category"] for r in rows_of(batch)}
    assert by_type == {
        "USE1-Lambda-GB-Second": "commitment_usage",
        "ComputeSP:1yrNoUpfront": "commitment_fee",
        "ComputeSP:fee": "commitment_fee",
        "Credit": "credit",
        "Sales tax": "tax",
        "Rounding": "adjustment",
        "Refund": "refund",
        "Support": "purchase",
    }
    covered = one(batch, usage_type="USE1-Lambda-GB-Second")
    assert (covered["billed_cost"], covered["effective_cost"], covered["list_cost"]) == (0.0, 0.0138, 0.0166667)


def test_focus_literal_null_any_column_order_and_case_and_versions(tmp_path: Path) -> None:
    row = focus_row(ResourceId="NULL", RegionId="NULL")
    reordered = {key.lower() if key.startswith("Charge") else key: row[key] for key in reversed(list(row))}
    path = write_csv(tmp_path / "focus.csv", [reordered])
    batch = read_billing_file(path)
    charge = rows_of(batch)[0]
    assert charge["billed_resource_id"] is None and charge["region"] is None
    assert any("FOCUS 1.0" in note for note in batch.notes)
    newer = focus_row(SkuMeter="Lambda-GB-Second", InvoiceId="INV-1", x_UsageType=None)
    batch = read_billing_file(write(tmp_path, "focus12.parquet", [newer]))
    assert rows_of(batch)[0]["usage_type"] == "Lambda-GB-Second"
    assert any("FOCUS 1.2" in note for note in batch.notes)


def test_focus_monthly_charge_spreads_over_the_days_of_its_period(tmp_path: Path) -> None:
    tax = focus_row(
        ChargeCategory="Tax",
        ChargePeriodStart=datetime(2026, 11, 1),
        ChargePeriodEnd=datetime(2026, 12, 1),
        BilledCost=30.0,
        EffectiveCost=30.0,
        ListCost=None,
        ContractedCost=None,
        ResourceId=None,
    )
    half = focus_row(
        ChargePeriodStart=datetime(2026, 11, 5, 12),
        ChargePeriodEnd=datetime(2026, 11, 6, 18),
        BilledCost=3.0,
        EffectiveCost=3.0,
        PricingQuantity=30.0,
    )
    batch = read_billing_file(write(tmp_path, "focus.csv", [tax, half]))
    taxes = [r for r in rows_of(batch) if r["charge_category"] == "tax"]
    assert len(taxes) == 30 and [r["billed_cost"] for r in taxes] == pytest.approx([1.0] * 30)
    usage = {r["day"]: r for r in rows_of(batch) if r["charge_category"] == "usage"}
    # 12 of the 30 hours fall on the 5th, 18 on the 6th.
    assert usage[date(2026, 11, 5)]["billed_cost"] == pytest.approx(1.2)
    assert usage[date(2026, 11, 6)]["billed_cost"] == pytest.approx(1.8)
    assert usage[date(2026, 11, 6)]["usage_quantity"] == pytest.approx(18.0)


CUR_SP = "arn:aws:savingsplans::123456789012:savingsplan/sp1"


def savings_plan_rows() -> list[dict]:
    """One hour of Lambda duration: 600 GB-s on demand, 400 covered by a Savings Plan at 17 % off."""
    covered = 400 * 1.66667e-5
    sp = {"savings_plan_savings_plan_a_r_n": CUR_SP, "savings_plan_savings_plan_effective_cost": covered * 0.83}
    return [
        cur_row(
            line_item_usage_amount=600.0,
            line_item_unblended_cost=600 * 1.66667e-5,
            pricing_public_on_demand_cost=600 * 1.66667e-5,
        ),
        cur_row(
            line_item_line_item_type="SavingsPlanCoveredUsage",
            line_item_usage_amount=400.0,
            line_item_unblended_cost=covered,
            pricing_public_on_demand_cost=covered,
            **sp,
        ),
        cur_row(
            line_item_line_item_type="SavingsPlanNegation",
            line_item_usage_amount=400.0,
            line_item_unblended_cost=-covered,
            pricing_public_on_demand_cost=0.0,
            **sp,
        ),
        cur_row(
            line_item_line_item_type="SavingsPlanRecurringFee",
            line_item_product_code="ComputeSavingsPlans",
            line_item_usage_type="ComputeSP:1yrNoUpfront",
            line_item_resource_id=CUR_SP,
            line_item_unblended_cost=0.01,
            savings_plan_total_commitment_to_date=0.01,
            savings_plan_used_commitment=covered * 0.83,
            pricing_public_on_demand_cost=0.0,
        ),
    ]


@pytest.mark.parametrize("name", ["cur.csv.gz", "cur.parquet"])
def test_cur_savings_plan_negation_nets_out_and_effective_cost_is_the_plan_rate(tmp_path: Path, name: str) -> None:
    rows = savings_plan_rows()
    path = write(tmp_path, name, rows, cur_schema(list(rows[0])) if name.endswith("parquet") else None)
    assert detect_billing_format(path) == "cur2"
    batch = read_billing_file(path)
    lam = [r for r in rows_of(batch) if r["service_name"] == "AWSLambda"]
    assert {r["charge_category"] for r in lam} == {"usage", "commitment_usage", "commitment_negation"}
    covered = 400 * 1.66667e-5
    assert sum(r["billed_cost"] for r in lam) == pytest.approx(600 * 1.66667e-5)  # covered + negation = 0
    assert sum(r["effective_cost"] for r in lam) == pytest.approx(600 * 1.66667e-5 + covered * 0.83)
    assert one(batch, charge_category="commitment_negation")["effective_cost"] == 0.0
    fee = one(batch, charge_category="commitment_fee")
    assert fee["billed_cost"] == pytest.approx(0.01)
    assert fee["effective_cost"] == pytest.approx(0.01 - covered * 0.83)  # the unused part of the commitment
    assert sum(r["list_cost"] for r in lam) == pytest.approx(1000 * 1.66667e-5)
    assert {r["region"] for r in lam} == {"us-east-1"} and {r["contracted_cost"] for r in lam} == {None}


LEGACY_HEADERS = {  # the legacy CUR's column names (AWS "line item details" / "billing details" pages)
    "bill/PayerAccountId": "bill_payer_account_id",
    "bill/BillingPeriodStartDate": "bill_billing_period_start_date",
    "lineItem/UsageAccountId": "line_item_usage_account_id",
    "lineItem/LineItemType": "line_item_line_item_type",
    "lineItem/UsageStartDate": "line_item_usage_start_date",
    "lineItem/UsageEndDate": "line_item_usage_end_date",
    "lineItem/ProductCode": "line_item_product_code",
    "lineItem/UsageType": "line_item_usage_type",
    "lineItem/ResourceId": "line_item_resource_id",
    "lineItem/UsageAmount": "line_item_usage_amount",
    "lineItem/CurrencyCode": "line_item_currency_code",
    "lineItem/UnblendedCost": "line_item_unblended_cost",
    "product/regionCode": "product_region_code",
    "pricing/publicOnDemandCost": "pricing_public_on_demand_cost",
    "pricing/unit": "pricing_unit",
}


def test_legacy_cur_headers_and_unknown_line_item_types(tmp_path: Path) -> None:
    def legacy(row: dict) -> dict:
        return {header: row[name] for header, name in LEGACY_HEADERS.items()}

    rows = [legacy(cur_row()), legacy(cur_row(line_item_line_item_type="BrandNewType", line_item_unblended_cost=0.5))]
    batch = read_billing_file(write(tmp_path, "legacy.csv", rows))
    assert batch.upload.format == "cur-legacy"
    assert one(batch, charge_type="BrandNewType")["charge_category"] == "adjustment"
    assert one(batch, charge_type="Usage")["billed_cost"] == pytest.approx(0.0166667)
    assert any("BrandNewType" in note for note in batch.notes)


def gcp_rows() -> list[dict]:
    cud = {
        "name": "CUD",
        "amount": -0.408,
        "full_name": "CUD",
        "id": "c1",
        "type": "COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE",
    }
    free = {"name": "Free tier", "amount": -0.1, "full_name": "Free", "id": "f1", "type": "FREE_TIER"}
    return [
        gcp_row(credits=[cud, free]),
        gcp_row(
            start=DAY + timedelta(hours=1),
            sku={"id": "S2", "description": "Memory Allocation Time"},
            cost=0.5,
            cost_at_list=0.5,
            usage={
                "amount": 1.0e14,
                "unit": "byte-seconds",
                "amount_in_pricing_units": 200000.0,
                "pricing_unit": "gibibyte second",
            },
        ),
        gcp_row(
            sku={"id": "T", "description": "Tax"},
            cost=1.5,
            cost_type="tax",
            resource={"name": None, "global_name": None},
            start=datetime(2026, 11, 1),
            end=datetime(2026, 12, 1),
        ),
    ]


@pytest.mark.parametrize("name", ["gcp.parquet", "gcp-flat.csv", "gcp-flat.csv.gz"])
def test_gcp_detailed_export_nested_or_flattened_with_credits_as_rows(tmp_path: Path, name: str) -> None:
    rows = gcp_rows()
    if name.endswith(".parquet"):
        path = write_parquet(tmp_path / name, rows, GCP_SCHEMA)
    else:
        path = write_csv(tmp_path / name, [gcp_flat(r) for r in rows], timestamps="bigquery")
    assert detect_billing_format(path) == "gcp-billing"
    batch = read_billing_file(path)
    day = [r for r in rows_of(batch) if r["day"] == date(2026, 11, 3)]
    by = {(r["usage_type"], r["charge_category"]): r for r in day}
    assert by[("CPU Allocation Time", "usage")]["billed_cost"] == pytest.approx(2.4)
    assert by[("CPU Allocation Time", "usage")]["usage_quantity"] == pytest.approx(100000.0)
    assert by[("CPU Allocation Time", "usage")]["usage_unit"] == "vCPU-second"
    assert by[("CPU Allocation Time", "commitment_negation")]["effective_cost"] == pytest.approx(-0.408)
    assert by[("CPU Allocation Time", "credit")]["billed_cost"] == pytest.approx(-0.1)
    assert by[("CPU Allocation Time", "credit")]["usage_quantity"] is None
    assert by[("Memory Allocation Time", "usage")]["usage_quantity"] == pytest.approx(200000.0)
    assert by[("Memory Allocation Time", "usage")]["usage_unit"] == "gibibyte second"
    assert {r["account"] for r in rows_of(batch)} == {"acme-prod"}
    assert {r["billing_period"] for r in rows_of(batch)} == {date(2026, 11, 1)}
    tax = [r for r in rows_of(batch) if r["charge_category"] == "tax"]
    assert len(tax) == 30 and sum(r["billed_cost"] for r in tax) == pytest.approx(1.5)
    usage = by[("CPU Allocation Time", "usage")]
    assert (usage["match_family"], usage["match_account"], usage["match_region"], usage["match_name"]) == (
        "cloud-run",
        "acme-prod",
        "us-central1",
        "api",
    )


def test_a_file_that_is_no_billing_export_is_not_detected(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "long.csv", [{"timestamp": "2026-11-01T00:00:00Z", "service": "lambda", "value": 1}])
    assert detect_billing_format(path) is None

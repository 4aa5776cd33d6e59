"""Rows of each billing format as its specification defines them, for tests to write at test time.

Each builder gives one charge line with every column a real export of that format carries for it (names as
the FOCUS specification, the CUR 2.0 table dictionary and Google's export schema spell them); keyword
arguments override any column.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow as pa

from demo.bills.gcp import SCHEMA as GCP_SCHEMA

ACCOUNT = "123456789012"
DAY = datetime(2026, 11, 3)
LAMBDA_ARN = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:scorer"


def focus_row(**values: Any) -> dict[str, Any]:
    row = {
        "BillingAccountId": "999988887777",
        "BillingAccountName": "payer",
        "SubAccountId": ACCOUNT,
        "SubAccountName": "prod",
        "ProviderName": "AWS",
        "PublisherName": "Amazon Web Services, Inc.",
        "InvoiceIssuerName": "Amazon Web Services, Inc.",
        "BillingCurrency": "USD",
        "BillingPeriodStart": datetime(2026, 11, 1),
        "BillingPeriodEnd": datetime(2026, 12, 1),
        "ChargePeriodStart": DAY,
        "ChargePeriodEnd": DAY + timedelta(hours=1),
        "ChargeCategory": "Usage",
        "ChargeClass": None,
        "ChargeDescription": "Lambda duration",
        "ChargeFrequency": "Usage-Based",
        "CommitmentDiscountCategory": None,
        "CommitmentDiscountId": None,
        "CommitmentDiscountName": None,
        "CommitmentDiscountStatus": None,
        "CommitmentDiscountType": None,
        "ServiceName": "AWS Lambda",
        "ServiceCategory": "Compute",
        "ResourceId": LAMBDA_ARN,
        "ResourceName": "scorer",
        "ResourceType": "Function",
        "RegionId": "us-east-1",
        "RegionName": "US East (N. Virginia)",
        "AvailabilityZone": None,
        "SkuId": "SKU1",
        "SkuPriceId": "SKU1.PRICE",
        "x_UsageType": "USE1-Lambda-GB-Second",
        "PricingCategory": "Standard",
        "PricingQuantity": 1000.0,
        "PricingUnit": "Lambda-GB-Second",
        "ConsumedQuantity": 1000.0,
        "ConsumedUnit": "Lambda-GB-Second",
        "ListUnitPrice": 1.66667e-5,
        "ContractedUnitPrice": 1.66667e-5,
        "BilledCost": 0.0166667,
        "EffectiveCost": 0.0166667,
        "ListCost": 0.0166667,
        "ContractedCost": 0.0166667,
        "Tags": "{}",
    }
    row.update(values)
    return row


def cur_row(**values: Any) -> dict[str, Any]:
    row = {
        "identity_line_item_id": "abc",
        "identity_time_interval": "2026-11-03T00:00:00Z/2026-11-03T01:00:00Z",
        "bill_invoice_id": "",
        "bill_billing_entity": "AWS",
        "bill_bill_type": "Anniversary",
        "bill_payer_account_id": "999988887777",
        "bill_billing_period_start_date": datetime(2026, 11, 1),
        "bill_billing_period_end_date": datetime(2026, 12, 1),
        "line_item_usage_account_id": ACCOUNT,
        "line_item_line_item_type": "Usage",
        "line_item_usage_start_date": DAY,
        "line_item_usage_end_date": DAY + timedelta(hours=1),
        "line_item_product_code": "AWSLambda",
        "line_item_usage_type": "USE1-Lambda-GB-Second",
        "line_item_operation": "Invoke",
        "line_item_availability_zone": "",
        "line_item_resource_id": LAMBDA_ARN,
        "line_item_usage_amount": 1000.0,
        "line_item_normalization_factor": 0.0,
        "line_item_currency_code": "USD",
        "line_item_unblended_rate": "0.0000166667",
        "line_item_unblended_cost": 0.0166667,
        "line_item_blended_cost": 0.0166667,
        "line_item_line_item_description": "AWS Lambda - Total Compute",
        "product_region_code": "us-east-1",
        "product_product_family": "Serverless",
        "pricing_public_on_demand_cost": 0.0166667,
        "pricing_public_on_demand_rate": "0.0000166667",
        "pricing_term": "OnDemand",
        "pricing_unit": "Lambda-GB-Second",
        "savings_plan_savings_plan_a_r_n": "",
        "savings_plan_savings_plan_effective_cost": 0.0,
        "savings_plan_savings_plan_rate": 0.0,
        "savings_plan_total_commitment_to_date": 0.0,
        "savings_plan_used_commitment": 0.0,
        "reservation_effective_cost": 0.0,
    }
    row.update(values)
    return row


# CUR 2.0 Parquet types (AWS's table dictionary: timestamps, doubles, strings).
CUR_TYPES = {
    "bill_billing_period_start_date": pa.timestamp("ms"),
    "bill_billing_period_end_date": pa.timestamp("ms"),
    "line_item_usage_start_date": pa.timestamp("ms"),
    "line_item_usage_end_date": pa.timestamp("ms"),
}


def cur_schema(columns: list[str]) -> pa.Schema:
    doubles = {
        "line_item_usage_amount",
        "line_item_unblended_cost",
        "line_item_blended_cost",
        "pricing_public_on_demand_cost",
        "line_item_normalization_factor",
    }
    fields = []
    for name in columns:
        if name in CUR_TYPES:
            fields.append((name, CUR_TYPES[name]))
        elif name in doubles or (name.startswith(("savings_plan_", "reservation_")) and "a_r_n" not in name):
            fields.append((name, pa.float64()))
        else:
            fields.append((name, pa.string()))
    return pa.schema(fields)


def gcp_row(**values: Any) -> dict[str, Any]:
    start = values.pop("start", DAY)
    end = values.pop("end", start + timedelta(hours=1))
    row = {
        "billing_account_id": "01A2B3-C4D5E6-F7A8B9",
        "service": {"id": "152E-C115-5142", "description": "Cloud Run"},
        "sku": {"id": "CF4E-A0C7-E3BF", "description": "CPU Allocation Time"},
        "usage_start_time": start.replace(tzinfo=UTC),
        "usage_end_time": end.replace(tzinfo=UTC),
        "project": {"id": "acme-prod", "number": "314159265358", "name": "ACME", "labels": []},
        "labels": [],
        "system_labels": [],
        "location": {"location": "us-central1", "country": "US", "region": "us-central1", "zone": None},
        "resource": {
            "name": "api",
            "global_name": "//run.googleapis.com/projects/acme-prod/locations/us-central1/services/api",
        },
        "export_time": end.replace(tzinfo=UTC) + timedelta(hours=2),
        "cost": 2.4,
        "currency": "USD",
        "currency_conversion_rate": 1.0,
        "usage": {
            "amount": 100000.0,
            "unit": "seconds",
            "amount_in_pricing_units": 100000.0,
            "pricing_unit": "vCPU-second",
        },
        "credits": [],
        "invoice": {"month": "202611"},
        "cost_type": "regular",
        "cost_at_list": 2.4,
    }
    row.update(values)
    return row


def gcp_flat(row: dict[str, Any], credits_as: str = "json") -> dict[str, Any]:
    """A detailed-export row as a flattening query writes it for CSV (``service.description AS
    service_description``, ``TO_JSON_STRING(credits) AS credits``), times in BigQuery's CSV spelling."""
    import json

    flat: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, dict):
            for sub, inner in value.items():
                if not isinstance(inner, list):
                    flat[f"{key}_{sub}"] = inner
        elif key == "credits":
            flat["credits"] = json.dumps(value) if credits_as == "json" else None
        elif not isinstance(value, list):
            flat[key] = value
    return flat


__all__ = ["GCP_SCHEMA", "cur_row", "cur_schema", "focus_row", "gcp_flat", "gcp_row"]

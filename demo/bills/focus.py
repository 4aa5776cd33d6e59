"""The demo's FOCUS 1.2 bill: "FOCUS 1.2 with AWS columns" rows for the demo's research account (444455556666).

Every column of AWS's FOCUS 1.2 table is written, in its order; covered usage follows the specification
(``CommitmentDiscountStatus`` Used, ``BilledCost`` 0 because the Savings Plan's recurring purchase carries the
invoice amount, ``EffectiveCost`` at the plan's rate).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from demo.bills.constants import FEATURE_CREDIT_PER_DAY, FOCUS_TAX, SM_SP_ARN, TRANSLATE_SP_DISCOUNT
from demo.bills.usage import BillMonth, period_of
from demo.profiles import AWS_RESEARCH

COLUMNS = [
    "AvailabilityZone",
    "BilledCost",
    "BillingAccountId",
    "BillingAccountName",
    "BillingAccountType",
    "BillingCurrency",
    "BillingPeriodEnd",
    "BillingPeriodStart",
    "CapacityReservationId",
    "CapacityReservationStatus",
    "ChargeCategory",
    "ChargeClass",
    "ChargeDescription",
    "ChargeFrequency",
    "ChargePeriodEnd",
    "ChargePeriodStart",
    "CommitmentDiscountCategory",
    "CommitmentDiscountId",
    "CommitmentDiscountName",
    "CommitmentDiscountQuantity",
    "CommitmentDiscountStatus",
    "CommitmentDiscountType",
    "CommitmentDiscountUnit",
    "ConsumedQuantity",
    "ConsumedUnit",
    "ContractedCost",
    "ContractedUnitPrice",
    "EffectiveCost",
    "InvoiceId",
    "InvoiceIssuerName",
    "ListCost",
    "ListUnitPrice",
    "PricingCategory",
    "PricingCurrency",
    "PricingCurrencyContractedUnitPrice",
    "PricingCurrencyEffectiveCost",
    "PricingCurrencyListUnitPrice",
    "PricingQuantity",
    "PricingUnit",
    "ProviderName",
    "PublisherName",
    "RegionId",
    "RegionName",
    "ResourceId",
    "ResourceName",
    "ResourceType",
    "ServiceCategory",
    "ServiceName",
    "ServiceSubcategory",
    "SkuId",
    "SkuMeter",
    "SkuPriceDetails",
    "SkuPriceId",
    "SubAccountId",
    "SubAccountName",
    "SubAccountType",
    "Tags",
    "x_Discounts",
    "x_Operation",
    "x_ServiceCode",
]
REGION_NAMES = {"us-east-1": "US East (N. Virginia)", "eu-west-1": "Europe (Ireland)"}


def _row(**values: Any) -> dict[str, Any]:
    period = period_of(values["ChargePeriodStart"].date())
    base = {
        "BillingAccountId": "999988887777",
        "BillingAccountName": "acme-payer",
        "BillingAccountType": "Billing Account",
        "BillingCurrency": "USD",
        "BillingPeriodStart": period[0],
        "BillingPeriodEnd": period[1],
        "ChargeFrequency": "Usage-Based",
        "InvoiceIssuerName": "Amazon Web Services, Inc.",
        "ProviderName": "AWS",
        "PublisherName": "Amazon Web Services, Inc.",
        "SubAccountId": AWS_RESEARCH,
        "SubAccountName": "research",
        "SubAccountType": "Account",
        "PricingCurrency": "USD",
        "Tags": '{"team": "research"}',
        "x_Discounts": "{}",
    }
    base.update(values)
    return {column: base.get(column) for column in COLUMNS}


def _usage_row(line: dict[str, Any], start: datetime, end: datetime) -> dict[str, Any]:
    lam = line["product"] == "AWSLambda"
    covered = line["name"] == "translate-inf2"
    effective = line["cost"] * (1 - TRANSLATE_SP_DISCOUNT) if covered else line["cost"]
    return _row(
        BilledCost=0.0 if covered else line["cost"],
        EffectiveCost=effective,
        ListCost=line["cost"],
        ContractedCost=line["cost"],
        ListUnitPrice=line["rate"],
        ContractedUnitPrice=line["rate"],
        PricingCurrencyEffectiveCost=effective,
        PricingCurrencyListUnitPrice=line["rate"],
        PricingCurrencyContractedUnitPrice=line["rate"],
        ChargeCategory="Usage",
        ChargeDescription=f"{line['usage_type']} for {line['name']}",
        ChargePeriodStart=start,
        ChargePeriodEnd=end,
        CommitmentDiscountCategory="Spend" if covered else None,
        CommitmentDiscountId=SM_SP_ARN if covered else None,
        CommitmentDiscountName="sagemaker-1yr" if covered else None,
        CommitmentDiscountStatus="Used" if covered else None,
        CommitmentDiscountType="Savings Plan" if covered else None,
        CommitmentDiscountQuantity=effective if covered else None,
        CommitmentDiscountUnit="USD" if covered else None,
        ConsumedQuantity=line["quantity"],
        ConsumedUnit=line["unit"],
        PricingQuantity=line["quantity"],
        PricingUnit=line["unit"],
        PricingCategory="Committed" if covered else "Standard",
        RegionId=line["region"],
        RegionName=REGION_NAMES[line["region"]],
        ResourceId=line["arn"],
        ResourceName=line["name"],
        ResourceType="Function" if lam else "Endpoint",
        ServiceCategory="Compute" if lam else "AI and Machine Learning",
        ServiceName=line["service"],
        ServiceSubcategory="Serverless Compute" if lam else "Machine Learning",
        SkuId=f"SKU-{line['usage_type']}",
        SkuMeter=line["usage_type"],
        SkuPriceId=f"SKU-{line['usage_type']}.JRTCKXETXF",
        x_Operation="Invoke" if lam else "RunInstance",
        x_ServiceCode=line["product"],
    )


def focus_rows(lines: list[dict[str, Any]], month: BillMonth) -> list[dict[str, Any]]:
    """The month's FOCUS rows: ``lines`` are the research account's lines of the month's days."""
    rows: list[dict[str, Any]] = []
    fees: dict[date, float] = {}
    for line in lines:
        start = datetime.combine(line["day"], time())
        end = start + timedelta(days=1)
        rows.append(_usage_row(line, start, end))
        if line["name"] == "translate-inf2":
            fees[line["day"]] = fees.get(line["day"], 0.0) + line["cost"] * (1 - TRANSLATE_SP_DISCOUNT)
        if line["name"] == "feature-enrich" and "Request" in line["usage_type"]:
            rows.append(
                _row(
                    BilledCost=-FEATURE_CREDIT_PER_DAY,
                    EffectiveCost=-FEATURE_CREDIT_PER_DAY,
                    ChargeCategory="Credit",
                    ChargeDescription="Promotional credit: serverless ML pilot",
                    ChargeFrequency="One-Time",
                    ChargePeriodStart=start,
                    ChargePeriodEnd=end,
                    RegionId=line["region"],
                    ResourceId=line["arn"],
                    ResourceName=line["name"],
                    ServiceName=line["service"],
                    x_ServiceCode=line["product"],
                )
            )
    for day, fee in sorted(fees.items()):
        start = datetime.combine(day, time())
        rows.append(
            _row(
                BilledCost=fee,
                EffectiveCost=0.0,
                ListCost=0.0,
                ContractedCost=0.0,
                ChargeCategory="Purchase",
                ChargeDescription="SageMaker Savings Plan, 1 year, No Upfront: recurring fee",
                ChargeFrequency="Recurring",
                ChargePeriodStart=start,
                ChargePeriodEnd=start + timedelta(days=1),
                CommitmentDiscountCategory="Spend",
                CommitmentDiscountId=SM_SP_ARN,
                CommitmentDiscountName="sagemaker-1yr",
                CommitmentDiscountType="Savings Plan",
                ResourceId=SM_SP_ARN,
                ServiceName="Amazon SageMaker Savings Plans",
                x_ServiceCode="SageMakerSavingsPlans",
            )
        )
    rows.append(
        _row(
            BilledCost=FOCUS_TAX,
            EffectiveCost=FOCUS_TAX,
            ChargeCategory="Tax",
            ChargeDescription=f"Tax for {month.label}",
            ChargeFrequency="Recurring",
            ChargePeriodStart=month.period[0],
            ChargePeriodEnd=month.period[1],
            ServiceName="AWS Lambda",
            x_ServiceCode="AWSLambda",
        )
    )
    return rows

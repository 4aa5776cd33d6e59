"""FOCUS 1.0–1.3 (the FinOps Open Cost and Usage Specification) as Breakeven's charge rows.

Column names and allowed values follow the FOCUS specification (FinOps-Open-Cost-and-Usage-Spec/FOCUS_Spec,
``specification/columns/*.md``) and AWS's "FOCUS 1.0/1.2 with AWS columns" table dictionaries:

- ``ChargePeriodStart`` (inclusive) / ``ChargePeriodEnd`` (exclusive), ``BillingPeriodStart``;
- ``ChargeCategory`` ∈ Usage, Purchase, Tax, Credit, Adjustment (a MUST of the specification: any other
  value is refused); ``ChargeClass`` = Correction marks a correction to an earlier invoice;
  ``CommitmentDiscountStatus`` Used / Unused tells commitment-covered usage and unused commitment apart;
- ``BilledCost`` (invoice basis), ``EffectiveCost`` (amortised, after commitment discounts), ``ListCost``,
  ``ContractedCost``, all in ``BillingCurrency``;
- ``SubAccountId`` (AWS account, GCP project; else ``BillingAccountId``), ``RegionId``, ``ServiceName``,
  ``ResourceId``;
- the usage type: AWS's ``x_UsageType`` (FOCUS 1.0 with AWS columns), ``SkuMeter`` (1.1+; AWS moved the usage
  type there in 1.2), else ``ChargeDescription`` (Google's FOCUS export puts the SKU description there), else
  ``SkuId``; the quantity ``PricingQuantity``/``PricingUnit`` (the unit prices are quoted in), else
  ``ConsumedQuantity``/``ConsumedUnit``;
- the provider from ``ProviderName`` (deprecated in 1.3 for ``ServiceProviderName``).
"""

from __future__ import annotations

from importers.billing.files import Source
from importers.billing.pipeline import Check, Plan, first_text, num, parse_checks, raw, raw_when_bad, text, ts

CATEGORIES = ("usage", "purchase", "tax", "credit", "adjustment")
REQUIRED = {
    "ChargePeriodStart": ("ChargePeriodStart",),
    "ChargePeriodEnd": ("ChargePeriodEnd",),
    "BillingPeriodStart": ("BillingPeriodStart",),
    "ChargeCategory": ("ChargeCategory",),
    "BilledCost": ("BilledCost",),
    "BillingCurrency": ("BillingCurrency",),
    "BillingAccountId": ("BillingAccountId",),
    "ServiceName": ("ServiceName",),
    "ProviderName": ("ProviderName", "ServiceProviderName", "PublisherName", "InvoiceIssuerName"),
}


SIGNATURE = ("BilledCost", "ChargePeriodStart", "ChargeCategory", "BillingPeriodStart", "EffectiveCost", "ServiceName")


def is_focus(source: Source) -> bool:
    """Two of FOCUS's mandatory columns (so a file missing one is refused naming it, not left unrecognised)."""
    return sum(source.has(name) for name in SIGNATURE) >= 2


def version(source: Source) -> str:
    """The FOCUS version the columns imply (the metadata that states it is not part of the file)."""
    if source.has("ServiceProviderName") or source.has("HostProviderName"):
        return "1.3"
    if source.has("InvoiceId") or source.has("PricingCurrency") or source.has("BillingAccountType"):
        return "1.2"
    if source.has("SkuMeter") or source.has("CapacityReservationId") or source.has("CommitmentDiscountQuantity"):
        return "1.1"
    return "1.0"


def _col(source: Source, *names: str) -> str:
    return source.column(*names) or "NULL"


def plan(source: Source) -> Plan:
    missing = [label for label, names in REQUIRED.items() if not source.has(*names)]
    c = {label: _col(source, *names) for label, names in REQUIRED.items()}
    status = text(_col(source, "CommitmentDiscountStatus"))
    commitment = text(_col(source, "CommitmentDiscountId"))
    charge_class = text(_col(source, "ChargeClass"))
    category = f"lower({text(c['ChargeCategory'])})"
    provider_text = f"lower({first_text(source, *REQUIRED['ProviderName'])})"
    has_pricing = source.has("PricingQuantity")
    quantity = (
        f"coalesce({num(_col(source, 'PricingQuantity'))}, {num(_col(source, 'ConsumedQuantity'))})"
        if has_pricing
        else num(_col(source, "ConsumedQuantity"))
    )
    unit = (
        f"CASE WHEN {num(_col(source, 'PricingQuantity'))} IS NOT NULL THEN {text(_col(source, 'PricingUnit'))} "
        f"ELSE {text(_col(source, 'ConsumedUnit'))} END"
    )
    effective, list_cost, contracted = (_col(source, n) for n in ("EffectiveCost", "ListCost", "ContractedCost"))
    staged = f"""
        SELECT {ts(c["ChargePeriodStart"])} AS charge_start, {ts(c["ChargePeriodEnd"])} AS charge_end,
               CAST({ts(c["BillingPeriodStart"])} AS DATE) AS billing_period,
               CASE WHEN {provider_text} LIKE '%amazon%' OR {provider_text} IN ('aws', 'amazon web services') THEN 'aws'
                    WHEN {provider_text} LIKE '%google%' THEN 'gcp'
                    WHEN {provider_text} LIKE '%microsoft%' OR {provider_text} LIKE '%azure%' THEN 'azure'
                    ELSE {provider_text} END AS provider,
               coalesce({text(_col(source, "SubAccountId"))}, {text(c["BillingAccountId"])}) AS account,
               {text(c["BillingAccountId"])} AS billing_account,
               {first_text(source, "RegionId", "Region")} AS region,
               {text(c["ServiceName"])} AS service_name,
               {text(_col(source, "ResourceId"))} AS billed_resource_id,
               CASE WHEN lower({charge_class}) = 'correction' THEN 'refund'
                    WHEN {category} = 'usage' AND lower({status}) = 'used' THEN 'commitment_usage'
                    WHEN {category} = 'usage' AND lower({status}) = 'unused' THEN 'commitment_fee'
                    WHEN {category} = 'usage' THEN 'usage'
                    WHEN {category} = 'purchase' AND {commitment} IS NOT NULL THEN 'commitment_fee'
                    WHEN {category} = 'purchase' THEN 'purchase'
                    WHEN {category} IN ('tax', 'credit', 'adjustment') THEN {category}
               END AS charge_category,
               concat_ws('/', {text(c["ChargeCategory"])}, {charge_class}, {status}) AS charge_type,
               {first_text(source, "x_UsageType", "SkuMeter", "ChargeDescription", "SkuId")} AS usage_type,
               {unit} AS usage_unit,
               {quantity} AS usage_quantity,
               {num(c["BilledCost"])} AS billed_cost,
               {num(_col(source, "EffectiveCost"))} AS effective_cost,
               {num(_col(source, "ListCost"))} AS list_cost,
               {num(_col(source, "ContractedCost"))} AS contracted_cost,
               upper({text(c["BillingCurrency"])}) AS currency,
               {raw_when_bad(ts(c["ChargePeriodStart"]), c["ChargePeriodStart"])} AS raw_start,
               {raw_when_bad(ts(c["ChargePeriodEnd"]), c["ChargePeriodEnd"])} AS raw_end,
               {raw_when_bad(ts(c["BillingPeriodStart"]), c["BillingPeriodStart"])} AS raw_period,
               {raw_when_bad(num(c["BilledCost"]), c["BilledCost"], number=True)} AS raw_billed,
               {raw_when_bad(num(effective), effective, number=True)} AS raw_effective,
               {raw_when_bad(num(list_cost), list_cost, number=True)} AS raw_list,
               {raw_when_bad(num(contracted), contracted, number=True)} AS raw_contracted,
               {raw(c["ChargeCategory"])} AS raw_category, {raw(c["BillingCurrency"])} AS raw_currency
        FROM {{source}}
    """  # noqa: S608 - column names are quoted identifiers from the file
    label = source.label
    checks = [
        *parse_checks(label("ChargePeriodStart"), "charge_start", "raw_start", "a timestamp", required=True),
        *parse_checks(label("ChargePeriodEnd"), "charge_end", "raw_end", "a timestamp", required=True),
        Check(
            label("ChargePeriodEnd"),
            "charge_end < charge_start",
            "{value} is before ChargePeriodStart",
            "CAST(charge_end AS VARCHAR)",
        ),
        *parse_checks(label("BillingPeriodStart"), "billing_period", "raw_period", "a timestamp", required=True),
        *parse_checks(label("BilledCost"), "billed_cost", "raw_billed", "a number", required=True),
        *parse_checks(label("EffectiveCost"), "effective_cost", "raw_effective", "a number", required=False),
        *parse_checks(label("ListCost"), "list_cost", "raw_list", "a number", required=False),
        *parse_checks(label("ContractedCost"), "contracted_cost", "raw_contracted", "a number", required=False),
        Check(
            label("ChargeCategory"),
            "charge_category IS NULL",
            "{value} is not a FOCUS charge category (Usage, Purchase, Tax, Credit or Adjustment)",
            "raw_category",
        ),
        Check(label("BillingAccountId"), "account IS NULL", "is empty (and so is SubAccountId)"),
        Check(label(*REQUIRED["ProviderName"]), "provider IS NULL", "is empty"),
        Check(label("ServiceName"), "service_name IS NULL", "is empty"),
        currency_check(label("BillingCurrency")),
    ]
    notes = [f"FOCUS {version(source)} (told from its columns)"]
    if not source.has("EffectiveCost"):
        notes.append("no EffectiveCost column: commitment discounts cannot be told apart from list prices")
    return Plan("focus", staged, checks, notes=notes, missing=missing)


def currency_check(column: str) -> Check:
    """Breakeven's prices are in US dollars, and it converts no currency."""
    return Check(
        column,
        "currency IS NULL OR currency <> 'USD'",
        "{value}: only bills in USD can be compared with Breakeven's USD prices",
        "raw_currency",
    )

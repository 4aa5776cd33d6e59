"""AWS Cost and Usage Report 2.0 (Data Exports; Parquet or gzipped CSV), and the legacy CUR, as charge rows.

Columns from the CUR 2.0 table dictionary (AWS Data Exports user guide): ``line_item_usage_start_date`` /
``line_item_usage_end_date``, ``bill_billing_period_start_date``, ``line_item_usage_account_id``,
``bill_payer_account_id``, ``line_item_product_code``, ``line_item_resource_id`` (present only when the export
includes resource ids), ``line_item_usage_type``, ``line_item_line_item_type``, ``line_item_usage_amount``,
``pricing_unit``, ``line_item_unblended_cost``, ``pricing_public_on_demand_cost``, ``product_region_code``,
``line_item_currency_code``. The legacy CUR's ``lineItem/UnblendedCost`` headers are read under their CUR 2.0
names (``importers.billing.files.legacy_cur_name``).

Costs kept apart:

- **billed** = ``line_item_unblended_cost`` (what the invoice adds up: a Savings Plan's covered usage shows
  its on-demand cost and the ``SavingsPlanNegation`` line cancels it, so the two net to zero and the plan's
  fee carries the cost);
- **effective** (amortised) = the expression of AWS's CUR query library (Well-Architected Labs, "amortized
  cost"; **third-party**, widely used): covered usage at ``savings_plan_savings_plan_effective_cost``, the
  negation and upfront fee at 0, the recurring fee at its unused part
  (``savings_plan_total_commitment_to_date - savings_plan_used_commitment``), reserved usage at
  ``reservation_effective_cost``, an RI fee at its unused part; everything else at its unblended cost;
- **list** = ``pricing_public_on_demand_cost``; CUR has no contracted cost.
"""

from __future__ import annotations

from importers.billing.files import Source
from importers.billing.focus import currency_check
from importers.billing.pipeline import Check, Plan, first_text, num, parse_checks, raw, raw_when_bad, text, ts

# line_item_line_item_type → charge category (the AWS CUR "line item details" list).
LINE_ITEM_TYPES: dict[str, str] = {
    "Usage": "usage",
    "DiscountedUsage": "commitment_usage",
    "SavingsPlanCoveredUsage": "commitment_usage",
    "SavingsPlanNegation": "commitment_negation",
    "SavingsPlanRecurringFee": "commitment_fee",
    "SavingsPlanUpfrontFee": "commitment_fee",
    "RIFee": "commitment_fee",
    "Fee": "fee",
    "Credit": "credit",
    "Tax": "tax",
    "Refund": "refund",
    "Discount": "discount",
    "BundledDiscount": "discount",
    "EdpDiscount": "discount",
    "PrivateRateDiscount": "discount",
    "DistributorDiscount": "discount",
}
REQUIRED = {
    "line_item_usage_start_date": ("line_item_usage_start_date",),
    "line_item_usage_end_date": ("line_item_usage_end_date",),
    "bill_billing_period_start_date": ("bill_billing_period_start_date",),
    "line_item_line_item_type": ("line_item_line_item_type",),
    "line_item_unblended_cost": ("line_item_unblended_cost",),
    "line_item_product_code": ("line_item_product_code",),
    "line_item_usage_account_id": ("line_item_usage_account_id", "bill_payer_account_id"),
}


SIGNATURE = (
    "line_item_unblended_cost",
    "line_item_usage_start_date",
    "line_item_line_item_type",
    "bill_billing_period_start_date",
    "line_item_product_code",
)


def is_cur(source: Source) -> bool:
    return sum(source.has(name) for name in SIGNATURE) >= 2


def is_legacy(source: Source) -> bool:
    return any("/" in name for name in source.types)


def _col(source: Source, *names: str) -> str:
    return source.column(*names) or "NULL"


def _effective(source: Source, kind: str, unblended: str) -> str:
    """Amortised cost per line item type; a column the export lacks falls back to the unblended cost."""
    sp_effective = num(_col(source, "savings_plan_savings_plan_effective_cost"))
    unused_sp = (
        f"{num(_col(source, 'savings_plan_total_commitment_to_date'))}"
        f" - {num(_col(source, 'savings_plan_used_commitment'))}"
    )
    ri_effective = num(_col(source, "reservation_effective_cost"))
    unused_ri = (
        f"{num(_col(source, 'reservation_unused_amortized_upfront_fee_for_billing_period'))}"
        f" + {num(_col(source, 'reservation_unused_recurring_fee'))}"
    )
    return f"""CASE {kind}
            WHEN 'SavingsPlanCoveredUsage' THEN coalesce({sp_effective}, {unblended})
            WHEN 'SavingsPlanRecurringFee' THEN coalesce({unused_sp}, {unblended})
            WHEN 'SavingsPlanNegation' THEN 0.0
            WHEN 'SavingsPlanUpfrontFee' THEN 0.0
            WHEN 'DiscountedUsage' THEN coalesce({ri_effective}, {unblended})
            WHEN 'RIFee' THEN coalesce({unused_ri}, {unblended})
            ELSE {unblended} END"""


def plan(source: Source) -> Plan:
    missing = [label for label, names in REQUIRED.items() if not source.has(*names)]
    c = {label: _col(source, *names) for label, names in REQUIRED.items()}
    kind = text(c["line_item_line_item_type"])
    unblended = num(c["line_item_unblended_cost"])
    categories = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in LINE_ITEM_TYPES.items())
    has_currency = source.has("line_item_currency_code")
    currency = f"upper({text(_col(source, 'line_item_currency_code'))})" if has_currency else "'USD'"
    amount, public = _col(source, "line_item_usage_amount"), _col(source, "pricing_public_on_demand_cost")
    staged = f"""
        SELECT {ts(c["line_item_usage_start_date"])} AS charge_start, {ts(c["line_item_usage_end_date"])} AS charge_end,
               CAST({ts(c["bill_billing_period_start_date"])} AS DATE) AS billing_period,
               'aws' AS provider,
               coalesce({text(_col(source, "line_item_usage_account_id"))},
                        {text(_col(source, "bill_payer_account_id"))}) AS account,
               {text(_col(source, "bill_payer_account_id"))} AS billing_account,
               {first_text(source, "product_region_code", "product_region")} AS region,
               {text(c["line_item_product_code"])} AS service_name,
               {text(_col(source, "line_item_resource_id"))} AS billed_resource_id,
               CASE {kind} {categories} ELSE 'adjustment' END AS charge_category,
               {kind} AS charge_type,
               {text(_col(source, "line_item_usage_type"))} AS usage_type,
               {text(_col(source, "pricing_unit"))} AS usage_unit,
               {num(_col(source, "line_item_usage_amount"))} AS usage_quantity,
               {unblended} AS billed_cost,
               {_effective(source, kind, unblended)} AS effective_cost,
               {num(_col(source, "pricing_public_on_demand_cost"))} AS list_cost,
               CAST(NULL AS DOUBLE) AS contracted_cost,
               {currency} AS currency,
               {raw_when_bad(ts(c["line_item_usage_start_date"]), c["line_item_usage_start_date"])} AS raw_start,
               {raw_when_bad(ts(c["line_item_usage_end_date"]), c["line_item_usage_end_date"])} AS raw_end,
               {raw_when_bad(ts(c["bill_billing_period_start_date"]), c["bill_billing_period_start_date"])}
                   AS raw_period,
               {raw_when_bad(unblended, c["line_item_unblended_cost"], number=True)} AS raw_billed,
               {raw_when_bad(num(amount), amount, number=True)} AS raw_quantity,
               {raw_when_bad(num(public), public, number=True)} AS raw_list,
               {raw(_col(source, "line_item_currency_code"))} AS raw_currency
        FROM {{source}}
    """  # noqa: S608 - column names are quoted identifiers from the file
    label = source.label
    checks = [
        *parse_checks(label("line_item_usage_start_date"), "charge_start", "raw_start", "a timestamp", required=True),
        *parse_checks(label("line_item_usage_end_date"), "charge_end", "raw_end", "a timestamp", required=True),
        Check(
            label("line_item_usage_end_date"),
            "charge_end < charge_start",
            "{value} is before line_item_usage_start_date",
            "CAST(charge_end AS VARCHAR)",
        ),
        *parse_checks(
            label("bill_billing_period_start_date"), "billing_period", "raw_period", "a timestamp", required=True
        ),
        *parse_checks(label("line_item_unblended_cost"), "billed_cost", "raw_billed", "a number", required=True),
        *parse_checks(label("line_item_usage_amount"), "usage_quantity", "raw_quantity", "a number", required=False),
        *parse_checks(label("pricing_public_on_demand_cost"), "list_cost", "raw_list", "a number", required=False),
        Check(label("line_item_line_item_type"), "charge_type IS NULL", "is empty"),
        Check(label(*REQUIRED["line_item_usage_account_id"]), "account IS NULL", "is empty"),
        Check(label("line_item_product_code"), "service_name IS NULL", "is empty"),
    ]
    if has_currency:
        checks.append(currency_check(label("line_item_currency_code")))
    notes = ["legacy CUR (lineItem/… headers), read under CUR 2.0 names"] if is_legacy(source) else []
    if not has_currency:
        notes.append("no line_item_currency_code column: taken as USD")
    if not source.has("savings_plan_savings_plan_effective_cost"):
        notes.append(
            "no savings_plan_savings_plan_effective_cost column: Savings Plan covered usage is taken at its "
            "unblended (on-demand) cost"
        )
    unknown = (unknown_types_sql(), "line item type(s) {values} are not known to Breakeven: kept as adjustments")
    fmt = "cur-legacy" if is_legacy(source) else "cur2"
    return Plan(fmt, staged, checks, notes=notes, missing=missing, note_queries=[unknown])


def unknown_types_sql() -> str:
    """Line item types this module does not know (kept, as adjustments), for the batch's notes."""
    known = ", ".join(f"'{k}'" for k in LINE_ITEM_TYPES)
    return f"SELECT DISTINCT charge_type FROM staged WHERE charge_type NOT IN ({known}) ORDER BY 1 LIMIT 5"  # noqa: S608

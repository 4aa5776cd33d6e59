"""The Google Cloud detailed billing export (BigQuery ``gcp_billing_export_resource_v1_…``) as charge rows.

Users export the table, or a query over it, as Parquet or JSON lines (nested fields stay nested:
``service.description``, ``resource.global_name``, the repeated ``credits``) or as CSV, which BigQuery only
writes for flat results, so a query flattened it (``service.description AS service_description``, a dotted
header, ``TO_JSON_STRING(credits) AS credits``). All of these spellings are read (``files.Source.column``).

Fields (Google's schema page for the standard and detailed usage cost data; **third-party** for the details,
consistent across public queries): ``usage_start_time`` / ``usage_end_time``, ``invoice.month`` (``YYYYMM``),
``billing_account_id``, ``project.id``, ``location.region`` (else ``location.location``), ``service.description``,
``sku.description``, ``resource.global_name`` (else ``resource.name``), ``usage.amount_in_pricing_units`` /
``usage.pricing_unit`` (else ``usage.amount`` / ``usage.unit``), ``cost``, ``cost_at_list``, ``currency``,
``cost_type`` (regular, tax, adjustment, rounding_error) and ``credits`` (name, amount, type).

Net cost is ``cost + SUM(credits.amount)`` (credits are negative): each credit becomes a charge row of its
own, on the same resource and SKU, in the category its type implies (committed-use discounts offset covered
usage, like a Savings Plan's negation; sustained-use and other discounts; free tier and promotions are
credits). The credit type names are **third-party** (seen in public queries and Google's schema page).
"""

from __future__ import annotations

from importers.billing.files import Source, quote
from importers.billing.focus import currency_check
from importers.billing.pipeline import (
    STAGED_COLUMNS,
    Check,
    Plan,
    first_text,
    num,
    parse_checks,
    raw,
    raw_when_bad,
    text,
    ts,
)

CREDIT_TYPES: dict[str, str] = {
    "COMMITTED_USAGE_DISCOUNT": "commitment_negation",
    "COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE": "commitment_negation",
    "FEE_UTILIZATION_OFFSET": "commitment_negation",
    "SUSTAINED_USAGE_DISCOUNT": "discount",
    "DISCOUNT": "discount",
    "RESELLER_MARGIN": "discount",
    "SUBSCRIPTION_BENEFIT": "discount",
    "FREE_TIER": "credit",
    "PROMOTION": "credit",
}
COST_TYPES = {"regular": "usage", "tax": "tax", "adjustment": "adjustment", "rounding_error": "adjustment"}
REQUIRED = {
    "usage_start_time": ("usage_start_time",),
    "usage_end_time": ("usage_end_time",),
    "cost": ("cost",),
    "service.description": ("service.description",),
}
CREDIT_JSON = '[{"amount": "VARCHAR", "type": "VARCHAR", "name": "VARCHAR"}]'


SIGNATURE = ("usage_start_time", "usage_end_time", "cost", "service.description", "sku.description", "invoice.month")


def is_gcp(source: Source) -> bool:
    return sum(source.has(name) for name in SIGNATURE) >= 3


def _col(source: Source, *names: str) -> str:
    return source.column(*names) or "NULL"


def _credits(source: Source) -> tuple[str, str, bool]:
    """(SQL for the credits as LIST(STRUCT(amount, type, name)), SQL for its raw text, whether it is text)."""
    column = source.column("credits")
    if column is None:
        return "NULL", "NULL", False
    actual = source.columns["credits"]
    fields = source.element_fields.get(actual)
    if fields is not None:
        amount = f"'amount': try_cast(x.{quote(fields['amount'])} AS DOUBLE)" if "amount" in fields else None
        parts = [amount or "'amount': NULL"]
        for name in ("type", "name"):
            parts.append(f"'{name}': CAST(x.{quote(fields[name])} AS VARCHAR)" if name in fields else f"'{name}': NULL")
        return f"list_transform({column}, lambda x: {{{', '.join(parts)}}})", "NULL", False
    parsed = f"from_json({column}, '{CREDIT_JSON}')"
    typed = (
        f"CASE WHEN json_valid({column}) THEN (CASE WHEN json_type({column}) = 'ARRAY' THEN list_transform({parsed}, "
        "lambda x: {'amount': try_cast(x.amount AS DOUBLE), 'type': x.type, 'name': x.name}) END) END"
    )
    return typed, raw(column), True


def plan(source: Source) -> Plan:
    missing = [label for label, names in REQUIRED.items() if not source.has(*names)]
    c = {label: _col(source, *names) for label, names in REQUIRED.items()}
    sku = text(_col(source, "sku.description"))
    cost_type = f"lower({text(_col(source, 'cost_type'))})"
    cost_types = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in COST_TYPES.items())
    month = text(_col(source, "invoice.month"))
    has_month = source.has("invoice.month")
    period = (
        f"CAST(try_strptime({month}, '%Y%m') AS DATE)"
        if has_month
        else f"CAST(date_trunc('month', {ts(c['usage_start_time'])}) AS DATE)"
    )
    pricing = source.has("usage.amount_in_pricing_units")
    quantity = (
        f"coalesce({num(_col(source, 'usage.amount_in_pricing_units'))}, {num(_col(source, 'usage.amount'))})"
        if pricing
        else num(_col(source, "usage.amount"))
    )
    unit = (
        f"CASE WHEN {num(_col(source, 'usage.amount_in_pricing_units'))} IS NOT NULL "
        f"THEN {text(_col(source, 'usage.pricing_unit'))} ELSE {text(_col(source, 'usage.unit'))} END"
    )
    credits, raw_credits, credits_text = _credits(source)
    currency = f"upper({text(_col(source, 'currency'))})" if source.has("currency") else "'USD'"
    at_list = _col(source, "cost_at_list")
    staged = f"""
        SELECT {ts(c["usage_start_time"])} AS charge_start, {ts(c["usage_end_time"])} AS charge_end,
               {period} AS billing_period, 'gcp' AS provider,
               coalesce({text(_col(source, "project.id"))}, {text(_col(source, "billing_account_id"))}) AS account,
               {text(_col(source, "billing_account_id"))} AS billing_account,
               {first_text(source, "location.region", "location.location")} AS region,
               {text(c["service.description"])} AS service_name,
               {first_text(source, "resource.global_name", "resource.name")} AS billed_resource_id,
               CASE WHEN {sku} ILIKE 'Commitment%' THEN 'commitment_fee'
                    WHEN {cost_type} IS NULL THEN 'usage'
                    ELSE (CASE {cost_type} {cost_types} ELSE 'adjustment' END) END AS charge_category,
               coalesce({cost_type}, 'regular') AS charge_type,
               {sku} AS usage_type, {unit} AS usage_unit, {quantity} AS usage_quantity,
               {num(c["cost"])} AS billed_cost, {num(c["cost"])} AS effective_cost,
               {num(_col(source, "cost_at_list"))} AS list_cost, CAST(NULL AS DOUBLE) AS contracted_cost,
               {currency} AS currency,
               {credits} AS credits_list, {raw_credits} AS raw_credits,
               {raw_when_bad(ts(c["usage_start_time"]), c["usage_start_time"])} AS raw_start,
               {raw_when_bad(ts(c["usage_end_time"]), c["usage_end_time"])} AS raw_end,
               {raw_when_bad(period, month) if has_month else "NULL"} AS raw_period,
               {raw_when_bad(num(c["cost"]), c["cost"], number=True)} AS raw_billed,
               {raw_when_bad(num(at_list), at_list, number=True)} AS raw_list,
               {raw(_col(source, "currency"))} AS raw_currency
        FROM {{source}}
    """  # noqa: S608 - column names are quoted identifiers from the file
    label = source.label
    checks = [
        *parse_checks(label("usage_start_time"), "charge_start", "raw_start", "a timestamp", required=True),
        *parse_checks(label("usage_end_time"), "charge_end", "raw_end", "a timestamp", required=True),
        Check(
            label("usage_end_time"),
            "charge_end < charge_start",
            "{value} is before usage_start_time",
            "CAST(charge_end AS VARCHAR)",
        ),
        *parse_checks(label("cost"), "billed_cost", "raw_billed", "a number", required=True),
        *parse_checks(label("cost_at_list"), "list_cost", "raw_list", "a number", required=False),
        Check(label("service.description"), "service_name IS NULL", "is empty"),
        Check(label("project.id"), "account IS NULL", "is empty (and so is billing_account_id)"),
        Check(
            label("credits"),
            "list_bool_or(list_transform(credits_list, lambda x: x.amount IS NULL OR NOT isfinite(x.amount)))",
            "a credit's amount is not a number",
        ),
    ]
    if has_month:
        checks += parse_checks(
            label("invoice.month"), "billing_period", "raw_period", "a month (YYYYMM)", required=True
        )
    if credits_text:
        checks.append(
            Check(
                label("credits"),
                "raw_credits IS NOT NULL AND trim(raw_credits) <> '' AND credits_list IS NULL",
                "{value} is not a JSON list of credits (TO_JSON_STRING(credits) in the query)",
                "raw_credits",
            )
        )
    if source.has("currency"):
        checks.append(currency_check(label("currency")))
    notes = [] if has_month else ["no invoice.month column: the billing period is the month of usage_start_time"]
    if not source.has("credits"):
        notes.append("no credits column: credits (committed-use, sustained-use, free tier) are not in this file")
    if not (source.has("resource.global_name") or source.has("resource.name")):
        notes.append("no resource.name / resource.global_name: a standard (not detailed) export; all spend unmatched")
    return Plan("gcp-billing", staged, checks, charges=_charges_sql(), notes=notes, missing=missing)


def _charges_sql() -> str:
    """Staged rows, then one row per credit (its amount billed and effective, on the row's SKU)."""
    base = ", ".join(STAGED_COLUMNS)
    types = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in CREDIT_TYPES.items())
    credit_columns = []
    for name in STAGED_COLUMNS:
        if name == "charge_category":
            credit_columns.append(f"CASE upper(cr.type) {types} ELSE 'credit' END AS charge_category")
        elif name == "charge_type":
            credit_columns.append("concat('credit:', coalesce(cr.type, 'unknown')) AS charge_type")
        elif name in ("billed_cost", "effective_cost"):
            credit_columns.append(f"cr.amount AS {name}")
        elif name in ("usage_quantity", "list_cost", "contracted_cost"):
            credit_columns.append(f"CAST(NULL AS DOUBLE) AS {name}")
        else:
            credit_columns.append(name)
    return f"""
        SELECT {base} FROM staged
        UNION ALL
        SELECT {", ".join(credit_columns)}
        FROM (SELECT *, unnest(credits_list) AS cr FROM staged WHERE len(credits_list) > 0)
    """  # noqa: S608 - fixed column names

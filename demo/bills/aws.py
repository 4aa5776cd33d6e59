"""The demo's AWS bills: CUR 2.0 rows for the production account (111122223333), and the day's lines per
resource both AWS accounts bill (``focus`` writes the research account's as FOCUS 1.2).

Every resource-day is billed at the bundled price sheet's list price from the demo's own usage
(``demo.bills.usage``), with the deliberate differences ``demo.bills`` lists: a Compute Savings Plan on part of
fraud-score's duration (covered usage, negation and a fully used recurring fee), fraud-score's data transfer,
search-rerank's eu-west-1 rate, a function Breakeven does not know (legacy-etl), CloudWatch lines without
resource ids and the monthly tax.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from demo.bills.constants import (
    AWS_TAX,
    CLOUDWATCH_GB_PER_DAY,
    CLOUDWATCH_USD_PER_GB,
    EGRESS_GB_PER_DAY,
    EGRESS_USD_PER_GB,
    LEGACY_ETL_GB_S,
    LEGACY_ETL_REQUESTS,
    SEARCH_RERANK_RATE,
    SP_ARN,
    SP_DISCOUNT,
    SP_SHARE,
)
from demo.bills.usage import BillMonth, Configs, DayUsage, period_of
from demo.profiles import AWS_PROD, AWS_RESEARCH
from pricing import PriceBook

PREFIX = {"us-east-1": "USE1", "eu-west-1": "EU"}


def _day(d: date) -> tuple[datetime, datetime]:
    start = datetime.combine(d, time())
    return start, start + timedelta(days=1)


def _lambda_lines(u: DayUsage, cfg: dict[str, Any], book: Any) -> list[dict[str, Any]]:
    """Requests, on-demand and provisioned duration, provisioned concurrency, extra ephemeral storage."""
    arch = cfg.get("architecture") or "x86_64"
    suffix = "-ARM" if arch == "arm64" else ""
    p = PREFIX[u.region]
    gb = float(cfg["memory_mb"]) / 1024

    def rate(item: str) -> float:
        return book.price("lambda", f"{item}-{arch}", u.region).list_usd

    lines = [
        {"usage_type": f"{p}-Request{suffix}", "unit": "Requests", "quantity": u.invocations, "rate": rate("requests")},
    ]
    on_demand_ms = u.billed_ms - (u.pc_ms if cfg.get("provisioned_concurrency") else 0.0)
    gbs = on_demand_ms / 1000 * gb
    lines.append(
        {
            "usage_type": f"{p}-Lambda-GB-Second{suffix}",
            "unit": "Lambda-GB-Second",
            "quantity": gbs,
            "rate": rate("duration"),
        }
    )
    if cfg.get("provisioned_concurrency"):
        lines.append(
            {
                "usage_type": f"{p}-Lambda-Provisioned-Concurrency{suffix}",
                "unit": "Lambda-GB-Second",
                "quantity": u.provisioned_hours * 3600 * gb,
                "rate": rate("provisioned-concurrency"),
            }
        )
        lines.append(
            {
                "usage_type": f"{p}-Lambda-Provisioned-GB-Second{suffix}",
                "unit": "Lambda-GB-Second",
                "quantity": u.pc_ms / 1000 * gb,
                "rate": rate("provisioned-duration"),
            }
        )
    extra_gb = (float(cfg.get("ephemeral_storage_mb") or 512) - 512) / 1024
    if extra_gb > 0:
        lines.append(
            {
                "usage_type": f"{p}-Lambda-Storage-GB-Second{suffix}",
                "unit": "Lambda-GB-Second",
                "quantity": extra_gb * u.billed_ms / 1000,
                "rate": rate("ephemeral-storage"),
            }
        )
    return lines


def _sagemaker_lines(u: DayUsage, cfg: dict[str, Any], book: Any) -> list[dict[str, Any]]:
    p = PREFIX[u.region]
    if u.service == "sagemaker-serverless":
        memory = int(cfg["memory_mb"])
        rate = book.price("sagemaker-serverless", f"duration/{memory}", u.region).list_usd
        return [
            {
                "usage_type": f"{p}-ServerlessInf:Mem-{memory // 1024}GB",
                "unit": "Second",
                "quantity": u.exec_ms / 1000,
                "rate": rate,
            },
            {"usage_type": f"{p}-ServerlessInf:Data-Bytes-In", "unit": "GB", "quantity": 0.2, "rate": 0.016},
        ]
    kind = cfg["instance_type"]
    rate = book.price("sagemaker-endpoint", f"instance/{kind}", u.region).list_usd
    if u.name == "search-rerank":
        rate = SEARCH_RERANK_RATE
    return [{"usage_type": f"{p}-Host:{kind}", "unit": "Hrs", "quantity": u.instance_hours, "rate": rate}]


def aws_lines(usage: list[DayUsage], configs: Configs, book: PriceBook) -> dict[str, list[dict[str, Any]]]:
    """Per AWS account, the lines of each resource-day of ``usage``: usage type, unit, quantity and list rate."""
    out: dict[str, list[dict[str, Any]]] = {AWS_PROD: [], AWS_RESEARCH: []}
    for u in usage:
        cfg = configs[(u.resource_id, u.config_from)]
        if u.service == "lambda":
            lines = _lambda_lines(u, cfg, book)
            arn = f"arn:aws:lambda:{u.region}:{u.account}:function:{u.name}"
            product, service = "AWSLambda", "AWS Lambda"
        elif u.service.startswith("sagemaker"):
            lines = _sagemaker_lines(u, cfg, book)
            arn = f"arn:aws:sagemaker:{u.region}:{u.account}:endpoint/{u.name.lower()}"
            product, service = "AmazonSageMaker", "Amazon SageMaker"
        else:
            continue
        for line in (line for line in lines if line["quantity"] > 0):
            line.update(day=u.day, region=u.region, name=u.name, arn=arn, product=product, service=service)
            line["cost"] = line["quantity"] * line["rate"]
            out[u.account].append(line)
    return out


def _cur_row(line: dict[str, Any], kind: str, **extra: Any) -> dict[str, Any]:
    start, end = _day(line["day"]) if "day" in line else line["period"]
    period = period_of(start.date())
    row = {
        "identity_time_interval": f"{start:%Y-%m-%dT%H:%M:%SZ}/{end:%Y-%m-%dT%H:%M:%SZ}",
        "bill_bill_type": "Anniversary",
        "bill_billing_entity": "AWS",
        "bill_payer_account_id": AWS_PROD,
        "bill_billing_period_start_date": period[0],
        "bill_billing_period_end_date": period[1],
        "line_item_usage_account_id": AWS_PROD,
        "line_item_line_item_type": kind,
        "line_item_usage_start_date": start,
        "line_item_usage_end_date": end,
        "line_item_product_code": line.get("product"),
        "line_item_usage_type": line.get("usage_type"),
        "line_item_operation": "Invoke" if line.get("product") == "AWSLambda" else "RunInstance",
        "line_item_resource_id": line.get("arn"),
        "line_item_usage_amount": line.get("quantity"),
        "line_item_currency_code": "USD",
        "line_item_unblended_rate": line.get("rate"),
        "line_item_unblended_cost": line.get("cost"),
        "line_item_line_item_description": line.get("description", f"{line.get('usage_type')} for {line.get('name')}"),
        "product_region_code": line.get("region"),
        "pricing_public_on_demand_cost": line.get("cost") if kind not in ("Tax", "SavingsPlanRecurringFee") else 0.0,
        "pricing_public_on_demand_rate": line.get("rate"),
        "pricing_term": "OnDemand" if kind == "Usage" else "",
        "pricing_unit": line.get("unit"),
        "resource_tags": '{"user_team": "ml-platform"}',
    }
    row.update(extra)
    return row


def cur_rows(lines: list[dict[str, Any]], month: BillMonth) -> list[dict[str, Any]]:
    """The month's CUR 2.0 rows: ``lines`` are the production account's lines of the month's days."""
    rows: list[dict[str, Any]] = []
    for line in lines:
        covered = line["name"] == "fraud-score" and "Lambda-GB-Second" in line["usage_type"]
        if not covered:
            rows.append(_cur_row(line, "Usage"))
            continue
        part = {**line, "quantity": line["quantity"] * SP_SHARE, "cost": line["cost"] * SP_SHARE}
        rest = {**line, "quantity": line["quantity"] - part["quantity"], "cost": line["cost"] - part["cost"]}
        effective = part["cost"] * (1 - SP_DISCOUNT)
        sp = {
            "savings_plan_savings_plan_a_r_n": SP_ARN,
            "savings_plan_savings_plan_effective_cost": effective,
            "savings_plan_savings_plan_rate": line["rate"] * (1 - SP_DISCOUNT),
        }
        rows.append(_cur_row(rest, "Usage"))
        rows.append(_cur_row(part, "SavingsPlanCoveredUsage", pricing_term="SavingsPlan", **sp))
        rows.append(_cur_row({**part, "cost": -part["cost"]}, "SavingsPlanNegation", **sp))
        fee = {
            "day": line["day"],
            "product": "ComputeSavingsPlans",
            "usage_type": "ComputeSP:1yrNoUpfront",
            "arn": SP_ARN,
            "quantity": 24.0,
            "cost": effective,
            "unit": "Hrs",
            "region": None,
            "description": "1 year No Upfront Compute Savings Plan",
        }
        rows.append(
            _cur_row(
                fee,
                "SavingsPlanRecurringFee",
                savings_plan_savings_plan_a_r_n=SP_ARN,
                savings_plan_total_commitment_to_date=effective,
                savings_plan_used_commitment=effective,
            )
        )
    for day in month.days():
        fraud = f"arn:aws:lambda:us-east-1:{AWS_PROD}:function:fraud-score"
        etl = f"arn:aws:lambda:us-east-1:{AWS_PROD}:function:legacy-etl"
        extras = [
            (
                "AWSLambda",
                "USE1-DataTransfer-Out-Bytes",
                "GB",
                EGRESS_GB_PER_DAY,
                EGRESS_USD_PER_GB,
                fraud,
                "fraud-score",
            ),
            ("AWSLambda", "USE1-Request", "Requests", LEGACY_ETL_REQUESTS, 2e-7, etl, "legacy-etl"),
            ("AWSLambda", "USE1-Lambda-GB-Second", "Lambda-GB-Second", LEGACY_ETL_GB_S, 1.66667e-5, etl, "legacy-etl"),
            (
                "AmazonCloudWatch",
                "USE1-DataProcessing-Bytes",
                "GB",
                CLOUDWATCH_GB_PER_DAY,
                CLOUDWATCH_USD_PER_GB,
                None,
                "log ingestion",
            ),
        ]
        for product, usage_type, unit, quantity, rate, arn, name in extras:
            line = {
                "day": day,
                "product": product,
                "usage_type": usage_type,
                "unit": unit,
                "quantity": float(quantity),
                "rate": rate,
                "cost": quantity * rate,
                "arn": arn,
                "name": name,
                "region": "us-east-1",
            }
            rows.append(_cur_row(line, "Usage"))
    for product, amount in AWS_TAX.items():
        tax = {"product": product, "cost": amount, "description": f"Tax for {month.label}", "period": month.period}
        rows.append(_cur_row(tax, "Tax"))
    return rows

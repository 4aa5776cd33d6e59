"""The demo's Google Cloud bill: detailed usage cost export rows for the demo's project, nested as BigQuery writes them.

The schema is the detailed export's (``gcp_billing_export_resource_v1``), with ``service``, ``sku``,
``project``, ``location``, ``resource``, ``usage``, ``invoice`` as structs and ``labels``, ``credits`` as
repeated records; one row per resource, SKU and day.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import pyarrow as pa

from demo.bills.constants import GCP_PROJECT_NUMBER, GCP_TAX, RUN_CUD_DISCOUNT, RUN_LEGACY_VCPU_S, T4_RATE
from demo.bills.usage import BillMonth, Configs, DayUsage
from demo.profiles import GCP_PROJECT
from pricing import PriceBook
from pricing.gcp import gcf_ghz

KV = pa.struct([("key", pa.string()), ("value", pa.string())])
SCHEMA = pa.schema(
    [
        ("billing_account_id", pa.string()),
        ("service", pa.struct([("id", pa.string()), ("description", pa.string())])),
        ("sku", pa.struct([("id", pa.string()), ("description", pa.string())])),
        ("usage_start_time", pa.timestamp("us", tz="UTC")),
        ("usage_end_time", pa.timestamp("us", tz="UTC")),
        (
            "project",
            pa.struct([("id", pa.string()), ("number", pa.string()), ("name", pa.string()), ("labels", pa.list_(KV))]),
        ),
        ("labels", pa.list_(KV)),
        ("system_labels", pa.list_(KV)),
        (
            "location",
            pa.struct(
                [("location", pa.string()), ("country", pa.string()), ("region", pa.string()), ("zone", pa.string())]
            ),
        ),
        ("resource", pa.struct([("name", pa.string()), ("global_name", pa.string())])),
        ("export_time", pa.timestamp("us", tz="UTC")),
        ("cost", pa.float64()),
        ("currency", pa.string()),
        ("currency_conversion_rate", pa.float64()),
        (
            "usage",
            pa.struct(
                [
                    ("amount", pa.float64()),
                    ("unit", pa.string()),
                    ("amount_in_pricing_units", pa.float64()),
                    ("pricing_unit", pa.string()),
                ]
            ),
        ),
        (
            "credits",
            pa.list_(
                pa.struct(
                    [
                        ("name", pa.string()),
                        ("amount", pa.float64()),
                        ("full_name", pa.string()),
                        ("id", pa.string()),
                        ("type", pa.string()),
                    ]
                )
            ),
        ),
        ("invoice", pa.struct([("month", pa.string())])),
        ("cost_type", pa.string()),
        ("cost_at_list", pa.float64()),
    ]
)
SERVICE_IDS = {"Cloud Run": "152E-C115-5142", "Cloud Run Functions": "29E7-DA93-CA13", "Vertex AI": "C7E2-9256-1C43"}
COUNTRY = {"us-central1": "US", "europe-west1": "BE"}
HOSTS = {"cloud-run": ("run", "services"), "cloud-functions": ("cloudfunctions", "functions")}


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC)


def row(
    service: str,
    sku: str,
    start: datetime,
    end: datetime,
    region: str | None,
    cost: float,
    amount: float | None = None,
    unit: str | None = None,
    resource: tuple[str, str] | None = None,
    credits: list[dict[str, Any]] | None = None,
    cost_type: str = "regular",
) -> dict[str, Any]:
    return {
        "billing_account_id": "01A2B3-C4D5E6-F7A8B9",
        "service": {"id": SERVICE_IDS.get(service, "0000-0000-0000"), "description": service},
        "sku": {"id": _sku_id(sku), "description": sku},
        "usage_start_time": _utc(start),
        "usage_end_time": _utc(end),
        "project": {"id": GCP_PROJECT, "number": GCP_PROJECT_NUMBER, "name": "ACME ML production", "labels": []},
        "labels": [{"key": "team", "value": "ml-platform"}],
        "system_labels": [],
        "location": {"location": region, "country": COUNTRY.get(region or ""), "region": region, "zone": None},
        "resource": {"name": resource[0], "global_name": resource[1]}
        if resource
        else {"name": None, "global_name": None},
        "export_time": _utc(end + timedelta(hours=3)),
        "cost": cost,
        "currency": "USD",
        "currency_conversion_rate": 1.0,
        "usage": {"amount": amount, "unit": unit, "amount_in_pricing_units": amount, "pricing_unit": unit},
        "credits": credits or [],
        "invoice": {"month": f"{start:%Y%m}"},
        "cost_type": cost_type,
        "cost_at_list": cost,
    }


def _sku_id(description: str) -> str:
    """A stable, made-up SKU id (real ones look like ``CF4E-A0C7-E3BF``)."""
    total = sum(ord(c) * (i + 1) for i, c in enumerate(description))
    return f"{total % 0xFFFF:04X}-{(total * 7) % 0xFFFF:04X}-{(total * 13) % 0xFFFF:04X}"


def _credit(kind: str, name: str, amount: float) -> dict[str, Any]:
    return {"name": name, "amount": amount, "full_name": name, "id": f"{kind.lower()}-1", "type": kind}


def _resource_lines(u: DayUsage, cfg: dict[str, Any], book: Any) -> tuple[str, list[tuple[str, float, str, str]]]:
    """(billed service name, [(SKU, quantity, pricing unit, price item)]) for one resource-day."""
    if u.service == "cloud-functions":
        seconds = u.rounded_exec_ms / 1000
        memory = float(cfg["memory_mb"])
        return "Cloud Run Functions", [
            ("Invocations", u.invocations, "requests", "invocations"),
            ("Memory Time", seconds * memory / 1024, "gibibyte second", "memory"),
            ("CPU Time", seconds * gcf_ghz(book, memory), "GHz-second", "cpu"),
        ]
    if u.service == "cloud-run":
        vcpu, gib = float(cfg["vcpu"]), float(cfg["memory_mb"]) / 1024
        seconds = u.billable_ms / 1000
        if cfg.get("billing_mode") == "instance":
            return "Cloud Run", [
                ("CPU Allocation Time (instance-based billing)", seconds * vcpu, "vCPU-second", "instance-cpu"),
                (
                    "Memory Allocation Time (instance-based billing)",
                    seconds * gib,
                    "gibibyte second",
                    "instance-memory",
                ),
            ]
        lines = [
            ("CPU Allocation Time", seconds * vcpu, "vCPU-second", "request-cpu"),
            ("Memory Allocation Time", seconds * gib, "gibibyte second", "request-memory"),
            ("Requests", u.invocations, "requests", "requests"),
        ]
        idle = max(0.0, float(cfg.get("min_instances") or 0) * 86400 - seconds)
        if idle:
            lines += [
                ("Idle Min-Instance CPU Allocation Time", idle * vcpu, "vCPU-second", "idle-min-cpu"),
                ("Idle Min-Instance Memory Allocation Time", idle * gib, "gibibyte second", "idle-min-memory"),
            ]
        return "Cloud Run", lines
    machine = cfg["instance_type"]
    lines = [(f"Online Prediction: {machine} node hours", u.instance_hours, "hour", f"machine/{machine}")]
    if cfg.get("accelerator_type"):
        lines.append(("Online Prediction: NVIDIA Tesla T4 GPU running in EMEA", u.instance_hours, "hour", ""))
    return "Vertex AI", lines


def _global_name(u: DayUsage) -> str:
    if u.service == "vertex-endpoint":
        return f"//aiplatform.googleapis.com/projects/{GCP_PROJECT_NUMBER}/locations/{u.region}/endpoints/{u.name}"
    host, collection = HOSTS[u.service]
    return f"//{host}.googleapis.com/projects/{GCP_PROJECT}/locations/{u.region}/{collection}/{u.name}"


def gcp_rows(usage: list[DayUsage], configs: Configs, month: BillMonth, book: PriceBook) -> list[dict[str, Any]]:
    """The month's rows of the demo's project: each resource-day of ``usage`` (the month's), then its extras."""
    rows: list[dict[str, Any]] = []
    cud_cost: dict[Any, float] = {}
    for u in usage:
        if u.account != GCP_PROJECT:
            continue
        start = datetime.combine(u.day, time())
        end = start + timedelta(days=1)
        service, lines = _resource_lines(u, configs[(u.resource_id, u.config_from)], book)
        for sku, quantity, unit, item in lines:
            rate = book.price(u.service, item, u.region).list_usd if item else T4_RATE
            cost = quantity * rate
            credits = []
            if u.name == "gcf-anomaly-check":
                credits.append(_credit("FREE_TIER", "Free Tier", -cost))
            if u.name == "run-embeddings" and ("CPU" in sku or "Memory" in sku):
                credits.append(
                    _credit(
                        "COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE",
                        "Committed use discount: Cloud Run",
                        -cost * RUN_CUD_DISCOUNT,
                    )
                )
                cud_cost[u.day] = cud_cost.get(u.day, 0.0) + cost * (1 - RUN_CUD_DISCOUNT)
            rows.append(
                row(service, sku, start, end, u.region, cost, quantity, unit, (u.name, _global_name(u)), credits)
            )
    for day in month.days():
        start = datetime.combine(day, time())
        end = start + timedelta(days=1)
        legacy = f"//run.googleapis.com/projects/{GCP_PROJECT}/locations/us-central1/services/run-legacy-api"
        rate = book.price("cloud-run", "request-cpu", "us-central1").list_usd
        rows.append(
            row(
                "Cloud Run",
                "CPU Allocation Time",
                start,
                end,
                "us-central1",
                RUN_LEGACY_VCPU_S * rate,
                RUN_LEGACY_VCPU_S,
                "vCPU-second",
                ("run-legacy-api", legacy),
            )
        )
        rows.append(
            row(
                "Cloud Run",
                "Commitment - dollar based v1: Cloud Run for 1 year",
                start,
                end,
                None,
                cud_cost.get(day, 0.0),
            )
        )
    rows.append(row("Cloud Run", "Tax", *month.period, None, GCP_TAX, cost_type="tax"))
    return rows

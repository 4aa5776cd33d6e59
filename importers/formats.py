"""The formats an import reads, by the name ``--format`` takes, and the long CSV's required columns.

Kept apart from the parsers so that a command line can list them without importing DuckDB or Arrow.
Metrics files become metric rows (``importers.orchestrate``); billing exports become billed charges
(``importers.billing``). Both are detected by ``import`` and the Upload page, and ``--format`` takes either.
"""

from __future__ import annotations

METRIC_FORMATS: dict[str, str] = {
    "long": "Generic long CSV (timestamp, service, resource, metric, value)",
    "cloudwatch-json": "CloudWatch GetMetricData results (JSON) with the queries file",
    "logs-insights": "CloudWatch Logs Insights CSV of Lambda REPORT lines",
    "monitoring-json": "Cloud Monitoring timeSeries.list response (JSON)",
    "wide": "Wide CSV from a console chart: a time column and one column per series",
}
BILLING_FORMATS: dict[str, str] = {
    "focus": "Billing export: FOCUS 1.0–1.3 (FinOps Open Cost and Usage Specification; CSV, gzipped CSV, Parquet)",
    "cur2": "Billing export: AWS Cost and Usage Report 2.0, or the legacy CUR (CSV, gzipped CSV, Parquet)",
    "gcp-billing": "Billing export: Google Cloud detailed usage cost export from BigQuery (CSV, Parquet, JSON lines)",
}
FORMATS: dict[str, str] = {**METRIC_FORMATS, **BILLING_FORMATS}
REQUIRED_ROLES = ("timestamp", "service", "resource", "metric", "value")


def is_billing(fmt: str | None) -> bool:
    return fmt in BILLING_FORMATS

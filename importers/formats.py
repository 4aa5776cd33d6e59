"""The formats an import reads, by the name ``--format`` takes, and the long CSV's required columns.

Kept apart from the parsers so that a command line can list them without importing DuckDB or Arrow.
"""

from __future__ import annotations

FORMATS: dict[str, str] = {
    "long": "Generic long CSV (timestamp, service, resource, metric, value)",
    "cloudwatch-json": "CloudWatch GetMetricData results (JSON) with the queries file",
    "logs-insights": "CloudWatch Logs Insights CSV of Lambda REPORT lines",
    "monitoring-json": "Cloud Monitoring timeSeries.list response (JSON)",
    "wide": "Wide CSV from a console chart: a time column and one column per series",
}
REQUIRED_ROLES = ("timestamp", "service", "resource", "metric", "value")

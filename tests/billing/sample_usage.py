"""The demo estate's usage per resource and UTC day, read from its hourly rows: what the sample bills bill.

Plain SQL over ``metrics`` (hourly rows only, so the demo's per-minute copy of the last week is not counted
twice), independent of the analysis code the reconciliation test checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

BILL_START = date(2026, 11, 1)
BILL_END = date(2026, 11, 28)  # the demo (tests.conftest.DEMO_END) ends 2026-11-29 00:00 UTC


@dataclass(frozen=True)
class DayUsage:
    resource_id: str
    service: str
    account: str
    region: str
    name: str
    day: date
    invocations: float
    billed_ms: float  # Lambda REPORT billed duration
    exec_ms: float  # Σ invocations × mean duration
    instance_hours: float  # Σ hourly mean instances
    billable_ms: float  # Cloud Run billable instance time
    provisioned_hours: float  # Σ hourly mean provisioned concurrency
    pc_ms: float  # Lambda: billed ms served by provisioned concurrency (hour by hour, mean concurrency)
    rounded_exec_ms: float  # Cloud Functions: invocations × mean duration rounded up to 100 ms, per hour


SQL = """
WITH h AS (
    SELECT resource_id, period_start,
           max(value) FILTER (WHERE metric = 'invocations') AS inv,
           max(value) FILTER (WHERE metric = 'billed_duration_ms_sum') AS billed,
           max(value) FILTER (WHERE metric = 'duration_ms_avg') AS dur,
           max(value) FILTER (WHERE metric = 'instances_avg') AS inst,
           max(value) FILTER (WHERE metric = 'billable_instance_ms_sum') AS billable,
           max(value) FILTER (WHERE metric = 'provisioned_concurrency') AS pc
    FROM metrics WHERE period_s = 3600 AND period_start >= ? AND period_start < ? + INTERVAL 1 DAY
    GROUP BY ALL
)
SELECT r.resource_id, r.service, r.account, r.region, r.name, CAST(h.period_start AS DATE) AS day,
       coalesce(sum(inv), 0), coalesce(sum(billed), 0), coalesce(sum(inv * dur), 0), coalesce(sum(inst), 0),
       coalesce(sum(billable), 0), coalesce(sum(pc), 0),
       coalesce(sum(billed * least(1.0, pc / greatest(inv / 3600.0 * dur / 1000.0, 1e-9))), 0),
       coalesce(sum(inv * ceil(dur / 100.0) * 100.0), 0)
FROM h JOIN resources r USING (resource_id)
GROUP BY ALL ORDER BY r.resource_id, day
"""


def daily_usage(db: Path, start: date = BILL_START, end: date = BILL_END) -> list[DayUsage]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute(SQL, [start, end]).fetchall()
    finally:
        con.close()
    return [DayUsage(*row) for row in rows]


def config(db: Path) -> dict[str, dict[str, object]]:
    """The configuration in effect at the end of each resource's history (none of the billed days changes it)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        cur = con.execute(
            "SELECT * FROM resource_config QUALIFY row_number() OVER (PARTITION BY resource_id ORDER BY valid_from "
            "DESC) = 1"
        )
        names = [d[0] for d in cur.description]
        return {row[0]: dict(zip(names, row, strict=True)) for row in cur.fetchall()}
    finally:
        con.close()

"""The demo estate's usage per resource and UTC day, read from its hourly rows: what the demo's bills bill.

Plain SQL over ``metrics`` (hourly rows only, so the demo's per-minute copy of the last week is not counted
twice), independent of the analysis code the reconciliation checks. Each hour is billed at the configuration
in effect then (an as-of join on ``resource_config``), so a day that changes memory is billed in two parts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import duckdb

from store.db import run_read


@dataclass(frozen=True)
class BillMonth:
    """One calendar (invoice) month of a bill and the days of it that are billed (``first``..``last``)."""

    start: date  # the first day of the month
    first: date
    last: date

    @property
    def end(self) -> date:
        """The first day of the next month (the billing period's exclusive end)."""
        return date(self.start.year + self.start.month // 12, self.start.month % 12 + 1, 1)

    @property
    def period(self) -> tuple[datetime, datetime]:
        return datetime.combine(self.start, time()), datetime.combine(self.end, time())

    @property
    def label(self) -> str:
        return f"{self.start:%B %Y}"

    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]


def month_of(day: date) -> date:
    return day.replace(day=1)


def period_of(day: date) -> tuple[datetime, datetime]:
    """The billing period (calendar month) a day falls in, as naive UTC datetimes."""
    return BillMonth(month_of(day), day, day).period


def bill_months(first: date, last: date) -> list[BillMonth]:
    """The calendar months from ``first`` to ``last`` (inclusive days), each with the days of it inside."""
    out, month = [], month_of(first)
    while month <= last:
        m = BillMonth(month, month, month)
        out.append(BillMonth(month, max(first, month), min(last, m.end - timedelta(days=1))))
        month = m.end
    return out


@dataclass(frozen=True)
class DayUsage:
    resource_id: str
    service: str
    account: str
    region: str
    name: str
    day: date
    config_from: datetime  # the configuration snapshot in effect for these hours
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
), hc AS (
    SELECT h.*, c.valid_from FROM h ASOF LEFT JOIN resource_config c
    ON c.resource_id = h.resource_id AND c.valid_from <= h.period_start
)
SELECT r.resource_id, r.service, r.account, r.region, r.name, CAST(hc.period_start AS DATE) AS day, hc.valid_from,
       coalesce(sum(inv), 0), coalesce(sum(billed), 0), coalesce(sum(inv * dur), 0), coalesce(sum(inst), 0),
       coalesce(sum(billable), 0), coalesce(sum(pc), 0),
       coalesce(sum(billed * least(1.0, pc / greatest(inv / 3600.0 * dur / 1000.0, 1e-9))), 0),
       coalesce(sum(inv * ceil(dur / 100.0) * 100.0), 0)
FROM hc JOIN resources r USING (resource_id)
GROUP BY ALL ORDER BY r.resource_id, day, hc.valid_from
"""


def daily_usage(db: Path, start: date, end: date) -> list[DayUsage]:
    """Every resource's usage per UTC day from ``start`` to ``end`` (inclusive) and configuration in effect."""
    rows = run_read(Path(db), lambda con: con.execute(SQL, [start, end]).fetchall())
    return [DayUsage(*row) for row in rows]


Configs = dict[tuple[str, datetime], dict[str, Any]]


def config(db: Path) -> Configs:
    """Every configuration snapshot, keyed by (resource, valid from): the one a ``DayUsage`` names is billed."""

    def read(con: duckdb.DuckDBPyConnection) -> Configs:
        cur = con.execute("SELECT * FROM resource_config")
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
        return {(row["resource_id"], row["valid_from"]): row for row in rows}

    return run_read(Path(db), read)

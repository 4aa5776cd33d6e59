"""Cold starts, init time and billed duration of Lambda functions from Logs Insights (opt-in: it costs money).

One query per group of ≤ 50 log groups and window aggregates the REPORT records server-side per log group
and period. Text and JSON log formats are both read: ``coalesce`` takes the discovered ``@duration``-style
field or the JSON one. A REPORT record is one cold start when it carries an Init Duration, or for SnapStart a
Restore Duration instead, and its cold-start time is that one value: the same reading as the one REPORT
parser, ``importers.report_lines``, which the tests feed the same lines. Latency percentiles are
not asked for: durations come from CloudWatch. At most ``concurrency`` queries run at once, since the
account's concurrent-query cap is shared with dashboards; a ``LimitExceededException`` on ``StartQuery`` is
retried with jittered backoff (``common.retry``). The cost is $0.005 per GB scanned; a dry run estimates
the bytes from each log group's ``storedBytes`` scaled to the window (an estimate: stored bytes are
compressed and spread unevenly over the retention period).

The query syntax is AWS's documented Logs Insights language; moto ignores ``stats``, so the tests check
the result handling with botocore's Stubber and the aggregation against REPORT lines.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from collectors.aws.clients import describe_error, error_code
from collectors.aws.constants import (
    BYTES_PER_GB,
    LOGS_INSIGHTS_MAX_GROUPS,
    LOGS_INSIGHTS_POLL_TIMEOUT_S,
    LOGS_INSIGHTS_RESULT_LIMIT,
    LOGS_INSIGHTS_USD_PER_GB,
)
from collectors.source import ApiUsage, MetricRow, Window
from common.retry import RetryPolicy, call_with_retry

BILL_ITEM = "logs:Logs Insights GB scanned"
QUERY_TEMPLATE = """fields @timestamp, @log,
  coalesce(@duration, `record.metrics.durationMs`) as durationMs,
  coalesce(@billedDuration, `record.metrics.billedDurationMs`) as billedMs,
  coalesce(@initDuration, `record.metrics.initDurationMs`) as initMs
| filter @type = "REPORT" or type = "platform.report"
| parse @message /Restore Duration: (?<restoreTextMs>[0-9.]+) ms/
| fields coalesce(restoreTextMs, `record.metrics.restoreDurationMs`) as restoreMs
| fields coalesce(initMs, restoreMs) as coldMs
| stats count(*) as invocations, count(coldMs) as coldCount, sum(coldMs) as coldSum, sum(billedMs) as billedSum
  by @log, bin({minutes}m)"""
TERMINAL = ("Complete", "Failed", "Cancelled", "Timeout", "Unknown")
# The account's concurrent-query cap is shared with people's dashboards: wait for a slot, a bounded number of times.
START_POLICY = RetryPolicy("LimitExceededException", attempts=5, base_delay_s=1.0, max_delay_s=16.0)


def build_query(period_s: int) -> str:
    return QUERY_TEMPLATE.format(minutes=max(1, period_s // 60))


@dataclass(frozen=True)
class LogGroup:
    name: str
    stored_bytes: int
    created_at: datetime | None
    retention_days: int | None


def describe_groups(client: Any, names: set[str]) -> dict[str, LogGroup]:
    """The existing log groups among ``names`` (a query naming a missing group fails as a whole)."""
    found: dict[str, LogGroup] = {}
    prefixes = {"/aws/lambda/"} | {n for n in names if not n.startswith("/aws/lambda/")}
    for prefix in sorted(prefixes):
        for page in client.get_paginator("describe_log_groups").paginate(logGroupNamePrefix=prefix):
            for g in page.get("logGroups", []):
                if g["logGroupName"] in names:
                    created = g.get("creationTime")
                    found[g["logGroupName"]] = LogGroup(
                        name=g["logGroupName"],
                        stored_bytes=int(g.get("storedBytes") or 0),
                        created_at=datetime(1970, 1, 1) + timedelta(milliseconds=created) if created else None,
                        retention_days=g.get("retentionInDays"),
                    )
    return found


def estimate_bytes(groups: Sequence[LogGroup], window: Window, now: datetime) -> int:
    """storedBytes × (window ÷ the span the group holds), per group: a rough estimate, said so."""
    window_s = (window.end - window.start).total_seconds()
    total = 0.0
    for g in groups:
        held_s = (now - g.created_at).total_seconds() if g.created_at else window_s
        if g.retention_days:
            held_s = min(held_s, g.retention_days * 86400.0)
        total += g.stored_bytes * min(1.0, window_s / max(held_s, 1.0))
    return int(total)


def plan_queries(names: Sequence[str], window: Window) -> list[tuple[list[str], Window]]:
    """(log groups, time slice) per query, so that no query can return more rows than one result page.

    A query returns at most one row per (log group, period), and Logs Insights returns at most
    ``LOGS_INSIGHTS_RESULT_LIMIT`` rows, silently dropping the rest. So every query keeps
    groups × periods strictly below the limit (a full page can then only mean something unexpected, and
    ``_run`` reports it as a cut result), taking ≤ 50 groups; a window with more periods than that is split
    in time into whole periods. Among the splits that respect the limit, the one with the fewest queries
    wins (each byte is scanned once whichever way the work is cut), preferring longer time slices, then
    more groups per query.
    """
    ordered = sorted(names)
    if not ordered or window.periods <= 0:
        return []
    budget = LOGS_INSIGHTS_RESULT_LIMIT - 1
    best: tuple[int, int, int] | None = None  # (queries, -periods per slice, -groups per query)
    for groups in range(1, min(LOGS_INSIGHTS_MAX_GROUPS, len(ordered)) + 1):
        periods = min(window.periods, budget // groups)
        if periods < 1:
            break
        queries = math.ceil(len(ordered) / groups) * math.ceil(window.periods / periods)
        candidate = (queries, -periods, -groups)
        best = candidate if best is None or candidate < best else best
    assert best is not None  # one group and one period always fit
    slice_periods, group_size = -best[1], -best[2]
    step = timedelta(seconds=window.period_s * slice_periods)
    slices = []
    start = window.start
    while start < window.end:
        slices.append(Window(start, min(start + step, window.end), window.period_s))
        start += step
    batches = [ordered[i : i + group_size] for i in range(0, len(ordered), group_size)]
    return [(batch, time_slice) for time_slice in slices for batch in batches]


@dataclass
class QueryJob:
    groups: list[str]
    window: Window
    rows: list[dict[str, str]] = field(default_factory=list)
    bytes_scanned: float = 0.0
    error: str | None = None
    truncated: bool = False  # the result filled a whole page: rows beyond it may have been dropped


def _start(client: Any, job: QueryJob, usage: ApiUsage) -> str:
    def start() -> str:
        return client.start_query(
            logGroupNames=job.groups,
            startTime=int((job.window.start - datetime(1970, 1, 1)).total_seconds()),
            # Both ends are inclusive and in seconds: stop one second before the next window.
            endTime=int((job.window.end - datetime(1970, 1, 1)).total_seconds()) - 1,
            queryString=build_query(job.window.period_s),
            limit=LOGS_INSIGHTS_RESULT_LIMIT,
        )["queryId"]

    return call_with_retry(
        start,
        lambda exc: START_POLICY if error_code(exc) == START_POLICY.name else None,
        on_retry=lambda _exc, policy: usage.retry("logs:StartQuery", policy.name),
    )


def _run(client: Any, job: QueryJob, usage: ApiUsage, sleep: Callable[[float], None], timeout_s: float) -> None:
    try:
        query_id = _start(client, job, usage)
        deadline = time.monotonic() + timeout_s
        delay = 0.5
        while True:
            response = client.get_query_results(queryId=query_id)
            status = response.get("status", "Unknown")
            if status in TERMINAL:
                break
            if time.monotonic() > deadline:
                client.stop_query(queryId=query_id)
                job.error = f"query over {len(job.groups)} log group(s) still {status} after {timeout_s:.0f} s"
                return
            sleep(delay)
            delay = min(delay * 2, 5.0)
        job.bytes_scanned = float((response.get("statistics") or {}).get("bytesScanned") or 0.0)
        usage.bill(BILL_ITEM, job.bytes_scanned / BYTES_PER_GB, "GB", LOGS_INSIGHTS_USD_PER_GB)
        if status != "Complete":
            job.error = f"query over {len(job.groups)} log group(s) ended {status}"
            return
        pages = [response]
        while pages[-1].get("nextToken"):
            pages.append(client.get_query_results(queryId=query_id, nextToken=pages[-1]["nextToken"]))
        for page in pages:
            for row in page.get("results", []):
                job.rows.append({cell["field"]: cell.get("value", "") for cell in row})
        # Logs Insights stops at the limit without saying so; plan_queries keeps a complete result below it.
        job.truncated = len(job.rows) >= LOGS_INSIGHTS_RESULT_LIMIT
    except Exception as exc:
        job.error = describe_error(exc)


def run_queries(
    client: Any,
    jobs: list[QueryJob],
    usage: ApiUsage,
    concurrency: int,
    sleep: Callable[[float], None] = time.sleep,
    timeout_s: float = LOGS_INSIGHTS_POLL_TIMEOUT_S,
) -> list[QueryJob]:
    """Run every job, at most ``concurrency`` at a time; each job records its rows or its error."""
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        list(pool.map(lambda job: _run(client, job, usage, sleep, timeout_s), jobs))
    return jobs


def _bin_start(row: dict[str, str]) -> datetime | None:
    for key, value in row.items():
        if key.startswith("bin("):
            return datetime.fromisoformat(value.replace(" ", "T")).replace(tzinfo=None)
    return None


def job_rows(job: QueryJob, resource_by_group: dict[str, str], origin: str) -> tuple[list[MetricRow], list[str]]:
    """Canonical rows (cold_starts, init_duration_ms_avg, billed_duration_ms_sum) from one job's results."""
    rows: list[MetricRow] = []
    problems: list[str] = []
    period_s = job.window.period_s
    for row in job.rows:
        try:
            group = row["@log"].split(":", 1)[-1]
            start = _bin_start(row)
            invocations = float(row["invocations"])
        except (KeyError, ValueError):
            problems.append(f"unreadable Logs Insights row with fields {sorted(row)}")
            continue
        resource_id = resource_by_group.get(group)
        if resource_id is None or start is None or not job.window.start <= start < job.window.end:
            continue
        cold = float(row.get("coldCount") or 0)
        init_sum = float(row.get("coldSum") or 0)
        if invocations > 0:
            rows.append((resource_id, "cold_starts", start, period_s, cold, origin))
        if cold > 0:
            rows.append((resource_id, "init_duration_ms_avg", start, period_s, init_sum / cold, origin))
        if row.get("billedSum") not in (None, ""):
            rows.append((resource_id, "billed_duration_ms_sum", start, period_s, float(row["billedSum"]), origin))
    return rows, sorted(set(problems))[:3]

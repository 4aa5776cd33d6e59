"""Logs Insights: the aggregation our query asks for, read with the one REPORT parser; result handling (Stubber),
concurrency, paging of queries."""

from __future__ import annotations

import itertools
import json
import threading
from datetime import datetime, timedelta
from types import SimpleNamespace

import boto3
import pytest
from botocore.stub import Stubber
from hypothesis import given, settings
from hypothesis import strategies as st

from collectors.aws import logs_insights
from collectors.aws.collect import RegionCollector, RegionOptions
from collectors.aws.inventory import LambdaFunction
from collectors.aws.logs_insights import LogGroup, QueryJob
from collectors.source import ApiUsage, RunContext, Scope, Window
from common import retry
from importers.report_lines import Report, parse_report

T0 = datetime(2026, 11, 28, 10, 0)
TEXT_COLD = (
    "REPORT RequestId: 8f507cfc-xmpl-4697-b07a-ac58fc914c95\tDuration: 15.74 ms\tBilled Duration: 16 ms\t"
    "Memory Size: 128 MB\tMax Memory Used: 56 MB\tInit Duration: 130.49 ms"
)
TEXT_WARM = "REPORT RequestId: 1\tDuration: 4.20 ms\tBilled Duration: 5 ms\tMemory Size: 128 MB\tMax Memory Used: 56 MB"
CUSTOM_RUNTIME = (
    "REPORT RequestId: 2 Init Duration: 200.00 ms Duration: 10.00 ms Billed Duration: 211 ms Memory Size: 512 MB"
)
SNAPSTART = (
    "REPORT RequestId: 3\tDuration: 20.00 ms\tBilled Duration: 21 ms\tMemory Size: 1024 MB\tMax Memory Used: 90 MB\t"
    "Restore Duration: 300.50 ms\tBilled Restore Duration: 301 ms"
)
JSON_COLD = json.dumps(
    {
        "time": "2026-11-28T10:01:00.000Z",
        "type": "platform.report",
        "record": {
            "requestId": "4",
            "metrics": {"durationMs": 30.0, "billedDurationMs": 31, "memorySizeMB": 256, "initDurationMs": 150.0},
        },
    }
)


def events():
    """Two functions' log events over two 5-minute periods (START/END lines included)."""
    fn_a = [
        (T0, "START RequestId: 8f50 Version: $LATEST"),
        (T0, TEXT_COLD),
        (T0 + timedelta(minutes=1), TEXT_WARM),
        (T0 + timedelta(minutes=2), SNAPSTART),
        (T0 + timedelta(minutes=6), TEXT_WARM),
    ]
    fn_b = [(T0 + timedelta(minutes=1), JSON_COLD), (T0 + timedelta(minutes=7), CUSTOM_RUNTIME)]
    return {"/aws/lambda/fn-a": fn_a, "/aws/lambda/fn-b": fn_b}


def reports_by_bin(events: list[tuple[datetime, str]]) -> dict[datetime, list[Report]]:
    """The REPORT records among log events, per 5-minute bin, as the one REPORT parser reads them."""
    bins: dict[datetime, list[Report]] = {}
    for ts, message in events:
        report = parse_report(message)
        if report:
            bins.setdefault(ts.replace(minute=ts.minute - ts.minute % 5), []).append(report)
    return bins


def insights_rows(by_group):
    """What Logs Insights returns for QUERY_TEMPLATE: one row per (log group, bin), all values strings.

    The query's ``coldMs`` is ``coalesce(initMs, restoreMs)``: a record's cold-start time is its Init
    Duration, else its Restore Duration, which is ``Report.cold_start_ms``.
    """
    rows = []
    for group, evs in by_group.items():
        for start, reports in reports_by_bin(evs).items():
            cold = [r.cold_start_ms for r in reports if r.cold_start_ms is not None]
            fields = {
                "@log": f"123456789012:{group}",
                "bin(5m)": start.strftime("%Y-%m-%d %H:%M:%S.000"),
                "invocations": str(len(reports)),
                "coldCount": str(len(cold)),
                "coldSum": str(sum(cold)),
                "billedSum": str(sum(r.billed_ms or 0 for r in reports)),
            }
            rows.append([{"field": k, "value": v} for k, v in fields.items()])
    return rows


def logs_client():
    return boto3.client("logs", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s")


def test_query_results_become_the_aggregation_of_the_report_lines(monkeypatch):
    by_group = events()
    window = Window(T0, T0 + timedelta(minutes=10), 300)
    client = logs_client()
    stubber = Stubber(client)
    stubber.add_client_error("start_query", "LimitExceededException", "too many concurrent queries", 400)
    stubber.add_response(
        "start_query",
        {"queryId": "q-1"},
        {
            "logGroupNames": sorted(by_group),
            "startTime": int((T0 - datetime(1970, 1, 1)).total_seconds()),
            "endTime": int((window.end - datetime(1970, 1, 1)).total_seconds()) - 1,
            "queryString": logs_insights.build_query(300),
            "limit": 10_000,
        },
    )
    stubber.add_response("get_query_results", {"status": "Running", "results": []}, {"queryId": "q-1"})
    stubber.add_response(
        "get_query_results",
        {"status": "Complete", "results": insights_rows(by_group), "statistics": {"bytesScanned": 2.5e9}},
        {"queryId": "q-1"},
    )
    job = QueryJob(sorted(by_group), window)
    usage = ApiUsage()
    sleeps: list[float] = []
    retry_waits: list[float] = []
    monkeypatch.setattr(retry, "pause", retry_waits.append)
    with stubber:
        logs_insights.run_queries(client, [job], usage, concurrency=2, sleep=sleeps.append)
    stubber.assert_no_pending_responses()
    assert job.error is None and sleeps == [0.5]  # one poll
    assert len(retry_waits) == 1 and 0.5 <= retry_waits[0] <= 1.0  # jittered backoff after LimitExceeded
    assert usage.retries == {"logs:StartQuery LimitExceededException": 1}
    assert usage.estimated_cost_usd == pytest.approx(2.5 * 0.005)
    ids = {g: f"lambda:1:r:{g.rsplit('/', 1)[1]}" for g in by_group}
    rows, problems = logs_insights.job_rows(job, ids, "t")
    assert not problems
    got = {(r[0], r[1], r[2]): r[4] for r in rows}
    # Worked out by hand from the lines in events(): fn-a's first bin has TEXT_COLD (init 130.49 ms), TEXT_WARM
    # and SNAPSTART (restore 300.5 ms); its second only TEXT_WARM; fn-b has JSON_COLD (init 150), then the
    # custom runtime's line (init 200).
    a, b = ids["/aws/lambda/fn-a"], ids["/aws/lambda/fn-b"]
    t5 = T0 + timedelta(minutes=5)
    assert got == {
        (a, "cold_starts", T0): 2,
        (a, "init_duration_ms_avg", T0): pytest.approx((130.49 + 300.5) / 2),
        (a, "billed_duration_ms_sum", T0): 16 + 5 + 21,
        (a, "cold_starts", t5): 0,
        (a, "billed_duration_ms_sum", t5): 5,
        (b, "cold_starts", T0): 1,
        (b, "init_duration_ms_avg", T0): 150.0,
        (b, "billed_duration_ms_sum", T0): 31,
        (b, "cold_starts", t5): 1,
        (b, "init_duration_ms_avg", t5): 200.0,
        (b, "billed_duration_ms_sum", t5): 211,
    }


def test_a_failed_query_is_recorded_not_raised():
    client = logs_client()
    stubber = Stubber(client)
    stubber.add_response("start_query", {"queryId": "q"})
    stubber.add_response("get_query_results", {"status": "Failed", "results": []})
    job = QueryJob(["/aws/lambda/x"], Window(T0, T0 + timedelta(minutes=5), 300))
    with stubber:
        logs_insights.run_queries(client, [job], ApiUsage(), 1, sleep=lambda _s: None)
    assert job.error == "query over 1 log group(s) ended Failed"


class CountingLogs:
    """A Logs client double that records how many queries run at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.active = 0
        self.peak = 0
        self.polls: dict[str, int] = {}

    def start_query(self, **_kwargs):
        with self.lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
            qid = f"q{len(self.polls)}"
            self.polls[qid] = 0
            return {"queryId": qid}

    def get_query_results(self, queryId, **_kwargs):
        with self.lock:
            self.polls[queryId] += 1
            if self.polls[queryId] < 3:
                return {"status": "Running", "results": []}
            self.active -= 1
            return {"status": "Complete", "results": [], "statistics": {"bytesScanned": 0}}


def test_no_more_queries_than_the_concurrency_at_once():
    client = CountingLogs()
    window = Window(T0, T0 + timedelta(minutes=5), 300)
    jobs = [QueryJob([f"/aws/lambda/f{i}"], window) for i in range(12)]
    logs_insights.run_queries(client, jobs, ApiUsage(), concurrency=3, sleep=lambda _s: threading.Event().wait(0.002))
    assert client.peak <= 3 and len(client.polls) == 12
    assert all(j.error is None for j in jobs)


def test_groups_per_query_fit_one_page_of_results():
    names = [f"/aws/lambda/f{i}" for i in range(120)]
    day_5min = Window(T0, T0 + timedelta(days=1), 300)
    plan = logs_insights.plan_queries(names, day_5min)
    assert [len(groups) for groups, _ in plan] == [34, 34, 34, 18]
    assert {w for _, w in plan} == {day_5min}
    hour = Window(T0, T0 + timedelta(hours=1), 300)
    assert [len(groups) for groups, _ in logs_insights.plan_queries(names, hour)] == [50, 50, 20]


def test_a_window_with_more_periods_than_a_page_is_split_in_time():
    week_1min = Window(T0, T0 + timedelta(days=7), 60)  # 10,080 periods: one group alone overflows a page
    plan = logs_insights.plan_queries(["/aws/lambda/f"], week_1min)
    assert len(plan) == 2
    slices = [w for _, w in plan]
    assert slices[0].start == week_1min.start and slices[-1].end == week_1min.end
    assert all(a.end == b.start for a, b in itertools.pairwise(slices))
    assert all(w.periods < logs_insights.LOGS_INSIGHTS_RESULT_LIMIT for w in slices)


@settings(max_examples=60, deadline=None)
@given(groups=st.integers(1, 300), periods=st.integers(1, 40_000), period_s=st.sampled_from([60, 300, 3600]))
def test_every_group_and_period_is_asked_once_and_no_query_can_fill_a_page(groups, periods, period_s):
    names = [f"/aws/lambda/f{i}" for i in range(groups)]
    window = Window(T0, T0 + timedelta(seconds=periods * period_s), period_s)
    plan = logs_insights.plan_queries(names, window)
    covered = 0
    for batch, time_slice in plan:
        assert len(batch) <= 50 and time_slice.period_s == period_s
        assert len(batch) * time_slice.periods < logs_insights.LOGS_INSIGHTS_RESULT_LIMIT
        assert window.start <= time_slice.start < time_slice.end <= window.end
        covered += len(batch) * time_slice.periods
    assert covered == groups * periods
    assert sorted({g for batch, _ in plan for g in batch}) == sorted(names)


class FullPageLogs(CountingLogs):
    """A Logs client double whose every query returns a full page of ``rows`` rows."""

    def __init__(self, rows: int) -> None:
        super().__init__()
        self.rows = rows

    def get_query_results(self, queryId, **_kwargs):
        start = T0
        results = [
            [
                {"field": "@log", "value": "123456789012:/aws/lambda/f"},
                {"field": "bin(1m)", "value": (start + timedelta(minutes=i)).strftime("%Y-%m-%d %H:%M:%S.000")},
                {"field": "invocations", "value": "1"},
            ]
            for i in range(self.rows)
        ]
        return {"status": "Complete", "results": results, "statistics": {"bytesScanned": 0}}


@pytest.mark.parametrize(("rows", "cut"), [(10_000, True), (9_999, False)])
def test_a_result_that_fills_the_page_is_reported_as_cut(rows, cut):
    job = QueryJob(["/aws/lambda/f"], Window(T0, T0 + timedelta(days=7), 60))
    logs_insights.run_queries(FullPageLogs(rows), [job], ApiUsage(), 1, sleep=lambda _s: None)
    assert job.error is None and len(job.rows) == rows
    assert job.truncated is cut


def test_bytes_estimate_scales_stored_bytes_to_the_window():
    now = T0 + timedelta(days=10)
    groups = [
        LogGroup("/aws/lambda/a", 10_000_000, now - timedelta(days=100), 30),  # holds 30 days
        LogGroup("/aws/lambda/b", 1_000_000, now - timedelta(days=2), None),  # holds 2 days
    ]
    day = Window(now - timedelta(days=1), now, 300)
    assert logs_insights.estimate_bytes(groups, day, now) == 10_000_000 // 30 + 1_000_000 // 2


class FullPageLogsWithGroups(FullPageLogs):
    """The same double, also answering DescribeLogGroups for the function's group."""

    def get_paginator(self, _operation):
        group = {"logGroupName": "/aws/lambda/f", "storedBytes": 1, "creationTime": 0}
        return SimpleNamespace(paginate=lambda **_kwargs: [{"logGroups": [group]}])


def test_a_cut_result_makes_the_lambda_scope_partial_not_ok(tmp_path):
    fn = LambdaFunction("f", 128, "x86_64", 512, 3, "Zip", "python3.12", "/aws/lambda/f", False)
    scope = Scope("aws", "123456789012", "us-east-1", "lambda")
    week = Window(T0, T0 + timedelta(days=7), 60)
    outcomes = {}
    for rows in (9_999, 10_000):
        logs = FullPageLogsWithGroups(rows)
        clients = SimpleNamespace(client=lambda _service, _region, logs=logs: logs)
        ctx = RunContext(tmp_path / "db.duckdb", week.end, "run-1")
        collector = RegionCollector(
            clients, scope.account, scope.region, {scope: [week]}, RegionOptions("aws", True, 2, False), ctx
        )
        collector._logs_insights([fn])
        outcomes[rows] = collector.states["lambda"].outcome()
        assert len(logs.polls) == 2  # 10,080 one-minute periods need two queries
    assert outcomes[9_999].status == "ok" and not outcomes[9_999].missing
    cut = outcomes[10_000]
    assert cut.status == "partial"
    assert cut.missing[0].startswith("cold starts of some of 1 log group(s) from 2026-11-28 10:00 to ")
    assert cut.missing[0].endswith("UTC: the Logs Insights result was cut at 10,000 rows")

"""GetMetricData batching, paging and billing, with botocore's Stubber for what moto cannot do."""

from __future__ import annotations

import math
import re
from collections import Counter
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.stub import ANY, Stubber
from hypothesis import given, settings
from hypothesis import strategies as st

from collectors.aws import cloudwatch
from collectors.aws.cloudwatch import StatQuery
from collectors.aws.inventory import SageMakerEndpoint, Variant
from collectors.aws.metrics import canonical_rows, endpoint_queries, lambda_queries
from collectors.source import ApiUsage, Window

START = datetime(2026, 11, 27, 0, 0)
ID = re.compile(r"^[a-z][A-Za-z0-9_]*$")


def cw_client():
    return boto3.client("cloudwatch", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s")


def window(periods: int, period_s: int = 300) -> Window:
    return Window(START, START + timedelta(seconds=periods * period_s), period_s)


def fn_queries(n: int) -> list[StatQuery]:
    return [q for i in range(n) for q in lambda_queries(f"lambda:1:r:f{i}", f"f{i}").parts]


@pytest.mark.parametrize(("periods", "per_call"), [(12, 500), (288, 350), (1440, 70), (20160, 5)])
def test_batches_respect_both_limits(periods, per_call):
    queries = fn_queries(200)  # 1,600 statistics
    parts = cloudwatch.batches(queries, window(periods, 60))
    assert per_call - 4 <= max(len(p) for p in parts) <= per_call  # cut between metrics (≤ 4 statistics each)
    assert all(len(p) <= 500 and len(p) * periods <= 100_800 for p in parts)
    assert sum(len(p) for p in parts) == len(queries)


def _metric(q: StatQuery) -> tuple:
    return (q.namespace, q.metric, q.dimensions)


@settings(max_examples=80, deadline=None)
@given(
    shape=st.lists(st.integers(1, 12), min_size=1, max_size=150),
    periods=st.sampled_from([12, 288, 1440, 4320, 20160, 50400]),
)
def test_a_metrics_statistics_are_never_cut_across_calls(shape, periods):
    """Each metric (with 1-12 statistics) lands in as few calls as it bills for: no metric billed twice."""
    stats = ["Average", "Sum", "Minimum", "Maximum", "SampleCount", "p50", "p90", "p99", "p95", "p10", "tm99", "IQM"]
    queries = [
        StatQuery("AWS/Lambda", "Duration", (("FunctionName", f"f{i}"),), stats[k])
        for i, n in enumerate(shape)
        for k in range(n)
    ]
    win = window(periods, 60)
    parts = cloudwatch.batches(queries, win)
    per_call = cloudwatch.queries_per_call(win)
    assert all(0 < len(p) <= per_call for p in parts)
    assert Counter(q for p in parts for q in p) == Counter(queries)
    group = min(5, per_call)  # five statistics bill as one; fewer per call when the datapoints allow no more
    calls_per_metric = Counter(m for p in parts for m in {_metric(q) for q in p})
    for i, n in enumerate(shape):
        assert calls_per_metric[("AWS/Lambda", "Duration", (("FunctionName", f"f{i}"),))] <= math.ceil(n / group)
    assert sum(cloudwatch.billed_metrics(p) for p in parts) == sum(math.ceil(n / group) for n in shape)


def test_the_lambda_statistics_of_a_function_stay_in_one_call_at_any_batch_edge():
    win = window(288, 60)  # 350 statistics per call; 8 per function would straddle at 43.75 functions
    parts = cloudwatch.batches(fn_queries(200), win)
    for metric in {_metric(q) for p in parts for q in p}:
        assert sum(1 for p in parts if any(_metric(q) == metric for q in p)) == 1, metric


def test_statistics_of_one_metric_bill_as_one_up_to_five():
    dims = (("FunctionName", "f"),)
    four = [StatQuery("AWS/Lambda", "Duration", dims, s) for s in ("Average", "p50", "p90", "p99")]
    assert cloudwatch.billed_metrics(four) == 1
    six = [
        *four,
        StatQuery("AWS/Lambda", "Duration", dims, "p95"),
        StatQuery("AWS/Lambda", "Duration", dims, "Maximum"),
    ]
    assert cloudwatch.billed_metrics(six) == 2
    assert cloudwatch.billed_metrics(fn_queries(3)) == 15  # 5 metrics per function


def _results(ids_values: dict[str, list[tuple[datetime, float]]], status: str = "Complete") -> list[dict]:
    return [
        {
            "Id": qid,
            "Label": qid,
            "Timestamps": [t.replace(tzinfo=UTC) for t, _ in points],
            "Values": [v for _, v in points],
            "StatusCode": status,
        }
        for qid, points in ids_values.items()
    ]


def test_partial_data_is_paged_with_next_token_and_each_page_is_billed():
    client = cw_client()
    queries = lambda_queries("lambda:1:r:f", "f")
    win = window(3)
    stubber = Stubber(client)
    expected = {
        "MetricDataQueries": ANY,
        "StartTime": START.replace(tzinfo=UTC),
        "EndTime": win.end.replace(tzinfo=UTC),
        "ScanBy": "TimestampAscending",
    }
    stubber.add_response(
        "get_metric_data",
        {"MetricDataResults": _results({"q0": [(START, 1.0)]}, "PartialData"), "NextToken": "page-2", "Messages": []},
        expected,
    )
    stubber.add_response(
        "get_metric_data",
        {"MetricDataResults": _results({"q0": [(START + timedelta(minutes=5), 2.0)]}), "Messages": []},
        {**expected, "NextToken": "page-2"},
    )
    usage = ApiUsage()
    with stubber:
        result = cloudwatch.fetch(client, list(queries.parts), win, usage)
    stubber.assert_no_pending_responses()
    ordered = cloudwatch.batches(list(queries.parts), win)[0]
    assert result.values[ordered[0]] == {START: 1.0, START + timedelta(minutes=5): 2.0}
    assert result.calls == 2 and not result.failed
    assert usage.billable["cloudwatch:GetMetricData metrics requested"]["quantity"] == 2 * 5


def test_requests_use_valid_ids_the_window_period_and_no_unit():
    client = cw_client()
    sent: list[dict] = []
    client.meta.events.register(
        "provide-client-params.cloudwatch.GetMetricData", lambda params, **_: sent.append(params)
    )
    stubber = Stubber(client)
    stubber.add_response("get_metric_data", {"MetricDataResults": [], "Messages": []})
    with stubber:
        cloudwatch.fetch(client, list(lambda_queries("lambda:1:r:f", "f").parts), window(4), ApiUsage())
    (params,) = sent
    for query in params["MetricDataQueries"]:
        assert ID.match(query["Id"])
        assert query["MetricStat"]["Period"] == 300
        assert "Unit" not in query["MetricStat"]
    stats = sorted(q["MetricStat"]["Stat"] for q in params["MetricDataQueries"])
    assert stats == sorted(["Sum", "Sum", "Sum", "Average", "p50", "p90", "p99", "Maximum"])


def test_a_throttled_batch_fails_alone_and_expired_credentials_stop_the_rest():
    client = cw_client()
    queries = fn_queries(130)  # 1,040 statistics → 3 batches of ≤ 500
    win = window(12)
    stubber = Stubber(client)
    stubber.add_client_error("get_metric_data", "Throttling", "Rate exceeded", 400)
    stubber.add_response("get_metric_data", {"MetricDataResults": [], "Messages": []})
    stubber.add_response("get_metric_data", {"MetricDataResults": [], "Messages": []})
    with stubber:
        result = cloudwatch.fetch(client, queries, win, ApiUsage())
    parts = cloudwatch.batches(queries, win)
    assert set(result.failed) == set(parts[0])
    assert "Throttling" in next(iter(result.failed.values()))
    assert len(result.values) == len(parts[1]) + len(parts[2])

    stubber = Stubber(client)
    stubber.add_response("get_metric_data", {"MetricDataResults": [], "Messages": []})
    stubber.add_client_error("get_metric_data", "ExpiredToken", "The security token included in the request is expired")
    with stubber:  # the third batch is never sent: it would fail the same way
        result = cloudwatch.fetch(client, queries, win, ApiUsage())
    stubber.assert_no_pending_responses()
    assert set(result.failed) == set(parts[1]) | set(parts[2])
    assert "expired or invalid credentials" in result.failed[parts[2][0]]


def test_forbidden_status_fails_only_that_query():
    client = cw_client()
    queries = list(lambda_queries("lambda:1:r:f", "f").parts)
    ordered = cloudwatch.batches(queries, window(2))[0]
    stubber = Stubber(client)
    stubber.add_response(
        "get_metric_data",
        {"MetricDataResults": [*_results({"q0": [(START, 4.0)]}), *_results({"q1": []}, "Forbidden")], "Messages": []},
    )
    with stubber:
        result = cloudwatch.fetch(client, queries, window(2), ApiUsage())
    assert set(result.failed) == {ordered[1]}
    assert result.values[ordered[0]] == {START: 4.0}


def test_two_variants_are_summed_and_weighted():
    endpoint = SageMakerEndpoint(
        "ep",
        "InService",
        "cfg",
        None,
        None,
        [Variant("a", "ml.m5.xlarge", 1, 1), Variant("b", "ml.c5.large", 3, 3)],
    )
    rq = endpoint_queries("sagemaker-endpoint:1:r:ep", endpoint)
    values = {}
    for query, parts in rq.parts.items():
        variant = parts[0].variant
        by_role = {
            "invocations": 10.0 if variant == "a" else 30.0,
            "latency_p99": 100_000.0 if variant == "a" else 20_000.0,
            "cpu_avg": 200.0 if variant == "a" else 100.0,  # 4 vCPU → 50 %, 2 vCPU → 50 %
            "memory_avg": 10.0 if variant == "a" else 50.0,
        }
        if parts[0].role in by_role:
            values[query] = {START: by_role[parts[0].role]}
    rows = {r[1]: r[4] for r in canonical_rows(rq, values, window(1), "t")}
    assert rows["invocations"] == 40.0
    assert rows["duration_ms_p99"] == pytest.approx((100 * 10 + 20 * 30) / 40)
    assert rows["cpu_utilization_pct_avg"] == pytest.approx(50.0)
    assert rows["memory_utilization_pct_avg"] == pytest.approx((10 * 1 + 50 * 3) / 4)


def test_unknown_instance_type_skips_cpu_and_says_why():
    endpoint = SageMakerEndpoint("ep", "InService", "cfg", None, None, [Variant("a", "ml.x99.huge", 1, 1)])
    rq = endpoint_queries("sagemaker-endpoint:1:r:ep", endpoint)
    assert not any(q.metric == "CPUUtilization" for q in rq.parts)
    assert "vCPU count of ml.x99.huge unknown" in rq.notes[0]


def _invocations(rq, points: dict[datetime, float], win: Window) -> dict[datetime, float]:
    query = next(q for q, parts in rq.parts.items() if parts[0].role == "invocations")
    return {r[2]: r[4] for r in canonical_rows(rq, {query: points}, win, "t") if r[1] == "invocations"}


def test_a_function_without_a_known_start_is_zero_filled_only_from_its_first_datapoint():
    win = window(6)  # six 5-minute periods
    p = [START + timedelta(minutes=5 * i) for i in range(6)]
    rq = lambda_queries("lambda:1:r:f", "f")  # no LastModified: nothing proves it existed at the window start
    assert _invocations(rq, {p[2]: 4.0}, win) == {p[2]: 4.0, p[3]: 0.0, p[4]: 0.0, p[5]: 0.0}
    assert _invocations(lambda_queries("lambda:1:r:f", "f"), {}, win) == {}  # never invoked: no rows at all


def test_last_modified_proves_the_function_existed_from_then():
    win = window(6)
    p = [START + timedelta(minutes=5 * i) for i in range(6)]
    before = lambda_queries("lambda:1:r:f", "f", last_modified=START - timedelta(days=3))
    assert _invocations(before, {p[4]: 2.0}, win) == {t: (2.0 if t == p[4] else 0.0) for t in p}
    during = lambda_queries("lambda:1:r:f", "f", last_modified=p[1] + timedelta(minutes=2))
    assert _invocations(during, {p[4]: 2.0}, win) == {p[1]: 0.0, p[2]: 0.0, p[3]: 0.0, p[4]: 2.0, p[5]: 0.0}


def test_a_datapoint_in_an_older_window_zero_fills_the_later_windows():
    older = Window(START, START + timedelta(hours=1), 3600)
    newer = Window(older.end, older.end + timedelta(minutes=15), 300)
    rq = lambda_queries("lambda:1:r:f", "f")
    assert _invocations(rq, {START: 9.0}, older) == {START: 9.0}
    assert _invocations(rq, {}, newer) == {older.end + timedelta(minutes=5 * i): 0.0 for i in range(3)}


def test_an_endpoints_creation_time_wins_over_older_data_of_the_same_name():
    created = START + timedelta(minutes=10)
    endpoint = SageMakerEndpoint("ep", "InService", "cfg", created, created, [Variant("a", "ml.m5.xlarge", 1, 1)])
    rq = endpoint_queries("sagemaker-endpoint:1:r:ep", endpoint)
    got = _invocations(rq, {START: 3.0}, window(4))  # a datapoint of a deleted endpoint with the same name
    assert got == {START: 3.0, created: 0.0, created + timedelta(minutes=5): 0.0}

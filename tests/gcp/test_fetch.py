"""The real Monitoring client over gRPC against the fake: requests, paging, values, errors."""

from __future__ import annotations

from datetime import timedelta

import grpc
import pytest

from collectors.gcp.client import Connection, make_metric_client
from collectors.gcp.distribution import Histogram
from collectors.gcp.fetch import FetchError, FetchPolicy, FetchStats, list_series
from collectors.gcp.queries import SERVICE_QUERIES, build_filter, build_request
from tests.gcp.estate import seed_monitoring


def query(service: str, key: str):
    return next(q for q in SERVICE_QUERIES[service] if q.key == key)


def test_filters_name_one_metric_the_resource_type_project_and_regions():
    q = query("cloud-functions", "execution_times")
    assert build_filter("cloud-functions", q, "acme-ml", ("us-central1", "europe-west1")) == (
        'metric.type = "cloudfunctions.googleapis.com/function/execution_times" AND '
        'resource.type = "cloud_function" AND resource.labels.project_id = "acme-ml" AND '
        'resource.labels.region = one_of("us-central1", "europe-west1")'
    )
    vertex = build_filter("vertex-endpoint", query("vertex-endpoint", "replicas"), "acme-ml", None)
    assert vertex == (
        'metric.type = "aiplatform.googleapis.com/prediction/online/replicas" AND '
        'resource.type = "aiplatform.googleapis.com/Endpoint"'
    )


def test_request_validation(base):
    q = query("cloud-run", "request_count")
    with pytest.raises(ValueError, match="at least 60 s"):
        build_request("cloud-run", q, project="p", start=base, end=base, period_s=30, regions=None, page_size=10)
    with pytest.raises(ValueError, match="page_size"):
        build_request("cloud-run", q, project="p", start=base, end=base, period_s=60, regions=None, page_size=0)


@pytest.fixture
def client(monitoring):
    c = make_metric_client(Connection(api_endpoint=monitoring.address, insecure=True), None)
    yield c
    c.transport.close()


def test_a_series_split_across_pages_is_joined_again(monitoring, client, base):
    seed_monitoring(monitoring.service, base, 3)
    q = query("cloud-functions", "execution_times")
    request = build_request(
        "cloud-functions", q, project="acme-ml", start=base, end=base + timedelta(hours=3), period_s=3600,
        regions=None, page_size=1,
    )  # fmt: skip
    stats = FetchStats()
    (series,) = list_series(client, request, "distribution", policy=FetchPolicy(), stats=stats)
    assert stats.calls == {"ListTimeSeries": 3} and stats.points_returned == 3 and stats.series_returned == 1
    assert series.resource_labels == {"function_name": "predict", "region": "us-central1"}
    assert [end for end, _ in series.points] == [base + timedelta(hours=h) for h in (1, 2, 3)]  # oldest first
    assert all(isinstance(v, Histogram) and v.count == 720 for _, v in series.points)


def test_numbers_come_back_as_floats(monitoring, client, base):
    seed_monitoring(monitoring.service, base, 1)
    request = build_request(
        "cloud-run", query("cloud-run", "billable_instance_time"), project="acme-ml", start=base,
        end=base + timedelta(hours=1), period_s=3600, regions=None, page_size=100,
    )  # fmt: skip
    (series,) = list_series(client, request, "number", policy=FetchPolicy(), stats=FetchStats())
    assert series.points == [(base + timedelta(hours=1), 10800.0)]  # (120 + 60) instance-s × 60 minutes


def test_a_refused_query_is_not_retried_and_not_project_wide(monitoring, client, base, pauses):
    monitoring.service.fail("acme-ml", grpc.StatusCode.INVALID_ARGUMENT, times=1, message="bad\nfilter")
    request = build_request(
        "cloud-run", query("cloud-run", "request_count"), project="acme-ml", start=base,
        end=base + timedelta(hours=1), period_s=3600, regions=None, page_size=100,
    )  # fmt: skip
    with pytest.raises(FetchError) as info:
        list_series(client, request, "number", policy=FetchPolicy(), stats=FetchStats())
    assert info.value.code == "INVALID_ARGUMENT" and not info.value.project_wide and "\n" not in str(info.value)
    assert not pauses


def test_the_window_is_utc_whatever_the_hosts_time_zone(monkeypatch) -> None:
    import time
    from datetime import datetime

    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        q = query("cloud-run", "request_count")
        start, end = datetime(2026, 1, 1, 0, 0), datetime(2026, 1, 1, 1, 0)  # naive UTC, as everywhere
        request = build_request(
            "cloud-run", q, project="p", start=start, end=end, period_s=3600, regions=None, page_size=10
        )
        sent = type(request).pb(request).interval
        assert sent.start_time.seconds == 1767225600  # 2026-01-01T00:00:00Z, not 05:00Z
        assert sent.end_time.seconds == 1767229200
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()

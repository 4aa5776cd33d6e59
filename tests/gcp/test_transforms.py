"""Series → canonical metrics, for the cases the end-to-end estate does not reach."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from collectors.gcp.distribution import histogram
from collectors.gcp.fetch import Series
from collectors.gcp.transforms import period_start, transform_functions, transform_run
from collectors.gcp.transforms_vertex import transform_vertex

T0 = datetime(2026, 5, 1, tzinfo=UTC)
EP = {"endpoint_id": "9", "location": "us-central1"}


def test_period_start_of_aligned_points():
    assert period_start(T0 + timedelta(hours=1), 3600) == datetime(2026, 5, 1, 0, 0)  # covers (00:00, 01:00]
    assert period_start(T0 + timedelta(minutes=1), 3600) == datetime(2026, 5, 1, 0, 0)  # a minute inside the hour
    assert period_start(T0 + timedelta(minutes=60), 300) == datetime(2026, 5, 1, 0, 55)


def test_vertex_cpu_is_skipped_and_noted_when_a_machine_is_unknown():
    fetched = {
        "cpu_utilization": [Series(EP, {"deployed_model_id": "a"}, [(T0 + timedelta(hours=1), 1.0)])],
        "prediction_count": [Series(EP, {"deployed_model_id": "a"}, [(T0 + timedelta(hours=1), 5.0)])],
    }
    result = transform_vertex(fetched, 3600, lambda _endpoint, _model: None)
    metrics = {m for m, _ in result.metrics[("9", "us-central1")]}
    assert metrics == {"invocations", "errors"}
    assert result.notes and "no vCPU count for deployed model(s) a" in result.notes[0]


def test_vertex_cpu_is_weighted_by_each_models_replicas():
    end = T0 + timedelta(hours=1)
    fetched = {
        "cpu_utilization": [
            Series(EP, {"deployed_model_id": "a"}, [(end, 2.0)]),  # 2 of 4 vCPUs = 50 %
            Series(EP, {"deployed_model_id": "b"}, [(end, 1.0)]),  # 1 of 8 vCPUs = 12.5 %
        ],
        "replicas": [
            Series(EP, {"deployed_model_id": "a"}, [(end, 1.0)]),
            Series(EP, {"deployed_model_id": "b"}, [(end, 3.0)]),
        ],
    }
    result = transform_vertex(fetched, 3600, lambda _e, model: {"a": 4.0, "b": 8.0}[model])
    values = result.metrics[("9", "us-central1")]
    assert values[("cpu_utilization_pct_avg", T0.replace(tzinfo=None))] == pytest.approx((50 + 3 * 12.5) / 4)
    assert values[("instances_avg", T0.replace(tzinfo=None))] == 4.0


def test_vertex_total_latency_stands_in_only_when_model_latency_is_absent():
    end1, end2 = T0 + timedelta(hours=1), T0 + timedelta(hours=2)
    model = histogram([0, 10, 20], [0, 10, 0, 0], mean=5.0)
    total = histogram([0, 10, 20], [0, 0, 10, 0], mean=15.0)
    overhead = histogram([0, 1, 2], [0, 10, 0, 0], mean=0.5)
    fetched = {
        "prediction_latencies": [
            Series(EP, {"latency_type": "model"}, [(end1, model)]),
            Series(EP, {"latency_type": "overhead"}, [(end1, overhead), (end2, overhead)]),
            Series(EP, {"latency_type": "total"}, [(end1, total), (end2, total)]),
        ]
    }
    values = transform_vertex(fetched, 3600, lambda *_: None).metrics[("9", "us-central1")]
    h0, h1 = T0.replace(tzinfo=None), T0.replace(tzinfo=None) + timedelta(hours=1)
    assert values[("duration_ms_avg", h0)] == 5.0 and values[("overhead_latency_ms_avg", h0)] == 0.5
    assert values[("duration_ms_avg", h1)] == 15.0 and ("overhead_latency_ms_avg", h1) not in values


def test_functions_memory_follows_the_latest_busiest_label():
    fn = {"function_name": "f", "region": "us-central1"}
    fetched = {
        "execution_count": [
            Series(fn, {"status": "ok", "memory": "256"}, [(T0 + timedelta(hours=1), 10.0)]),
            Series(fn, {"status": "ok", "memory": "1024"}, [(T0 + timedelta(hours=2), 7.0)]),
            Series(fn, {"status": "crash", "memory": "256"}, [(T0 + timedelta(hours=2), 1.0)]),
        ]
    }
    result = transform_functions(fetched, 3600)
    assert result.label_config[("f", "us-central1")] == {"memory_mb": 1024}
    values = result.metrics[("f", "us-central1")]
    h1 = T0.replace(tzinfo=None) + timedelta(hours=1)
    assert values[("invocations", h1)] == 8.0 and values[("errors", h1)] == 1.0


def test_run_concurrency_takes_the_busiest_minute_of_each_period():
    svc = {"service_name": "s", "location": "europe-west1"}
    one = histogram([0, 1, 2, 3, 4], [0, 0, 0, 1, 1, 0], mean=2.5)  # two instances peaking 2 and 3 → 5
    two = histogram([0, 1, 2, 3, 4], [0, 0, 0, 0, 0, 2], mean=6.0)  # two instances peaking 6 → 12
    points = [(T0 + timedelta(minutes=m), one) for m in range(1, 61)] + [(T0 + timedelta(minutes=61), two)]
    result = transform_run({"max_request_concurrencies": [Series(svc, {}, points)]}, 3600)
    values = result.metrics[("s", "europe-west1")]
    assert values[("concurrency_max", T0.replace(tzinfo=None))] == 5.0
    assert values[("concurrency_max", T0.replace(tzinfo=None) + timedelta(hours=1))] == 12.0

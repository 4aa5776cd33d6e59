"""A small, realistic Google Cloud estate seeded into the fakes, with every expected value worked out by
hand in the comments (per hour; each minute repeats the same samples unless noted).

Project ``acme-ml``:
- Cloud Function ``predict`` (us-central1, 512 MB): per minute 10 ok, 1 error, 1 timeout executions
  → invocations 720, errors 120 per hour. Execution times (ns, explicit bounds 0/100/200/400/800 ms):
  ok [0,5,4,1,0,0] mean 115 ms; error [0,0,0,0,1,0] mean 500 ms; timeout [0,0,0,0,0,1] mean 9 s.
  Hour: [0,300,240,60,60,60] of 720 → p50 = 100+100·60/240 = 125 ms; p90 (rank 648) = 400+400·48/60
  = 720 ms; p99 (rank 712.8) falls in the overflow → 800 ms (its lower bound); mean = (600·115 +
  60·500 + 60·9000)/720 = 887.5 ms. Peak memory (exponential buckets) mean 256 MiB of 512 → 50 %.
  Instances: 3 active + 1 idle → 4.
- Cloud Run service ``ranker`` (europe-west1), revisions 001 and 002: requests per minute 20 (001,
  2xx), 3 (001, 4xx), 10 (002, 2xx), 2 (002, 5xx) → invocations 2,100, errors 120. Latencies (linear,
  width 10 ms): 001 [0,10,10,3] mean 12, 002 [0,0,0,6,6] mean 30 → hour [0,600,600,540,360] of 2,100:
  p50 = 10+10·450/600 = 17.5; p90 = 30+10·150/360 = 34.1667; p99 = 30+10·339/360 = 39.4167;
  mean = 636/35 = 18.1714 ms. Instances 2 active + 1 idle (001) + 1 active (002) → 4. Startup latencies
  at minutes 1 and 31: [0,0,1,1,0,0] (explicit 0/100/500/1000/5000) mean 500 → 4 cold starts, 500 ms.
  Max concurrency: 001 two instances peaking 5 and 7, 002 one peaking 4 → 16 a minute; minute 30
  of each hour 001 peaks 9 and 11 → 24 = concurrency_max. Billable 180 instance-s a minute.
- Vertex endpoint ``1234567890`` (us-central1), deployed model ``dm1`` on n1-standard-4: 30
  predictions and 1 error a minute → 1,800 / 60. Model latency (exponential, scale 1, growth 2): 15 in
  [32,64) and 15 in [64,128) → p50 = 64; p90 = 64+64·720/900 = 115.2; p99 = 64+64·882/900 = 126.72;
  mean 64. Overhead mean 2.5 ms. Replicas 2 (target 3). CPU per-core sums 2.0 and 1.0 on two
  replicas → 1.5 of 4 vCPUs = 37.5 %.
- Vertex endpoint ``222`` (us-central1), deployed model ``dm9`` on automatic resources (no machine
  type from the API; the test config overrides ``vcpu = 2``): 6 predictions a minute, no error series
  → errors 0; only ``total`` latency [0,3,3,0] (explicit 0/50/100) → p50 = 50, mean 50, no overhead.
  CPU 0.5 on one replica → 25 %.

Project ``acme-ml-2``: Cloud Function ``etl`` (us-central1): 5 ok executions a minute → 300.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from tests.gcp.fake_monitoring import FakeMetricService, distribution, minute_range
from tests.gcp.fake_rest import FakeRest

P1, P2 = "acme-ml", "acme-ml-2"
CF = "cloudfunctions.googleapis.com/function/"
RUN = "run.googleapis.com/"
VX = "aiplatform.googleapis.com/prediction/online/"
NS = 1_000_000

CF_BOUNDS = {"bounds": [0, 100 * NS, 200 * NS, 400 * NS, 800 * NS]}
RUN_LINEAR = {"n": 20, "width": 10, "offset": 0}
STARTUP = {"bounds": [0, 100, 500, 1000, 5000]}
CONCURRENCY = {"n": 100, "width": 1, "offset": 0}
MEMORY_EXP = {"n": 12, "growth": 2, "scale": 1024 * 1024}
MODEL_EXP = {"n": 16, "growth": 2, "scale": 1}

EXPECTED_PER_HOUR = {
    ("cloud-functions", P1, "us-central1", "predict"): {
        "invocations": 720,
        "errors": 120,
        "duration_ms_avg": 887.5,
        "duration_ms_p50": 125.0,
        "duration_ms_p90": 720.0,
        "duration_ms_p99": 800.0,
        "memory_utilization_pct_avg": 50.0,
        "instances_avg": 4.0,
    },
    ("cloud-run", P1, "europe-west1", "ranker"): {
        "invocations": 2100,
        "errors": 120,
        "duration_ms_avg": 636 / 35,
        "duration_ms_p50": 17.5,
        "duration_ms_p90": 30 + 10 * 150 / 360,
        "duration_ms_p99": 30 + 10 * 339 / 360,
        "instances_avg": 4.0,
        "cold_starts": 4,
        "init_duration_ms_avg": 500.0,
        "concurrency_max": 24,
        # billable_instance_time: 120 s + 60 s per minute over the two revisions = 10,800 s per hour
        "billable_instance_ms_sum": 10_800_000.0,
    },
    ("vertex-endpoint", P1, "us-central1", "1234567890"): {
        "invocations": 1800,
        "errors": 60,
        "duration_ms_avg": 64.0,
        "duration_ms_p50": 64.0,
        "duration_ms_p90": 115.2,
        "duration_ms_p99": 126.72,
        "overhead_latency_ms_avg": 2.5,
        "instances_avg": 2.0,
        "cpu_utilization_pct_avg": 37.5,
    },
    ("vertex-endpoint", P1, "us-central1", "222"): {
        "invocations": 360,
        "errors": 0,
        "duration_ms_avg": 50.0,
        "duration_ms_p50": 50.0,
        "duration_ms_p90": 90.0,
        "duration_ms_p99": 99.0,
        "instances_avg": 1.0,
        "cpu_utilization_pct_avg": 25.0,
    },
    ("cloud-functions", P2, "us-central1", "etl"): {"invocations": 300, "errors": 0},
}


def _every_minute(base: datetime, hours: int, value: object) -> dict[datetime, object]:
    return dict.fromkeys(minute_range(base, hours * 60), value)


def _at_minutes(base: datetime, hours: int, minutes: set[int], value: object, other: object = None) -> dict:
    out = {}
    for t in minute_range(base, hours * 60):
        minute = int((t - base).total_seconds() // 60) % 60  # sample ending at minute m+1 → index m
        if minute in minutes:
            out[t] = value
        elif other is not None:
            out[t] = other
    return out


Adder = Callable[[str, str, str, dict[str, str], dict[datetime, object]], None]


def _adder(fake: FakeMetricService, project: str, resource_type: str, resource_labels: dict[str, str]) -> Adder:
    """``add(metric_type, kind, value_type, metric_labels, points)`` for one monitored resource."""

    def add(metric: str, kind: str, value_type: str, labels: dict[str, str], points: dict[datetime, object]) -> None:
        fake.add(project, metric, kind, value_type, resource_type, resource_labels, labels, points)

    return add


def seed_monitoring(fake: FakeMetricService, base: datetime, hours: int) -> None:
    """Raw per-minute series for ``hours`` hours after ``base`` (an hour boundary, aware UTC)."""

    def every(value: object) -> dict[datetime, object]:
        return _every_minute(base, hours, value)

    add = _adder(fake, P1, "cloud_function", {"project_id": P1, "function_name": "predict", "region": "us-central1"})
    for status, per_minute, counts, mean_ms in (
        ("ok", 10, [0, 5, 4, 1, 0, 0], 115),
        ("error", 1, [0, 0, 0, 0, 1, 0], 500),
        ("timeout", 1, [0, 0, 0, 0, 0, 1], 9000),
    ):
        labels = {"status": status, "memory": "512", "trigger_type": "HTTP"}
        add(CF + "execution_count", "DELTA", "INT64", labels, every(per_minute))
        dist = distribution("explicit", CF_BOUNDS, counts, mean_ms * NS)
        add(CF + "execution_times", "DELTA", "DISTRIBUTION", labels, every(dist))
    memory = distribution("exponential", MEMORY_EXP, [0] * 9 + [12], 256 * 1024 * 1024)
    add(CF + "user_memory_bytes", "DELTA", "DISTRIBUTION", {"memory": "512", "trigger_type": "HTTP"}, every(memory))
    for state, n in (("active", 3), ("idle", 1)):
        add(CF + "instance_count", "GAUGE", "INT64", {"state": state}, every(n))
    etl = _adder(fake, P2, "cloud_function", {"project_id": P2, "function_name": "etl", "region": "us-central1"})
    etl(CF + "execution_count", "DELTA", "INT64", {"status": "ok", "memory": "256", "trigger_type": "HTTP"}, every(5))
    _seed_run(fake, base, hours)
    _seed_vertex(fake, base, hours)


def _seed_run(fake: FakeMetricService, base: datetime, hours: int) -> None:
    def every(value: object) -> dict[datetime, object]:
        return _every_minute(base, hours, value)

    def rev(name: str) -> Adder:
        labels = {
            "project_id": P1,
            "service_name": "ranker",
            "revision_name": f"ranker-{name}",
            "location": "europe-west1",
            "configuration_name": "ranker",
        }
        return _adder(fake, P1, "cloud_run_revision", labels)

    for name, code_class, n in (("001", "2xx", 20), ("001", "4xx", 3), ("002", "2xx", 10), ("002", "5xx", 2)):
        labels = {"response_code": code_class[0] + "00", "response_code_class": code_class, "route": ""}
        rev(name)(RUN + "request_count", "DELTA", "INT64", labels, every(n))
    for name, counts, mean in (("001", [0, 10, 10, 3], 12), ("002", [0, 0, 0, 6, 6], 30)):
        dist = distribution("linear", RUN_LINEAR, counts, mean)
        rev(name)(RUN + "request_latencies", "DELTA", "DISTRIBUTION", {"response_code_class": "2xx"}, every(dist))
    for name, state, n in (("001", "active", 2), ("001", "idle", 1), ("002", "active", 1)):
        rev(name)(RUN + "container/instance_count", "GAUGE", "INT64", {"state": state}, every(n))
    for metric, per_revision in (
        ("container/billable_instance_time", (120.0, 60.0)),
        ("container/cpu/allocation_time", (120.0, 60.0)),
        ("container/memory/allocation_time", (60.0, 30.0)),
    ):
        for name, value in zip(("001", "002"), per_revision, strict=True):
            rev(name)(RUN + metric, "DELTA", "DOUBLE", {}, every(value))
    startup = distribution("explicit", STARTUP, [0, 0, 1, 1, 0, 0], 500.0)
    rev("002")(
        RUN + "container/startup_latencies", "DELTA", "DISTRIBUTION", {}, _at_minutes(base, hours, {0, 30}, startup)
    )
    quiet = distribution("linear", CONCURRENCY, [0] * 6 + [1, 0, 1], 6.0)  # peaks 5 and 7
    busy = distribution("linear", CONCURRENCY, [0] * 10 + [1, 0, 1], 10.0)  # peaks 9 and 11
    four = distribution("linear", CONCURRENCY, [0] * 5 + [1], 4.0)
    concurrency = RUN + "container/max_request_concurrencies"
    rev("001")(concurrency, "DELTA", "DISTRIBUTION", {"state": "active"}, _at_minutes(base, hours, {29}, busy, quiet))
    rev("002")(concurrency, "DELTA", "DISTRIBUTION", {"state": "active"}, every(four))


def _seed_vertex(fake: FakeMetricService, base: datetime, hours: int) -> None:
    def every(value: object) -> dict[datetime, object]:
        return _every_minute(base, hours, value)

    def endpoint(endpoint_id: str) -> Adder:
        labels = {"resource_container": "123456789012", "location": "us-central1", "endpoint_id": endpoint_id}
        return _adder(fake, P1, "aiplatform.googleapis.com/Endpoint", labels)

    def dm(model_id: str, **extra: str) -> dict[str, str]:
        return {"deployed_model_id": model_id, "spot": "false", "model_display_name": "m", **extra}

    big, small = endpoint("1234567890"), endpoint("222")
    big(VX + "prediction_count", "DELTA", "INT64", dm("dm1"), every(30))
    big(VX + "error_count", "DELTA", "INT64", dm("dm1"), every(1))
    model = distribution("exponential", MODEL_EXP, [0] * 6 + [15, 15], 64.0)
    overhead = distribution("explicit", {"bounds": [0, 1, 2, 5, 10]}, [0, 10, 10, 10, 0, 0], 2.5)
    total = distribution("exponential", MODEL_EXP, [0] * 6 + [10, 20], 70.0)
    for kind, dist in (("model", model), ("overhead", overhead), ("total", total)):
        big(VX + "prediction_latencies", "DELTA", "DISTRIBUTION", dm("dm1", latency_type=kind), every(dist))
    big(VX + "replicas", "GAUGE", "INT64", dm("dm1"), every(2))
    big(VX + "target_replicas", "GAUGE", "INT64", dm("dm1"), every(3))
    for replica, value in (("r1", 2.0), ("r2", 1.0)):
        labels = {"deployed_model_id": "dm1", "replica_id": replica, "spot": "false"}
        big(VX + "cpu/utilization", "GAUGE", "DOUBLE", labels, every(value))
    small(VX + "prediction_count", "DELTA", "INT64", dm("dm9"), every(6))
    total_only = distribution("explicit", {"bounds": [0, 50, 100]}, [0, 3, 3, 0], 50.0)
    small(VX + "prediction_latencies", "DELTA", "DISTRIBUTION", dm("dm9", latency_type="total"), every(total_only))
    small(VX + "replicas", "GAUGE", "INT64", dm("dm9"), every(1))
    small(VX + "cpu/utilization", "GAUGE", "DOUBLE", {"deployed_model_id": "dm9", "replica_id": "r1"}, every(0.5))


def seed_rest(fake: FakeRest) -> None:
    """Configuration: Cloud Run ``ranker`` (instance-based) and ``idle-svc``; the two Vertex endpoints."""
    fake.add_service(
        P1,
        "europe-west1",
        "ranker",
        {
            "template": {
                "containers": [{"resources": {"limits": {"cpu": "2", "memory": "1Gi"}, "cpuIdle": False}}],
                "scaling": {"minInstanceCount": 1, "maxInstanceCount": 10},
                "maxInstanceRequestConcurrency": 80,
            },
            "terminalCondition": {"state": "CONDITION_SUCCEEDED"},
        },
    )
    fake.add_service(
        P1,
        "europe-west1",
        "idle-svc",
        {"template": {"containers": [{"resources": {"limits": {"cpu": "1000m", "memory": "512Mi"}, "cpuIdle": True}}]}},
    )
    fake.add_endpoint(
        P1,
        "us-central1",
        "1234567890",
        {
            "deployedModels": [
                {
                    "id": "dm1",
                    "dedicatedResources": {
                        "machineSpec": {
                            "machineType": "n1-standard-4",
                            "acceleratorType": "NVIDIA_TESLA_T4",
                            "acceleratorCount": 1,
                        },
                        "minReplicaCount": 1,
                        "maxReplicaCount": 3,
                    },
                }
            ],
            "trafficSplit": {"dm1": 100},
        },
    )
    fake.add_endpoint(
        P1,
        "us-central1",
        "222",
        {"deployedModels": [{"id": "dm9", "automaticResources": {"minReplicaCount": 1, "maxReplicaCount": 2}}]},
    )


def hour_starts(base: datetime, hours: int) -> list[datetime]:
    naive = base.replace(tzinfo=None)
    return [naive + timedelta(hours=h) for h in range(hours)]

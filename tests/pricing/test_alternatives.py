"""Hand-computed cases for each alternative model, feasible and infeasible (with their reasons)."""

from __future__ import annotations

import math

import pytest

from pricing import (
    EndpointConfig,
    FaasConfig,
    UsageSeries,
    break_even,
    endpoint_to_faas,
    estimate_cold_starts,
    faas_to_endpoint,
    flat_series,
    hybrid,
    to_serverless,
)

LAMBDA_1GB = FaasConfig("lambda", "us-east-1", 1024)
M5_LARGE = EndpointConfig("sagemaker-endpoint", "us-east-1", "ml.m5.large")
GB_S_X86 = 0.0000166667
REQUEST = 0.0000002


def test_break_even_lambda_1024mb_100ms_vs_one_ml_m5_large(book):
    # Formula: R* = endpoint monthly cost / FaaS cost per request
    #   endpoint = 1 x $0.115/h x 730 h = $83.95
    #   per request = $0.20/1M + 0.1 s x 1 GB x $0.0000166667 = $0.00000186667
    #   R* = 83.95 / 0.00000186667 = 44,973,134 requests/month (tier 1 throughout: 4.5M GB-s << 6B)
    expected = 0.115 * 730 / (REQUEST + 0.1 * 1.0 * GB_S_X86)
    result = break_even(book, LAMBDA_1GB, M5_LARGE, 100)
    assert result.requests_per_month == pytest.approx(expected, rel=0.01)
    assert result.requests_per_month == pytest.approx(44_973_134, rel=1e-6)
    assert result.endpoint_monthly_usd == pytest.approx(83.95)
    assert result.curve[0]["faas_usd"] == 0 and result.curve[-1]["faas_usd"] > result.curve[-1]["endpoint_usd"]


def test_break_even_notes_when_beyond_capacity(book):
    # ml.g5.xlarge: 4 vCPU / (1024/1769) = 6.91 concurrent 100 ms requests; at 70 % that is
    # 4.837 x 2,628,000 s / 0.1 s = 127M requests/month. Break-even: $1.4084 x 730 / $0.00000186667 = 551M.
    result = break_even(book, LAMBDA_1GB, EndpointConfig("sagemaker-endpoint", "us-east-1", "ml.g5.xlarge"), 100)
    assert result.endpoint_capacity_requests_per_month == pytest.approx(4 / (1024 / 1769) * 0.7 * 2_628_000 / 0.1)
    assert result.requests_per_month == pytest.approx(1.4084 * 730 / (REQUEST + 0.1 * GB_S_X86), rel=1e-6)
    assert "beyond what 1 x ml.g5.xlarge can carry" in result.notes[0]


def test_faas_to_endpoint_littles_law_sizing(book):
    # One hour of 180,000 requests at 100 ms: arrival 50/s x 0.1 s = 5 concurrent (Little's law); x 1.5 peak = 7.5.
    # ml.m5.large: 2 vCPU / (1024/1769 vCPU per request) = 3.455 slots (memory allows 8) -> 2.4186 usable at 70 %.
    # ceil(7.5 / 2.4186) = 4 instances, all month: 4 x 730 h x $0.115 = $335.80.
    series = UsageSeries(3600, [180_000], [100])
    result = faas_to_endpoint(series, book, LAMBDA_1GB, M5_LARGE)
    assert result.feasible and result.reason == ""
    assert result.assumption("slots_per_instance") == pytest.approx(2 / (1024 / 1769), abs=1e-3)
    assert result.details["instances_per_period"] == [4]
    assert result.monthly_usd == pytest.approx(4 * 730 * 0.115)


def test_faas_to_endpoint_picks_cheapest_feasible_type(book):
    # 180,000 requests/h x 100 ms = 5 concurrent, x 1.5 peak = 7.5. ml.c5.large (2 vCPU, $0.102/h) has 3.455 slots,
    # 2.42 usable at 70 %: 4 instances = $0.408/h; ml.c5.2xlarge (8 vCPU, $0.408/h) carries it alone at the same
    # price, and the tie goes to the name. 730 x 0.408 = $297.84.
    series = UsageSeries(3600, [180_000], [100])
    result = faas_to_endpoint(series, book, LAMBDA_1GB, EndpointConfig("sagemaker-endpoint", "us-east-1"))
    assert result.assumption("instance_type") == "ml.c5.2xlarge"
    assert result.monthly_usd == pytest.approx(297.84)
    assert {c["instance_type"] for c in result.details["candidates"]} >= {"ml.m5.large", "ml.c5.large", "ml.g5.xlarge"}
    # burstable ml.t2.medium ($0.056/h) would be cheaper on paper, but cannot run at 70 % on CPU credits
    assert any(r.startswith("ml.t2.medium is burstable") for r in result.details["rejected"])


def test_a_fixed_burstable_type_is_still_modelled(book):
    # ml.t2.medium (2 vCPU, 4 GiB) has the same 3.455 slots: 4 x 730 x $0.056 = $163.52.
    series = UsageSeries(3600, [180_000], [100])
    fixed = EndpointConfig("sagemaker-endpoint", "us-east-1", "ml.t2.medium")
    result = faas_to_endpoint(series, book, LAMBDA_1GB, fixed)
    assert result.assumption("instance_type") == "ml.t2.medium"
    assert result.monthly_usd == pytest.approx(163.52)


def test_faas_to_endpoint_keeps_one_instance_when_idle(book):
    series = UsageSeries(3600, [0, 0], [0, 0])
    result = faas_to_endpoint(series, book, LAMBDA_1GB, M5_LARGE)
    assert result.details["instances_per_period"] == [1, 1]
    assert result.monthly_usd == pytest.approx(83.95)


def test_faas_to_endpoint_infeasible_when_instance_too_small(book):
    big = FaasConfig("lambda", "us-east-1", 10240)
    result = faas_to_endpoint(
        flat_series(1e6, 100), book, big, EndpointConfig("sagemaker-endpoint", "us-east-1", "ml.c5.large")
    )
    assert not result.feasible
    assert "ml.c5.large (4 GiB) cannot hold one 10240 MB request" in result.reason


def test_faas_to_endpoint_fixed_count_below_peak_is_infeasible(book):
    fixed = EndpointConfig("sagemaker-endpoint", "us-east-1", "ml.m5.large", instance_count=1)
    result = faas_to_endpoint(UsageSeries(3600, [180_000], [100]), book, LAMBDA_1GB, fixed)
    assert not result.feasible
    assert result.reason == "1 x ml.m5.large carries 3.5 concurrent requests but the peak needs 7.5"
    assert result.monthly_usd == pytest.approx(83.95)


def test_endpoint_to_faas_memory_from_instance_use(book):
    # 1M requests/month at 200 ms, evenly spread: 0.38 requests/s, so a 10-minute keep-alive leaves
    # exp(-228) ~ 0 cold starts. Memory 800 MB used x 1.2 = 960 MB.
    # Requests $0.20; 1M x 0.2 s x 960/1024 GB = 187,500 GB-s x $0.0000166667 = $3.125 -> $3.13; total $3.33.
    result = endpoint_to_faas(
        flat_series(1_000_000, 200), book, "lambda", "us-east-1", book.machines["ml.m5.large"], memory_used_mb=800
    )
    assert result.feasible
    assert result.assumption("memory_mb") == 960
    assert result.assumption("cold_starts_per_month") == 0
    assert result.monthly_usd == pytest.approx(3.33)


def test_cold_starts_from_idle_gaps_in_per_minute_series():
    # Active, 15 idle minutes (900 s >= 600 s keep-alive), active, 1 idle minute, active: 2 cold starts
    # (the first request, and the one after the long gap).
    minutes = [5] + [0] * 15 + [3, 0, 2]
    series = UsageSeries(3600, [10], [1000], per_minute_invocations=minutes)
    assert estimate_cold_starts(series, keep_alive_s=600) == 2
    assert estimate_cold_starts(series, keep_alive_s=1200) == 1


def test_cold_starts_poisson_without_per_minute_series():
    # 36 requests in an hour: rate 0.01/s; P(no request in the last 600 s) = exp(-6) per request.
    series = UsageSeries(3600, [36], [100])
    assert estimate_cold_starts(series, 600) == pytest.approx(36 * math.exp(-6))


def test_endpoint_to_faas_bills_cold_start_init(book):
    # The 1-hour series repeats 730 times a month: 7,300 requests and 2 x 730 = 1,460 cold starts of 2,000 ms.
    # Billed: 7,300 x 1,000 ms + 1,460 x 2,000 ms = 10,220 s at 1 GB = 10,220 GB-s x $0.0000166667 = $0.17;
    # requests 7,300 x $0.0000002 = $0.00146 -> $0.00.
    series = UsageSeries(3600, [10], [1000], per_minute_invocations=[5] + [0] * 15 + [3, 0, 2] + [0] * 41)
    result = endpoint_to_faas(series, book, "lambda", "us-east-1", None, memory_mb=1024, init_ms=2000)
    duration = next(line for line in result.estimate.lines if line.item.startswith("Duration"))
    assert duration.quantity == pytest.approx(10_220)
    assert result.monthly_usd == pytest.approx(0.17)


@pytest.mark.parametrize(
    ("instance", "kwargs", "reason"),
    [
        ("ml.g5.xlarge", {}, "the model runs on ml.g5.xlarge with 1 x NVIDIA A10G GPU; Lambda has no GPUs"),
        ("ml.inf2.xlarge", {}, "1 x AWS Inferentia2; Lambda has no GPUs or accelerators"),
        ("ml.m5.4xlarge", {"memory_used_mb": 9000}, "needs 10,800 MB of memory; Lambda allows at most 10,240 MB"),
        ("ml.m5.large", {"duration_factor": 1000}, "requests take up to 1,000 s; Lambda stops them at 900 s"),
        ("ml.m5.large", {"payload_kb": 7000}, "payloads of 7,000 KB exceed Lambda's 6 MB synchronous limit"),
    ],
)
def test_endpoint_to_faas_infeasible(book, instance, kwargs, reason):
    result = endpoint_to_faas(flat_series(1e6, 1000), book, "lambda", "us-east-1", book.machines[instance], **kwargs)
    assert not result.feasible
    assert reason in result.reason
    assert result.monthly_usd is None


def test_endpoint_to_cloud_functions_rounds_memory_to_a_gen1_size(book):
    result = endpoint_to_faas(
        flat_series(1e6, 100),
        book,
        "cloud-functions",
        "us-central1",
        book.machines["n1-standard-2"],
        memory_used_mb=1000,
    )
    assert result.assumption("memory_mb") == 2048  # 1,000 x 1.2 = 1,200 MB -> next size 2,048 MB
    timeout = endpoint_to_faas(flat_series(1e6, 600_000), book, "cloud-functions", "us-central1", None)
    assert timeout.reason == "requests take up to 600 s; Cloud Functions stops them at 540 s"


def test_to_serverless_picks_memory_size_and_prices_duration(book):
    # 1,500 MB x 1.2 = 1,800 MB -> 2,048 MB at $0.00004/s; 1M x 0.1 s = 100,000 s -> $4.00.
    result = to_serverless(flat_series(1_000_000, 100), book, "us-east-1", memory_used_mb=1500)
    assert result.feasible
    assert result.assumption("memory_mb") == 2048
    assert result.monthly_usd == pytest.approx(4.00)


@pytest.mark.parametrize(
    ("series", "kwargs", "reason"),
    [
        (flat_series(1e6, 100), {"memory_used_mb": 6000}, "needs 7,200 MB of memory; Serverless Inference allows"),
        # 1e9 requests/month at 1 s: 380.5 concurrent x 1.5 = 571 > 200.
        (flat_series(1e9, 1000), {"memory_used_mb": 1000}, "peak concurrency 571 exceeds Serverless Inference's"),
    ],
)
def test_to_serverless_infeasible(book, series, kwargs, reason):
    result = to_serverless(series, book, "us-east-1", **kwargs)
    assert not result.feasible and reason in result.reason


def test_to_serverless_infeasible_for_gpu_models(book):
    result = to_serverless(flat_series(1e6, 100), book, "us-east-1", instance=book.machines["ml.g4dn.xlarge"])
    assert "Serverless Inference has no GPUs" in result.reason


def test_hybrid_cost_curve_and_cheapest_k(book):
    # Two hours: 36,000 requests (1 concurrent) then 180,000 (5 concurrent), 100 ms, peak factor 1, utilisation 1.
    # Each ml.m5.large carries 2 / (1024/1769) = 3.4551 concurrent. Month factor 2,628,000 / 7,200 = 365.
    #   k=0: all 216,000 x 365 = 78.84M requests on Lambda: $15.77 + 7,884,000 GB-s x $0.0000166667 = $131.40.
    #   k=1: $83.95 endpoint; hour 2 overflows 180,000 x (1 - 3.4551/5) x 365 requests to Lambda.
    #   k=2: 6.91 >= 5, no overflow: 2 x $83.95 = $167.90.
    series = UsageSeries(3600, [36_000, 180_000], [100, 100])
    result = hybrid(series, book, LAMBDA_1GB, M5_LARGE, peak_factor=1.0, target_utilization=1.0)
    slots = 2 / (1024 / 1769)
    overflow = 180_000 * (1 - slots / 5) * 365
    k1_faas = round(overflow * REQUEST, 2) + round(overflow * 0.1 * GB_S_X86, 2)
    totals = [point["total_usd"] for point in result.details["curve"]]
    assert totals == pytest.approx([15.77 + 131.40, 83.95 + k1_faas, 167.90], abs=0.011)
    assert result.details["best_always_on"] == 1
    assert result.monthly_usd == pytest.approx(83.95 + k1_faas, abs=0.011)


def test_hybrid_without_faas_only_allows_no_overflow(book):
    series = UsageSeries(3600, [36_000, 180_000], [100, 100])
    result = hybrid(
        series,
        book,
        LAMBDA_1GB,
        M5_LARGE,
        peak_factor=1.0,
        target_utilization=1.0,
        faas_infeasible_reason="the model needs a GPU",
    )
    assert [p["feasible"] for p in result.details["curve"]] == [False, False, True]
    assert result.details["best_always_on"] == 2

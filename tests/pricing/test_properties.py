"""Properties: tiers are continuous, costs are monotonic in requests and duration, free tier never negative."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pricing import estimate, load_price_book, parse_usage
from pricing.lines import tiered_cost

BOOK = load_price_book(use_env=False)
FAST = settings(max_examples=60, deadline=None)

requests = st.floats(min_value=0, max_value=2e10, allow_nan=False)
durations = st.floats(min_value=0, max_value=900_000, allow_nan=False)
lambda_memory = st.integers(min_value=128, max_value=10240)
per_request_usage = st.one_of(
    st.builds(
        lambda m, a, e: {"service": "lambda", "memory_mb": m, "architecture": a, "ephemeral_storage_mb": e},
        lambda_memory,
        st.sampled_from(["x86_64", "arm64"]),
        st.integers(512, 10240),
    ),
    st.builds(
        lambda m: {"service": "cloud-functions", "memory_mb": m},
        st.sampled_from([128, 256, 512, 1024, 2048, 4096, 8192]),
    ),
    st.builds(
        lambda m: {"service": "sagemaker-serverless", "memory_mb": m},
        st.sampled_from([1024, 2048, 3072, 4096, 5120, 6144]),
    ),
)


def total(config: dict, n: float, ms: float, free: bool = False) -> float:
    return estimate(
        parse_usage({**config, "requests": n, "avg_duration_ms": ms, "free_tier": free}), BOOK
    ).total_exact_usd


@pytest.mark.parametrize("item", ["duration-x86_64", "duration-arm64"])
@FAST
@given(epsilon=st.floats(min_value=1e-6, max_value=1.0))
def test_tier_boundaries_are_continuous(item, epsilon):
    tiers = BOOK.price("lambda", item, "us-east-1").tiers
    for boundary, _ in tiers[1:]:
        jump = tiered_cost(tiers, boundary + epsilon) - tiered_cost(tiers, boundary - epsilon)
        assert 0 <= jump <= 2 * epsilon * max(usd for _, usd in tiers) + 1e-9


@FAST
@given(config=per_request_usage, n=requests, extra=requests, ms=durations)
def test_cost_is_monotonic_in_requests(config, n, extra, ms):
    assert total(config, n + extra, ms) >= total(config, n, ms) - 1e-9


@FAST
@given(config=per_request_usage, n=requests, ms=durations, extra=durations)
def test_cost_is_monotonic_in_duration(config, n, ms, extra):
    assert total(config, n, ms + extra) >= total(config, n, ms) - 1e-9


@FAST
@given(config=per_request_usage, n=requests, ms=durations)
def test_free_tier_never_makes_a_cost_negative(config, n, ms):
    result = estimate(parse_usage({**config, "requests": n, "avg_duration_ms": ms, "free_tier": True}), BOOK)
    assert all(line.usd_exact >= 0 and line.quantity >= 0 for line in result.lines)
    assert 0 <= result.total_exact_usd <= total(config, n, ms) + 1e-9


@FAST
@given(
    vcpu=st.floats(0.08, 8),
    gib=st.floats(0.125, 32),
    seconds=st.floats(0, 1e8),
    n=requests,
    billing=st.sampled_from(["request", "instance"]),
)
def test_cloud_run_free_tier_never_negative(vcpu, gib, seconds, n, billing):
    usage = {
        "service": "cloud-run",
        "billing": billing,
        "vcpu": vcpu,
        "memory_gib": gib,
        "requests": n,
        "billable_instance_seconds": seconds,
        "free_tier": True,
    }
    assert all(line.usd_exact >= 0 for line in estimate(parse_usage(usage), BOOK).lines)

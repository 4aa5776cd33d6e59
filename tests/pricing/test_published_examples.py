"""The engine against published worked examples, to the cent, with the example's own rounding.

AWS: https://aws.amazon.com/lambda/pricing/ (copy read 2026-11-29). Every example rounds each charge
line to the cent and adds the rounded lines. Google: cloud.google.com/functions/pricing (1st gen),
"Pricing examples".
"""

from __future__ import annotations

import pytest

from pricing import estimate, load_price_book, parse_usage
from pricing.overrides import Override, Overrides, apply_overrides


def priced(book, **usage):
    result = estimate(parse_usage(usage), book)
    return result.total_usd, {line.item: line.usd for line in result.lines}


def test_lambda_telemetry_enrichment_example(book):
    # Lambda pricing page, "Example 2: Enriching streaming telemetry with additional metadata":
    # 10,000 vehicles x 24 x 31 = 7,440,000 requests, 1,024 MB, 2 s, x86, no free tier.
    # Requests 7.44M x $0.20/M = $1.488 ~= $1.49; compute 14.88M GB-s x $0.0000166667 = $248.00; total $249.49.
    total, lines = priced(book, service="lambda", memory_mb=1024, requests=7_440_000, avg_duration_ms=2000)
    assert lines == {"Requests": 1.49, "Duration x86_64 (tier 1)": 248.00}
    assert total == 249.49


def test_lambda_mobile_backend_example_with_free_tier(book):
    # Lambda pricing page, "Example 1: Mobile application backend": 3M requests, 120 ms, 1,536 MB, x86.
    # 540,000 GB-s - 400,000 free = 140,000 x $0.0000166667 = $2.33; 2M billable requests x $0.2/M = $0.40;
    # total $2.73.
    total, lines = priced(
        book, service="lambda", memory_mb=1536, requests=3_000_000, avg_duration_ms=120, free_tier=True
    )
    assert lines == {"Requests": 0.40, "Duration x86_64 (tier 1)": 2.33}
    assert total == 2.73


def test_lambda_ephemeral_storage_example(book):
    # Lambda pricing page, "Example 3: Performing ML on customer support tickets" (BERT): 6M requests, 280 ms,
    # 4,096 MB, x86, 2,048 MB ephemeral storage, free tier. Compute 6,320,000 GB-s x $0.0000166667 = $105.33;
    # requests 5M x $0.2/M = $1; storage (2,048-512) MB x 1,680,000 s = 2,520,000 GB-s x $0.0000000309 = $0.08;
    # total $106.41.
    total, lines = priced(
        book,
        service="lambda",
        memory_mb=4096,
        requests=6_000_000,
        avg_duration_ms=280,
        ephemeral_storage_mb=2048,
        free_tier=True,
    )
    assert lines == {"Requests": 1.00, "Duration x86_64 (tier 1)": 105.33, "Ephemeral storage above 512 MB": 0.08}
    assert total == 106.41


def test_lambda_provisioned_concurrency_launch_example(book):
    # Lambda pricing page, Provisioned Concurrency "Example 1: Mobile application launch": 1,536 MB, x86,
    # PC = 100 for 8 h (28,800 s); 500,000 requests at 100 ms on PC; 2.5M on-demand at 120 ms; free tier.
    # PC 4.32M GB-s x $0.0000041667 = $18; requests (3M - 1M) x $0.2/M = $0.40; PC duration 75,000 GB-s x
    # $0.0000097222 = $0.73; on-demand (450,000 - 400,000) GB-s x $0.0000166667 = $0.83; total $19.96.
    total, lines = priced(
        book,
        service="lambda",
        memory_mb=1536,
        requests=3_000_000,
        avg_duration_ms=120,
        free_tier=True,
        provisioned={"concurrency": 100, "seconds": 28_800, "requests": 500_000, "avg_duration_ms": 100},
    )
    assert lines == {
        "Requests": 0.40,
        "Duration x86_64 (tier 1)": 0.83,
        "Provisioned concurrency": 18.00,
        "Duration with provisioned concurrency": 0.73,
    }
    assert total == 19.96


def test_lambda_provisioned_concurrency_cyber_monday_example(book):
    # Lambda pricing page, Provisioned Concurrency "Example 2: ... during Cyber Monday": 2M requests, all on PC
    # (7 for 24 h), 280 ms, 4,096 MB, x86, no free tier in the example. PC 2,419,200 GB-s x $0.0000041667 =
    # $10.08; duration 2,240,000 GB-s x $0.0000097222 = $21.78; requests $0.40; total $32.26.
    total, lines = priced(
        book,
        service="lambda",
        memory_mb=4096,
        requests=2_000_000,
        avg_duration_ms=280,
        provisioned={"concurrency": 7, "seconds": 86_400, "requests": 2_000_000, "avg_duration_ms": 280},
    )
    assert lines["Provisioned concurrency"] == 10.08
    assert lines["Duration with provisioned concurrency"] == 21.78
    assert lines["Requests"] == 0.40
    assert total == 32.26


@pytest.mark.parametrize(
    ("memory_mb", "requests", "duration_ms", "compute", "request_charge", "total"),
    [
        # Older Lambda pricing page (stored copy of aws.amazon.com/lambda/pricing/, 128-3,008 MB era), which
        # quoted $0.00001667 per GB-s: Example 1: 512 MB, 3M x 1 s, free tier: 1,100,000 GB-s -> $18.34,
        # requests $0.40, total $18.74. Example 2: 128 MB, 30M x 200 ms: 750,000 - 400,000 = 350,000 GB-s ->
        # $5.83; 29M requests -> $5.80; total $11.63.
        (512, 3_000_000, 1000, 18.34, 0.40, 18.74),
        (128, 30_000_000, 200, 5.83, 5.80, 11.63),
    ],
)
def test_lambda_older_examples_with_their_price_as_override(
    memory_mb, requests, duration_ms, compute, request_charge, total
):
    # The old page rounded the GB-s price to $0.00001667; an override reproduces it, the formula is unchanged.
    book = apply_overrides(
        load_price_book(use_env=False),
        Overrides(overrides=(Override("lambda", "duration-x86_64", 0.00001667, "us-east-1"),), path="test"),
    )
    got_total, lines = priced(
        book, service="lambda", memory_mb=memory_mb, requests=requests, avg_duration_ms=duration_ms, free_tier=True
    )
    assert lines == {"Requests": request_charge, "Duration x86_64": compute}
    assert got_total == total


def test_cloud_functions_gen1_simple_event_driven_example(book):
    # cloud.google.com/functions/pricing (1st gen) pricing example: 128 MB / 200 MHz, 10M invocations a month,
    # 300 ms each, no billable egress, free tier. Invocations (10M - 2M) x $0.0000004 = $3.20; GB-s
    # 375,000 - 400,000 free -> $0; GHz-s 600,000 - 200,000 = 400,000 x $0.00001 = $4.00; total $7.20.
    total, lines = priced(
        book, service="cloud-functions", memory_mb=128, requests=10_000_000, avg_duration_ms=300, free_tier=True
    )
    assert lines == {
        "Invocations": 3.20,
        "Compute memory (128 MB)": 0.0,
        "Compute CPU (0.2 GHz)": 4.00,
        "Network egress": 0.0,
    }
    assert total == 7.20


def test_cloud_functions_gen1_medium_http_example(book):
    # Same page, second example: 256 MB / 400 MHz, 50M invocations, 500 ms, 5 KB egress each (238.42 GB), free
    # tier. Invocations 48M x $0.0000004 = $19.20; GB-s 6,250,000 - 400,000 = 5,850,000 x $0.0000025 = $14.63;
    # GHz-s 10,000,000 - 200,000 = 9,800,000 x $0.00001 = $98.00; egress (238.42 - 5) GB x $0.12 = $28.01;
    # total $159.84.
    total, lines = priced(
        book,
        service="cloud-functions",
        memory_mb=256,
        requests=50_000_000,
        avg_duration_ms=500,
        egress_gb=238.42,
        free_tier=True,
    )
    assert lines == {
        "Invocations": 19.20,
        "Compute memory (256 MB)": 14.63,
        "Compute CPU (0.4 GHz)": 98.00,
        "Network egress": 28.01,
    }
    assert total == 159.84


def test_cloud_functions_rounds_compute_time_up_to_100_ms(book):
    # Archived pricing page: "a function executing for 260ms would be billed as 300ms".
    at_260 = estimate(
        parse_usage({"service": "cloud-functions", "memory_mb": 256, "requests": 1_000_000, "avg_duration_ms": 260}),
        book,
    )
    at_300 = estimate(
        parse_usage({"service": "cloud-functions", "memory_mb": 256, "requests": 1_000_000, "avg_duration_ms": 300}),
        book,
    )
    assert at_260.total_exact_usd == pytest.approx(at_300.total_exact_usd)
    assert any("rounded up to 100 ms" in note for note in at_260.notes)

"""Hand-computed estimates for every service, tier crossings, regions and the rounding convention."""

from __future__ import annotations

import pytest

from pricing import MissingPriceError, UnknownRegionError, UsageError, estimate, parse_usage
from pricing.lines import round_cents, tiered_cost


def run(book, **usage):
    return estimate(parse_usage(usage), book)


def test_round_cents_is_half_up_on_the_decimal_text():
    assert round_cents(1.488) == 1.49
    assert round_cents(2.675) == 2.68  # float 2.675 is 2.67499999..., but the bill says 2.68
    assert round_cents(14.625) == 14.63
    assert round_cents(0.004999) == 0.0


def test_lambda_duration_crosses_volume_tiers(book):
    # 7e9 GB-s x86: first 6e9 at $0.0000166667 = $100,000.20, next 1e9 at $0.000015 = $15,000.00.
    # 7e9 GB-s = 7e9 requests x 1 s x 1 GB.
    result = run(book, service="lambda", memory_mb=1024, requests=7e9, avg_duration_ms=1000)
    tiers = {line.item: (line.quantity, line.usd) for line in result.lines}
    assert tiers["Duration x86_64 (tier 1)"] == (6e9, 100_000.20)
    assert tiers["Duration x86_64 (tier 2)"] == (1e9, 15_000.00)
    assert tiers["Requests"] == (7e9, 1400.00)


def test_lambda_arm_prices_and_tier_boundary(book):
    # Arm: 1M x 1 s x 2 GB = 2M GB-s x $0.0000133334 = $26.6668 -> $26.67; requests $0.20.
    result = run(book, service="lambda", memory_mb=2048, requests=1_000_000, avg_duration_ms=1000, architecture="arm64")
    assert result.total_usd == 26.87
    price = book.price("lambda", "duration-arm64", "us-east-1")
    assert price.tiers[1][0] == 7.5e9 and price.tiers[2][0] == 18.75e9


def test_tiered_cost_is_continuous_at_boundaries(book):
    tiers = book.price("lambda", "duration-x86_64", "us-east-1").tiers
    for boundary in (6e9, 15e9):
        below, above = tiered_cost(tiers, boundary - 1e-3), tiered_cost(tiers, boundary + 1e-3)
        assert above - below == pytest.approx(0, abs=1e-6)


def test_lambda_provisioned_seconds_round_up_to_five_minutes(book):
    result = run(
        book,
        service="lambda",
        memory_mb=1024,
        requests=0,
        avg_duration_ms=0,
        provisioned={"concurrency": 1, "seconds": 301},
    )
    pc = next(line for line in result.lines if line.item == "Provisioned concurrency")
    assert pc.quantity == 600
    assert any("rounded up to 5 minutes" in note for note in result.notes)


def test_lambda_free_tier_never_covers_provisioned_concurrency(book):
    usage = {
        "service": "lambda",
        "memory_mb": 1024,
        "requests": 10,
        "avg_duration_ms": 100,
        "provisioned": {"concurrency": 10, "seconds": 3600, "requests": 10, "avg_duration_ms": 100},
    }
    with_free = run(book, **usage, free_tier=True)
    without = run(book, **usage)
    pc = [line.usd for line in with_free.lines if "provisioned" in line.item.lower()]
    assert pc == [line.usd for line in without.lines if "provisioned" in line.item.lower()]
    assert pc[0] == round_cents(10 * 3600 * 0.0000041667)


def test_sagemaker_endpoint_instance_hours(book):
    result = run(book, service="sagemaker-endpoint", instance_type="ml.g5.xlarge", instance_count=2, hours=100)
    assert result.total_usd == round_cents(2 * 100 * 1.4084)
    assert result.lines[0].unit == "instance-hour"


def test_sagemaker_serverless_duration_and_data(book):
    # 4,096 MB: $0.00008/s. 2M x 250 ms = 500,000 s -> $40.00; 10 GB in + 5 GB out x $0.016 = $0.16 + $0.08.
    result = run(
        book,
        service="sagemaker-serverless",
        memory_mb=4096,
        requests=2_000_000,
        avg_duration_ms=250,
        data_in_gb=10,
        data_out_gb=5,
    )
    assert [line.usd for line in result.lines] == [40.00, 0.16, 0.08]


def test_cloud_functions_tier2_region_prices_and_free_tier_valued_at_tier1(book):
    # us-west2 is Tier 2: GB-s $0.0000035, GHz-s $0.000014. 1M x 1 s x 1 GB = 1M GB-s; 1.4M GHz-s.
    # Free tier is valued at Tier 1 prices: 400,000 GB-s x 2.5/3.5 = 285,714.29 GB-s free here.
    result = run(
        book,
        service="cloud-functions",
        region="us-west2",
        memory_mb=1024,
        requests=1_000_000,
        avg_duration_ms=1000,
        free_tier=True,
    )
    memory = next(line for line in result.lines if line.item.startswith("Compute memory"))
    assert memory.unit_price_usd == 0.0000035
    assert memory.quantity == pytest.approx(1_000_000 - 400_000 * 2.5 / 3.5)
    assert memory.usd == round_cents((1_000_000 - 400_000 * 2.5 / 3.5) * 0.0000035)  # = 2.50 = 1M*3.5e-6 - $1.00


def test_cloud_run_request_based(book):
    # 1 vCPU, 0.5 GiB, 1M billable s: CPU $24.00, memory 500,000 GiB-s x $0.0000025 = $1.25, 5M requests $2.00.
    # Idle min instance 100,000 s: CPU x $0.0000025 = $0.25, memory 50,000 x $0.0000025 = $0.125 -> $0.13.
    result = run(
        book,
        service="cloud-run",
        vcpu=1,
        memory_gib=0.5,
        requests=5_000_000,
        billable_instance_seconds=1_000_000,
        idle_min_instance_seconds=100_000,
    )
    assert [line.usd for line in result.lines] == [24.00, 1.25, 2.00, 0.25, 0.13]


def test_cloud_run_instance_based_with_free_tier(book):
    # 2 vCPU, 1 GiB, a month always on (2,628,000 s): 5,256,000 - 240,000 vCPU-s x $0.000018 = $90.29;
    # 2,628,000 - 450,000 GiB-s x $0.000002 = $4.36.
    result = run(
        book,
        service="cloud-run",
        billing="instance",
        vcpu=2,
        memory_gib=1,
        billable_instance_seconds=2_628_000,
        free_tier=True,
    )
    assert [line.usd for line in result.lines] == [90.29, 4.36]
    assert any("instance-based" in note for note in result.notes)


def test_vertex_replica_hours(book):
    result = run(book, service="vertex-endpoint", machine_type="n1-standard-4", replicas=2, hours=730)
    assert result.total_usd == round_cents(2 * 730 * 0.2190)


def test_unknown_region_is_a_clear_error(book):
    with pytest.raises(UnknownRegionError) as error:
        run(book, service="lambda", region="ap-south-9", memory_mb=128, requests=1, avg_duration_ms=1)
    assert str(error.value) == (
        "region: unknown region 'ap-south-9' for lambda; known regions: eu-west-1, us-east-1, us-west-2"
    )


def test_region_known_but_price_missing_names_what_is_priced(book):
    with pytest.raises(MissingPriceError, match=r"priced there: .*request-cpu"):
        book.price("cloud-run", "instance-cpu", "us-west2")


def test_unknown_instance_type_names_the_key(book):
    with pytest.raises(UsageError) as error:
        run(book, service="sagemaker-endpoint", instance_type="ml.p5.48xlarge")
    assert error.value.key == "instance_type" and "instance/ml.m5.large" in str(error.value)


def test_other_regions_are_flagged_unconfirmed(book):
    assumed = book.price("sagemaker-endpoint", "instance/ml.m5.large", "eu-west-1")
    assert assumed.source.confidence == "unconfirmed"
    assert "assumed equal to the us-east-1 list price" in assumed.source.note

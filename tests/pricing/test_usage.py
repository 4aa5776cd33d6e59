"""USAGE.json validation: every rejection is one line that names the key."""

from __future__ import annotations

import pytest

from pricing import LambdaUsage, UsageError, parse_usage
from pricing.compare import parse_compare_input

LAMBDA = {"service": "lambda", "memory_mb": 1024, "requests": 100, "avg_duration_ms": 10}


@pytest.mark.parametrize(
    ("usage", "key", "text"),
    [
        ({}, "service", "missing key"),
        ({"service": "ec2"}, "service", "must be one of lambda"),
        ({**LAMBDA, "memory_mb": 64}, "memory_mb", "must be at least 128"),
        ({**LAMBDA, "memory_mb": 10241}, "memory_mb", "must be at most 10240"),
        ({**LAMBDA, "requests": -5}, "requests", "must not be negative"),
        ({**LAMBDA, "requests": "many"}, "requests", "must be a number"),
        ({**LAMBDA, "avg_duration_ms": True}, "avg_duration_ms", "must be a number"),
        ({**LAMBDA, "architecture": "sparc"}, "architecture", "must be one of x86_64, arm64"),
        ({**LAMBDA, "ephemeral_storage_mb": 100}, "ephemeral_storage_mb", "must be at least 512"),
        ({**LAMBDA, "colour": "red"}, "colour", "unknown key"),
        ({**LAMBDA, "free_tier": "yes"}, "free_tier", "must be true or false"),
        ({"service": "lambda", "requests": 1, "avg_duration_ms": 1}, "memory_mb", "missing key"),
        ({**LAMBDA, "provisioned": {"seconds": 60}}, "provisioned.concurrency", "missing key"),
        (
            {**LAMBDA, "provisioned": {"concurrency": 1, "seconds": 60, "requests": 5}},
            "provisioned.avg_duration_ms",
            "missing key",
        ),
        ({**LAMBDA, "provisioned": {"concurrency": 1.5, "seconds": 60}}, "provisioned.concurrency", "whole number"),
        ({**LAMBDA, "provisioned": {"concurrency": 1, "seconds": 60, "speed": 1}}, "provisioned.speed", "unknown key"),
        (
            {**LAMBDA, "provisioned": {"concurrency": 1, "seconds": 60, "requests": 500, "avg_duration_ms": 1}},
            "provisioned.requests",
            "cannot exceed requests",
        ),
        (
            {"service": "sagemaker-serverless", "memory_mb": 1500, "requests": 1, "avg_duration_ms": 1},
            "memory_mb",
            "must be one of 1024, 2048",
        ),
        (
            {"service": "cloud-functions", "memory_mb": 300, "requests": 1, "avg_duration_ms": 1},
            "memory_mb",
            "must be one of 128, 256",
        ),
        ({"service": "cloud-run", "billing": "hourly", "billable_instance_seconds": 1}, "billing", "request, instance"),
        ({"service": "cloud-run", "vcpu": 0, "billable_instance_seconds": 1}, "vcpu", "must be at least 0.08"),
        ({"service": "sagemaker-endpoint", "instance_type": ""}, "instance_type", "non-empty string"),
        ({"service": "vertex-endpoint", "machine_type": "n1-standard-2", "region": 5}, "region", "non-empty string"),
        ({**LAMBDA, "lambda": {"memory_mb": 1}}, "memory_mb", "given both"),
    ],
)
def test_rejections_name_the_key(usage, key, text):
    with pytest.raises(UsageError) as error:
        parse_usage(usage)
    assert error.value.key == key
    assert text in str(error.value)
    assert "\n" not in str(error.value)


def test_defaults_and_nested_form():
    flat = parse_usage(LAMBDA)
    nested = parse_usage({"service": "lambda", "lambda": {k: v for k, v in LAMBDA.items() if k != "service"}})
    assert flat == nested == LambdaUsage(1024, 100, 10)
    assert flat.region == "us-east-1" and flat.architecture == "x86_64" and flat.free_tier is False
    assert parse_usage({"service": "vertex-endpoint", "machine_type": "n1-standard-2"}).region == "us-central1"


@pytest.mark.parametrize(
    ("alternative", "key"),
    [
        ("ml.m5.large", "alternative"),
        ({"instance_type": "ml.m5.large"}, "alternative.service"),
        ({"service": "sagemaker-endpoint", "instance_count": 0}, "alternative.instance_count"),
        ({"service": "sagemaker-endpoint", "size": 2}, "alternative.size"),
    ],
)
def test_alternative_rejections(alternative, key):
    with pytest.raises(UsageError) as error:
        parse_compare_input({**LAMBDA, "alternative": alternative})
    assert error.value.key == key

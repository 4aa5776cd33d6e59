"""Golden cost reports: run with --update-golden to regenerate deliberately; failures show a diff."""

from __future__ import annotations

import pytest

from pricing import compare, estimate, parse_compare_input, parse_usage

ESTIMATES = {
    "estimate_lambda_telemetry": {
        "service": "lambda",
        "memory_mb": 1024,
        "requests": 7_440_000,
        "avg_duration_ms": 2000,
    },
    "estimate_lambda_arm_provisioned_storage": {
        "service": "lambda",
        "region": "eu-west-1",
        "memory_mb": 3008,
        "architecture": "arm64",
        "requests": 5e6,
        "avg_duration_ms": 450,
        "ephemeral_storage_mb": 4096,
        "free_tier": True,
        "provisioned": {"concurrency": 20, "seconds": 36_000, "requests": 1e6, "avg_duration_ms": 400},
    },
    "estimate_sagemaker_endpoint": {
        "service": "sagemaker-endpoint",
        "instance_type": "ml.inf2.xlarge",
        "instance_count": 2,
        "hours": 730,
    },
    "estimate_sagemaker_serverless": {
        "service": "sagemaker-serverless",
        "memory_mb": 3072,
        "requests": 4e6,
        "avg_duration_ms": 180,
        "data_in_gb": 12.5,
        "data_out_gb": 3,
    },
    "estimate_cloud_functions_tier2": {
        "service": "cloud-functions",
        "region": "us-west2",
        "memory_mb": 2048,
        "requests": 2.5e7,
        "avg_duration_ms": 340,
        "egress_gb": 40,
        "free_tier": True,
    },
    "estimate_cloud_run_request": {
        "service": "cloud-run",
        "vcpu": 2,
        "memory_gib": 4,
        "requests": 3e6,
        "billable_instance_seconds": 450_000,
        "idle_min_instance_seconds": 2_628_000,
    },
    "estimate_vertex_endpoint": {
        "service": "vertex-endpoint",
        "region": "europe-west1",
        "machine_type": "n1-highmem-4",
        "replicas": 3,
        "hours": 200,
    },
}
COMPARES = {
    "compare_lambda": {"service": "lambda", "memory_mb": 2048, "requests": 3e7, "avg_duration_ms": 150},
    "compare_lambda_fixed_alternative": {
        "service": "lambda",
        "memory_mb": 1024,
        "requests": 1e8,
        "avg_duration_ms": 100,
        "alternative": {"service": "sagemaker-endpoint", "instance_type": "ml.m5.large", "instance_count": 2},
    },
    "compare_sagemaker_endpoint": {
        "service": "sagemaker-endpoint",
        "instance_type": "ml.c5.xlarge",
        "requests": 2e6,
        "avg_duration_ms": 120,
        "memory_used_mb": 1800,
    },
    "compare_gpu_endpoint": {
        "service": "sagemaker-endpoint",
        "instance_type": "ml.g4dn.xlarge",
        "requests": 5e6,
        "avg_duration_ms": 40,
    },
    "compare_cloud_functions": {
        "service": "cloud-functions",
        "memory_mb": 1024,
        "requests": 2e7,
        "avg_duration_ms": 250,
    },
}


@pytest.mark.parametrize("name", sorted(ESTIMATES))
def test_estimate_report(book, golden, name):
    golden(name, estimate(parse_usage(ESTIMATES[name]), book).to_dict())


@pytest.mark.parametrize("name", sorted(COMPARES))
def test_compare_report(book, golden, name):
    usage, alternative = parse_compare_input(COMPARES[name])
    golden(name, compare(usage, book, alternative).to_dict())

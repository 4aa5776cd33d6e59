"""The demo estate's cast: which resources exist and how each one behaves.

Every resource here is there to make a page say something true: a steady Lambda that would be cheaper
as an endpoint, an endpoint that idles, a GPU endpoint that cannot move to FaaS, a spiky function whose
cold starts follow idle gaps, a memory change mid-period, a serverless endpoint with model-setup cold
starts, a Cloud Run service with min instances. ``demo.simulate`` turns these profiles into time series.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

AWS_PROD = "111122223333"
AWS_RESEARCH = "444455556666"
GCP_PROJECT = "acme-ml-prod"


@dataclass(frozen=True)
class Profile:
    service: str
    account: str
    region: str
    name: str
    rate_per_s: float  # mean requests per second before seasonality
    median_ms: float  # median model / execution latency
    sigma: float = 0.35  # lognormal spread of per-request latency
    config: dict[str, Any] = field(default_factory=dict)
    daily_amplitude: float = 0.45  # share of the mean that swings with the time of day
    weekend_factor: float = 0.7
    burstiness: float = 0.0  # 0 = smooth Poisson traffic; near 1 = idle minutes between bursts
    error_rate: float = 0.002
    keep_alive_min: int = 10  # idle minutes before an instance is reclaimed (FaaS, serverless)
    init_ms: float = 0.0  # cold-start (init / model setup) time; 0 = no cold starts on this platform
    concurrency_limit: int = 0  # reserved / max concurrency; 0 = unlimited (no throttles)
    per_instance_concurrency: float = 1.0  # concurrent requests one instance serves (Cloud Run)
    min_instances: int = 0
    fixed_instances: int = 0  # endpoints: always-on instance count (0 = autoscaled by load)
    target_per_instance: float = 0.0  # endpoints with autoscaling: concurrent requests per instance
    cpu_per_request_pct: float = 0.0  # endpoint CPU utilisation per concurrent request
    memory_pct: float = 0.0  # endpoint memory utilisation (model resident)
    memory_change: tuple[int, dict[str, Any], float] | None = None  # (days ago, new config, latency factor)
    overhead_ms: float = 0.0


PROFILES: tuple[Profile, ...] = (
    # --- AWS Lambda -------------------------------------------------------------------------------
    # Short, steady, high-volume requests: the $0.20-per-million request fee dominates; an endpoint wins.
    Profile(
        "lambda",
        AWS_PROD,
        "us-east-1",
        "fraud-score",
        rate_per_s=220.0,
        median_ms=22.0,
        sigma=0.25,
        config={
            "memory_mb": 512,
            "architecture": "x86_64",
            "timeout_s": 10,
            "ephemeral_storage_mb": 512,
            "package_type": "Zip",
        },
        daily_amplitude=0.25,
        weekend_factor=0.9,
        init_ms=900.0,
        keep_alive_min=15,
    ),
    Profile(
        "lambda",
        AWS_PROD,
        "us-east-1",
        "text-embed-burst",
        rate_per_s=3.0,
        median_ms=220.0,
        sigma=0.4,
        config={
            "memory_mb": 2048,
            "architecture": "x86_64",
            "timeout_s": 60,
            "ephemeral_storage_mb": 512,
            "package_type": "Image",
        },
        burstiness=0.92,
        init_ms=4200.0,
        keep_alive_min=7,
        concurrency_limit=40,
    ),
    Profile(
        "lambda",
        AWS_PROD,
        "us-east-1",
        "recsys-rank",
        rate_per_s=12.0,
        median_ms=410.0,
        sigma=0.3,
        config={
            "memory_mb": 1024,
            "architecture": "x86_64",
            "timeout_s": 30,
            "ephemeral_storage_mb": 512,
            "package_type": "Zip",
        },
        init_ms=2500.0,
        memory_change=(30, {"memory_mb": 2048}, 0.55),
    ),
    Profile(
        "lambda",
        AWS_PROD,
        "eu-west-1",
        "sentiment-arm",
        rate_per_s=4.0,
        median_ms=95.0,
        config={
            "memory_mb": 1024,
            "architecture": "arm64",
            "timeout_s": 15,
            "ephemeral_storage_mb": 512,
            "package_type": "Zip",
        },
        init_ms=900.0,
    ),
    Profile(
        "lambda",
        AWS_PROD,
        "eu-west-1",
        "doc-classify-pc",
        rate_per_s=9.0,
        median_ms=160.0,
        config={
            "memory_mb": 3008,
            "architecture": "x86_64",
            "timeout_s": 60,
            "ephemeral_storage_mb": 2048,
            "package_type": "Zip",
            "provisioned_concurrency": 4,
        },
        init_ms=3100.0,
        daily_amplitude=0.6,
    ),
    Profile(
        "lambda",
        AWS_RESEARCH,
        "us-east-1",
        "churn-predict",
        rate_per_s=0.05,
        median_ms=640.0,
        config={
            "memory_mb": 512,
            "architecture": "x86_64",
            "timeout_s": 120,
            "ephemeral_storage_mb": 512,
            "package_type": "Zip",
        },
        burstiness=0.6,
        init_ms=1400.0,
        keep_alive_min=6,
        error_rate=0.01,
    ),
    Profile(
        "lambda",
        AWS_RESEARCH,
        "us-east-1",
        "feature-enrich",
        rate_per_s=1.2,
        median_ms=45.0,
        sigma=0.3,
        config={
            "memory_mb": 256,
            "architecture": "arm64",
            "timeout_s": 10,
            "ephemeral_storage_mb": 512,
            "package_type": "Zip",
        },
        init_ms=350.0,
    ),
    Profile(
        "lambda",
        AWS_PROD,
        "us-east-1",
        "pii-redact",
        rate_per_s=1.5,
        median_ms=310.0,
        config={
            "memory_mb": 1769,
            "architecture": "x86_64",
            "timeout_s": 30,
            "ephemeral_storage_mb": 4096,
            "package_type": "Image",
        },
        init_ms=2900.0,
        burstiness=0.15,
    ),
    Profile(
        "lambda",
        AWS_RESEARCH,
        "eu-west-1",
        "nsfw-filter",
        rate_per_s=0.6,
        median_ms=520.0,
        config={
            "memory_mb": 3072,
            "architecture": "arm64",
            "timeout_s": 60,
            "ephemeral_storage_mb": 512,
            "package_type": "Image",
        },
        init_ms=3600.0,
        burstiness=0.55,
        keep_alive_min=8,
    ),
    # --- SageMaker real-time endpoints ------------------------------------------------------------
    Profile(
        "sagemaker-endpoint",
        AWS_PROD,
        "us-east-1",
        "llm-summarize-g5",
        rate_per_s=1.6,
        median_ms=850.0,
        sigma=0.45,
        config={
            "instance_type": "ml.g5.xlarge",
            "instance_count": 1,
            "accelerator_type": "NVIDIA A10G",
            "accelerator_count": 1,
        },
        fixed_instances=1,
        cpu_per_request_pct=35.0,
        memory_pct=62.0,
        overhead_ms=6.0,
    ),
    Profile(
        "sagemaker-endpoint",
        AWS_PROD,
        "us-east-1",
        "legacy-forecast",
        rate_per_s=0.0004,
        median_ms=300.0,
        config={"instance_type": "ml.m5.xlarge", "instance_count": 1},
        fixed_instances=1,
        burstiness=0.5,
        cpu_per_request_pct=60.0,
        memory_pct=18.0,
        overhead_ms=8.0,
    ),
    Profile(
        "sagemaker-endpoint",
        AWS_PROD,
        "eu-west-1",
        "search-rerank",
        rate_per_s=140.0,
        median_ms=28.0,
        sigma=0.3,
        config={"instance_type": "ml.c5.xlarge", "instance_count": 2, "min_instances": 2, "max_instances": 6},
        target_per_instance=1.6,
        cpu_per_request_pct=110.0,
        memory_pct=41.0,
        overhead_ms=4.0,
    ),
    Profile(
        "sagemaker-endpoint",
        AWS_RESEARCH,
        "us-east-1",
        "translate-inf2",
        rate_per_s=6.0,
        median_ms=120.0,
        config={
            "instance_type": "ml.inf2.xlarge",
            "instance_count": 1,
            "accelerator_type": "AWS Inferentia2",
            "accelerator_count": 1,
        },
        fixed_instances=1,
        cpu_per_request_pct=40.0,
        memory_pct=55.0,
        overhead_ms=5.0,
    ),
    # --- SageMaker Serverless ---------------------------------------------------------------------
    Profile(
        "sagemaker-serverless",
        AWS_PROD,
        "us-east-1",
        "kyc-ocr-serverless",
        rate_per_s=0.4,
        median_ms=700.0,
        config={"memory_mb": 3072, "max_concurrency": 20},
        burstiness=0.75,
        init_ms=9500.0,
        keep_alive_min=8,
        overhead_ms=12.0,
        memory_pct=48.0,
    ),
    Profile(
        "sagemaker-serverless",
        AWS_RESEARCH,
        "us-east-1",
        "tabular-risk-serverless",
        rate_per_s=2.5,
        median_ms=60.0,
        config={"memory_mb": 2048, "max_concurrency": 10},
        init_ms=6000.0,
        overhead_ms=9.0,
        memory_pct=35.0,
    ),
    # --- Google Cloud Functions (1st gen) ---------------------------------------------------------
    Profile(
        "cloud-functions",
        GCP_PROJECT,
        "us-central1",
        "gcf-lead-score",
        rate_per_s=2.2,
        median_ms=180.0,
        config={"memory_mb": 512, "vcpu": 0.333, "timeout_s": 60, "max_instances": 100},
        init_ms=1500.0,
        burstiness=0.3,
    ),
    Profile(
        "cloud-functions",
        GCP_PROJECT,
        "europe-west1",
        "gcf-image-tagger",
        rate_per_s=0.8,
        median_ms=900.0,
        config={"memory_mb": 2048, "vcpu": 1.0, "timeout_s": 120, "max_instances": 50},
        init_ms=5200.0,
        burstiness=0.5,
    ),
    Profile(
        "cloud-functions",
        GCP_PROJECT,
        "us-central1",
        "gcf-anomaly-check",
        rate_per_s=0.15,
        median_ms=75.0,
        config={"memory_mb": 256, "vcpu": 0.167, "timeout_s": 60, "max_instances": 20},
        init_ms=800.0,
        burstiness=0.4,
    ),
    # --- Cloud Run --------------------------------------------------------------------------------
    Profile(
        "cloud-run",
        GCP_PROJECT,
        "us-central1",
        "run-embeddings",
        rate_per_s=18.0,
        median_ms=65.0,
        config={
            "vcpu": 2.0,
            "memory_mb": 4096,
            "min_instances": 2,
            "max_instances": 20,
            "billing_mode": "request",
            "max_concurrency": 8,
        },
        init_ms=7000.0,
        per_instance_concurrency=4.0,
        min_instances=2,
        keep_alive_min=15,
    ),
    Profile(
        "cloud-run",
        GCP_PROJECT,
        "europe-west1",
        "run-bert-ner",
        rate_per_s=5.0,
        median_ms=140.0,
        config={
            "vcpu": 1.0,
            "memory_mb": 2048,
            "min_instances": 0,
            "max_instances": 10,
            "billing_mode": "request",
            "max_concurrency": 4,
        },
        init_ms=5500.0,
        per_instance_concurrency=2.0,
        burstiness=0.2,
        keep_alive_min=15,
    ),
    Profile(
        "cloud-run",
        GCP_PROJECT,
        "us-central1",
        "run-batch-scorer",
        rate_per_s=0.9,
        median_ms=1200.0,
        config={
            "vcpu": 4.0,
            "memory_mb": 8192,
            "min_instances": 1,
            "max_instances": 5,
            "billing_mode": "instance",
            "max_concurrency": 2,
        },
        init_ms=12000.0,
        per_instance_concurrency=2.0,
        min_instances=1,
        keep_alive_min=15,
    ),
    # --- Vertex AI endpoints ----------------------------------------------------------------------
    Profile(
        "vertex-endpoint",
        GCP_PROJECT,
        "us-central1",
        "vertex-propensity",
        rate_per_s=22.0,
        median_ms=38.0,
        config={"instance_type": "n1-standard-4", "instance_count": 2, "min_instances": 2, "max_instances": 4},
        target_per_instance=1.2,
        cpu_per_request_pct=90.0,
        memory_pct=30.0,
        overhead_ms=3.0,
    ),
    Profile(
        "vertex-endpoint",
        GCP_PROJECT,
        "europe-west1",
        "vertex-vision-t4",
        rate_per_s=3.5,
        median_ms=210.0,
        config={
            "instance_type": "n1-standard-8",
            "instance_count": 1,
            "accelerator_type": "NVIDIA_TESLA_T4",
            "accelerator_count": 1,
            "min_instances": 1,
            "max_instances": 1,
        },
        fixed_instances=1,
        cpu_per_request_pct=30.0,
        memory_pct=58.0,
        overhead_ms=4.0,
    ),
    Profile(
        "vertex-endpoint",
        GCP_PROJECT,
        "us-central1",
        "vertex-quarterly-report",
        rate_per_s=0.002,
        median_ms=450.0,
        config={"instance_type": "n1-standard-2", "instance_count": 1, "min_instances": 1, "max_instances": 1},
        fixed_instances=1,
        burstiness=0.5,
        cpu_per_request_pct=80.0,
        memory_pct=22.0,
        overhead_ms=5.0,
    ),
)

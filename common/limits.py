"""Platform limits the feasibility checks and input validation rely on, with where each comes from."""

from __future__ import annotations

# AWS Lambda: pricing page (memory 128-10,240 MB in 1 MB steps; ephemeral storage 512-10,240 MB, first 512 MB
# free) and developer guide (15-minute timeout; 1,769 MB of memory = one vCPU; 6 MB synchronous payload).
LAMBDA_MEMORY_MB = (128, 10240)
LAMBDA_EPHEMERAL_MB = (512, 10240)
LAMBDA_EPHEMERAL_FREE_MB = 512
LAMBDA_TIMEOUT_MS = 900_000
LAMBDA_MB_PER_VCPU = 1769
LAMBDA_PAYLOAD_SYNC_KB = 6144
# Provisioned concurrency is billed "rounded up to the nearest five minutes" (pricing page).
LAMBDA_PROVISIONED_INCREMENT_S = 300
ARCHITECTURES = ("x86_64", "arm64")

# SageMaker Serverless Inference (developer guide, serverless-endpoints, 2023): 1-6 GB in 1 GB steps,
# MaxConcurrency at most 200 per endpoint, no GPUs.
SERVERLESS_MEMORY_MB = (1024, 2048, 3072, 4096, 5120, 6144)
SERVERLESS_MAX_CONCURRENCY = 200

# Cloud Functions 1st gen (memory doc and firebase-tools pricing.ts): allowed memory sizes, 9-minute timeout.
GCF_MEMORY_MB = (128, 256, 512, 1024, 2048, 4096, 8192)
GCF_TIMEOUT_MS = 540_000

# Cloud Run request-based and instance-based billing.
CLOUD_RUN_BILLING = ("request", "instance")

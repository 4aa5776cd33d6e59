"""The demo bills' own figures (invented, documented in data/samples/README.md) and the committed samples' names."""

from __future__ import annotations

from demo.profiles import AWS_PROD, AWS_RESEARCH

CUR_FILE = "billing-cur2-111122223333-2026-11.csv.gz"
FOCUS_FILE = "billing-focus-1.2-444455556666-2026-11.csv"
GCP_FILE = "billing-gcp-detailed-acme-ml-prod-2026-11.parquet"

# CUR 2.0, account 111122223333
SP_SHARE, SP_DISCOUNT = 0.6, 0.17  # share of fraud-score's duration a Compute Savings Plan covers, and its rate
EGRESS_GB_PER_DAY, EGRESS_USD_PER_GB = 1.5, 0.09  # fraud-score's data transfer out
SEARCH_RERANK_RATE = 0.227  # ml.c5.xlarge in eu-west-1 as billed; the price sheet reuses us-east-1's 0.204
LEGACY_ETL_REQUESTS, LEGACY_ETL_GB_S = 1_000_000, 20_000.0  # per day, a function Breakeven does not know
CLOUDWATCH_GB_PER_DAY, CLOUDWATCH_USD_PER_GB = 2.0, 0.50  # log ingestion, no resource id
AWS_TAX = {"AWSLambda": 30.0, "AmazonSageMaker": 60.0}  # for the month
SP_ARN = f"arn:aws:savingsplans::{AWS_PROD}:savingsplan/3f1c0de2-0b6a-4c1e-9d55-7a8f0e2b1c11"

# FOCUS 1.2, account 444455556666
TRANSLATE_SP_DISCOUNT = 0.20  # SageMaker Savings Plan on translate-inf2
FEATURE_CREDIT_PER_DAY = 0.02  # promotional credit on feature-enrich
FOCUS_TAX = 10.0
SM_SP_ARN = f"arn:aws:savingsplans::{AWS_RESEARCH}:savingsplan/8b2e6f40-5d3c-4a77-b0f1-2c9d4e6a7b22"

# GCP detailed export, project acme-ml-prod
RUN_CUD_DISCOUNT = 0.17  # Cloud Run committed-use discount on run-embeddings' CPU and memory
T4_RATE = 0.40  # NVIDIA T4 per hour on vertex-vision-t4 (the price sheet has no accelerator price)
RUN_LEGACY_VCPU_S = 10_000.0  # per day, run-legacy-api, a service Breakeven does not know
GCP_TAX = 25.0
GCP_PROJECT_NUMBER = "123456789012"

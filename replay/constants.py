"""The platform facts and defaults the replay engine needs, each with where it comes from.

The month and the platform limits come from the shared vocabulary (``common``); what only the engine
uses (billing increments, default keep-alive and init, the autoscaling alarm shapes) is here. Confidence
follows the project's reference files: verified, third-party, or unconfirmed; an unconfirmed value is
only ever a default the caller can change, and results name it as an assumption.
"""

from __future__ import annotations

from common.limits import LAMBDA_PROVISIONED_INCREMENT_S, SERVERLESS_MAX_CONCURRENCY, SERVERLESS_MEMORY_MB
from common.units import MONTH_HOURS, MONTH_SECONDS

__all__ = [
    "LAMBDA_PROVISIONED_INCREMENT_S",
    "MONTH_HOURS",
    "MONTH_SECONDS",
    "SERVERLESS_MAX_CONCURRENCY",
    "SERVERLESS_MEMORY_MB",
]

DAY_SECONDS = 86_400
MINUTE_S = 60
HOUR_S = 3600

# Billing increments per request (reference: aws.md §4.1 "rounded up to the nearest 1 ms" [verified];
# gcp.md §4.1 Cloud Functions 1st gen "100ms increments, rounded up" [official 2017 page; current wording
# unconfirmed]; Cloud Run billable instance time rounded up to 100 ms [official metric description]).
LAMBDA_INCREMENT_MS = 1.0
GCF_INCREMENT_MS = 100.0
CLOUD_RUN_INCREMENT_MS = 100.0
# Lambda bills INIT for on-demand invocations since 2025-08-01 (aws.md §1.3, AWS blog [verified]).
LAMBDA_INIT_BILLED_SINCE = "2025-08-01"

# Keep-alive of an idle FaaS instance: no provider documents it. [unconfirmed] default, always stated.
DEFAULT_KEEP_ALIVE_S = 600.0
# Cold-start init time when the data has none. [unconfirmed] default, always stated.
DEFAULT_INIT_MS = 1500.0
# Per-request latency spread (lognormal sigma) when only the mean duration is known. Assumption.
DEFAULT_DURATION_SIGMA = 0.5

# Model setup (cold start) of Serverless Inference when unmeasured. [unconfirmed] default.
DEFAULT_MODEL_SETUP_MS = 5000.0


# Target tracking on SageMaker endpoints (Application Auto Scaling). The alarm shapes come from a re:Post
# thread quoting the alarms AWS created ("> target for 3 datapoints within 3 minutes", "< 90 % of target
# for 15 datapoints within 15 minutes") [third-party]; default cooldowns of 300 s [third-party]; time for a
# new instance to serve [unconfirmed].
SAGEMAKER_SCALE_OUT_DATAPOINTS = 3
SAGEMAKER_SCALE_IN_DATAPOINTS = 15
SAGEMAKER_SCALE_IN_RATIO = 0.9
SAGEMAKER_COOLDOWN_S = 300.0
SAGEMAKER_PROVISIONING_S = 300.0
# Vertex AI online prediction: default autoscaling target 60 % CPU (AutoscalingMetricSpec reference
# [verified]); at least one replica unless the Scale To Zero preview is used [verified]. Scale-out and
# scale-in delays are not documented: [unconfirmed] defaults mirroring SageMaker's.
VERTEX_TARGET_UTILIZATION = 0.6
VERTEX_MIN_REPLICAS = 1

# Minute data under this share of a day is "short": monthly figures say how many hours they rest on.
SHORT_SERIES_S = DAY_SECONDS

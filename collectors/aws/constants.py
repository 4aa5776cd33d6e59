"""Every AWS fact the collectors rely on, in one place, with where it comes from.

Sources: the botocore 1.43 service models (API limits), the CloudWatch user guide (retention), the
CloudWatch pricing page (GetMetricData and Logs Insights prices), the Lambda and SageMaker monitoring
guides (metric names, units, statistics), and the EC2 instance-type tables (vCPU and accelerator counts
of the ml.* types). ``shared/reference/aws.md`` §1–3 and §8 record each with its confidence.
"""

from __future__ import annotations

from datetime import timedelta

from collectors.source import RetentionTier

SERVICES = ("lambda", "sagemaker-endpoint", "sagemaker-serverless")
SAGEMAKER_SERVICES = ("sagemaker-endpoint", "sagemaker-serverless")

# CloudWatch retention: 1-minute data 15 days, 5-minute 63 days, 1-hour 455 days. A query whose
# StartTime is older than a tier must use a period that is a multiple of the next tier's period.
RETENTION = (
    RetentionTier(timedelta(days=15), 60),
    RetentionTier(timedelta(days=63), 300),
    RetentionTier(timedelta(days=455), 3600),
)

# GetMetricData limits (botocore cloudwatch model): 500 queries and 100,800 datapoints per call.
MAX_QUERIES_PER_CALL = 500
MAX_DATAPOINTS_PER_CALL = 100_800

# Prices (us-east-1; CloudWatch pricing page). GetMetricData: $0.01 per 1,000 metrics requested, and up to
# five statistics of the same metric in one request bill as one metric. Logs Insights: $0.005 per GB scanned.
GET_METRIC_DATA_USD_PER_METRIC = 0.01 / 1000
STATISTICS_PER_BILLED_METRIC = 5
GET_METRIC_STATISTICS_USD_PER_REQUEST = 0.01 / 1000  # third-party figure; inside the 1M free requests
LOGS_INSIGHTS_USD_PER_GB = 0.005
BYTES_PER_GB = 1_000_000_000

# Lambda's longest timeout is 900 s and its metrics are stamped at invocation time, so the lag window
# re-read on every run must be at least that; 30 minutes adds CloudWatch's own ingestion delay.
LAMBDA_MAX_TIMEOUT_MINUTES = 15
DEFAULT_LAG_MINUTES = 30
DEFAULT_PERIOD_SECONDS = 300
DEFAULT_FIRST_RUN_DAYS = 7

# botocore retries: "standard" or "adaptive" (adds client-side rate limiting); legacy is refused.
RETRY_MODES = ("standard", "adaptive")
DEFAULT_RETRY_MODE = "adaptive"
DEFAULT_MAX_ATTEMPTS = 8
CONNECT_TIMEOUT_S = 10
READ_TIMEOUT_S = 60

# Error codes meaning "your credentials expired": botocore does not retry these.
EXPIRED_CREDENTIAL_CODES = frozenset(
    {"ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired", "InvalidClientTokenId"}
)
ACCESS_DENIED_CODES = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"})

# Logs Insights: at most 50 log groups per query; a query times out server-side after 60 minutes.
# The account-wide cap on concurrent queries (shared with dashboards) has been 10, 30 and now 100
# depending on the docs' age, so the collector keeps its own share small by default.
LOGS_INSIGHTS_MAX_GROUPS = 50
DEFAULT_LOGS_INSIGHTS_CONCURRENCY = 4
LOGS_INSIGHTS_POLL_TIMEOUT_S = 900.0
LOGS_INSIGHTS_RESULT_LIMIT = 10_000

NAMESPACE_LAMBDA = "AWS/Lambda"
NAMESPACE_SAGEMAKER = "AWS/SageMaker"
NAMESPACE_SAGEMAKER_INSTANCE = "/aws/sagemaker/Endpoints"

MICROSECONDS_PER_MS = 1000.0

# vCPUs per ml.* instance type (same as the EC2 type of the same name). SageMaker's CPUUtilization is a
# sum over cores (0–100 × vCPU); the canonical metric is 0–100 % of the instance, so it is divided by
# this. A type missing here gets no cpu_utilization_pct_avg, and the run says so.
ML_INSTANCE_VCPUS: dict[str, int] = {
    "ml.t2.medium": 2,
    "ml.t2.large": 2,
    "ml.t2.xlarge": 4,
    "ml.t2.2xlarge": 8,
    "ml.m5.large": 2,
    "ml.m5.xlarge": 4,
    "ml.m5.2xlarge": 8,
    "ml.m5.4xlarge": 16,
    "ml.m5.12xlarge": 48,
    "ml.m5.24xlarge": 96,
    "ml.m6i.large": 2,
    "ml.m6i.xlarge": 4,
    "ml.m6i.2xlarge": 8,
    "ml.m6i.4xlarge": 16,
    "ml.c5.large": 2,
    "ml.c5.xlarge": 4,
    "ml.c5.2xlarge": 8,
    "ml.c5.4xlarge": 16,
    "ml.c5.9xlarge": 36,
    "ml.c5.18xlarge": 72,
    "ml.c6i.large": 2,
    "ml.c6i.xlarge": 4,
    "ml.c6i.2xlarge": 8,
    "ml.c6i.4xlarge": 16,
    "ml.r5.large": 2,
    "ml.r5.xlarge": 4,
    "ml.r5.2xlarge": 8,
    "ml.g4dn.xlarge": 4,
    "ml.g4dn.2xlarge": 8,
    "ml.g4dn.4xlarge": 16,
    "ml.g4dn.8xlarge": 32,
    "ml.g4dn.12xlarge": 48,
    "ml.g5.xlarge": 4,
    "ml.g5.2xlarge": 8,
    "ml.g5.4xlarge": 16,
    "ml.g5.8xlarge": 32,
    "ml.g5.12xlarge": 48,
    "ml.inf2.xlarge": 4,
    "ml.inf2.8xlarge": 32,
    "ml.p3.2xlarge": 8,
}

# Accelerators per ml.* type: (kind, count). Pricing needs them to judge feasibility (no GPU on Lambda).
ML_INSTANCE_ACCELERATORS: dict[str, tuple[str, int]] = {
    "ml.g4dn.xlarge": ("nvidia-t4", 1),
    "ml.g4dn.2xlarge": ("nvidia-t4", 1),
    "ml.g4dn.4xlarge": ("nvidia-t4", 1),
    "ml.g4dn.8xlarge": ("nvidia-t4", 1),
    "ml.g4dn.12xlarge": ("nvidia-t4", 4),
    "ml.g5.xlarge": ("nvidia-a10g", 1),
    "ml.g5.2xlarge": ("nvidia-a10g", 1),
    "ml.g5.4xlarge": ("nvidia-a10g", 1),
    "ml.g5.8xlarge": ("nvidia-a10g", 1),
    "ml.g5.12xlarge": ("nvidia-a10g", 4),
    "ml.inf2.xlarge": ("aws-inferentia2", 1),
    "ml.inf2.8xlarge": ("aws-inferentia2", 1),
    "ml.p3.2xlarge": ("nvidia-v100", 1),
}

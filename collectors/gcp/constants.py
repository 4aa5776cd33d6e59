"""Every Google Cloud fact the collectors rely on, in one place.

Sources are in the project's GCP reference notes (metric lists generated 2026-04-10 by Google; each
line below says where a value comes from when it is not a plain metric name). Nothing here is
computed; the query, transform and configuration modules read these tables.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final

from collectors.source import RetentionTier

# Services this collector knows, in the order a run visits them.
GCP_SERVICES: Final = ("cloud-functions", "cloud-run", "vertex-endpoint")

# Monitored resource type and the resource labels that identify one resource of each service. The
# project is the query's own project (``projects/{id}``), so it is not part of the identity labels.
RESOURCE_TYPES: Final = {
    "cloud-functions": "cloud_function",
    "cloud-run": "cloud_run_revision",
    "vertex-endpoint": "aiplatform.googleapis.com/Endpoint",
}
IDENTITY_LABELS: Final = {
    # (name label, region label)
    "cloud-functions": ("function_name", "region"),
    "cloud-run": ("service_name", "location"),
    "vertex-endpoint": ("endpoint_id", "location"),
}
# Resource label holding the project; Vertex's Endpoint resource has none we can filter on reliably
# (``resource_container`` may hold the project number), so its queries are not filtered by project.
PROJECT_LABEL: Final = {"cloud-functions": "project_id", "cloud-run": "project_id", "vertex-endpoint": None}

FUNCTIONS_PREFIX: Final = "cloudfunctions.googleapis.com/"
RUN_PREFIX: Final = "run.googleapis.com/"
VERTEX_PREFIX: Final = "aiplatform.googleapis.com/prediction/online/"

# "After sampling, data is not visible for up to N seconds" (Google's metric lists): Functions 240 s,
# Cloud Run 120 s, Vertex 120 s for counts and replicas and 360 s for CPU utilisation. The lag window
# re-read each run is at least this plus one sampling interval (60 s).
VISIBILITY_LAG_S: Final = {"cloud-functions": 240, "cloud-run": 120, "vertex-endpoint": 360}
SAMPLE_PERIOD_S: Final = 60

# ``ListTimeSeries`` limits: alignment periods are at least 60 s; a page holds at most 100,000 points.
MIN_ALIGNMENT_S: Final = 60
MAX_PAGE_SIZE: Final = 100_000

# Cloud Functions ``execution_count`` statuses: everything except "ok" is a failed execution.
FUNCTIONS_OK_STATUS: Final = "ok"
# Cloud Run ``request_count``: server errors are the ``5xx`` response code class.
RUN_ERROR_CODE_CLASS: Final = "5xx"
# Vertex ``prediction_latencies`` latency types. Only "total" is always present; "model" and
# "overhead" exist for custom-trained and AutoML tabular models.
LATENCY_MODEL: Final = "model"
LATENCY_OVERHEAD: Final = "overhead"
LATENCY_TOTAL: Final = "total"

NS_PER_MS: Final = 1_000_000.0
BYTES_PER_MIB: Final = 1024 * 1024  # the ``memory`` label of Cloud Functions is in MB as configured (MiB)

# Estimated API cost: Cloud Monitoring bills read calls by time series returned. The rate below is
# **unconfirmed** (Google's pricing page could not be read in full when this was written); it is a
# source setting (``api_cost_per_million_series``) so users can correct it, and docs/gcp.md says so.
DEFAULT_API_COST_PER_MILLION_SERIES: Final = 0.50

# REST endpoints for configuration (Cloud Run Admin API v2, Vertex AI API v1).
RUN_API_BASE: Final = "https://run.googleapis.com"
VERTEX_API_BASE_TEMPLATE: Final = "https://{location}-aiplatform.googleapis.com"
READ_ONLY_SCOPE: Final = "https://www.googleapis.com/auth/cloud-platform.read-only"
MONITORING_READ_SCOPE: Final = "https://www.googleapis.com/auth/monitoring.read"

# Cloud Run billing modes, in Google's words (Cloud Run docs, "Billing settings").
BILLING_REQUEST: Final = "request-based"
BILLING_INSTANCE: Final = "instance-based"
# Cloud Run Admin API v1 annotation that v2's ``cpuIdle`` replaced; honoured when present.
CPU_THROTTLING_ANNOTATION: Final = "run.googleapis.com/cpu-throttling"

# vCPUs of Compute Engine machine types used for Vertex AI prediction nodes. The
# ``<family>-(standard|highmem|highcpu)-<N>`` types have N vCPUs (Compute Engine naming); the
# accelerator-optimised types below do not follow that rule and are listed from Compute Engine's
# machine type tables. A type not matched here gets no CPU utilisation unless the source's override
# table gives ``vcpu`` for the endpoint.
NAMED_VCPU_FAMILIES: Final = ("n1", "n2", "n2d", "e2", "c2", "c2d", "c3", "c3d", "n4", "c4", "g2")
ACCELERATOR_MACHINE_VCPUS: Final = {
    "a2-highgpu-1g": 12,
    "a2-highgpu-2g": 24,
    "a2-highgpu-4g": 48,
    "a2-highgpu-8g": 96,
    "a2-megagpu-16g": 96,
    "a2-ultragpu-1g": 12,
    "a2-ultragpu-2g": 24,
    "a2-ultragpu-4g": 48,
    "a2-ultragpu-8g": 96,
    "a3-highgpu-8g": 208,
}

# The IAM permission behind each API operation the collectors call (counted in the run record as
# ``service:Operation``). deploy/gcp/breakeven-collector-role.yaml grants exactly these; a test checks it.
REQUIRED_PERMISSIONS: Final = {
    "monitoring:ListTimeSeries": "monitoring.timeSeries.list",
    "run:ListServices": "run.services.list",
    "aiplatform:ListEndpoints": "aiplatform.endpoints.list",
}

# Cloud Monitoring's retention policy could not be confirmed from Google's pages [UNCONFIRMED]: the collector
# assumes the widely quoted six weeks at one-minute resolution (one tier), so a backfill further back is
# clamped, with a note, rather than silently returning nothing.
RETENTION = (RetentionTier(timedelta(days=42), 60),)

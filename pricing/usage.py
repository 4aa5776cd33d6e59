"""Typed usage for each service, parsed from USAGE.json keys with one-line errors that name the key."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from common import limits
from common.services import SERVICE_PROVIDER
from common.units import MONTH_HOURS
from pricing.errors import UsageError

DEFAULT_REGION = {"aws": "us-east-1", "gcp": "us-central1"}
COMMON_KEYS = ("service", "region", "free_tier", "alternative")


@dataclass(frozen=True)
class ProvisionedUsage:
    """Provisioned concurrency: ``seconds`` it was enabled; ``requests`` it served at ``avg_duration_ms``."""

    concurrency: int
    seconds: float
    requests: float = 0
    avg_duration_ms: float = 0


@dataclass(frozen=True)
class LambdaUsage:
    memory_mb: float
    requests: float
    avg_duration_ms: float
    architecture: str = "x86_64"
    ephemeral_storage_mb: float = 512
    provisioned: ProvisionedUsage | None = None
    region: str = "us-east-1"
    free_tier: bool = False
    service: str = "lambda"


@dataclass(frozen=True)
class SageMakerEndpointUsage:
    """Instance-hours; the optional traffic keys let ``compare`` model the FaaS alternative."""

    instance_type: str
    instance_count: float = 1
    hours: float = MONTH_HOURS
    requests: float | None = None
    avg_duration_ms: float | None = None
    memory_used_mb: float | None = None
    payload_kb: float | None = None
    region: str = "us-east-1"
    free_tier: bool = False
    service: str = "sagemaker-endpoint"


@dataclass(frozen=True)
class SageMakerServerlessUsage:
    memory_mb: float
    requests: float
    avg_duration_ms: float
    data_in_gb: float = 0
    data_out_gb: float = 0
    region: str = "us-east-1"
    free_tier: bool = False
    service: str = "sagemaker-serverless"


@dataclass(frozen=True)
class CloudFunctionsUsage:
    """``rounded``: ``avg_duration_ms`` is already the billed duration per request (each request rounded up
    to 100 ms, e.g. by the replay engine); else the average is rounded, which understates the bill."""

    memory_mb: float
    requests: float
    avg_duration_ms: float
    egress_gb: float = 0
    region: str = "us-central1"
    free_tier: bool = False
    service: str = "cloud-functions"
    rounded: bool = False


@dataclass(frozen=True)
class CloudRunUsage:
    billable_instance_seconds: float
    billing: str = "request"
    vcpu: float = 1
    memory_gib: float = 0.5
    requests: float = 0
    avg_duration_ms: float | None = None
    idle_min_instance_seconds: float = 0
    region: str = "us-central1"
    free_tier: bool = False
    service: str = "cloud-run"


@dataclass(frozen=True)
class VertexEndpointUsage:
    machine_type: str
    replicas: float = 1
    hours: float = MONTH_HOURS
    requests: float | None = None
    avg_duration_ms: float | None = None
    memory_used_mb: float | None = None
    payload_kb: float | None = None
    region: str = "us-central1"
    free_tier: bool = False
    service: str = "vertex-endpoint"


@dataclass(frozen=True)
class AlternativeSpec:
    """Fixes the alternative ``compare`` models: a service and, for endpoints, the type and count."""

    service: str
    instance_type: str = ""
    instance_count: int | None = None


Usage = (
    LambdaUsage
    | SageMakerEndpointUsage
    | SageMakerServerlessUsage
    | CloudFunctionsUsage
    | CloudRunUsage
    | VertexEndpointUsage
)


def _number(key: str, value: Any, low: float = 0.0, high: float = math.inf, integer: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise UsageError(key, f"must be a number (got {value!r})")
    if integer and value != int(value):
        raise UsageError(key, f"must be a whole number (got {value!r})")
    if value < low:
        raise UsageError(
            key, f"must be at least {low:g} (got {value:g})" if low else f"must not be negative (got {value:g})"
        )
    if value > high:
        raise UsageError(key, f"must be at most {high:g} (got {value:g})")
    return int(value) if integer else value


def _choice(key: str, value: Any, choices: tuple) -> Any:
    if value not in choices:
        shown = ", ".join(str(c) for c in choices)
        raise UsageError(key, f"must be one of {shown} (got {value!r})")
    return value


Check = Callable[[str, Any], Any]


def _num(low: float = 0.0, high: float = math.inf, integer: bool = False) -> Check:
    return lambda key, value: _number(key, value, low, high, integer)


def _one_of(*choices: Any) -> Check:
    return lambda key, value: _choice(key, value, choices)


def _text(key: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise UsageError(key, f"must be a non-empty string (got {value!r})")
    return value


# Per service: key -> (check, required).
_FIELDS: dict[str, dict[str, tuple[Check, bool]]] = {
    "lambda": {
        "memory_mb": (_num(*limits.LAMBDA_MEMORY_MB), True),
        "requests": (_num(), True),
        "avg_duration_ms": (_num(), True),
        "architecture": (_one_of(*limits.ARCHITECTURES), False),
        "ephemeral_storage_mb": (_num(*limits.LAMBDA_EPHEMERAL_MB), False),
        "provisioned": (lambda key, value: _provisioned(key, value), False),
    },
    "sagemaker-endpoint": {
        "instance_type": (_text, True),
        "instance_count": (_num(), False),
        "hours": (_num(), False),
        "requests": (_num(), False),
        "avg_duration_ms": (_num(), False),
        "memory_used_mb": (_num(), False),
        "payload_kb": (_num(), False),
    },
    "sagemaker-serverless": {
        "memory_mb": (_one_of(*limits.SERVERLESS_MEMORY_MB), True),
        "requests": (_num(), True),
        "avg_duration_ms": (_num(), True),
        "data_in_gb": (_num(), False),
        "data_out_gb": (_num(), False),
    },
    "cloud-functions": {
        "memory_mb": (_one_of(*limits.GCF_MEMORY_MB), True),
        "requests": (_num(), True),
        "avg_duration_ms": (_num(), True),
        "egress_gb": (_num(), False),
    },
    "cloud-run": {
        "billing": (_one_of(*limits.CLOUD_RUN_BILLING), False),
        "vcpu": (_num(low=0.08, high=8), False),
        "memory_gib": (_num(low=0.125, high=32), False),
        "requests": (_num(), False),
        "avg_duration_ms": (_num(), False),
        "billable_instance_seconds": (_num(), True),
        "idle_min_instance_seconds": (_num(), False),
    },
    "vertex-endpoint": {
        "machine_type": (_text, True),
        "replicas": (_num(), False),
        "hours": (_num(), False),
        "requests": (_num(), False),
        "avg_duration_ms": (_num(), False),
        "memory_used_mb": (_num(), False),
        "payload_kb": (_num(), False),
    },
}
_CLASSES: dict[str, type] = {
    "lambda": LambdaUsage,
    "sagemaker-endpoint": SageMakerEndpointUsage,
    "sagemaker-serverless": SageMakerServerlessUsage,
    "cloud-functions": CloudFunctionsUsage,
    "cloud-run": CloudRunUsage,
    "vertex-endpoint": VertexEndpointUsage,
}


def _provisioned(key: str, value: Any) -> ProvisionedUsage:
    if not isinstance(value, Mapping):
        raise UsageError(key, "must be an object with concurrency, seconds, requests, avg_duration_ms")
    allowed = {"concurrency", "seconds", "requests", "avg_duration_ms"}
    _reject_unknown(value, allowed, prefix=f"{key}.")
    for required in ("concurrency", "seconds"):
        if required not in value:
            raise UsageError(f"{key}.{required}", "missing key")
    requests = _number(f"{key}.requests", value.get("requests", 0))
    if requests and "avg_duration_ms" not in value:
        raise UsageError(f"{key}.avg_duration_ms", "missing key (needed when provisioned requests > 0)")
    return ProvisionedUsage(
        concurrency=int(_number(f"{key}.concurrency", value["concurrency"], integer=True)),
        seconds=_number(f"{key}.seconds", value["seconds"]),
        requests=requests,
        avg_duration_ms=_number(f"{key}.avg_duration_ms", value.get("avg_duration_ms", 0)),
    )


def _reject_unknown(data: Mapping[str, Any], allowed: set[str], prefix: str = "") -> None:
    for key in data:
        if key not in allowed:
            raise UsageError(f"{prefix}{key}", f"unknown key (allowed: {', '.join(sorted(allowed))})")


def parse_alternative(value: Any) -> AlternativeSpec:
    if not isinstance(value, Mapping):
        raise UsageError("alternative", "must be an object with service and instance_type/machine_type")
    _reject_unknown(value, {"service", "instance_type", "machine_type", "instance_count"}, prefix="alternative.")
    if "service" not in value:
        raise UsageError("alternative.service", "missing key")
    service = _choice("alternative.service", value["service"], tuple(_FIELDS))
    instance_type = value.get("instance_type") or value.get("machine_type") or ""
    count = value.get("instance_count")
    if count is not None:
        count = int(_number("alternative.instance_count", count, low=1, integer=True))
    return AlternativeSpec(service, instance_type, count)


def parse_usage(data: Any) -> Usage:
    """Validate a USAGE.json object (flat keys, or the service's keys nested under its name)."""
    if not isinstance(data, Mapping):
        raise UsageError("usage", "must be a JSON object")
    if "service" not in data:
        raise UsageError("service", "missing key")
    service = _choice("service", data["service"], tuple(_FIELDS))
    flat = dict(data)
    nested = flat.pop(service, None)
    if nested is not None:
        if not isinstance(nested, Mapping):
            raise UsageError(service, "must be an object of the service's keys")
        clash = sorted(set(nested) & set(flat))
        if clash:
            raise UsageError(clash[0], f"given both at the top level and under {service!r}")
        flat.update(nested)
    fields = _FIELDS[service]
    _reject_unknown(flat, set(fields) | set(COMMON_KEYS))
    kwargs: dict[str, Any] = {}
    for key, (check, required) in fields.items():
        if key in flat and flat[key] is not None:
            kwargs[key] = check(key, flat[key])
        elif required:
            raise UsageError(key, "missing key")
    region = flat.get("region", DEFAULT_REGION[SERVICE_PROVIDER[service]])
    kwargs["region"] = _text("region", region)
    free_tier = flat.get("free_tier", False)
    if not isinstance(free_tier, bool):
        raise UsageError("free_tier", f"must be true or false (got {free_tier!r})")
    kwargs["free_tier"] = free_tier
    usage = _CLASSES[service](**kwargs)
    _cross_checks(usage)
    return usage


def _cross_checks(usage: Usage) -> None:
    if isinstance(usage, LambdaUsage) and usage.provisioned and usage.provisioned.requests > usage.requests:
        raise UsageError("provisioned.requests", "cannot exceed requests (requests counts all billed requests)")
    if isinstance(usage, CloudRunUsage) and usage.billing == "instance" and usage.idle_min_instance_seconds:
        raise UsageError("idle_min_instance_seconds", "only applies to request-based billing")

"""Inventory: Lambda functions and SageMaker endpoints, as the records the store keeps.

Read with list/describe calls only (free control-plane APIs). A resource's configuration is stored as
a ``ConfigRecord`` observed at the run's time; the store skips a snapshot equal to the one in effect,
so the configuration history only grows when something changed. Endpoints (and functions or serverless
endpoints with provisioned concurrency) also get an ``EndpointSnapshot`` per run, from which
``collectors.timeline`` derives ``instances_avg`` and ``provisioned_concurrency`` between runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from collectors.aws.clients import describe_error, error_code
from collectors.aws.constants import ML_INSTANCE_ACCELERATORS, ML_INSTANCE_VCPUS
from common.timeutil import naive_utc


@dataclass(frozen=True)
class ProvisionedConcurrency:
    qualifier: str  # alias or version
    allocated: int
    requested: int
    status: str


@dataclass
class LambdaFunction:
    name: str
    memory_mb: int | None
    architecture: str
    ephemeral_storage_mb: int | None
    timeout_s: int | None
    package_type: str | None
    runtime: str | None
    log_group: str
    snap_start: bool
    provisioned: list[ProvisionedConcurrency] | None = None  # None: not read (disabled or failed)
    # When its configuration last changed (naive UTC): the function surely existed then. Lambda gives no
    # creation time, so this is the earliest moment the listing proves; None when absent or unreadable.
    last_modified: datetime | None = None

    @property
    def provisioned_total(self) -> int | None:
        if self.provisioned is None:
            return None
        return sum(p.allocated for p in self.provisioned)


@dataclass(frozen=True)
class Variant:
    name: str
    instance_type: str | None
    current_instance_count: int | None
    desired_instance_count: int | None
    serverless_memory_mb: int | None = None
    serverless_max_concurrency: int | None = None
    serverless_provisioned_concurrency: int | None = None

    @property
    def serverless(self) -> bool:
        return self.serverless_memory_mb is not None


@dataclass
class SageMakerEndpoint:
    name: str
    status: str
    config_name: str | None
    created_at: datetime | None
    last_modified_at: datetime | None
    variants: list[Variant] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def service(self) -> str:
        if self.variants and all(v.serverless for v in self.variants):
            return "sagemaker-serverless"
        return "sagemaker-endpoint"

    @property
    def instance_count(self) -> int:
        return sum(v.current_instance_count or 0 for v in self.variants if not v.serverless)

    @property
    def provisioned_concurrency(self) -> int:
        return sum(v.serverless_provisioned_concurrency or 0 for v in self.variants if v.serverless)


def _lambda_time(text: Any) -> datetime | None:
    """Lambda's ``LastModified`` (``2026-11-01T00:00:00.000+0000``) as naive UTC; None if unreadable."""
    try:
        parsed = datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return naive_utc(parsed)


def list_lambda_functions(client: Any) -> list[LambdaFunction]:
    functions = []
    for page in client.get_paginator("list_functions").paginate():
        for f in page.get("Functions", []):
            arch = (f.get("Architectures") or ["x86_64"])[0]
            logging_config = f.get("LoggingConfig") or {}
            snap = (f.get("SnapStart") or {}).get("ApplyOn") == "PublishedVersions"
            functions.append(
                LambdaFunction(
                    name=f["FunctionName"],
                    memory_mb=f.get("MemorySize"),
                    architecture=arch,
                    ephemeral_storage_mb=(f.get("EphemeralStorage") or {}).get("Size"),
                    timeout_s=f.get("Timeout"),
                    package_type=f.get("PackageType"),
                    runtime=f.get("Runtime"),
                    log_group=logging_config.get("LogGroup") or f"/aws/lambda/{f['FunctionName']}",
                    snap_start=snap,
                    last_modified=_lambda_time(f.get("LastModified")),
                )
            )
    return functions


def read_provisioned_concurrency(client: Any, functions: list[LambdaFunction]) -> list[str]:
    """Fill ``provisioned`` per function; returns one line per function that could not be read."""
    failures = []
    for fn in functions:
        try:
            configs = []
            for page in client.get_paginator("list_provisioned_concurrency_configs").paginate(FunctionName=fn.name):
                for c in page.get("ProvisionedConcurrencyConfigs", []):
                    qualifier = c.get("FunctionArn", "").rsplit(":", 1)[-1]
                    configs.append(
                        ProvisionedConcurrency(
                            qualifier=qualifier,
                            allocated=int(c.get("AllocatedProvisionedConcurrentExecutions") or 0),
                            requested=int(c.get("RequestedProvisionedConcurrentExecutions") or 0),
                            status=c.get("Status", "UNKNOWN"),
                        )
                    )
            fn.provisioned = configs
        except Exception as exc:
            failures.append(f"{fn.name}: {describe_error(exc)}")
    return failures


def _variants_from(endpoint: dict[str, Any], config: dict[str, Any] | None) -> list[Variant]:
    configured = {v["VariantName"]: v for v in (config or {}).get("ProductionVariants", [])}
    variants = []
    for summary in endpoint.get("ProductionVariants", []):
        spec = configured.get(summary["VariantName"], {})
        serverless = summary.get("CurrentServerlessConfig") or spec.get("ServerlessConfig")
        variants.append(
            Variant(
                name=summary["VariantName"],
                instance_type=spec.get("InstanceType"),
                current_instance_count=summary.get("CurrentInstanceCount"),
                desired_instance_count=summary.get("DesiredInstanceCount"),
                serverless_memory_mb=serverless.get("MemorySizeInMB") if serverless else None,
                serverless_max_concurrency=serverless.get("MaxConcurrency") if serverless else None,
                serverless_provisioned_concurrency=serverless.get("ProvisionedConcurrency") if serverless else None,
            )
        )
    if not variants:  # an endpoint still Creating may have no summaries yet: fall back to the config
        for name, spec in configured.items():
            serverless = spec.get("ServerlessConfig")
            variants.append(
                Variant(
                    name=name,
                    instance_type=spec.get("InstanceType"),
                    current_instance_count=None,
                    desired_instance_count=spec.get("InitialInstanceCount"),
                    serverless_memory_mb=serverless.get("MemorySizeInMB") if serverless else None,
                    serverless_max_concurrency=serverless.get("MaxConcurrency") if serverless else None,
                    serverless_provisioned_concurrency=serverless.get("ProvisionedConcurrency") if serverless else None,
                )
            )
    return variants


def list_sagemaker_endpoints(client: Any) -> list[SageMakerEndpoint]:
    """ListEndpoints, then DescribeEndpoint each and DescribeEndpointConfig once per config name."""
    configs: dict[str, dict[str, Any] | None] = {}
    endpoints = []
    for page in client.get_paginator("list_endpoints").paginate():
        for item in page.get("Endpoints", []):
            name = item["EndpointName"]
            problems: list[str] = []
            try:
                described = client.describe_endpoint(EndpointName=name)
            except Exception as exc:
                if error_code(exc) == "ValidationException":  # deleted between the list and the describe
                    continue
                raise
            config_name = described.get("EndpointConfigName")
            if config_name and config_name not in configs:
                try:
                    configs[config_name] = client.describe_endpoint_config(EndpointConfigName=config_name)
                except Exception as exc:
                    configs[config_name] = None
                    problems.append(f"endpoint config {config_name}: {describe_error(exc)}")
            endpoints.append(
                SageMakerEndpoint(
                    name=name,
                    status=described.get("EndpointStatus", item.get("EndpointStatus", "Unknown")),
                    config_name=config_name,
                    created_at=naive_utc(described["CreationTime"]) if described.get("CreationTime") else None,
                    last_modified_at=naive_utc(described["LastModifiedTime"])
                    if described.get("LastModifiedTime")
                    else None,
                    variants=_variants_from(described, configs.get(config_name) if config_name else None),
                    problems=problems,
                )
            )
    return endpoints


def lambda_config_values(fn: LambdaFunction) -> dict[str, Any]:
    values: dict[str, Any] = {
        "memory_mb": fn.memory_mb,
        "architecture": fn.architecture,
        "ephemeral_storage_mb": fn.ephemeral_storage_mb,
        "timeout_s": fn.timeout_s,
        "package_type": fn.package_type,
        "billing_mode": "provisioned-concurrency" if fn.provisioned_total else "on-demand",
    }
    if fn.provisioned is not None:
        values["provisioned_concurrency"] = fn.provisioned_total
    else:
        values.pop("billing_mode")
    return values


def endpoint_config_values(ep: SageMakerEndpoint) -> tuple[dict[str, Any], list[str]]:
    """Configuration columns, and notes on what could not be determined (mixed variants, unknown types)."""
    notes: list[str] = []
    values: dict[str, Any] = {"status": ep.status}
    if ep.service == "sagemaker-serverless":
        variant = ep.variants[0]
        values.update(
            memory_mb=variant.serverless_memory_mb,
            max_concurrency=sum(v.serverless_max_concurrency or 0 for v in ep.variants),
            provisioned_concurrency=ep.provisioned_concurrency,
            billing_mode="serverless",
        )
        if len({v.serverless_memory_mb for v in ep.variants}) > 1:
            notes.append(f"{ep.name}: variants have different serverless memory sizes; memory_mb is the first's")
        return values, notes
    types = sorted({v.instance_type for v in ep.variants if v.instance_type})
    values["instance_count"] = ep.instance_count
    values["billing_mode"] = "instance-hours"
    if len(types) == 1:
        instance_type = types[0]
        values["instance_type"] = instance_type
        if instance_type in ML_INSTANCE_VCPUS:
            values["vcpu"] = float(ML_INSTANCE_VCPUS[instance_type])
            accel = ML_INSTANCE_ACCELERATORS.get(instance_type)
            values["accelerator_type"], values["accelerator_count"] = accel if accel else (None, 0)
        else:
            notes.append(f"{ep.name}: vCPU and accelerator counts of {instance_type} are not in the collector's table")
    elif types:
        values["instance_type"] = ",".join(types)
        notes.append(f"{ep.name}: variants use different instance types ({', '.join(types)})")
    else:
        notes.append(f"{ep.name}: instance type unknown (endpoint config unreadable)")
    return values, notes

"""``compare``: price the current usage and model its alternatives from a flat aggregate (USAGE.json)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from common.units import MONTH_HOURS
from pricing.alternatives import endpoint_to_faas, faas_to_endpoint, to_serverless
from pricing.assumptions import AlternativeResult
from pricing.book import PriceBook
from pricing.breakeven import BreakEvenResult, break_even
from pricing.errors import UsageError
from pricing.estimate import estimate
from pricing.hybrid import hybrid
from pricing.lines import Estimate
from pricing.series import UsageSeries, flat_series
from pricing.targets import EndpointConfig, FaasConfig, endpoint_for, faas_for
from pricing.usage import (
    AlternativeSpec,
    CloudFunctionsUsage,
    CloudRunUsage,
    LambdaUsage,
    SageMakerEndpointUsage,
    SageMakerServerlessUsage,
    Usage,
    VertexEndpointUsage,
    parse_alternative,
    parse_usage,
)

EndpointUsage = SageMakerEndpointUsage | VertexEndpointUsage


@dataclass(frozen=True)
class Comparison:
    current: Estimate
    alternatives: tuple[AlternativeResult, ...]
    break_even: BreakEvenResult | None
    break_even_reason: str = ""

    @property
    def break_even_requests_per_month(self) -> float | None:
        return None if self.break_even is None else self.break_even.requests_per_month

    def to_dict(self) -> dict[str, Any]:
        requests = self.break_even_requests_per_month
        return {
            "current": self.current.to_dict(),
            "alternatives": [alternative.to_dict() for alternative in self.alternatives],
            "break_even_requests_per_month": None if requests is None else round(requests),
            "break_even": None if self.break_even is None else self.break_even.to_dict(),
            "break_even_reason": self.break_even_reason,
        }


def parse_compare_input(data: Any) -> tuple[Usage, AlternativeSpec | None]:
    usage = parse_usage(data)
    spec = data.get("alternative") if isinstance(data, Mapping) else None
    return usage, (parse_alternative(spec) if spec is not None else None)


def compare(usage: Usage, book: PriceBook, alternative: AlternativeSpec | None = None) -> Comparison:
    """The current cost, modelled alternatives (each with assumptions and feasibility) and the break-even."""
    current = estimate(usage, book)
    if alternative is not None and alternative.service == usage.service:
        raise UsageError("alternative.service", f"is the current service ({usage.service}); pick another")
    if isinstance(usage, EndpointUsage):
        return _from_endpoint(usage, book, current, alternative)
    return _from_per_request(usage, book, current, alternative)


def _per_request_side(usage: Usage) -> tuple[FaasConfig, float, float]:
    """The usage as a per-request configuration plus its monthly requests and mean billed duration."""
    region, free = usage.region, usage.free_tier
    if isinstance(usage, LambdaUsage):
        faas = FaasConfig("lambda", region, usage.memory_mb, usage.architecture, None, usage.ephemeral_storage_mb, free)
        provisioned = usage.provisioned
        total_ms = (usage.requests - (provisioned.requests if provisioned else 0)) * usage.avg_duration_ms
        total_ms += provisioned.requests * provisioned.avg_duration_ms if provisioned else 0
        return faas, usage.requests, total_ms / usage.requests if usage.requests else usage.avg_duration_ms
    if isinstance(usage, CloudFunctionsUsage):
        return (
            FaasConfig("cloud-functions", region, usage.memory_mb, free_tier=free),
            usage.requests,
            usage.avg_duration_ms,
        )
    if isinstance(usage, SageMakerServerlessUsage):
        return (
            FaasConfig("sagemaker-serverless", region, usage.memory_mb, free_tier=free),
            usage.requests,
            usage.avg_duration_ms,
        )
    assert isinstance(usage, CloudRunUsage)
    duration = usage.avg_duration_ms
    if duration is None:
        duration = usage.billable_instance_seconds * 1000 / usage.requests if usage.requests else 0.0
    return (
        FaasConfig("cloud-run", region, usage.memory_gib * 1024, vcpu=usage.vcpu, free_tier=free),
        usage.requests,
        duration,
    )


def _from_per_request(usage: Usage, book: PriceBook, current: Estimate, spec: AlternativeSpec | None) -> Comparison:
    faas, requests, duration_ms = _per_request_side(usage)
    series = flat_series(requests, duration_ms)
    wanted = spec.service if spec else None
    endpoint = EndpointConfig(
        endpoint_for(usage.service),
        usage.region,
        spec.instance_type if spec else "",
        spec.instance_count if spec else None,
    )
    modelled = {endpoint.service}
    if usage.service == "lambda":
        modelled.add("sagemaker-serverless")
    if usage.service == "sagemaker-serverless":
        modelled.add("lambda")
    if wanted and wanted not in modelled:
        raise UsageError(
            "alternative.service", f"cannot model {wanted} from {usage.service}; choose {' or '.join(sorted(modelled))}"
        )
    alternatives: list[AlternativeResult] = []
    to_endpoint = faas_to_endpoint(series, book, faas, endpoint)
    if wanted in (None, endpoint.service):
        alternatives.append(to_endpoint)
    if usage.service == "sagemaker-serverless" and wanted in (None, "lambda"):
        alternatives.append(
            endpoint_to_faas(
                series,
                book,
                "lambda",
                usage.region,
                None,
                memory_mb=faas.memory_mb,
                free_tier=usage.free_tier,
                init_ms=0,
            )
        )
    if usage.service == "lambda" and wanted in (None, "sagemaker-serverless"):
        alternatives.append(to_serverless(series, book, usage.region, memory_used_mb=faas.memory_mb, memory_headroom=1))
    if wanted is None and usage.service != "sagemaker-serverless":
        alternatives.append(hybrid(series, book, faas, EndpointConfig(endpoint.service, usage.region)))
    if to_endpoint.estimate is None:
        return Comparison(current, tuple(alternatives), None, to_endpoint.reason)
    chosen = EndpointConfig(
        endpoint.service, usage.region, to_endpoint.assumption("instance_type"), endpoint.instance_count
    )
    return Comparison(current, tuple(alternatives), break_even(book, faas, chosen, duration_ms))


def _from_endpoint(
    usage: EndpointUsage, book: PriceBook, current: Estimate, spec: AlternativeSpec | None
) -> Comparison:
    is_aws = isinstance(usage, SageMakerEndpointUsage)
    machine = usage.instance_type if is_aws else usage.machine_type
    count = usage.instance_count if is_aws else usage.replicas
    instance = book.machines.get(machine)
    target = spec.service if spec else faas_for(usage.service)
    allowed = ("lambda", "sagemaker-serverless") if is_aws else ("cloud-functions",)
    if target not in allowed:
        raise UsageError("alternative.service", f"cannot model {target} from {usage.service}")
    if usage.requests is None or usage.avg_duration_ms is None:
        reason = "add requests and avg_duration_ms to the usage to model per-request alternatives"
        alternatives = tuple(
            AlternativeResult(
                service, "faas" if service != "sagemaker-serverless" else "serverless-endpoint", False, reason, ()
            )
            for service in ((target,) if spec else allowed)
        )
        return Comparison(current, alternatives, None, reason)
    monthly_requests = usage.requests * MONTH_HOURS / usage.hours if usage.hours else usage.requests
    series: UsageSeries = flat_series(monthly_requests, usage.avg_duration_ms)
    alternatives = []
    if target != "sagemaker-serverless" or not spec:
        alternatives.append(
            endpoint_to_faas(
                series,
                book,
                allowed[0],
                usage.region,
                instance,
                memory_used_mb=usage.memory_used_mb,
                payload_kb=usage.payload_kb,
                free_tier=usage.free_tier,
            )
        )
    if is_aws and target in ("sagemaker-serverless", "lambda") and (not spec or target == "sagemaker-serverless"):
        alternatives.append(
            to_serverless(series, book, usage.region, instance=instance, memory_used_mb=usage.memory_used_mb)
        )
    faas_alternative = next((a for a in alternatives if a.pattern == "faas"), None)
    if faas_alternative is not None and not faas_alternative.feasible:
        return Comparison(current, tuple(alternatives), None, f"no break-even: {faas_alternative.reason}")
    memory = faas_alternative.assumption("memory_mb") if faas_alternative else 1769.0
    faas = FaasConfig(allowed[0], usage.region, memory, free_tier=usage.free_tier)
    endpoint = EndpointConfig(usage.service, usage.region, machine, max(1, math.ceil(count)))
    return Comparison(current, tuple(alternatives), break_even(book, faas, endpoint, usage.avg_duration_ms))

"""The two sides every alternative model prices: a per-request service and an always-on endpoint.

Both reuse the service estimators, so a modelled cost is built from the same priced lines as a bill.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from common import limits
from common.services import ENDPOINT_FOR, FAAS_FOR, SERVICE_PROVIDER
from common.units import MONTH_HOURS
from pricing.book import MachineSpec, Price, PriceBook
from pricing.errors import UsageError
from pricing.estimate import estimate
from pricing.gcp import gcf_ghz
from pricing.lines import Estimate
from pricing.usage import (
    CloudFunctionsUsage,
    CloudRunUsage,
    LambdaUsage,
    SageMakerEndpointUsage,
    SageMakerServerlessUsage,
    VertexEndpointUsage,
)

PER_REQUEST_SERVICES = ("lambda", "cloud-functions", "cloud-run", "sagemaker-serverless")
ENDPOINT_SERVICES = ("sagemaker-endpoint", "vertex-endpoint")


@dataclass(frozen=True)
class FaasConfig:
    """A per-request service configuration: Lambda, Cloud Functions gen1, Cloud Run or SageMaker Serverless.

    Cloud Run is modelled as request-based billing with one request per instance at a time.
    """

    service: str
    region: str
    memory_mb: float
    architecture: str = "x86_64"
    vcpu: float | None = None
    ephemeral_storage_mb: float = 512
    free_tier: bool = False

    def __post_init__(self) -> None:
        if self.service not in PER_REQUEST_SERVICES:
            raise UsageError("service", f"{self.service!r} is not a per-request service")

    def vcpu_share(self, book: PriceBook) -> float:
        """vCPUs one request gets: Lambda 1 per 1,769 MB; Cloud Functions by its memory->GHz table."""
        if self.vcpu is not None:
            return self.vcpu
        if self.service == "cloud-functions":
            return gcf_ghz(book, self.memory_mb) / book.fact("cloud-functions", "ghz_per_vcpu")
        return self.memory_mb / limits.LAMBDA_MB_PER_VCPU

    def cost(self, book: PriceBook, requests: float, avg_duration_ms: float) -> Estimate:
        """What ``requests`` at ``avg_duration_ms`` (billed) cost on this service."""
        if self.service == "lambda":
            usage = LambdaUsage(
                self.memory_mb,
                requests,
                avg_duration_ms,
                self.architecture,
                self.ephemeral_storage_mb,
                None,
                self.region,
                self.free_tier,
            )
        elif self.service == "cloud-functions":
            usage = CloudFunctionsUsage(self.memory_mb, requests, avg_duration_ms, 0.0, self.region, self.free_tier)
        elif self.service == "cloud-run":
            seconds = requests * avg_duration_ms / 1000
            usage = CloudRunUsage(
                seconds,
                "request",
                self.vcpu or 1.0,
                self.memory_mb / 1024,
                requests,
                avg_duration_ms,
                0.0,
                self.region,
                self.free_tier,
            )
        else:
            usage = SageMakerServerlessUsage(
                self.memory_mb, requests, avg_duration_ms, 0.0, 0.0, self.region, self.free_tier
            )
        return estimate(usage, book)

    def cost_per_request_usd(self, book: PriceBook, avg_duration_ms: float) -> float:
        """Marginal first-tier cost of one request (exact, free tier ignored)."""
        probe = 1_000_000.0
        return replace(self, free_tier=False).cost(book, probe, avg_duration_ms).total_exact_usd / probe


@dataclass(frozen=True)
class EndpointConfig:
    """An always-on endpoint: SageMaker real-time or Vertex AI. Empty ``instance_type`` = cheapest feasible."""

    service: str
    region: str
    instance_type: str = ""
    instance_count: int | None = None

    def __post_init__(self) -> None:
        if self.service not in ENDPOINT_SERVICES:
            raise UsageError("service", f"{self.service!r} is not an endpoint service")

    def candidates(self, book: PriceBook) -> list[tuple[MachineSpec, Price]]:
        """Priced machine types to choose from, cheapest first (only the fixed one when fixed)."""
        book.check_region(self.service, self.region)
        pairs = book.machine_types(self.service, self.region)
        if self.instance_type:
            pairs = [pair for pair in pairs if pair[0].name == self.instance_type]
            if not pairs:
                key = "instance_type" if self.service == "sagemaker-endpoint" else "machine_type"
                known = ", ".join(spec.name for spec, _ in book.machine_types(self.service, self.region))
                raise UsageError(
                    key, f"{self.instance_type!r} has no {self.service} price in {self.region}; known: {known}"
                )
        return pairs

    def cost(self, book: PriceBook, instance_type: str, instance_hours: float) -> Estimate:
        """Instance-hours of one type (count × hours folded into ``instance_hours``)."""
        if self.service == "sagemaker-endpoint":
            usage = SageMakerEndpointUsage(instance_type, 1, instance_hours, region=self.region)
        else:
            usage = VertexEndpointUsage(instance_type, 1, instance_hours, region=self.region)
        return estimate(usage, book)

    def monthly_cost(self, book: PriceBook, instance_type: str, count: float) -> Estimate:
        return self.cost(book, instance_type, count * MONTH_HOURS)


def slots_per_instance(spec: MachineSpec, vcpu_share: float, memory_mb: float) -> float:
    """Concurrent requests one instance carries at the function's per-request duration.

    CPU bound: the instance's vCPUs divided by the vCPU share each request had on the FaaS platform.
    Memory bound: each concurrent request is given the function's memory. The smaller bound wins.
    """
    by_cpu = spec.vcpu / vcpu_share if vcpu_share > 0 else math.inf
    by_memory = spec.memory_gib * 1024 / memory_mb if memory_mb > 0 else math.inf
    return min(by_cpu, by_memory)


def endpoint_for(service: str) -> str:
    return ENDPOINT_FOR[SERVICE_PROVIDER[service]]


def faas_for(service: str) -> str:
    return FAAS_FOR[SERVICE_PROVIDER[service]]

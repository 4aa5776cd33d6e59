"""Break-even: the monthly requests at which a per-request service costs what an always-on endpoint costs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from common.units import MONTH_SECONDS
from pricing.assumptions import Assumption, find_assumption
from pricing.book import PriceBook
from pricing.targets import EndpointConfig, FaasConfig, slots_per_instance

_UPPER_LIMIT = 1e16


@dataclass(frozen=True)
class BreakEvenResult:
    """``requests_per_month`` is None when FaaS stays cheaper at any volume the search reaches."""

    requests_per_month: float | None
    endpoint_monthly_usd: float
    faas_usd_per_request: float
    endpoint_capacity_requests_per_month: float
    curve: tuple[dict[str, float], ...]
    assumptions: tuple[Assumption, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)

    def assumption(self, name: str) -> Any:
        return find_assumption(self.assumptions, name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "requests_per_month": None if self.requests_per_month is None else round(self.requests_per_month),
            "endpoint_monthly_usd": round(self.endpoint_monthly_usd, 2),
            "faas_usd_per_request": self.faas_usd_per_request,
            "endpoint_capacity_requests_per_month": round(self.endpoint_capacity_requests_per_month),
            "curve": list(self.curve),
            "assumptions": [a.to_dict() for a in self.assumptions],
            "notes": list(self.notes),
        }


def break_even(
    book: PriceBook,
    faas: FaasConfig,
    endpoint: EndpointConfig,
    avg_duration_ms: float,
    *,
    target_utilization: float = 0.7,
    points: int = 41,
    max_requests: float | None = None,
) -> BreakEvenResult:
    """Solve faas_cost(R) = endpoint_cost for R by bisection (FaaS cost is continuous and increasing in R,
    tiers included); the endpoint is ``instance_count`` (default 1) instances of its type, always on."""
    spec, _ = endpoint.candidates(book)[0]
    count = endpoint.instance_count or 1
    endpoint_usd = endpoint.monthly_cost(book, spec.name, count).total_exact_usd

    def faas_usd(requests: float) -> float:
        return faas.cost(book, requests, avg_duration_ms).total_exact_usd

    solution: float | None = None
    high = 1e6
    while faas_usd(high) < endpoint_usd and high < _UPPER_LIMIT:
        high *= 4
    if faas_usd(high) >= endpoint_usd:
        low = 0.0
        for _ in range(200):
            middle = (low + high) / 2
            low, high = (middle, high) if faas_usd(middle) < endpoint_usd else (low, middle)
            if high - low <= max(1e-9 * high, 0.5):
                break
        solution = (low + high) / 2
    slots = slots_per_instance(spec, faas.vcpu_share(book), faas.memory_mb)
    capacity = count * slots * target_utilization * MONTH_SECONDS / (avg_duration_ms / 1000) if avg_duration_ms else 0.0
    top = max_requests or max(2 * (solution or capacity or 1e6), 1.0)
    curve = tuple(
        {
            "requests_per_month": round(top * i / (points - 1)),
            "faas_usd": round(faas_usd(top * i / (points - 1)), 2),
            "endpoint_usd": round(endpoint_usd, 2),
        }
        for i in range(points)
    )
    notes = []
    if solution is not None and solution > capacity:
        notes.append(
            f"break-even lies beyond what {count} x {spec.name} can carry ({capacity:,.0f} requests/month "
            f"at {target_utilization:.0%} utilisation): more instances would be needed there"
        )
    if faas.free_tier:
        notes.append("free tier included in the FaaS cost")
    assumptions = (
        Assumption("avg_duration_ms", avg_duration_ms, "ms", "billed duration per request"),
        Assumption("faas_memory_mb", faas.memory_mb, "MB", f"{faas.service} memory"),
        Assumption("instance_type", spec.name, "", f"{endpoint.service} instance type"),
        Assumption("instance_count", count, "instances", "always on for 730 hours"),
        Assumption("target_utilization", target_utilization, "fraction", "used only for the endpoint's capacity"),
    )
    return BreakEvenResult(
        solution,
        endpoint_usd,
        faas.cost_per_request_usd(book, avg_duration_ms),
        capacity,
        curve,
        assumptions,
        tuple(notes),
    )

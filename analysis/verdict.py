"""For each resource: today's cost, the modelled alternatives, the cheapest hybrid, the break-even, a verdict.

This is the join between the store's measured usage and the pure pricing models; it decides which
alternatives make sense for each serving pattern and picks the best feasible one. Every number it shows
comes from ``pricing`` with its source; every assumption is the user's to change (``ModelParams``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from analysis.current import CurrentCost, current_cost
from analysis.usage import ResourceUsage
from common.services import short_label
from common.units import MONTH_SECONDS
from pricing import (
    AlternativeResult,
    Assumption,
    BreakEvenResult,
    CloudRunUsage,
    EndpointConfig,
    FaasConfig,
    MachineSpec,
    PriceBook,
    PricingError,
    UsageSeries,
    break_even,
    endpoint_to_faas,
    estimate,
    faas_to_endpoint,
    hybrid,
    to_serverless,
)
from pricing.targets import endpoint_for, faas_for

SAVING_SHARE = 0.10  # an alternative must save at least this share ...
SAVING_USD = 5.0  # ... and this much a month before we suggest moving


@dataclass(frozen=True)
class ModelParams:
    peak_factor: float = 1.5
    target_utilization: float = 0.7
    keep_alive_s: float = 600.0
    init_ms: float = 2000.0
    free_tier: bool = False
    instance_type: str = ""  # fix the endpoint type instead of choosing the cheapest feasible one


@dataclass
class Verdict:
    usage: ResourceUsage
    current: CurrentCost
    alternatives: list[AlternativeResult] = field(default_factory=list)
    hybrid: AlternativeResult | None = None
    break_even: BreakEvenResult | None = None
    break_even_reason: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def options(self) -> list[AlternativeResult]:
        """The alternatives, plus the hybrid when it is a real mix (k = 0 is pure FaaS, no overflow is pure
        endpoint; both are already priced by their own models, cold starts included)."""
        return [*self.alternatives, *([self.hybrid] if is_mixed(self.hybrid) else [])]

    @property
    def best(self) -> AlternativeResult | None:
        feasible = [a for a in self.options if a.feasible and a.monthly_usd is not None]
        return min(feasible, key=lambda a: a.monthly_usd) if feasible else None

    @property
    def saving_usd(self) -> float | None:
        best = self.best
        if best is None or self.current.monthly_usd is None:
            return None
        return round(self.current.monthly_usd - best.monthly_usd, 2)

    @property
    def summary(self) -> str:
        """One line a platform engineer can act on."""
        current = self.current.monthly_usd
        if current is None:
            return f"cannot price today's cost: {self.current.error}"
        best, saving = self.best, self.saving_usd
        if best is None:
            reasons = "; ".join(dict.fromkeys(a.reason for a in self.options if a.reason)) or "no alternative modelled"
            return f"stay: no feasible alternative ({reasons})"
        if saving is not None and saving >= SAVING_USD and saving >= SAVING_SHARE * current:
            return f"move to {label(best)}: saves ${saving:,.2f}/month ({saving / current:.0%})"
        if saving is not None and saving > 0:
            return f"stay: {label(best)} would save only ${saving:,.2f}/month"
        return f"stay: the current pattern is the cheapest modelled (next: {label(best)} ${best.monthly_usd:,.2f})"


def is_mixed(result: AlternativeResult | None) -> bool:
    if result is None or not result.feasible:
        return False
    k = result.details.get("best_always_on")
    best = next((p for p in result.details.get("curve", []) if p.get("always_on") == k), None)
    return bool(k) and best is not None and best.get("faas_usd", 0) > 0


def label(alternative: AlternativeResult) -> str:
    if alternative.pattern == "hybrid":
        k = alternative.details.get("best_always_on")
        base = short_label(alternative.service)
        return f"hybrid ({k} always-on, {base})" if k is not None else f"hybrid ({base})"
    text = short_label(alternative.service)
    if alternative.details.get("variant"):
        return f"{text} ({alternative.details['variant']})"
    try:
        kind = alternative.assumption("instance_type")
    except KeyError:
        kind = None
    return f"{text} ({kind})" if kind and alternative.pattern == "endpoint" else text


def _break_even(
    book: PriceBook, faas: FaasConfig, endpoint: EndpointConfig, series: UsageSeries, p: ModelParams
) -> BreakEvenResult:
    """The break-even, with its curve drawn far enough to show today's volume too."""
    today = series.total_invocations() * series.month_factor
    result = break_even(book, faas, endpoint, series.mean_duration_ms(), target_utilization=p.target_utilization)
    top = result.curve[-1]["requests_per_month"] if result.curve else 0
    if today * 1.25 > top:
        result = break_even(
            book,
            faas,
            endpoint,
            series.mean_duration_ms(),
            target_utilization=p.target_utilization,
            max_requests=today * 1.25,
        )
    return result


def _cloud_run_request_billing(
    u: ResourceUsage, series: UsageSeries, book: PriceBook, p: ModelParams
) -> AlternativeResult:
    """The same Cloud Run service on request-based billing: paid while serving (and starting), idle min instances
    at the idle rate. Modelled conservatively at one request per instance at a time."""
    c = u.config
    requests = series.total_invocations() * series.month_factor
    busy_s = sum(series.execution_ms()) / 1000 * series.month_factor
    min_instances = float(c.get("min_instances") or 0)
    usage = CloudRunUsage(
        billable_instance_seconds=busy_s,
        billing="request",
        vcpu=float(c.get("vcpu") or 1),
        memory_gib=float(c.get("memory_mb") or 512) / 1024,
        requests=requests,
        avg_duration_ms=series.mean_duration_ms() or None,
        idle_min_instance_seconds=max(0.0, min_instances * MONTH_SECONDS - busy_s),
        region=u.region,
        free_tier=p.free_tier,
    )
    assumptions = (
        Assumption(
            "billing", "request", "", "billed while an instance serves or starts; idle min instances at the idle rate"
        ),
        Assumption(
            "requests_per_instance",
            1,
            "concurrent requests",
            "conservative: instances serving several requests at once would bill less",
        ),
        Assumption("min_instances", min_instances, "instances", "kept warm, as configured today"),
    )
    return AlternativeResult(
        "cloud-run", "faas", True, "", assumptions, estimate(usage, book), {"variant": "request-based billing"}
    )


def _faas_config(u: ResourceUsage, p: ModelParams) -> FaasConfig:
    c = u.config
    memory = float(c.get("memory_mb") or (1024 if u.service != "cloud-run" else 512))
    return FaasConfig(
        u.service,
        u.region,
        memory,
        c.get("architecture") or "x86_64",
        float(c["vcpu"]) if u.service == "cloud-run" and c.get("vcpu") else None,
        float(c.get("ephemeral_storage_mb") or 512),
        p.free_tier,
    )


def _from_per_request(v: Verdict, book: PriceBook, p: ModelParams) -> None:
    u = v.usage
    series = u.forward_series()
    faas = _faas_config(u, p)
    target = EndpointConfig(
        endpoint_for(u.service) if u.service != "sagemaker-serverless" else "sagemaker-endpoint",
        u.region,
        p.instance_type,
    )
    to_endpoint = faas_to_endpoint(
        series, book, faas, target, peak_factor=p.peak_factor, target_utilization=p.target_utilization
    )
    v.alternatives.append(to_endpoint)
    if u.service == "cloud-run" and u.config.get("billing_mode") == "instance":
        v.alternatives.append(_cloud_run_request_billing(u, series, book, p))
    if u.service == "lambda":
        v.alternatives.append(
            to_serverless(
                series,
                book,
                u.region,
                memory_used_mb=faas.memory_mb,
                memory_headroom=1,
                peak_factor=p.peak_factor,
                keep_alive_s=p.keep_alive_s,
            )
        )
    if u.service == "sagemaker-serverless":
        v.alternatives.append(
            endpoint_to_faas(
                series,
                book,
                "lambda",
                u.region,
                None,
                memory_mb=faas.memory_mb,
                free_tier=p.free_tier,
                keep_alive_s=p.keep_alive_s,
                # the measured model-setup time is the best guess of a Lambda cold start of the same model
                init_ms=u.mean("init_duration_ms_avg", "cold_starts") or p.init_ms,
            )
        )
    else:
        v.hybrid = hybrid(
            series,
            book,
            faas,
            EndpointConfig(target.service, u.region, p.instance_type),
            peak_factor=p.peak_factor,
            target_utilization=p.target_utilization,
        )
    if to_endpoint.feasible:
        chosen = EndpointConfig(target.service, u.region, to_endpoint.assumption("instance_type"))
        v.break_even = _break_even(book, faas, chosen, series, p)
    else:
        v.break_even_reason = to_endpoint.reason


def _from_endpoint(v: Verdict, book: PriceBook, p: ModelParams) -> None:
    u = v.usage
    series = u.forward_series()
    kind = u.config.get("instance_type") or ""
    spec = book.machines.get(kind)
    accelerator = u.config.get("accelerator_type")
    if accelerator and (spec is None or not spec.accelerator):  # Vertex attaches GPUs to a plain machine type
        count = int(u.config.get("accelerator_count") or 1)
        spec = (
            replace(spec, accelerator=accelerator, accelerator_count=count)
            if spec
            else MachineSpec(u.provider, kind, 0, 0, accelerator, count)
        )
    memory_pct = u.mean("memory_utilization_pct_avg")
    memory_used = memory_pct / 100 * spec.memory_gib * 1024 if (memory_pct and spec) else None
    faas_service = faas_for(u.service)
    to_faas = endpoint_to_faas(
        series,
        book,
        faas_service,
        u.region,
        spec,
        memory_used_mb=memory_used,
        free_tier=p.free_tier,
        keep_alive_s=p.keep_alive_s,
        init_ms=p.init_ms,
    )
    v.alternatives.append(to_faas)
    if u.service == "sagemaker-endpoint":
        v.alternatives.append(
            to_serverless(
                series,
                book,
                u.region,
                instance=spec,
                memory_used_mb=memory_used,
                peak_factor=p.peak_factor,
                keep_alive_s=p.keep_alive_s,
            )
        )
    if not to_faas.feasible:
        v.break_even_reason = to_faas.reason
        return
    faas = FaasConfig(faas_service, u.region, float(to_faas.assumption("memory_mb")), free_tier=p.free_tier)
    instances = u.mean("instances_avg") or float(u.config.get("instance_count") or 1)
    endpoint = EndpointConfig(u.service, u.region, kind, max(1, math.ceil(round(instances, 6))))
    v.hybrid = hybrid(
        series,
        book,
        faas,
        EndpointConfig(u.service, u.region, kind),
        peak_factor=p.peak_factor,
        target_utilization=p.target_utilization,
    )
    v.break_even = _break_even(book, faas, endpoint, series, p)


def assess(u: ResourceUsage, book: PriceBook, params: ModelParams | None = None) -> Verdict:
    """Price today's pattern and model the alternatives for one resource."""
    p = params or ModelParams()
    v = Verdict(u, current_cost(u, book, p.free_tier))
    if u.hourly["invocations"].sum() <= 0:
        v.errors.append("no requests in the window: nothing to model")
        return v
    try:
        if u.pattern == "endpoint":
            _from_endpoint(v, book, p)
        else:
            _from_per_request(v, book, p)
    except PricingError as exc:
        v.errors.append(str(exc))
    return v

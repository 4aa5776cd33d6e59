"""Alternative-pattern models: FaaS -> endpoint, endpoint -> FaaS, -> SageMaker Serverless.

The aggregate-input path: ``estimate``/``compare`` take a USAGE.json of monthly totals, with no series to
replay, so this closed-form model serves them; the dashboard and ``report`` replay measured traffic
(``replay/``, ``analysis/``) instead.

Each is pure and deterministic, states its assumptions as data, and says why when it is infeasible.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from common import limits
from common.services import SERVICE_PATTERN
from common.units import MONTH_HOURS
from pricing.assumptions import AlternativeResult, Assumption
from pricing.book import MachineSpec, PriceBook
from pricing.lines import CostLine, Estimate, flat_line
from pricing.series import UsageSeries, cold_starts_per_month
from pricing.targets import EndpointConfig, FaasConfig, slots_per_instance

# Burstable families earn CPU credits at a low baseline; an endpoint kept at 70 % would exhaust them.
BURSTABLE_PREFIXES = ("ml.t2.", "ml.t3.", "e2-micro", "e2-small", "e2-medium")


@dataclass(frozen=True)
class Sizing:
    """How an endpoint would be sized for a series: the type, its per-instance capacity and instances per period."""

    spec: MachineSpec
    slots: float
    instances: tuple[int, ...]
    monthly: Estimate


def size_endpoint(
    series: UsageSeries,
    book: PriceBook,
    endpoint: EndpointConfig,
    spec: MachineSpec,
    vcpu_share: float,
    memory_mb: float,
    peak_factor: float,
    target_utilization: float,
    min_instances: int,
) -> Sizing:
    """Instances per period: peak concurrency / (slots × target utilisation), at least ``min_instances``;
    a fixed ``instance_count`` overrides autoscaling."""
    slots = slots_per_instance(spec, vcpu_share, memory_mb)
    usable = slots * target_utilization
    instances = []
    for concurrency in series.concurrency():
        if endpoint.instance_count is not None:
            instances.append(endpoint.instance_count)
        else:
            needed = math.ceil(round(concurrency * peak_factor / usable, 9)) if usable > 0 else 0
            instances.append(max(min_instances, needed))
    instance_hours = sum(instances) * series.period_s / 3600 * series.month_factor
    return Sizing(spec, slots, tuple(instances), endpoint.cost(book, spec.name, instance_hours))


def faas_to_endpoint(
    series: UsageSeries,
    book: PriceBook,
    faas: FaasConfig,
    endpoint: EndpointConfig,
    *,
    peak_factor: float = 1.5,
    target_utilization: float = 0.7,
    min_instances: int = 1,
) -> AlternativeResult:
    """Move a function to an always-on endpoint sized by Little's law, cheapest feasible type unless fixed."""
    share = faas.vcpu_share(book)
    assumptions = [
        Assumption(
            "peak_factor",
            peak_factor,
            "x",
            "peak concurrency within a period relative to its mean "
            "(Little's law: mean concurrency = arrival rate x mean duration)",
        ),
        Assumption("target_utilization", target_utilization, "fraction", "autoscaling keeps instances this busy"),
        Assumption("min_instances", min_instances, "instances", "endpoints do not scale to zero"),
        Assumption(
            "function_vcpu_share",
            round(share, 4),
            "vCPU",
            "CPU one request had on the function "
            "(Lambda: memory / 1,769 MB); an instance runs its vCPUs / this many requests at once",
        ),
        Assumption("function_memory_mb", faas.memory_mb, "MB", "memory each concurrent request needs"),
    ]
    sizings, rejected = [], []
    for spec, _ in endpoint.candidates(book):
        if not endpoint.instance_type and spec.name.startswith(BURSTABLE_PREFIXES):
            rejected.append(
                f"{spec.name} is burstable: autoscaling at the target utilisation would run it above "
                "its CPU-credit baseline (fix the type to model it anyway)"
            )
            continue
        if slots_per_instance(spec, share, faas.memory_mb) < 1:
            rejected.append(f"{spec.name} ({spec.memory_gib:g} GiB) cannot hold one {faas.memory_mb:g} MB request")
            continue
        sizings.append(
            size_endpoint(
                series, book, endpoint, spec, share, faas.memory_mb, peak_factor, target_utilization, min_instances
            )
        )
    if not sizings:
        return AlternativeResult(
            endpoint.service, "endpoint", False, "; ".join(rejected) or "no priced types", tuple(assumptions)
        )
    best = min(sizings, key=lambda s: (s.monthly.total_exact_usd, s.spec.name))
    peak_needed = max(series.concurrency()) * peak_factor
    feasible, reason = True, ""
    if endpoint.instance_count is not None and peak_needed > endpoint.instance_count * best.slots:
        feasible = False
        reason = (
            f"{endpoint.instance_count} x {best.spec.name} carries {endpoint.instance_count * best.slots:.1f} "
            f"concurrent requests but the peak needs {peak_needed:.1f}"
        )
    choice = "fixed by the user" if endpoint.instance_type else "cheapest feasible type"
    if best.spec.name.startswith("ml.t"):
        choice += "; burstable: sustained CPU above its baseline spends CPU credits"
    assumptions += [
        Assumption(
            "instance_type", best.spec.name, "", f"{choice} ({best.spec.vcpu:g} vCPU, {best.spec.memory_gib:g} GiB)"
        ),
        Assumption(
            "slots_per_instance",
            round(best.slots, 3),
            "concurrent requests",
            "min(vCPUs / function vCPU share, instance memory / function memory)",
        ),
        Assumption(
            "instance_count",
            endpoint.instance_count if endpoint.instance_count is not None else "auto",
            "instances",
            "fixed count, else autoscaled per period",
        ),
    ]
    details = {
        "instances_per_period": list(best.instances),
        "max_instances": max(best.instances),
        "candidates": [{"instance_type": s.spec.name, "monthly_usd": s.monthly.total_usd} for s in sizings],
        "rejected": rejected,
    }
    if series.cold_starts is not None:
        details["cold_starts_avoided_per_month"] = sum(series.cold_starts) * series.month_factor
    return AlternativeResult(endpoint.service, "endpoint", feasible, reason, tuple(assumptions), best.monthly, details)


def _memory_for_faas(memory_used_mb: float | None, memory_mb: float | None, headroom: float) -> tuple[float, str]:
    if memory_mb is not None:
        return memory_mb, "set by the user"
    if memory_used_mb is not None:
        return max(128.0, math.ceil(memory_used_mb * headroom)), f"instance memory use x {headroom:g} headroom"
    return float(limits.LAMBDA_MB_PER_VCPU), "memory use unknown: 1,769 MB gives one full vCPU like the instance"


def endpoint_to_faas(
    series: UsageSeries,
    book: PriceBook,
    service: str,
    region: str,
    instance: MachineSpec | None,
    *,
    memory_mb: float | None = None,
    memory_used_mb: float | None = None,
    memory_headroom: float = 1.2,
    architecture: str = "x86_64",
    free_tier: bool = False,
    duration_factor: float = 1.0,
    keep_alive_s: float = 600,
    init_ms: float = 2000,
    payload_kb: float | None = None,
) -> AlternativeResult:
    """Move an endpoint's traffic to Lambda or Cloud Functions (``service``); cold starts from idle gaps.

    Memory is ``memory_mb`` when given, else the instance's memory use times a headroom.
    """
    memory, why = _memory_for_faas(memory_used_mb, memory_mb, memory_headroom)
    if service == "cloud-functions":
        allowed = [m for m in limits.GCF_MEMORY_MB if m >= memory]
        memory = float(allowed[0]) if allowed else memory
    cold_starts = cold_starts_per_month(series, keep_alive_s)
    assumptions = (
        Assumption("memory_mb", memory, "MB", why),
        Assumption("duration_factor", duration_factor, "x", "function duration = endpoint model latency x this"),
        Assumption("keep_alive_s", keep_alive_s, "s", "idle time after which an environment is reclaimed"),
        Assumption("init_ms", init_ms, "ms", "cold-start init (model load) time, billed as duration"),
        Assumption(
            "cold_starts_per_month",
            round(cold_starts, 1),
            "cold starts",
            "requests after an idle gap longer than keep_alive_s",
        ),
    )
    reason = _faas_infeasible(service, instance, memory, series.max_duration_ms() * duration_factor, payload_kb)
    if reason:
        return AlternativeResult(service, "faas", False, reason, assumptions)
    requests = series.total_invocations() * series.month_factor
    execution_ms = sum(series.execution_ms()) * series.month_factor * duration_factor + cold_starts * init_ms
    config = FaasConfig(service, region, memory, architecture, free_tier=free_tier)
    cost = config.cost(book, requests, execution_ms / requests if requests else 0.0)
    details = {"requests_per_month": requests, "cold_starts_per_month": cold_starts}
    if series.instances_avg is not None:
        details["current_instances_avg"] = sum(series.instances_avg) / series.periods
    return AlternativeResult(service, "faas", True, "", assumptions, cost, details)


def _faas_infeasible(
    service: str, instance: MachineSpec | None, memory_mb: float, duration_ms: float, payload_kb: float | None
) -> str:
    name = "Lambda" if service == "lambda" else "Cloud Functions"
    if instance is not None and instance.accelerator_count:
        return (
            f"the model runs on {instance.name} with {instance.accelerator_count} x {instance.accelerator}; "
            f"{name} has no GPUs or accelerators"
        )
    max_memory = limits.LAMBDA_MEMORY_MB[1] if service == "lambda" else limits.GCF_MEMORY_MB[-1]
    if memory_mb > max_memory:
        return f"needs {memory_mb:,.0f} MB of memory; {name} allows at most {max_memory:,} MB"
    max_ms = limits.LAMBDA_TIMEOUT_MS if service == "lambda" else limits.GCF_TIMEOUT_MS
    if duration_ms > max_ms:
        return f"requests take up to {duration_ms / 1000:,.0f} s; {name} stops them at {max_ms / 1000:,.0f} s"
    if service == "lambda" and payload_kb is not None and payload_kb > limits.LAMBDA_PAYLOAD_SYNC_KB:
        return f"payloads of {payload_kb:,.0f} KB exceed Lambda's 6 MB synchronous limit"
    return ""


def to_serverless(
    series: UsageSeries,
    book: PriceBook,
    region: str,
    *,
    instance: MachineSpec | None = None,
    memory_used_mb: float | None = None,
    memory_headroom: float = 1.2,
    peak_factor: float = 1.5,
    keep_alive_s: float = 600,
    model_setup_ms: float = 5000,
    duration_factor: float = 1.0,
    data_in_kb: float = 0.0,
    data_out_kb: float = 0.0,
) -> AlternativeResult:
    """SageMaker Serverless Inference: memory 1-6 GB, at most 200 concurrent, model-setup cold starts."""
    needed, why = _memory_for_faas(memory_used_mb, None, memory_headroom)
    sizes = [m for m in limits.SERVERLESS_MEMORY_MB if m >= needed]
    memory = float(sizes[0]) if sizes else needed
    peak = max(series.concurrency()) * peak_factor
    cold_starts = cold_starts_per_month(series, keep_alive_s)
    assumptions = (
        Assumption("memory_mb", memory, "MB", f"smallest serverless size >= need ({why})"),
        Assumption("peak_concurrency", round(peak, 2), "requests", f"mean concurrency x peak factor {peak_factor:g}"),
        Assumption("keep_alive_s", keep_alive_s, "s", "idle time after which capacity is reclaimed"),
        Assumption("model_setup_ms", model_setup_ms, "ms", "cold-start model setup; adds latency, assumed unbilled"),
        Assumption("cold_starts_per_month", round(cold_starts, 1), "cold starts", "requests after long idle gaps"),
        Assumption("data_in_kb", data_in_kb, "KB/request", "payload in, billed as data processed"),
        Assumption("data_out_kb", data_out_kb, "KB/request", "payload out, billed as data processed"),
    )
    reason = ""
    if instance is not None and instance.accelerator_count:
        reason = f"the model runs on {instance.name} with {instance.accelerator}; Serverless Inference has no GPUs"
    elif not sizes:
        reason = f"needs {needed:,.0f} MB of memory; Serverless Inference allows at most 6,144 MB"
    elif peak > limits.SERVERLESS_MAX_CONCURRENCY:
        reason = f"peak concurrency {peak:,.0f} exceeds Serverless Inference's maximum of 200 per endpoint"
    if reason:
        return AlternativeResult("sagemaker-serverless", "serverless-endpoint", False, reason, assumptions)
    requests = series.total_invocations() * series.month_factor
    duration = series.mean_duration_ms() * duration_factor
    gb = 1024**2
    config = FaasConfig("sagemaker-serverless", region, memory)
    cost = config.cost(book, requests, duration)
    data = _data_lines(book, region, requests * data_in_kb / gb, requests * data_out_kb / gb)
    full = Estimate(cost.service, cost.region, cost.lines[:1] + data, cost.notes)
    return AlternativeResult(
        "sagemaker-serverless",
        SERVICE_PATTERN["sagemaker-serverless"],
        True,
        "",
        assumptions,
        full,
        {"requests_per_month": requests, "cold_starts_per_month": cold_starts, "hours_per_month": MONTH_HOURS},
    )


def _data_lines(book: PriceBook, region: str, in_gb: float, out_gb: float) -> tuple[CostLine, CostLine]:
    return (
        flat_line("Data processed in", in_gb, book.price("sagemaker-serverless", "data-in", region)),
        flat_line("Data processed out", out_gb, book.price("sagemaker-serverless", "data-out", region)),
    )

"""What each resource costs now, per month, priced from its own measured usage.

The window's usage is scaled to a 730-hour month. Each configuration segment (e.g. before and after a
memory change) is priced with its own configuration; every line keeps its price's source. Where the
measurements cannot give a billed quantity exactly, the assumption is stated in ``notes``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from analysis.usage import ResourceUsage, Segment
from pricing import (
    CloudFunctionsUsage,
    CloudRunUsage,
    CostLine,
    Estimate,
    LambdaUsage,
    PriceBook,
    PricingError,
    ProvisionedUsage,
    SageMakerEndpointUsage,
    SageMakerServerlessUsage,
    VertexEndpointUsage,
    estimate,
)

GCF_MEMORY_SIZES = (128, 256, 512, 1024, 2048, 4096, 8192)
SERVERLESS_MEMORY_SIZES = (1024, 2048, 3072, 4096, 5120, 6144)


@dataclass
class CurrentCost:
    monthly_usd: float | None
    list_monthly_usd: float | None
    lines: list[CostLine] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str = ""
    incomplete: bool = False  # a priced part is missing (e.g. a GPU with no known price)


def _requests(seg: Segment, factor: float) -> float:
    return float(seg.hours["invocations"].sum()) * factor


def _avg_ms(seg: Segment) -> float:
    h = seg.hours
    mask = h["duration_ms_avg"].notna() & (h["invocations"] > 0)
    if not mask.any():
        return 0.0
    return float(np.average(h.loc[mask, "duration_ms_avg"], weights=h.loc[mask, "invocations"]))


def _instance_hours(seg: Segment, config: dict[str, Any]) -> tuple[float, str]:
    """Instance-hours in the segment: measured ``instances_avg`` where present, else the configured count.

    Hours without a measurement (a collector's first run, a gap) take the mean of the measured hours rather
    than counting as zero instances.
    """
    measured = seg.hours["instances_avg"]
    known = int(measured.notna().sum())
    if known:
        hours = float(measured.mean()) * len(seg.hours)
        if known < len(seg.hours):
            return (
                hours,
                f"measured instance count ({known} of {len(seg.hours)} hours measured; the rest at their mean)",
            )
        return hours, "measured instance count"
    count = float(config.get("instance_count") or 1)
    return count * seg.seconds / 3600, f"configured count ({count:g}), no instance metric"


def _lambda_usage(seg: Segment, u: ResourceUsage, factor: float, free_tier: bool, notes: list[str]) -> LambdaUsage:
    c = seg.config
    requests = _requests(seg, factor)
    h = seg.hours
    billed = h["billed_duration_ms_sum"]
    if requests and billed.notna().sum() >= (h["invocations"] > 0).sum():
        avg = float(billed.sum()) * factor / requests
        notes.append("duration priced from billed milliseconds (REPORT lines: rounded up per request, init included)")
    else:
        avg = math.ceil(_avg_ms(seg))
        notes.append(
            "no billed-duration data: priced as requests × average duration (per-request rounding "
            "and billed init time not included; enable Logs Insights for exact figures)"
        )
    provisioned = None
    measured_pc = h["provisioned_concurrency"]
    if measured_pc.notna().any():
        pc_by_hour = measured_pc.fillna(0.0).to_numpy()
        basis = "the measured provisioned_concurrency (hours without it: none)"
    elif c.get("provisioned_concurrency"):
        pc_by_hour = np.full(len(h), float(c["provisioned_concurrency"]))
        basis = "the configuration (no provisioned_concurrency metric): enabled all the time"
    else:
        pc_by_hour = None
    if pc_by_hour is not None and pc_by_hour.any():
        conc = (h["invocations"] / 3600 * h["duration_ms_avg"].fillna(0) / 1000).to_numpy()
        share = np.minimum(1.0, pc_by_hour / np.maximum(conc, 1e-9))
        on_pc = float((h["invocations"].to_numpy() * share).sum()) * factor
        mean_pc = float(pc_by_hour.mean())
        provisioned = ProvisionedUsage(
            concurrency=mean_pc, seconds=seg.seconds * factor, requests=on_pc, avg_duration_ms=avg
        )
        notes.append(
            f"provisioned concurrency {mean_pc:,.2f} on average, from {basis}; requests served by it "
            "estimated hour by hour from mean concurrency"
        )
    return LambdaUsage(
        memory_mb=float(c.get("memory_mb") or 128),
        requests=requests,
        avg_duration_ms=avg,
        architecture=c.get("architecture") or "x86_64",
        ephemeral_storage_mb=float(c.get("ephemeral_storage_mb") or 512),
        provisioned=provisioned,
        region=u.region,
        free_tier=free_tier,
    )


def segment_usage(seg: Segment, u: ResourceUsage, free_tier: bool, notes: list[str]) -> Any:
    """The pricing engine's usage object for one configuration segment, scaled to a month."""
    factor = u.month_factor
    c = seg.config
    if u.service == "lambda":
        return _lambda_usage(seg, u, factor, free_tier, notes)
    if u.service in ("sagemaker-endpoint", "vertex-endpoint"):
        hours, basis = _instance_hours(seg, c)
        notes.append(f"instance-hours from the {basis}")
        kind = c.get("instance_type")
        if not kind:
            raise PricingError("no instance or machine type is known for this endpoint")
        if u.service == "sagemaker-endpoint":
            return SageMakerEndpointUsage(instance_type=kind, instance_count=1, hours=hours * factor, region=u.region)
        return VertexEndpointUsage(machine_type=kind, replicas=1, hours=hours * factor, region=u.region)
    if u.service == "sagemaker-serverless":
        memory = int(c.get("memory_mb") or 1024)
        memory = min((s for s in SERVERLESS_MEMORY_SIZES if s >= memory), default=6144)
        notes.append(
            "billed duration taken as the model latency; data processed in/out is not measured "
            "($0.016 per GB each way is not included)"
        )
        return SageMakerServerlessUsage(
            memory_mb=memory,
            requests=_requests(seg, factor),
            avg_duration_ms=_avg_ms(seg),
            region=u.region,
            free_tier=free_tier,
        )
    if u.service == "cloud-functions":
        memory = int(c.get("memory_mb") or 256)
        memory = min((s for s in GCF_MEMORY_SIZES if s >= memory), default=8192)
        notes.append("network egress is not measured and not included")
        return CloudFunctionsUsage(
            memory_mb=memory,
            requests=_requests(seg, factor),
            avg_duration_ms=_avg_ms(seg),
            region=u.region,
            free_tier=free_tier,
        )
    if u.service == "cloud-run":
        billing = c.get("billing_mode") or "request"
        requests = _requests(seg, factor)
        billable = seg.hours["billable_instance_ms_sum"]
        if billable.notna().any():
            seconds = float(billable.sum()) / 1000 * factor
            notes.append("instance time from Cloud Run's billable_instance_time")
        elif billing == "instance" and seg.hours["instances_avg"].notna().any():
            seconds = float(seg.hours["instances_avg"].fillna(0).sum()) * 3600 * factor
            notes.append("instance-based billing: instance time from the measured instance count")
        else:
            seconds = requests * _avg_ms(seg) / 1000
            notes.append(
                "no billable-instance-time metric: estimated as requests × average duration "
                "(one request per instance at a time)"
            )
        idle = 0.0
        min_instances = float(c.get("min_instances") or 0)
        if billing == "request" and min_instances:
            idle = max(0.0, min_instances * seg.seconds * factor - seconds)
            notes.append(f"{min_instances:g} min instance(s): idle time billed at the idle rate")
        return CloudRunUsage(
            billable_instance_seconds=seconds,
            billing=billing,
            vcpu=float(c.get("vcpu") or 1),
            memory_gib=float(c.get("memory_mb") or 512) / 1024,
            requests=requests,
            avg_duration_ms=_avg_ms(seg) or None,
            idle_min_instance_seconds=idle,
            region=u.region,
            free_tier=free_tier,
        )
    raise PricingError(f"no cost model for service {u.service!r}")


def current_cost(u: ResourceUsage, book: PriceBook, free_tier: bool = False) -> CurrentCost:
    """Monthly cost of ``u`` as it runs today, one estimate per configuration segment, summed."""
    notes: list[str] = []
    lines: list[CostLine] = []
    total = list_total = 0.0
    # The free tier is a monthly allowance: with several configuration periods it is applied once, to the
    # period with the most requests, rather than once per period.
    free_on = max(u.segments, key=lambda seg: float(seg.hours["invocations"].sum())) if free_tier else None
    if free_tier and len(u.segments) > 1:
        notes.append(
            "free tier applied once, to the configuration period with the most requests (an allowance "
            "that period does not use is not carried to the others)"
        )
    try:
        for seg in u.segments:
            est: Estimate = estimate(segment_usage(seg, u, seg is free_on, notes), book)
            if len(u.segments) > 1:
                notes.append(
                    f"{seg.start:%Y-%m-%d} → {seg.end:%Y-%m-%d}: {_describe(seg.config)}, "
                    f"${est.total_usd:,.2f}/month-equivalent share"
                )
            lines.extend(est.lines)
            notes.extend(est.notes)
            total += est.total_usd
            list_total += est.list_total_usd
    except PricingError as exc:
        return CurrentCost(None, None, [], notes, error=str(exc))
    result = CurrentCost(round(total, 2), round(list_total, 2), lines, list(dict.fromkeys(notes)))
    accel = u.config.get("accelerator_type")
    if accel and u.service == "vertex-endpoint":
        result.incomplete = True
        result.notes.append(
            f"{u.config.get('accelerator_count') or 1} × {accel} per replica is NOT included: "
            "no accelerator price could be confirmed (set one in your price overrides file)"
        )
    return result


def _describe(config: dict[str, Any]) -> str:
    parts = []
    if config.get("memory_mb"):
        parts.append(f"{config['memory_mb']:g} MB")
    if config.get("instance_type"):
        parts.append(str(config["instance_type"]))
    return ", ".join(parts) or "configuration"

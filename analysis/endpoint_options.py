"""Options on endpoints and request-billed services: a function onto an endpoint, an endpoint right-sized,
an idle endpoint deleted, SageMaker Serverless Inference, Cloud Run's other billing mode.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from analysis.context import Context
from analysis.options import DELETE, MOVE, RESIZE, Latency, Option, endpoint_label, infeasible
from analysis.prices import faas_vcpu_share
from analysis.runs import groups, prepared_rows
from analysis.sizing import Problem, Sized, candidates, policy_for, size_rows
from common.limits import SERVERLESS_MAX_CONCURRENCY, SERVERLESS_MEMORY_MB
from common.services import ENDPOINT_FOR, SERVICE_PROVIDER, short_label
from pricing import CloudRunUsage, SageMakerEndpointUsage, SageMakerServerlessUsage, VertexEndpointUsage
from replay import cloud_run, measured_capacity, serverless, serverless_memory_mb

ENDPOINTS = ("sagemaker-endpoint", "vertex-endpoint")
MEMORY_HEADROOM = 1.2
THROTTLE_LIMIT = 0.01  # more throttled requests than this share: the serverless endpoint cannot carry it


def endpoint_usage(service: str, instance_type: str, hours: float, region: str) -> Any:
    if service == "sagemaker-endpoint":
        return SageMakerEndpointUsage(instance_type=instance_type, instance_count=1, hours=hours, region=region)
    return VertexEndpointUsage(machine_type=instance_type, replicas=1, hours=hours, region=region)


def target_endpoint(service: str) -> str:
    return service if service in ENDPOINTS else ENDPOINT_FOR[SERVICE_PROVIDER[service]]


def memory_used_mb(ctx: Context, row: int) -> float | None:
    """Memory the model needs (what-if multiplier applied): an endpoint's measured use, else the configured."""
    c, service = ctx.configs[row], ctx.info[row]["service"]
    mm = ctx.params.memory_multiplier
    if service in ENDPOINTS:
        spec = ctx.book.machines.get(c.get("instance_type") or "")
        used = ctx.gauge_mean("memory_utilization_pct_avg")[row]
        if spec is None or not np.isfinite(used):
            return None
        return float(used) / 100.0 * spec.memory_gib * 1024 * mm
    return float(c.get("memory_mb") or 1024) * mm


def size_all(ctx: Context, own_type: bool = False) -> dict[int, Sized]:
    """Every row's endpoint: today's endpoints right-sized, the others sized to move onto one
    (``own_type``: today's endpoints at their own type only, for today's cost under a what-if)."""
    capacity = measured_capacity(ctx.measured)
    mean_ms, _ = ctx.latency()
    keys: list[Any] = []
    per_vcpu = np.full(ctx.size, np.nan)
    memory_gib = np.zeros(ctx.size)
    for r in range(ctx.size):
        service, c = ctx.info[r]["service"], ctx.configs[r]
        target = target_endpoint(service)
        accelerator = ""
        if service in ENDPOINTS:
            spec = ctx.book.machines.get(c.get("instance_type") or "")
            if spec is not None and np.isfinite(capacity.requests_per_s[r]):
                per_vcpu[r] = capacity.requests_per_s[r] / spec.vcpu / ctx.params.latency_multiplier
            accelerator = spec.accelerator if spec is not None and service == "sagemaker-endpoint" else ""
            used = memory_used_mb(ctx, r)
            memory_gib[r] = (used if used is not None else 0.0) / 1024
        elif mean_ms[r] > 0:
            if service == "cloud-run":
                share = float(c.get("vcpu") or 1) / max(float(c.get("max_concurrency") or 1), 1.0)
            else:
                share = faas_vcpu_share(ctx.book, service, float(c.get("memory_mb") or 1024))
            per_vcpu[r] = 1000.0 / (share * mean_ms[r])
            memory_gib[r] = (memory_used_mb(ctx, r) or 0.0) / 1024
        minimum = int(c.get("min_instances") or ctx.params.min_instances) if service in ENDPOINTS else None
        if own_type and service not in ENDPOINTS:
            keys.append(None)
            continue
        own = str(c.get("instance_type") or "") if own_type else ""
        keys.append((target, ctx.info[r]["region"], accelerator, minimum, own))
    problems: list[Problem | None] = [None] * ctx.size
    fixed = ctx.params.instance_type if ctx.params.instance_type in ctx.book.machines else ""
    for (target, region, accelerator, minimum, own), rows in groups(keys).items():
        here = fixed if any(spec.name == fixed for spec, _ in ctx.book.machine_types(target, region)) else ""
        types = tuple(candidates(ctx.book, target, region, accelerator, own or here))
        policy = policy_for(target, ctx.params, minimum)
        for r in rows:
            problems[int(r)] = Problem(types, float(per_vcpu[r]), float(memory_gib[r]), policy)
    sized = size_rows(ctx.prepared, problems, ctx.params.autoscaling)
    return {r: s for r, s in enumerate(sized) if s is not None}


def endpoint_options(ctx: Context, sized: dict[int, Sized]) -> dict[int, list[Option]]:
    """Move onto an endpoint, or resize today's; delete an endpoint without requests."""
    out: dict[int, list[Option]] = {r: [] for r in range(ctx.size)}
    mean_ms, p99_ms = ctx.latency()
    for r, size in sized.items():
        who, c = ctx.info[r], ctx.configs[r]
        target = target_endpoint(who["service"])
        current = who["service"] in ENDPOINTS
        kind = RESIZE if current else MOVE
        base = short_label(target) + (" resized" if current else "")
        if current and ctx.prepared.requests[r] <= 0:
            out[r].append(Option(DELETE, "Delete the endpoint", target, "endpoint", always_on=0.0))
        if not size.feasible:
            out[r].append(infeasible(kind, base, target, "endpoint", size.reason, assumptions=size.assumptions))
            continue
        if current and size.instance_type == c.get("instance_type") and not ctx.params.what_if:
            today_count = _mean_instances(ctx, r)
            if today_count is not None and abs(size.always_on - today_count) < 0.05:
                continue  # the right size is today's
        notes = [f"{size.share_above_capacity:.1%} of minutes had more demand than the instances serving"]
        if size.candidates:
            notes.append(
                "types by a fixed size for the 99th-percentile minute: "
                + ", ".join(f"{name} ${usd:,.0f}" for name, usd in size.candidates[:4])
            )
        out[r].append(
            Option(
                kind,
                endpoint_label(target, size.instance_type, size.always_on, size.autoscaled, resized=current),
                target,
                "endpoint",
                usages=(endpoint_usage(target, size.instance_type, size.instance_hours_per_month, who["region"]),),
                cold_starts_per_month=0.0,
                always_on=size.always_on,
                assumptions=size.assumptions,
                notes=tuple(notes),
                latency=Latency(float(mean_ms[r]), _finite(p99_ms[r])),
                details={"instance_type": size.instance_type, "capacity_rps": size.capacity_rps},
            )
        )
    return out


def _mean_instances(ctx: Context, row: int) -> float | None:
    value = ctx.gauge_mean("instances_avg")[row]
    return float(value) if np.isfinite(value) else None


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def serverless_options(ctx: Context) -> dict[int, list[Option]]:
    """SageMaker Serverless Inference for Lambda functions and SageMaker endpoints (AWS)."""
    rows = np.array(
        [r for r in range(ctx.size) if ctx.info[r]["service"] in ("lambda", "sagemaker-endpoint")], dtype=int
    )
    out: dict[int, list[Option]] = {int(r): [] for r in rows}
    if not rows.size:
        return out
    result = serverless(
        prepared_rows(ctx.traffic, rows, ctx.cache),
        keep_alive_s=ctx.params.keep_alive_s,
        model_setup_ms=ctx.params.init_ms,
    )
    needed = np.array([memory_used_mb(ctx, int(r)) or np.nan for r in rows])
    needed = np.where(np.isin([ctx.info[int(r)]["service"] for r in rows], ENDPOINTS), needed * MEMORY_HEADROOM, needed)
    sizes = serverless_memory_mb(np.nan_to_num(needed, nan=float(SERVERLESS_MEMORY_MB[1])))
    mean_ms, p99_ms = ctx.latency()
    for i, r in enumerate(rows):
        r = int(r)
        label, c = "SageMaker Serverless", ctx.configs[r]
        spec = ctx.book.machines.get(c.get("instance_type") or "")
        reason = ""
        if (spec is not None and spec.accelerator) or c.get("accelerator_type"):
            reason = "the model runs on an accelerator; Serverless Inference has no GPUs or accelerators"
        elif not np.isfinite(sizes[i]):
            reason = f"needs {needed[i]:,.0f} MB of memory; Serverless Inference allows at most 6,144 MB"
        elif result.throttled_share[i] > THROTTLE_LIMIT:
            reason = (
                f"{result.throttled_share[i]:.1%} of requests would be throttled: peaks exceed the "
                f"{SERVERLESS_MAX_CONCURRENCY} concurrent requests Serverless Inference allows"
            )
        if reason:
            out[r].append(infeasible(MOVE, label, "sagemaker-serverless", "serverless-endpoint", reason))
            continue
        f = result.faas
        month = ctx.month(r)
        requests = float(f.requests[i]) * month
        avg = float(f.billed_ms[i]) / float(f.requests[i]) if f.requests[i] > 0 else 0.0
        share = float(f.cold_start_share[i])
        out[r].append(
            Option(
                MOVE,
                f"{label} ({sizes[i] / 1024:g} GB)",
                "sagemaker-serverless",
                "serverless-endpoint",
                usages=(SageMakerServerlessUsage(float(sizes[i]), requests, avg, region=ctx.info[r]["region"]),),
                cold_starts_per_month=float(f.cold_starts[i]) * month,
                assumptions=result.assumptions,
                notes=tuple(f.notes[i]) if f.notes else (),
                latency=Latency(
                    float(mean_ms[r]) + share * float(f.init_ms[i]),
                    _with_cold(p99_ms[r], share, f.init_ms[i]),
                    share,
                    float(f.init_ms[i]),
                ),
            )
        )
    return out


def _with_cold(p99: float, share: float, init_ms: float) -> float | None:
    if not np.isfinite(p99):
        return None
    return float(p99 + init_ms) if share >= 0.01 else float(p99)


def cloud_run_options(ctx: Context) -> dict[int, list[Option]]:
    """Cloud Run on its other billing mode, replayed on the same traffic."""
    keys = []
    for r in range(ctx.size):
        c = ctx.configs[r]
        if ctx.info[r]["service"] != "cloud-run":
            keys.append(None)
            continue
        keys.append((int(c.get("max_concurrency") or 80), int(c.get("min_instances") or 0)))
    out: dict[int, list[Option]] = {}
    for (concurrency, minimum), rows in groups(keys).items():
        result = cloud_run(prepared_rows(ctx.traffic, rows, ctx.cache), concurrency, min_instances=minimum)
        for i, r in enumerate(rows):
            r = int(r)
            c, month = ctx.configs[r], ctx.month(r)
            today = c.get("billing_mode") or "request"
            other = "instance" if today == "request" else "request"
            seconds = result.busy_instance_seconds[i] if other == "request" else result.alive_instance_seconds[i]
            usage = CloudRunUsage(
                billable_instance_seconds=float(seconds) * month,
                billing=other,
                vcpu=float(c.get("vcpu") or 1),
                memory_gib=float(c.get("memory_mb") or 512) / 1024,
                requests=float(result.requests[i]) * month,
                idle_min_instance_seconds=float(result.idle_min_instance_seconds[i]) * month
                if other == "request"
                else 0.0,
                region=ctx.info[r]["region"],
                free_tier=ctx.free_tier(),
            )
            out[r] = [
                Option(
                    RESIZE,
                    f"Cloud Run ({other}-based billing)",
                    "cloud-run",
                    "faas",
                    usages=(usage,),
                    cold_starts_per_month=float(result.cold_starts[i]) * month,
                    always_on=float(minimum),
                    assumptions=result.assumptions,
                )
            ]
    return out

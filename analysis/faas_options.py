"""Options on the FaaS side: an endpoint's or a serverless endpoint's traffic on functions, the hybrid
(k always-on instances with FaaS overflow), provisioned concurrency, and the peak-aware break-even.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np

from analysis.cold_forward import carried_init_ms, option_cold_starts
from analysis.context import Context
from analysis.endpoint_options import MEMORY_HEADROOM, endpoint_usage, memory_used_mb, target_endpoint
from analysis.options import MOVE, PROVISIONED, Latency, Option, faas_label, infeasible
from analysis.prices import Pricer, faas_rates, gcf_memory
from analysis.runs import FaasRows, faas_rows, groups, platform_model, prepared_rows
from analysis.sizing import Sized, policy_for
from common import limits
from common.services import FAAS_FOR, SERVICE_PROVIDER, short_label
from common.units import MONTH_SECONDS
from pricing import CloudFunctionsUsage, LambdaUsage, PricingError, ProvisionedUsage
from pricing.vectorised import lambda_provisioned_rates
from replay import (
    FaasModel,
    HybridPrices,
    ProvisionedPrices,
    break_even,
    floor_curve,
    hybrid_optimum,
    provisioned_costs,
)

K_CAP = 64  # always-on levels searched at most (a hybrid of more instances is an endpoint)
PC_CAP = 256
FIX_SHARE = 0.05  # a fix removes cold starts when at most this share of them is left


@dataclass(frozen=True)
class Target:
    service: str
    memory_mb: float
    architecture: str
    reason: str = ""

    @property
    def memory_gb(self) -> float:
        return self.memory_mb / 1024

    def key(self, region: str) -> Hashable:
        return (self.service, region, self.architecture, self.memory_mb if self.service == "cloud-functions" else 0)


def faas_target(ctx: Context, row: int) -> Target | None:
    """The FaaS platform a row's traffic would run on (today's for functions), or why it cannot."""
    service, c = ctx.info[row]["service"], ctx.configs[row]
    arch = c.get("architecture") or "x86_64"
    if service == "lambda":
        return Target("lambda", float(c.get("memory_mb") or 128), arch)
    if service == "cloud-functions":
        return Target("cloud-functions", float(gcf_memory(float(c.get("memory_mb") or 256))), "x86_64")
    if service == "cloud-run":
        return None
    target = FAAS_FOR[SERVICE_PROVIDER[service]]
    used = memory_used_mb(ctx, row)
    if service == "sagemaker-serverless":
        memory = float(used or 1024)
    else:
        memory = max(128.0, math.ceil(used * MEMORY_HEADROOM)) if used else float(limits.LAMBDA_MB_PER_VCPU)
    if target == "cloud-functions":
        memory = float(gcf_memory(memory))
    arch = ctx.params.architecture or "x86_64"
    name = short_label(target)
    spec = ctx.book.machines.get(c.get("instance_type") or "")
    top = limits.LAMBDA_MEMORY_MB[1] if target == "lambda" else limits.GCF_MEMORY_MB[-1]
    timeout = limits.LAMBDA_TIMEOUT_MS if target == "lambda" else limits.GCF_TIMEOUT_MS
    longest = float(ctx.max_duration_ms()[row])
    reason = ""
    if (spec is not None and spec.accelerator) or c.get("accelerator_type"):
        kind = (spec.accelerator if spec is not None and spec.accelerator else "") or c.get("accelerator_type")
        reason = f"the model runs on {kind}; {name} has no GPUs or accelerators"
    elif memory > top:
        reason = f"needs {memory:,.0f} MB of memory; {name} allows at most {top:,} MB"
    elif longest > timeout:
        reason = f"requests take up to {longest / 1000:,.0f} s; {name} stops them at {timeout / 1000:,.0f} s"
    return Target(target, memory, arch, reason)


def _model(ctx: Context, target: Target) -> FaasModel:
    return platform_model(target.service, ctx.params)


@dataclass
class FaasRuns:
    """The FaaS platform of every row that has one, and ``replay.faas`` run once per price group on it.

    Grouping by price key (service, region, architecture, and memory for Cloud Functions) lets the same
    prepared traffic serve the run, the hybrid search and the provisioned-concurrency curve, so the
    engine's per-row states are computed once.
    """

    targets: list[Target | None]
    usable: list[Target | None]
    groups: dict[Hashable, np.ndarray]
    models: dict[Hashable, FaasModel]
    side: FaasRows


def faas_runs(ctx: Context) -> FaasRuns:
    targets = [faas_target(ctx, r) for r in range(ctx.size)]
    usable = [t if t is not None and not t.reason else None for t in targets]
    keys = [t.key(ctx.info[r]["region"]) if t is not None else None for r, t in enumerate(usable)]
    models = {key: _model(ctx, usable[int(rows[0])]) for key, rows in groups(keys).items()}
    side = faas_rows(ctx.traffic, keys, models.__getitem__, ctx.cache)
    return FaasRuns(targets, usable, groups(keys), models, side)


def faas_side(ctx: Context, sized: dict[int, Sized], runs: FaasRuns) -> tuple[dict[int, list[Option]], np.ndarray]:
    """(options per row, break-even requests per month per row: NaN never, 0 the endpoint always wins)."""
    side = runs.side
    out: dict[int, list[Option]] = {r: [] for r in range(ctx.size)}
    mean_ms, p99_ms = ctx.latency()
    for r, t in enumerate(runs.targets):
        if t is None or ctx.info[r]["service"] in ("lambda", "cloud-functions"):
            continue
        if t.reason:
            out[r].append(infeasible(MOVE, short_label(t.service), t.service, "faas", t.reason))
            continue
        out[r].append(_faas_option(ctx, r, t, side, faas_label(t.service, t.memory_mb), mean_ms[r], p99_ms[r]))
    breaks = np.full(ctx.size, np.nan)
    for key, rows in runs.groups.items():
        t = runs.usable[int(rows[0])]  # the group's platform and prices; memory is each row's own
        try:
            rates = faas_rates(ctx.book, t.service, ctx.info[int(rows[0])]["region"], t.architecture, t.memory_mb)
            if any(ctx.info[int(r)]["service"] == "lambda" for r in rows):
                lambda_provisioned_rates(ctx.book, ctx.info[int(rows[0])]["region"], t.architecture)
        except PricingError:
            continue  # no prices there (an unknown region): the moves say so when priced, nothing else is modelled
        mine = [runs.usable[int(r)] for r in rows]
        endpoint = np.array([int(r) in sized and sized[int(r)].feasible for r in rows])
        _hybrids(ctx, rows, mine, endpoint, sized, side, Pricer(rates), runs.models[key], out)
        if endpoint.any():
            breaks[rows[endpoint]] = _break_even(
                ctx, rows[endpoint], [m for m, e in zip(mine, endpoint, strict=True) if e], sized, side, Pricer(rates)
            )
        lambdas = np.array([ctx.info[int(r)]["service"] == "lambda" for r in rows])
        if lambdas.any():
            _provisioned(ctx, rows, mine, lambdas, side, runs.models[key], out)
    return out, breaks


def faas_usage(ctx: Context, r: int, t: Target, requests: float, billed_ms: float) -> LambdaUsage | CloudFunctionsUsage:
    """Monthly FaaS usage; ``billed_ms`` per month, rounded per request and with billed init."""
    avg = billed_ms / requests if requests else 0.0
    region, free = ctx.info[r]["region"], ctx.free_tier()
    if t.service == "cloud-functions":
        return CloudFunctionsUsage(t.memory_mb, requests, avg, region=region, free_tier=free, rounded=True)
    storage = float(ctx.configs[r].get("ephemeral_storage_mb") or 512) if ctx.info[r]["service"] == "lambda" else 512.0
    return LambdaUsage(t.memory_mb, requests, avg, t.architecture, storage, None, region, free)


def _faas_option(ctx: Context, r: int, t: Target, side: FaasRows, label: str, mean: float, p99: float) -> Option:
    month = ctx.month(r)
    requests = float(side.requests[r]) * month
    billed = float(side.billed_ms[r] + side.init_billed_ms[r]) * month
    share = float(side.cold_starts[r] / side.requests[r]) if side.requests[r] > 0 else 0.0
    init = float(side.init_ms[r])
    return Option(
        MOVE,
        label,
        t.service,
        "faas",
        usages=(faas_usage(ctx, r, t, requests, billed),),
        cold_starts_per_month=float(side.cold_starts[r]) * month,
        assumptions=side.assumptions.get(r, ()),
        notes=tuple(side.notes.get(r, [])),
        latency=Latency(
            mean + share * init, (p99 + init if share >= 0.01 else p99) if np.isfinite(p99) else None, share, init
        ),
        details={"memory_mb": t.memory_mb},
    )


def _target_utilization(ctx: Context, r: int) -> float:
    return policy_for(target_endpoint(ctx.info[r]["service"]), ctx.params).target_utilization


def _hybrids(
    ctx: Context,
    rows: np.ndarray,
    targets: list[Target],
    endpoint: np.ndarray,
    sized: dict[int, Sized],
    side: FaasRows,
    pricer: Pricer,
    model: FaasModel,
    out: dict[int, list[Option]],
) -> None:
    """k always-on instances of the row's endpoint type with the FaaS overflow; the cheapest k, when a mix."""
    if not endpoint.any():
        return
    mean_ms, _ = ctx.latency()
    slots = np.array(
        [
            sized[int(r)].slots(mean_ms[r], _target_utilization(ctx, int(r))) if e else 1.0
            for r, e in zip(rows, endpoint, strict=True)
        ]
    )
    hour = np.array([sized[int(r)].hour_usd if e else 0.0 for r, e in zip(rows, endpoint, strict=True)])
    peak = np.nan_to_num(side.peak_concurrency[rows])
    k_max = np.where(endpoint, np.minimum(np.ceil(peak / slots), K_CAP), 0.0)
    prepared = prepared_rows(ctx.traffic, rows, ctx.cache)
    memory = np.array([t.memory_gb for t in targets])
    best = hybrid_optimum(prepared, model, slots, HybridPrices(hour, pricer, memory), k_max)
    chosen = np.where(endpoint, best.best_k, 0.0)
    mixed = np.flatnonzero(chosen >= 1)
    if not mixed.size or best.curve is None:
        return
    curve = best.curve  # the search's own curve: the chosen k's quantities, not a second replay of them
    position = np.cumsum(best.curve_needed) - 1  # row i's line in the curve (rows where it was needed)
    for i in mixed:
        j = int(position[i])
        r, k, t = int(rows[i]), int(best.best_k[i]), targets[i]
        if curve.faas_requests[j, k] <= 0:
            continue  # every request on the instances: that is the endpoint option, not a hybrid
        month = ctx.month(r)
        size = sized[r]
        target = target_endpoint(ctx.info[r]["service"])
        overflow = float(curve.faas_requests[j, k]) * month
        floor = k * float(slots[i])  # the measured count carried to the overflow (analysis.cold_forward)
        cold = option_cold_starts(ctx, r, t.service, prepared, int(i), model, floor, *curve.faas_cold_starts[j, [k, 0]])
        extra = carried_init_ms(model, float(side.init_ms[r]), cold, float(curve.faas_cold_starts[j, k]))
        billed = float(curve.faas_billed_ms[j, k] + curve.faas_init_ms[j, k] + extra) * month
        share = overflow / max(float(curve.requests[j]) * month, 1e-12)
        out[r].append(
            Option(
                MOVE,
                f"Hybrid: {k} × {size.instance_type} always on + {short_label(t.service)} for {share:.0%} of requests",
                f"{target}+{t.service}",
                "hybrid",
                usages=(
                    endpoint_usage(target, size.instance_type, k * 730.0, ctx.info[r]["region"]),
                    faas_usage(ctx, r, t, overflow, billed),
                ),
                cold_starts_per_month=cold * month,
                always_on=float(k),
                assumptions=curve.assumptions,
                details={"k": k, "slots": float(slots[i]), "instance_type": size.instance_type},
            )
        )


def _anchor_demand(ctx: Context, size: Sized) -> float:
    """The demand the break-even's endpoint is sized for at today's traffic: the autoscaled mean count's
    (so at the operating point it costs what the endpoint option costs), else the fixed size's quantile."""
    if size.autoscaled:
        return size.always_on * size.capacity_rps * (ctx.params.target_utilization or _policy_target(ctx, size))
    return size.demand_rps


def _policy_target(ctx: Context, size: Sized) -> float:
    return next((float(a.value) for a in size.assumptions if a.name == "target_utilization"), 0.7)


def _break_even(
    ctx: Context, rows: np.ndarray, targets: list[Target], sized: dict[int, Sized], side: FaasRows, pricer: Pricer
) -> np.ndarray:
    month = np.array([ctx.month(int(r)) for r in rows])
    memory = np.array([t.memory_gb for t in targets])
    result = break_even(
        side.requests[rows] * month,
        side.billed_ms[rows] / 1000.0 * month * memory,
        side.init_billed_ms[rows] / 1000.0 * month * memory,
        pricer,
        np.array([_anchor_demand(ctx, sized[int(r)]) for r in rows]),
        np.array([sized[int(r)].capacity_rps for r in rows]),
        np.array([sized[int(r)].hour_usd for r in rows]),
        target_utilization=_target_utilization(ctx, int(rows[0])),
        min_instances=max(1, ctx.params.min_instances),
    )
    return result.requests_per_month


def _provisioned(
    ctx: Context,
    rows: np.ndarray,
    targets: list[Target],
    lambdas: np.ndarray,
    side: FaasRows,
    model: FaasModel,
    out: dict[int, list[Option]],
) -> None:
    """Lambda with provisioned concurrency: the level that removes its cold starts (or the what-if's)."""
    region, t = ctx.info[int(rows[0])]["region"], targets[0]
    memory = np.array([target.memory_gb for target in targets])
    enabled, run = lambda_provisioned_rates(ctx.book, region, t.architecture)
    peak = np.nan_to_num(side.peak_concurrency[rows])
    wanted = ctx.params.provisioned_concurrency
    k_max = np.minimum(np.ceil(peak), PC_CAP) if wanted is None else np.full(rows.size, float(wanted))
    k_max = np.where(lambdas, k_max, 0.0)
    prepared = prepared_rows(ctx.traffic, rows, ctx.cache)
    curve = floor_curve(prepared, model, 1.0, k_max, rows=lambdas)  # only the Lambdas' curves are read
    rates = faas_rates(ctx.book, "lambda", region, t.architecture, t.memory_mb)
    costs = provisioned_costs(curve, ProvisionedPrices(enabled, run, Pricer(rates), memory))
    cold = costs.cold_starts_per_month
    for i, r in enumerate(rows):
        r, t = int(r), targets[i]
        if not lambdas[i]:
            continue
        if wanted is None:
            if cold[i, 0] < 1.0:
                continue
            left = np.flatnonzero((cold[i] <= FIX_SHARE * cold[i, 0]) & (curve.k >= 1) & (curve.k <= k_max[i]))
            if not left.size:
                continue
            level = int(curve.k[left[0]])
        else:
            level = int(wanted)
        month = ctx.month(r)
        spill = float(curve.faas_requests[i, level]) * month
        # the measured count carried to the level and to none (analysis.cold_forward), for what it removes
        carried = [
            option_cold_starts(ctx, r, "lambda", prepared, i, model, float(n), *curve.faas_cold_starts[i, [n, 0]])
            for n in (level, 0)
        ]
        extra = carried_init_ms(model, float(side.init_ms[r]), carried[0], float(curve.faas_cold_starts[i, level]))
        spill_ms = float(curve.faas_billed_ms[i, level] + curve.faas_init_ms[i, level] + extra) * month
        pool = float(curve.floor_requests[i, level]) * month
        pool_ms = float(curve.floor_billed_ms[i, level]) * month
        usage = faas_usage(ctx, r, t, spill + pool, 0.0)
        usage = LambdaUsage(
            usage.memory_mb,
            spill + pool,
            spill_ms / spill if spill else 0.0,
            usage.architecture,
            usage.ephemeral_storage_mb,
            ProvisionedUsage(level, MONTH_SECONDS, pool, pool_ms / pool if pool else 0.0),
            usage.region,
            usage.free_tier,
        )
        removed = 1.0 - carried[0] / carried[1] if carried[1] > 0 else 0.0
        out[r].append(
            Option(
                PROVISIONED,
                f"Lambda + provisioned concurrency {level} (removes {removed:.0%} of cold starts)",
                "lambda",
                "faas",
                usages=(usage,),
                cold_starts_per_month=carried[0] * month,
                always_on=float(level),
                assumptions=curve.assumptions,
                details={"level": level, "cold_starts_removed_share": removed},
            )
        )

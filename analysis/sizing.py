"""An endpoint for the measured traffic: which instance type, how many, fixed or autoscaled per minute.

Capacity per instance comes from what today's endpoint measurably carries (``replay.measured_capacity``:
requests per instance-second against CPU utilisation) when the resource is an endpoint, else from the
CPU share one request had on its function (one request per ``vCPU share`` of an instance, for its mean
duration). It moves between types with their vCPUs (a CPU-bound model server: stated). A type must
hold the model's memory and have the same kind of accelerator; burstable types are left out unless the
user fixes one (autoscaling at the target would spend their CPU credits).

Every type gets a fixed count sized for the 99th-percentile minute of demand at the target utilisation;
the two cheapest by that count are then autoscaled minute by minute (``replay.autoscale``, the
documented target-tracking alarms and delays), and the cheaper result is the recommendation: the
simulation is the expensive step, and it runs once per rank for every row of the estate together.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from analysis.params import ModelParams
from common.units import MONTH_HOURS
from pricing import PriceBook
from replay import Assumption, Limits, Prepared, ScalingPolicy, demand_quantile
from replay.endpoint import autoscale_each

BURSTABLE_PREFIXES = ("ml.t2.", "ml.t3.", "e2-micro", "e2-small", "e2-medium")
RANKS = 2
QUANTILE = 0.99


@dataclass(frozen=True)
class Candidate:
    name: str
    vcpu: float
    memory_gib: float
    accelerator: str
    hour_usd: float


@dataclass
class Sized:
    """One row's endpoint: the chosen type and count, its monthly instance-hours, what it rests on."""

    feasible: bool
    reason: str = ""
    instance_type: str = ""
    hour_usd: float = 0.0
    capacity_rps: float = 0.0  # per instance at 100 % CPU
    fixed_count: float = 0.0
    autoscaled: bool = True
    instance_hours_per_month: float = 0.0
    peak_instances: float = 0.0
    share_above_capacity: float = 0.0
    demand_rps: float = 0.0  # the quantile a fixed size carries
    candidates: list[tuple[str, float]] = field(default_factory=list)  # (type, fixed monthly USD)
    assumptions: tuple[Assumption, ...] = ()

    @property
    def always_on(self) -> float:
        return self.instance_hours_per_month / MONTH_HOURS

    def slots(self, mean_duration_ms: float, target: float) -> float:
        """Concurrent requests one instance serves at the target: capacity × mean duration (Little's law)."""
        return max(1.0, float(np.floor(self.capacity_rps * target * mean_duration_ms / 1000.0)))


def policy_for(
    service: str, params: ModelParams, minimum: int | None = None, maximum: int | None = None
) -> ScalingPolicy:
    changes: dict[str, object] = {"min_instances": params.min_instances if minimum is None else minimum}
    changes["max_instances"] = max(params.max_instances if maximum is None else maximum, changes["min_instances"], 1)
    if params.target_utilization is not None:
        changes["target_utilization"] = params.target_utilization
    return ScalingPolicy.vertex(**changes) if service == "vertex-endpoint" else ScalingPolicy.sagemaker(**changes)


def candidates(book: PriceBook, service: str, region: str, accelerator: str, fixed: str) -> list[Candidate]:
    """Priced types of ``service`` in ``region`` a model can run on: ``accelerator`` is the current type's
    (SageMaker types carry their accelerator; Vertex attaches one to any machine, so it does not narrow)."""
    out = []
    for spec, price in book.machine_types(service, region):
        if fixed and spec.name != fixed:
            continue
        if not fixed and spec.name.startswith(BURSTABLE_PREFIXES):
            continue
        if not fixed and spec.accelerator != accelerator:
            continue
        out.append(Candidate(spec.name, spec.vcpu, spec.memory_gib, spec.accelerator, price.usd))
    return out


@dataclass(frozen=True)
class Problem:
    """One row's sizing problem: the types it may use, its capacity per vCPU, memory, policy."""

    types: tuple[Candidate, ...]
    capacity_per_vcpu: float
    memory_gib: float
    policy: ScalingPolicy


def size_rows(prepared: Prepared, problems: list[Problem | None], autoscaling: bool) -> list[Sized | None]:
    """The endpoint of every row with a problem; the autoscaling runs once per rank for all rows together
    (the policies share their alarm shapes and delays; targets and bounds go per row: ``replay.Limits``)."""
    n = prepared.resources
    demand = demand_quantile(prepared, QUANTILE)
    ranked: list[list[tuple[int, float, float]]] = [[] for _ in range(n)]  # (type index, capacity, fixed count)
    for r, problem in enumerate(problems):
        if problem is None or not problem.types:
            continue
        target = problem.policy.target_utilization
        for j, kind in enumerate(problem.types):
            capacity = problem.capacity_per_vcpu * kind.vcpu
            if not (np.isfinite(capacity) and capacity > 0) or kind.memory_gib < problem.memory_gib:
                continue
            count = max(float(np.ceil(round(demand[r] / (capacity * target), 9))), max(problem.policy.min_instances, 1))
            ranked[r].append((j, capacity, count))
        ranked[r].sort(key=lambda item: (item[2] * problem.types[item[0]].hour_usd, problem.types[item[0]].name))
    ranks = RANKS if autoscaling else 0
    results: list[list[tuple[float, float, float]]] = [[] for _ in range(n)]  # per rank: (hours, share, peak)
    timing = next((p.policy for p in problems if p is not None), ScalingPolicy())
    capacities = []
    for rank in range(ranks):
        capacity = np.array([ranked[r][rank][1] if len(ranked[r]) > rank else np.nan for r in range(n)])
        if not np.isfinite(capacity).any():
            break
        capacities.append(capacity)
    limits = Limits(
        np.array([p.policy.target_utilization if p else 0.7 for p in problems]),
        np.array([float(p.policy.min_instances) if p else 1.0 for p in problems]),
        np.array([float(p.policy.max_instances) if p else 1.0 for p in problems]),
    )
    scaled = [np.where(np.isfinite(c), c, 1.0) for c in capacities]
    for capacity, run in zip(capacities, autoscale_each(prepared, scaled, timing, limits), strict=True):
        usable = np.isfinite(capacity)
        for r in np.flatnonzero(usable):
            results[r].append(
                (
                    float(run.instance_hours_per_month[r]),
                    float(run.share_above_capacity[r]),
                    float(run.peak_instances[r]),
                )
            )
    return [_choose(problems[r], ranked[r], results[r], float(demand[r]), autoscaling) for r in range(n)]


def _choose(
    problem: Problem | None,
    ranked: list[tuple[int, float, float]],
    runs: list[tuple[float, float, float]],
    demand: float,
    autoscaling: bool,
) -> Sized | None:
    if problem is None:
        return None
    policy = problem.policy
    assumptions = (
        *policy.assumptions(),
        Assumption("capacity_scales_with_vcpu", True, "", "requests/s per instance moves between types with vCPUs"),
        Assumption("fixed_size_quantile", QUANTILE, "", "a fixed count carries this quantile of minute demand"),
        Assumption("burstable_types", "excluded", "", "unless fixed: autoscaling at the target spends CPU credits"),
    )
    if not problem.types:
        return Sized(False, "no priced type of this kind in this region", assumptions=assumptions)
    if not ranked:
        known = np.isfinite(problem.capacity_per_vcpu) and problem.capacity_per_vcpu > 0
        reason = (
            "no priced type holds the model's memory"
            if known
            else "capacity per instance unknown (no CPU utilisation measured)"
        )
        return Sized(False, reason, assumptions=assumptions)
    pick = 0
    if autoscaling and runs:
        pick = min(range(len(runs)), key=lambda i: runs[i][0] * problem.types[ranked[i][0]].hour_usd)
    j, capacity, count = ranked[pick]
    kind = problem.types[j]
    hours, share, peak = runs[pick] if autoscaling and runs else (count * MONTH_HOURS, 0.0, count)
    return Sized(
        True,
        instance_type=kind.name,
        hour_usd=kind.hour_usd,
        capacity_rps=capacity,
        fixed_count=count,
        autoscaled=autoscaling and bool(runs),
        instance_hours_per_month=hours,
        peak_instances=peak,
        share_above_capacity=share,
        demand_rps=demand,
        candidates=[(problem.types[i].name, c * MONTH_HOURS * problem.types[i].hour_usd) for i, _, c in ranked],
        assumptions=assumptions,
    )

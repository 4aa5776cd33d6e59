"""Hybrid: k always-on endpoint instances carry the base load, the overflow goes to FaaS. Cost curve over k.

The aggregate-input path: ``estimate``/``compare`` take a USAGE.json of monthly totals, with no series to
replay, so this closed-form model serves them; the dashboard and ``report`` replay measured traffic
(``replay/``, ``analysis/``) instead."""

from __future__ import annotations

from common.units import MONTH_HOURS
from pricing.alternatives import faas_to_endpoint
from pricing.assumptions import AlternativeResult, Assumption
from pricing.book import PriceBook
from pricing.lines import Estimate
from pricing.series import UsageSeries
from pricing.targets import EndpointConfig, FaasConfig, slots_per_instance


def hybrid(
    series: UsageSeries,
    book: PriceBook,
    faas: FaasConfig,
    endpoint: EndpointConfig,
    *,
    peak_factor: float = 1.5,
    target_utilization: float = 0.7,
    max_always_on: int | None = None,
    faas_infeasible_reason: str = "",
) -> AlternativeResult:
    """Cost of k = 0..K always-on instances plus FaaS for what they cannot carry; the cheapest k wins.

    In each period the k instances carry ``k × slots × target utilisation`` concurrent requests; the share of
    the period's requests beyond that (against mean concurrency × peak factor) overflows to FaaS. k = 0 is
    pure FaaS; K defaults to the most instances an autoscaled endpoint would need in any period.
    """
    sized = faas_to_endpoint(
        series,
        book,
        faas,
        EndpointConfig(endpoint.service, endpoint.region, endpoint.instance_type),
        peak_factor=peak_factor,
        target_utilization=target_utilization,
    )
    assumptions = [
        Assumption("peak_factor", peak_factor, "x", "peak concurrency within a period relative to its mean"),
        Assumption("target_utilization", target_utilization, "fraction", "how busy the always-on instances run"),
    ]
    if sized.estimate is None:
        return AlternativeResult(
            f"{endpoint.service}+{faas.service}", "hybrid", False, sized.reason, tuple(assumptions)
        )
    instance_type = sized.assumption("instance_type")
    spec = book.machines[instance_type]
    slots = slots_per_instance(spec, faas.vcpu_share(book), faas.memory_mb)
    top = max_always_on if max_always_on is not None else max(1, int(sized.details["max_instances"]))
    needs = [c * peak_factor for c in series.concurrency()]
    curve, best = [], None
    for k in range(top + 1):
        capacity = k * slots * target_utilization
        overflow = [
            n * (1 - min(1.0, capacity / need)) if need > 0 else 0.0
            for n, need in zip(series.invocations, needs, strict=True)
        ]
        overflow_requests = sum(overflow) * series.month_factor
        overflow_ms = sum(o * d for o, d in zip(overflow, series.duration_ms_avg, strict=True)) * series.month_factor
        faas_cost = faas.cost(book, overflow_requests, overflow_ms / overflow_requests if overflow_requests else 0.0)
        endpoint_cost = endpoint.cost(book, instance_type, k * MONTH_HOURS)
        feasible = not (faas_infeasible_reason and overflow_requests > 0)
        point = {
            "always_on": k,
            "endpoint_usd": endpoint_cost.total_usd,
            "faas_usd": faas_cost.total_usd,
            "total_usd": round(endpoint_cost.total_usd + faas_cost.total_usd, 2),
            "overflow_requests_per_month": round(overflow_requests, 1),
            "feasible": feasible,
        }
        curve.append(point)
        if feasible and (best is None or point["total_usd"] < best[0]["total_usd"]):
            best = (point, endpoint_cost, faas_cost)
    assumptions += [
        Assumption("instance_type", instance_type, "", "always-on instance type (cheapest feasible unless fixed)"),
        Assumption("slots_per_instance", round(slots, 3), "concurrent requests", "per always-on instance"),
        Assumption("max_always_on", top, "instances", "largest k on the curve"),
    ]
    if best is None:
        return AlternativeResult(
            f"{endpoint.service}+{faas.service}",
            "hybrid",
            False,
            f"no k up to {top} avoids overflow, and {faas_infeasible_reason}",
            tuple(assumptions),
            details={"curve": curve},
        )
    point, endpoint_cost, faas_cost = best
    combined = Estimate(
        f"{endpoint.service}+{faas.service}", endpoint.region, endpoint_cost.lines + faas_cost.lines, faas_cost.notes
    )
    assumptions.append(Assumption("always_on", point["always_on"], "instances", "cheapest k on the curve"))
    return AlternativeResult(
        combined.service,
        "hybrid",
        True,
        "",
        tuple(assumptions),
        combined,
        {"curve": curve, "best_always_on": point["always_on"]},
    )

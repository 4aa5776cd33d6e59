"""What each configuration segment costs per month as it runs today, priced from its measured usage.

Quantities come from the same cells the engine counts (``replay.prepare``: minutes where they exist,
the rest of each hour otherwise, partial hours at the span's edges), so today and every alternative
rest on exactly the same measured span; the span is then scaled to a 730-hour month. Billed quantities
are taken as measured where the data has them (Lambda's billed duration from REPORT lines, Cloud Run's
billable instance time, endpoints' running instances); otherwise the engine's per-request rounding of
today's platform stands in, and the note says so. Every line keeps its price's source.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from analysis.inputs import Rows, Segment
from analysis.prices import gcf_memory, rests_on_unconfirmed
from analysis.runs import FaasRows
from common.limits import SERVERLESS_MEMORY_MB
from common.units import MONTH_SECONDS
from pricing import (
    CloudFunctionsUsage,
    CloudRunUsage,
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
from replay import Prepared

KNOWN_SHARE = 0.99  # a billed metric counts as measured when it covers this share of the requests


@dataclass(frozen=True)
class TodayCost:
    """One segment's monthly cost (730 h) today; ``monthly_usd`` None when it cannot be priced."""

    monthly_usd: float | None
    list_monthly_usd: float | None
    estimate: Estimate | None
    notes: tuple[str, ...] = ()
    error: str = ""
    incomplete: bool = False  # a priced part is missing (a GPU without a confirmed price)
    unconfirmed: bool = False  # a line rests on an unconfirmed price


class Sums:
    """Window totals per row of measured metrics over the cells the engine counts (each computed once for
    every row and memoised, so a loop over rows stays linear)."""

    def __init__(self, rows: Rows, prepared: Prepared) -> None:
        self.rows, self.prepared = rows, prepared
        self._memo: dict[tuple, Any] = {}

    def _once(self, key: tuple, compute: Any) -> Any:
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def _blocks(self, name: str) -> list[tuple[Any, np.ndarray]]:
        out = []
        for block in self.prepared.blocks:
            hourly = block.panel.period_s == 3600
            extra = self.rows.extra_hours if hourly else self.rows.extra_minutes
            values = extra.get(name) if name in extra else block.panel.metric(name)
            if values is not None:
                out.append((block, values))
        return out

    def total(self, name: str) -> np.ndarray:
        """Σ of a count over counted cells (spread counts weighted by the share each block counts)."""
        return self._once(("total", name), lambda: self._total(name))

    def _total(self, name: str) -> np.ndarray:
        total = np.zeros(self.rows.size)
        for block, values in self._blocks(name):
            np.add.at(total, block.rows, np.where(block.counted, np.nan_to_num(values) * block.weight, 0.0).sum(axis=1))
        return total

    def known_share(self, name: str) -> np.ndarray:
        """Share of the counted requests in cells where ``name`` was measured."""
        return self._once(("known", name), lambda: self._known_share(name))

    def _known_share(self, name: str) -> np.ndarray:
        known, total = np.zeros(self.rows.size), np.zeros(self.rows.size)
        for block, values in self._blocks(name):
            requests = np.where(block.counted, block.requests, 0.0)
            np.add.at(known, block.rows, np.where(~np.isnan(values), requests, 0.0).sum(axis=1))
        for block in self.prepared.blocks:
            np.add.at(total, block.rows, np.where(block.counted, block.requests, 0.0).sum(axis=1))
        return np.where(total > 0, known / np.maximum(total, 1e-12), 1.0)

    def seconds_of(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(Σ value × counted seconds, counted seconds where measured): a gauge's time integral."""
        return self._once(("seconds", name), lambda: self._seconds_of(name))

    def _seconds_of(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        integral, seconds = np.zeros(self.rows.size), np.zeros(self.rows.size)
        for block, values in self._blocks(name):
            known = block.counted & ~np.isnan(values)
            np.add.at(integral, block.rows, np.where(known, values * block.seconds, 0.0).sum(axis=1))
            np.add.at(seconds, block.rows, np.where(known, block.seconds, 0.0).sum(axis=1))
        return integral, seconds

    def request_time(self) -> np.ndarray:
        """Σ requests × mean duration (ms): the measured execution time."""
        return self._once(("request_time",), self._request_time)

    def _request_time(self) -> np.ndarray:
        total = np.zeros(self.rows.size)
        for block in self.prepared.blocks:
            work = np.where(block.counted, block.requests * np.nan_to_num(block.panel.duration_ms_avg), 0.0)
            np.add.at(total, block.rows, work.sum(axis=1))
        return total

    def pool_share_requests(self, row: int, level: float) -> float:
        """Requests a provisioned pool of ``level`` served on ``row``, cell by cell from mean concurrency.

        Only the row's own cells are read: it is asked once per row with provisioned concurrency, and a
        pass over every row's cells each time made today's cost quadratic in the estate."""
        total = 0.0
        for block in self.prepared.blocks:
            at = np.flatnonzero(block.rows == row)
            if not at.size:
                continue
            panel, counted = block.panel, block.counted[at]
            with np.errstate(invalid="ignore", divide="ignore"):
                rate = np.where(counted, panel.requests[at] / np.maximum(panel.covered_s[at], 1e-9), 0.0)
            concurrency = rate * np.nan_to_num(panel.duration_ms_avg[at]) / 1000.0
            share = np.minimum(1.0, level / np.maximum(concurrency, 1e-9))
            for value in np.where(counted, block.requests[at] * share, 0.0).sum(axis=1):
                total += float(value)
        return total


def today_costs(
    rows: Rows,
    prepared: Prepared,
    info: list[dict[str, Any]],
    books: list[PriceBook],
    platform: FaasRows,
    free_tier: bool,
    endpoint_hours: dict[int, float] | None = None,
) -> list[TodayCost]:
    """Today's monthly cost of every row (segment); ``info[i]`` is the row's resource identity.

    ``endpoint_hours`` (instance-hours per month by row) replaces the measured instance count: under a
    what-if, today's endpoint is its own type autoscaled on the changed traffic."""
    sums = Sums(rows, prepared)
    out = []
    for i, seg in enumerate(rows.segments):
        measured = float(prepared.measured_s[i])
        if i in rows.problems or measured <= 0:
            out.append(TodayCost(None, None, None, error=rows.problems.get(i, "no measured periods")))
            continue
        notes: list[str] = []
        try:
            usage = _usage(i, seg, info[i], sums, platform, MONTH_SECONDS / measured, free_tier, notes)
            if endpoint_hours and i in endpoint_hours and hasattr(usage, "hours"):
                usage = replace(usage, hours=endpoint_hours[i])
                notes.append("what-if: today's endpoint autoscaled at its own type on the changed traffic")
            est = estimate(usage, books[i])
        except PricingError as exc:
            out.append(TodayCost(None, None, None, tuple(notes), error=str(exc)))
            continue
        incomplete = False
        accelerator = seg.config.get("accelerator_type")
        if accelerator and info[i]["service"] == "vertex-endpoint":
            incomplete = True
            notes.append(
                f"{seg.config.get('accelerator_count') or 1} × {accelerator} per replica is NOT included: no "
                "accelerator price could be confirmed (set one in your price overrides file)"
            )
        notes.extend(est.notes)
        out.append(
            TodayCost(
                est.total_usd,
                est.list_total_usd,
                est,
                tuple(dict.fromkeys(notes)),
                incomplete=incomplete,
                unconfirmed=rests_on_unconfirmed(est),
            )
        )
    return out


def _usage(
    i: int,
    seg: Segment,
    who: dict[str, Any],
    sums: Sums,
    platform: FaasRows,
    factor: float,
    free_tier: bool,
    notes: list[str],
) -> Any:
    service, region, c = who["service"], who["region"], seg.config
    requests = float(sums.prepared.requests[i])
    if service == "lambda":
        return _lambda(i, c, region, sums, platform, requests, factor, free_tier, notes)
    if service in ("sagemaker-endpoint", "vertex-endpoint"):
        kind = c.get("instance_type")
        if not kind:
            raise PricingError("no instance or machine type is known for this endpoint")
        hours = instance_seconds(i, c, sums, notes) / 3600 * factor
        if service == "sagemaker-endpoint":
            return SageMakerEndpointUsage(instance_type=kind, instance_count=1, hours=hours, region=region)
        return VertexEndpointUsage(machine_type=kind, replicas=1, hours=hours, region=region)
    mean_ms = float(sums.request_time()[i]) / requests if requests else 0.0
    if service == "sagemaker-serverless":
        memory = int(c.get("memory_mb") or 1024)
        memory = min((s for s in SERVERLESS_MEMORY_MB if s >= memory), default=SERVERLESS_MEMORY_MB[-1])
        notes.append(
            "billed duration taken as the model latency; data processed in/out is not measured ($0.016 per GB "
            "each way is not included)"
        )
        return SageMakerServerlessUsage(memory, requests * factor, mean_ms, region=region, free_tier=free_tier)
    if service == "cloud-functions":
        billed = float(platform.billed_ms[i]) / requests if requests and platform.has(i) else mean_ms
        notes.append("network egress is not measured and not included")
        return CloudFunctionsUsage(
            gcf_memory(float(c.get("memory_mb") or 256)),
            requests * factor,
            billed,
            region=region,
            free_tier=free_tier,
            rounded=platform.has(i),
        )
    if service == "cloud-run":
        return _cloud_run(i, c, region, sums, requests, mean_ms, factor, free_tier, notes)
    raise PricingError(f"no cost model for service {service!r}")


def instance_seconds(i: int, c: dict[str, Any], sums: Sums, notes: list[str]) -> float:
    """Running instance-seconds: measured ``instances_avg``; unmeasured time at the measured mean; else the
    configured count."""
    integral, seconds = sums.seconds_of("instances_avg")
    span = float(sums.prepared.measured_s[i])
    if seconds[i] > 0:
        mean = integral[i] / seconds[i]
        if seconds[i] < span - 1:
            notes.append(
                f"instance-hours from the measured instance count ({seconds[i] / span:.0%} of the time measured; "
                "the rest at its mean)"
            )
        else:
            notes.append("instance-hours from the measured instance count")
        return float(mean * span)
    count = float(c.get("instance_count") or 1)
    notes.append(f"instance-hours from the configured count ({count:g}): no instance metric")
    return count * span


def _lambda(
    i: int,
    c: dict[str, Any],
    region: str,
    sums: Sums,
    platform: FaasRows,
    requests: float,
    factor: float,
    free_tier: bool,
    notes: list[str],
) -> LambdaUsage:
    if requests and sums.known_share("billed_duration_ms_sum")[i] >= KNOWN_SHARE:
        billed = float(sums.total("billed_duration_ms_sum")[i]) / float(sums.known_share("billed_duration_ms_sum")[i])
        notes.append("duration priced from billed milliseconds (REPORT lines: rounded up per request, init included)")
    else:
        measured_cold = platform.cold_starts_measured[i]
        cold = (
            measured_cold if np.isfinite(measured_cold) else platform.cold_starts[i] + platform.startup_cold_starts[i]
        )
        billed = float(platform.billed_ms[i] + np.nan_to_num(cold) * platform.init_ms[i]) if platform.has(i) else 0.0
        notes.append(
            "no billed-duration data: each request's duration rounded up to 1 ms from the measured latency "
            "percentiles, init billed on each cold start (enable Logs Insights for exact figures)"
        )
    avg = billed / requests if requests else 0.0
    provisioned = None
    integral, seconds = sums.seconds_of("provisioned_concurrency")
    span = float(sums.prepared.measured_s[i])
    if seconds[i] > 0:
        level = float(integral[i] / span)
        basis = "the measured provisioned_concurrency (time without it: none)"
    else:
        level = float(c.get("provisioned_concurrency") or 0)
        basis = "the configuration (no provisioned_concurrency metric): enabled all the time"
    if level > 0:
        on_pool = sums.pool_share_requests(i, level)
        provisioned = ProvisionedUsage(
            concurrency=level, seconds=span * factor, requests=on_pool * factor, avg_duration_ms=avg
        )
        notes.append(
            f"provisioned concurrency {level:,.2f} on average, from {basis}; requests it served estimated period "
            "by period from mean concurrency"
        )
    return LambdaUsage(
        memory_mb=float(c.get("memory_mb") or 128),
        requests=requests * factor,
        avg_duration_ms=avg,
        architecture=c.get("architecture") or "x86_64",
        ephemeral_storage_mb=float(c.get("ephemeral_storage_mb") or 512),
        provisioned=provisioned,
        region=region,
        free_tier=free_tier,
    )


def _cloud_run(
    i: int,
    c: dict[str, Any],
    region: str,
    sums: Sums,
    requests: float,
    mean_ms: float,
    factor: float,
    free_tier: bool,
    notes: list[str],
) -> CloudRunUsage:
    billing = c.get("billing_mode") or "request"
    span = float(sums.prepared.measured_s[i])
    if sums.known_share("billable_instance_ms_sum")[i] >= KNOWN_SHARE and requests:
        seconds = float(sums.total("billable_instance_ms_sum")[i]) / 1000
        notes.append("instance time from Cloud Run's billable_instance_time")
    elif billing == "instance" and sums.seconds_of("instances_avg")[1][i] > 0:
        seconds = instance_seconds(i, c, sums, notes)
        notes.append("instance-based billing: instance time from the measured instance count")
    else:
        seconds = requests * mean_ms / 1000
        notes.append(
            "no billable-instance-time metric: estimated as requests × average duration (one request per "
            "instance at a time)"
        )
    idle = 0.0
    min_instances = float(c.get("min_instances") or 0)
    if billing == "request" and min_instances:
        idle = max(0.0, min_instances * span - seconds)
        notes.append(f"{min_instances:g} min instance(s): idle time billed at the idle rate")
    return CloudRunUsage(
        billable_instance_seconds=seconds * factor,
        billing=billing,
        vcpu=float(c.get("vcpu") or 1),
        memory_gib=float(c.get("memory_mb") or 512) / 1024,
        requests=requests * factor,
        avg_duration_ms=mean_ms or None,
        idle_min_instance_seconds=idle * factor,
        region=region,
        free_tier=free_tier,
    )

"""``assess_resource``: one resource in full — the lines behind every figure, each option's assumptions,
the hybrid curve, the break-even with the operating point, cold starts and the cost of removing them,
latency per pattern, cost per day and the configuration history.

It runs the same assessment as ``assess_estate`` on that one resource (resources never interact), so
its row is the estate's row for it, number for number; the curves are computed only here.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from analysis.daily import daily
from analysis.estate import Run, run_panels
from analysis.faas_options import K_CAP, FaasRuns, faas_runs
from analysis.options import PROVISIONED, Option
from analysis.params import ModelParams
from analysis.prices import Pricer, faas_rates, plain_lines
from analysis.runs import platform_model
from analysis.summary import _describe, iso, summarise
from analysis.types import (
    AssumptionRow,
    ColdStarts,
    Curve,
    OptionDetail,
    Period,
    ResourceDetail,
)
from analysis.verdicts import option_row
from common.units import MONTH_HOURS
from pricing import PriceBook, PricingError
from replay import HybridPrices, break_even, floor_curve, hybrid_costs
from store import queries as q


def assess_resource(
    path: Path,
    resource_id: str,
    filters: q.Filters,
    params: ModelParams | None = None,
    book: PriceBook | None = None,
) -> ResourceDetail | None:
    """The resource's detail over the filters' window (None when the filters do not select it)."""
    panels = q.usage_panels(path, replace(filters, resource_ids=(resource_id,)))
    if not panels.size:
        return None
    run = run_panels(panels, params or ModelParams(), book)
    return detail_of(run)


def detail_of(run: Run) -> ResourceDetail:
    estate = summarise(run)
    row = estate.rows[0]
    history = tuple((iso(at), values) for at, values in (run.panels.configs[0] if run.panels.configs else ()))
    periods = [
        Period(iso(seg.start_s), iso(seg.end_s), _describe(seg.config), cost.monthly_usd, False)
        for seg, cost in run.older
    ]
    ctx = run.ctx
    if ctx is None:
        return ResourceDetail(row, (), (), (), None, None, None, None, tuple(periods), history, row.notes)
    seg = ctx.rows.segments[0]
    periods.append(Period(iso(seg.start_s), iso(seg.end_s), _describe(seg.config), run.today[0].monthly_usd, True))
    runs = run.runs or faas_runs(ctx)
    options = tuple(_option_detail(o, run.today[0].monthly_usd) for o in run.options[0])
    return ResourceDetail(
        row=row,
        today_lines=plain_lines(run.today[0].estimate),
        today_notes=tuple(dict.fromkeys([*run.today[0].notes, *ctx.platform.notes.get(0, [])])),
        options=options,
        hybrid=_hybrid_curve(run, runs),
        break_even=_break_even_curve(run, runs, row.requests_per_month),
        cold_starts=_cold_starts(run, row),
        daily=daily(run.panels, ctx, runs, run.sized, run.options[0]),
        periods=tuple(periods),
        config_history=history,
        notes=row.notes,
    )


def _option_detail(option: Option, today_usd: float | None) -> OptionDetail:
    assumptions = tuple(AssumptionRow(a.name, a.value, a.unit, a.why, a.confidence) for a in option.assumptions)
    latency = option.latency
    return OptionDetail(
        option_row(option, today_usd),
        plain_lines(option.estimate),
        assumptions,
        tuple(option.notes),
        latency.mean_ms if latency else None,
        latency.p99_ms if latency else None,
    )


def _slots(run: Run) -> float:
    ctx = run.ctx
    size = run.sized.get(0)
    mean_ms, _ = ctx.latency()
    target = next((float(a.value) for a in size.assumptions if a.name == "target_utilization"), 0.7)
    return size.slots(float(mean_ms[0]), target)


def _hybrid_curve(run: Run, runs: FaasRuns) -> Curve | None:
    """Monthly cost over k = 0..K always-on instances (k = 0: FaaS alone), with the cheapest k."""
    ctx, size, target = run.ctx, run.sized.get(0), runs.usable[0]
    if target is None or size is None or not size.feasible:
        return None
    slots = _slots(run)
    peak = float(np.nan_to_num(runs.side.peak_concurrency[0]))
    k_max = float(min(np.ceil(peak / slots), K_CAP))
    if k_max < 1:
        return None
    model = platform_model(target.service, ctx.params)
    try:
        rates = faas_rates(ctx.book, target.service, ctx.info[0]["region"], target.architecture, target.memory_mb)
    except PricingError:
        return None
    curve = floor_curve(ctx.prepared, model, slots, k_max)
    costs = hybrid_costs(curve, HybridPrices(size.hour_usd, Pricer(rates), target.memory_gb))
    total = costs.monthly_usd[0]
    endpoint = curve.k * MONTH_HOURS * size.hour_usd
    valid = np.isfinite(total)
    return Curve(
        tuple(float(k) for k in curve.k[valid]),
        {
            "always-on endpoint": tuple(float(v) for v in endpoint[valid]),
            "FaaS overflow": tuple(float(v) for v in (total - endpoint)[valid]),
            "total": tuple(float(v) for v in total[valid]),
        },
        optimum_x=float(costs.best_k[0]),
        notes=(f"{size.instance_type}, {slots:g} concurrent requests per instance at the target utilisation",),
    )


def _break_even_curve(run: Run, runs: FaasRuns, requests_now: float | None) -> Curve | None:
    """FaaS and endpoint cost against monthly requests (the measured shape scaled), with today's volume."""
    ctx, size, target = run.ctx, run.sized.get(0), runs.usable[0]
    if target is None or size is None or not size.feasible or not requests_now:
        return None
    from analysis.faas_options import _anchor_demand

    side, month = runs.side, ctx.month(0)
    try:
        rates = faas_rates(ctx.book, target.service, ctx.info[0]["region"], target.architecture, target.memory_mb)
    except PricingError:
        return None
    target_util = next((float(a.value) for a in size.assumptions if a.name == "target_utilization"), 0.7)
    result = break_even(
        np.array([side.requests[0] * month]),
        np.array([side.billed_ms[0] / 1000.0 * month * target.memory_gb]),
        np.array([side.init_billed_ms[0] / 1000.0 * month * target.memory_gb]),
        Pricer(rates),
        np.array([_anchor_demand(ctx, size)]),
        np.array([size.capacity_rps]),
        np.array([size.hour_usd]),
        target_utilization=target_util,
        min_instances=max(1, ctx.params.min_instances),
    )
    x = result.curve_alpha * requests_now
    keep = (x >= requests_now / 100) & (x <= requests_now * 100)
    crossing = result.requests_per_month[0]
    return Curve(
        tuple(float(v) for v in x[keep]),
        {
            f"{target.service} ({target.memory_mb:,.0f} MB)": tuple(float(v) for v in result.curve_faas_usd[0][keep]),
            f"{size.instance_type} endpoint": tuple(float(v) for v in result.curve_endpoint_usd[0][keep]),
        },
        optimum_x=float(crossing) if np.isfinite(crossing) else None,
        operating_x=float(requests_now),
        notes=tuple(a.why for a in result.assumptions),
    )


def _cold_starts(run: Run, row, r: int = 0) -> ColdStarts | None:  # noqa: ANN001
    """Measured and modelled cold starts, their latency, and what removing them costs (``r``: the run's row,
    so the Cold starts page reads every resource of one estate run through this same code)."""
    ctx = run.ctx
    platform = ctx.platform
    if not platform.has(r):
        return None
    month = ctx.month(r)
    forward = ctx.cold
    measured = forward.measured[r]
    modelled = float(platform.cold_starts[r]) * month
    requests = float(platform.requests[r])
    cold = float(forward.estimate[r]) if np.isfinite(measured) else float(platform.cold_starts[r])
    share = cold / requests if requests else None
    init = float(platform.init_ms[r])
    today = row.current.monthly_usd
    fixes = []
    for option in run.options[r]:
        usd = option.monthly_usd
        if usd is None or option.cold_starts_per_month is None:
            continue
        removes = option.kind == PROVISIONED or option.pattern == "endpoint"
        if removes:
            fixes.append((option.label, None if today is None else usd - today, option.cold_starts_per_month))
    cheapest = min((f for f in fixes if f[1] is not None), key=lambda f: f[1], default=None)
    return ColdStarts(
        measured_per_month=float(measured) * month if np.isfinite(measured) else None,
        modelled_per_month=modelled,
        init_ms=init,
        init_measured=bool(platform.init_measured[r]),
        share_of_requests=share,
        added_latency_ms=share * init if share is not None else None,
        fixes=tuple(fixes),
        cheapest_fix=cheapest[0] if cheapest else None,
        estimate_per_month=cold * month,
        modelled_base_per_month=float(forward.modelled_base[r]) * month if np.isfinite(measured) else None,
        seen_per_month=float(forward.seen[r]) * month if np.isfinite(measured) else None,
        unseen_per_month=float(forward.unseen[r]) * month if np.isfinite(measured) else None,
        seen_growth=float(forward.cold_growth[r]) if np.isfinite(measured) else None,
        unseen_growth=float(forward.warm_growth[r]) if np.isfinite(measured) else None,
        rule=forward.rule[r],
    )

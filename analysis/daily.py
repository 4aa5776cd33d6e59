"""Cost per day over the window, today against each option, for the resource in view.

Each UTC day of the current configuration is an engine row of its own (the rows never interact), so
every pattern is replayed on each day's traffic: today's cost from the day's measured quantities, a
function from the day's warm pool, an endpoint from the day's autoscaling, a hybrid from the day's
overflow at the chosen k. Each day is priced as a month (the tiers apply to monthly volumes) and scaled
back to the day's measured seconds, so the days of a series add up to the window's figures.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from analysis.context import Context
from analysis.faas_options import FaasRuns
from analysis.inputs import apply_what_if, build_rows
from analysis.options import DELETE, Option
from analysis.prices import Pricer, faas_rates
from analysis.runs import PLATFORMS, faas_rows, platform_model
from analysis.sizing import Sized, policy_for
from analysis.today import today_costs
from analysis.types import Curve
from common.units import MONTH_HOURS, MONTH_SECONDS
from pricing import PricingError
from replay import autoscale, faas, floor_curve, prepare
from store.panels import UsagePanels

DAY_S = 86_400


def daily(
    panels: UsagePanels, ctx: Context, runs: FaasRuns, sized: dict[int, Sized], options: list[Option]
) -> Curve | None:
    """Row 0 of ``ctx`` (the resource in view), one point per UTC day it has data."""
    seg = ctx.rows.segments[0]
    first = seg.start_s - seg.start_s % DAY_S
    days = [
        replace(seg, start_s=max(seg.start_s, d), end_s=min(seg.end_s, d + DAY_S), starts_cold=False)
        for d in np.arange(first, seg.end_s, DAY_S, dtype=float)
    ]
    if len(days) < 2:
        return None
    rows = build_rows(panels, days)
    traffic = apply_what_if(rows.traffic, ctx.params)
    prepared = prepare(traffic)
    share = prepared.measured_s / MONTH_SECONDS  # a month-equivalent × this = the day's dollars
    who = ctx.info[0]
    series: dict[str, tuple[float, ...]] = {}
    keys = [who["service"] if who["service"] in PLATFORMS else None] * len(days)
    platform = faas_rows(traffic, keys, lambda k: platform_model(k, ctx.params))
    today = today_costs(rows, prepared, [who] * len(days), [ctx.book] * len(days), platform, False)
    series["today"] = tuple(float(t.monthly_usd or 0.0) * s for t, s in zip(today, share, strict=True))
    month = np.where(prepared.measured_s > 0, MONTH_SECONDS / np.maximum(prepared.measured_s, 1e-9), 0.0)
    target = runs.usable[0]
    size = sized.get(0)
    for option in options:
        if not option.feasible:
            continue
        try:
            usd = _option_days(option, ctx, target, size, prepared, month)
        except PricingError:
            usd = None
        if usd is not None:
            series[option.label] = tuple(float(v) for v in usd * share)
    return Curve(tuple(float(d) for d in np.arange(first, seg.end_s, DAY_S)), series)


def _option_days(option: Option, ctx, target, size, prepared, month: np.ndarray) -> np.ndarray | None:  # noqa: ANN001
    """Monthly-equivalent USD of ``option`` on each day row (None for a kind not replayed per day)."""
    who = ctx.info[0]
    if option.kind == DELETE:
        return np.zeros(prepared.resources)
    if option.pattern == "endpoint" and size is not None and size.feasible:
        policy = policy_for(option.service, ctx.params)
        run = autoscale(prepared, np.full(prepared.resources, size.capacity_rps), policy)
        return run.instance_hours_per_month * size.hour_usd
    if target is None:
        return None
    model = platform_model(target.service, ctx.params)
    pricer = Pricer(faas_rates(ctx.book, target.service, who["region"], target.architecture, target.memory_mb))
    if option.pattern == "faas" and option.service == target.service and option.kind == "move":
        result = faas(prepared, model)
        return pricer(result.monthly(result.requests), result.monthly(result.billed_seconds) * target.memory_gb)
    if option.pattern == "hybrid" and size is not None:
        k = int(option.details.get("k", 0))
        slots = float(option.details.get("slots", 1.0))
        curve = floor_curve(prepared, model, slots, np.full(prepared.resources, float(k)))
        overflow = (curve.faas_billed_ms[:, k] + curve.faas_init_ms[:, k]) / 1000.0 * month * target.memory_gb
        return pricer(curve.faas_requests[:, k] * month, overflow) + k * MONTH_HOURS * size.hour_usd
    return None

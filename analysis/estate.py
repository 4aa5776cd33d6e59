"""``assess_estate``: every filtered resource assessed on the replay engine — today, every option, a verdict.

page → ``analysis.assess_estate`` → ``replay`` (quantities from the measured traffic) and ``pricing``
(those quantities priced line by line) → the price sheet. One run (:class:`Run`) holds what a resource's
detail view needs too, so the detail and the row it expands agree number for number.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from analysis.cold_forward import as_billed, cold_forward
from analysis.context import Context, FreeTiers
from analysis.endpoint_options import ENDPOINTS, cloud_run_options, endpoint_options, serverless_options, size_all
from analysis.faas_options import FaasRuns, faas_runs, faas_side
from analysis.inputs import MIN_SPAN_S, Rows, Segment, apply_what_if, build_rows, faas_duration_factor, segments
from analysis.options import Option, priced, with_cache
from analysis.params import ModelParams
from analysis.prices import discounted
from analysis.runs import PLATFORMS, FaasRows, faas_rows, platform_model
from analysis.sizing import Sized
from analysis.summary import summarise
from analysis.today import Sums, TodayCost, today_costs
from analysis.types import EstateAssessment
from common.limits import LAMBDA_MEMORY_MB
from pricing import PriceBook, load_price_book
from replay import prepare
from store import queries as q
from store.panels import UsagePanels


@dataclass
class Run:
    """One assessment: the context, today per current row, older configuration periods, priced options."""

    panels: UsagePanels
    ctx: Context | None
    today: list[TodayCost]
    older: list[tuple[Segment, TodayCost]]
    options: list[list[Option]]
    breaks: np.ndarray
    sized: dict[int, Sized]
    skipped: dict[int, str]  # resource index -> why it was not assessed
    sums: Sums | None
    runs: FaasRuns | None = None


def _whatif_config(seg: Segment, service: str, params: ModelParams) -> tuple[dict[str, Any], float]:
    """The configuration the what-if describes, and the duration factor a memory change implies."""
    config = dict(seg.config)
    factor = 1.0
    if service in ("lambda", "cloud-functions", "sagemaker-serverless", "cloud-run"):
        memory = float(config.get("memory_mb") or (128 if service == "lambda" else 1024))
        if params.memory_mb is not None and service in ("lambda", "cloud-functions"):
            factor = faas_duration_factor(service, memory, params.memory_mb)
            memory = float(params.memory_mb)
        memory = memory * params.memory_multiplier
        config["memory_mb"] = float(np.clip(memory, LAMBDA_MEMORY_MB[0], LAMBDA_MEMORY_MB[1]))
    if params.architecture and service == "lambda":
        config["architecture"] = params.architecture
    return config, factor


def _today_endpoint_hours(ctx: Context) -> dict[int, float]:
    """Under a what-if, today's endpoints autoscaled at their own type on the changed traffic."""
    sized = size_all(ctx, own_type=True)
    return {
        r: size.instance_hours_per_month
        for r, size in sized.items()
        if size.feasible and ctx.info[r]["service"] in ENDPOINTS
    }


def run_panels(panels: UsagePanels, params: ModelParams, book: PriceBook | None = None) -> Run:
    book = discounted(book or load_price_book(), params.discount_pct)
    per_resource = segments(panels)
    skipped: dict[int, str] = {}
    current: list[Segment] = []
    older: list[Segment] = []
    for r, segs in enumerate(per_resource):
        if not segs:
            skipped[r] = "no data in the window"
            continue
        if segs[-1].seconds < MIN_SPAN_S:
            skipped[r] = (
                f"only {segs[-1].seconds / 60:.0f} minutes of data with the current configuration: too little "
                "to extrapolate"
            )
            older.extend(segs[:-1])
            continue
        current.append(segs[-1])
        older.extend(segs[:-1])
    info = [panels.resources[s.resource] for s in current]
    older_costs = _older(panels, older, book, params)
    if not current:
        return Run(panels, None, [], older_costs, [], np.zeros(0), {}, skipped, None)
    changed = [_whatif_config(s, info[i]["service"], params) for i, s in enumerate(current)]
    chosen = [replace(s, config=c) for s, (c, _) in zip(current, changed, strict=True)]
    rows = build_rows(panels, chosen)
    measured = prepare(rows.traffic)
    traffic = apply_what_if(rows.traffic, params, np.array([f for _, f in changed]))
    prepared = measured if traffic is rows.traffic else prepare(traffic)
    cache: dict = {}
    free = FreeTiers(params.free_tier, [i["service"] for i in info], [i["account"] for i in info], measured.requests)
    ctx = Context(
        rows, traffic, measured, prepared, info, [s.config for s in chosen], book, params, FaasRows(0), free, cache
    )
    runs = faas_runs(ctx)  # functions' own platform, and every other row's FaaS target, once per price group
    others = [i["service"] if i["service"] in ("sagemaker-serverless", "cloud-run") else None for i in info]
    ctx.platform = _platform(runs.side, faas_rows(traffic, others, lambda k: platform_model(k, params), cache), info)
    ctx.cold = cold_forward(ctx, rows.traffic)
    books = [ctx.book_for(i, info[i]["service"]) for i in range(len(info))]
    sums = Sums(rows, measured)
    if params.what_if:
        hours = _today_endpoint_hours(ctx)
        modelled = _without_billed(rows)
        today = today_costs(modelled, prepared, info, books, as_billed(ctx.platform, ctx.cold), params.free_tier, hours)
    else:
        today = today_costs(rows, measured, info, books, ctx.platform, params.free_tier)
    cache_requests = params.traffic_factor / (1.0 - params.cache_hit_rate) if params.cache_hit_rate else 0.0
    today = [_cached_today(t, ctx, r, cache_requests) for r, t in enumerate(today)]
    sized = size_all(ctx)
    moves = [endpoint_options(ctx, sized), serverless_options(ctx), cloud_run_options(ctx)]
    faas_opts, breaks = faas_side(ctx, sized, runs)
    options: list[list[Option]] = []
    for r in range(ctx.size):
        mine = [*faas_opts.get(r, []), *(o for part in moves for o in part.get(r, []))]
        requests = float(measured.requests[r]) * ctx.month(r) * cache_requests
        mine = [
            priced(o, ctx.book_for(r, o.service.split("+")[-1]), requests, params.cache_usd_per_million) for o in mine
        ]
        options.append(mine)
    return Run(panels, ctx, today, older_costs, options, breaks, sized, skipped, sums, runs)


def _platform(side: FaasRows, others: FaasRows, info: list[dict[str, Any]]) -> FaasRows:
    """Today's FaaS platform per row: functions from the price-group runs, the rest from their own runs."""
    out = FaasRows(len(info))
    own = np.array([i["service"] in ("lambda", "cloud-functions") for i in info])
    for name in FaasRows.NAMES:
        getattr(out, name)[:] = np.where(own, getattr(side, name), getattr(others, name))
    for r in range(len(info)):
        source = side if own[r] else others
        if r in source.assumptions:
            out.assumptions[r], out.notes[r] = source.assumptions[r], source.notes.get(r, [])
    return out


def _cached_today(t: TodayCost, ctx: Context, r: int, factor: float) -> TodayCost:
    if not factor or t.estimate is None:
        return t
    requests = float(ctx.measured.requests[r]) * ctx.month(r) * factor
    est = with_cache(t.estimate, requests, ctx.params.cache_usd_per_million)
    return replace(t, estimate=est, monthly_usd=est.total_usd, list_monthly_usd=est.list_total_usd)


def _without_billed(rows: Rows) -> Rows:
    """The rows without their measured billed quantities: under a what-if today's cost is modelled."""
    blank = {"billed_duration_ms_sum", "billable_instance_ms_sum"}
    hours = {k: (np.full_like(v, np.nan) if k in blank else v) for k, v in rows.extra_hours.items()}
    minutes = {k: (np.full_like(v, np.nan) if k in blank else v) for k, v in rows.extra_minutes.items()}
    return replace(rows, extra_hours=hours, extra_minutes=minutes)


def today_by_segment(
    panels: UsagePanels, segs: list[Segment], book: PriceBook, params: ModelParams
) -> list[tuple[Segment, TodayCost, float]]:
    """Today's cost of each segment as a month, with the seconds it was measured over (no options)."""
    if not segs:
        return []
    rows = build_rows(panels, segs)
    prepared = prepare(rows.traffic)
    info = [panels.resources[s.resource] for s in segs]
    keys = [i["service"] if i["service"] in PLATFORMS else None for i in info]
    platform = faas_rows(rows.traffic, keys, lambda k: platform_model(k, params))
    costs = today_costs(rows, prepared, info, [book] * len(segs), platform, params.free_tier)
    return list(zip(segs, costs, (float(v) for v in prepared.measured_s), strict=True))


def _older(
    panels: UsagePanels, older: list[Segment], book: PriceBook, params: ModelParams
) -> list[tuple[Segment, TodayCost]]:
    """The configuration periods before the current one, each priced on its own as a month."""
    return [(seg, cost) for seg, cost, _ in today_by_segment(panels, older, book, replace(params, free_tier=False))]


def assess_run(run: Run) -> EstateAssessment:
    """The rows and totals of a run."""
    return summarise(run)


def assess_estate(
    path: Path, filters: q.Filters, params: ModelParams | None = None, book: PriceBook | None = None
) -> EstateAssessment:
    """Every resource the filters select: one small row each and the estate's totals (assessed a group of
    resources at a time, ``analysis.chunked``, so memory does not grow with the estate)."""
    from analysis.chunked import assess_in_groups  # it builds on this module's run

    return assess_in_groups(path, filters, params, book).estate

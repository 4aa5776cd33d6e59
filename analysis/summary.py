"""A run's rows and totals: what ``report`` prints and the pages lay out, summed here and nowhere else."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import numpy as np

from analysis.endpoint_options import ENDPOINTS
from analysis.types import CurrentRow, EstateAssessment, ResourceRow, Totals, Verdict
from analysis.verdicts import IDLE_BUSY_SHARE, decide, option_row
from common.services import SERVICE_PATTERN
from replay.constants import SHORT_SERIES_S

if TYPE_CHECKING:
    from analysis.estate import Run

COLD_START_PLATFORMS = ("lambda", "sagemaker-serverless", "cloud-run")  # report cold starts as a metric


def iso(epoch_s: float) -> str:
    return datetime.fromtimestamp(epoch_s, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def is_idle_endpoint(run: Run, r: int) -> bool:
    """An endpoint whose instances were busy less than ``IDLE_BUSY_SHARE`` of the time."""
    ctx = run.ctx
    if ctx is None or ctx.info[r]["service"] not in ENDPOINTS:
        return False
    instances = ctx.gauge_mean("instances_avg")[r]
    if not np.isfinite(instances):
        instances = float(ctx.configs[r].get("instance_count") or 1)
    mean_ms, _ = ctx.latency()
    span = float(ctx.measured.measured_s[r])
    busy = float(ctx.measured.requests[r]) * mean_ms[r] / 1000.0 / span if span else 0.0
    return busy < IDLE_BUSY_SHARE * max(float(instances), 1e-9)


def span_note(seconds: float) -> str:
    return f"extrapolated from {seconds / 3600:.1f} hours" if 0 < seconds < SHORT_SERIES_S else ""


def _idle_hours(run: Run, r: int) -> float:
    """Measured hours without a request (minutes where the resource has them, else hours)."""
    ctx = run.ctx
    if "idle_hours" not in ctx.cache:
        total = np.zeros(ctx.size)
        for block in ctx.measured.blocks:
            idle = block.counted & (block.panel.requests <= 0)
            np.add.at(total, block.rows, np.where(idle, block.seconds, 0.0).sum(axis=1) / 3600.0)
        ctx.cache["idle_hours"] = total
    return float(ctx.cache["idle_hours"][r])


def _rows(run: Run) -> list[ResourceRow]:
    out: list[ResourceRow] = []
    ctx = run.ctx
    by_resource = {seg.resource: i for i, seg in enumerate(ctx.rows.segments)} if ctx is not None else {}
    older: dict[int, list[str]] = {}
    for seg, cost in run.older:
        money = f"${cost.monthly_usd:,.2f}/month-equivalent" if cost.monthly_usd is not None else "not priced"
        older.setdefault(seg.resource, []).append(
            f"an earlier configuration ({_describe(seg.config)}) {iso(seg.start_s)[:16]} → {iso(seg.end_s)[:16]} UTC: "
            f"{money}, shown apart"
        )
    for resource, who in enumerate(run.panels.resources):
        r = by_resource.get(resource)
        if r is None:
            reason = run.skipped.get(resource, "not assessed")
            out.append(
                ResourceRow(
                    who["resource_id"], who["name"], who["service"], SERVICE_PATTERN.get(who["service"], ""),
                    who["provider"], who["region"], who["account"], None,
                    CurrentRow(None, None, False, False, reason), (), None, None,
                    Verdict("keep", f"not assessed: {reason}"), skipped_reason=reason,
                    notes=tuple(older.get(resource, [])),
                )
            )  # fmt: skip
            continue
        out.append(_row(run, r, who, tuple(older.get(resource, []))))
    return out


def _row(run: Run, r: int, who: dict, older: tuple[str, ...]) -> ResourceRow:
    ctx, today = run.ctx, run.today[r]
    month = ctx.month(r)
    options = run.options[r]
    rows = [option_row(o, today.monthly_usd) for o in options]
    measured_s = float(ctx.prepared.measured_s[r])
    note = span_note(measured_s)
    no_requests = float(ctx.measured.requests[r]) <= 0
    best, verdict = decide(today.monthly_usd, today.error, options, rows, is_idle_endpoint(run, r), no_requests, note)
    platform = ctx.platform
    cold_measured = platform.cold_starts_measured[r] if platform.has(r) else np.nan
    if who["service"] in ENDPOINTS:
        cold = 0.0
    elif ctx.cold is not None and np.isfinite(ctx.cold.measured[r]):
        cold = float(ctx.cold.estimate[r]) * month  # the measurement, carried forward under a what-if
    elif platform.has(r):
        cold = float(platform.cold_starts[r]) * month
    else:
        cold = None
    sums = run.sums
    notes = list(older)
    if note:
        notes.append(note)
    notes.extend(ctx.params.what_if_notes())
    breaks = run.breaks[r] if r < len(run.breaks) else np.nan
    return ResourceRow(
        resource_id=who["resource_id"],
        name=who["name"],
        service=who["service"],
        pattern=SERVICE_PATTERN.get(who["service"], ""),
        provider=who["provider"],
        region=who["region"],
        account=who["account"],
        requests_per_month=float(ctx.prepared.requests[r]) * month,
        current=CurrentRow(today.monthly_usd, cold, today.incomplete, today.unconfirmed, today.error),
        options=tuple(rows),
        best=best,
        break_even_requests_per_month=float(breaks) if np.isfinite(breaks) else None,
        verdict=verdict,
        measured_hours=measured_s / 3600.0,
        extrapolated=bool(note),
        requests_in_window=float(ctx.measured.requests[r]),
        errors_in_window=float(sums.total("errors")[r]) if sums is not None else 0.0,
        cold_starts_in_window=float(cold_measured) if np.isfinite(cold_measured) else None,
        idle_hours=_idle_hours(run, r),
        notes=tuple(notes),
    )


def _describe(config: dict) -> str:
    parts = []
    if config.get("memory_mb"):
        parts.append(f"{float(config['memory_mb']):,.0f} MB")
    if config.get("instance_type"):
        parts.append(str(config["instance_type"]))
    if config.get("architecture"):
        parts.append(str(config["architecture"]))
    return ", ".join(parts) or "configuration"


def totals(rows: list[ResourceRow], free_tier: bool) -> Totals:
    priced = [row for row in rows if row.current.monthly_usd is not None]
    today = sum(row.current.monthly_usd for row in priced)
    after = sum(row.best.monthly_usd if row.acts else row.current.monthly_usd for row in priced)
    unconfirmed = sum(row.current.monthly_usd for row in priced if row.current.unconfirmed)
    requests = sum(row.requests_in_window for row in rows)
    errors = sum(row.errors_in_window for row in rows)
    reporting = [row for row in rows if row.service in COLD_START_PLATFORMS and row.cold_starts_in_window is not None]
    cold = sum(row.cold_starts_in_window for row in reporting) if reporting else None
    cold_requests = sum(row.requests_in_window for row in reporting)
    notes = []
    if free_tier:
        notes.append("free tiers applied once per account and service, shared by its resources by requests")
    return Totals(
        resources=len(rows),
        priced=len(priced),
        skipped=sum(1 for row in rows if row.skipped_reason),
        to_review=sum(1 for row in rows if row.acts),
        today_usd=today,
        recommended_usd=after,
        saving_usd=today - after,
        saving_share=(today - after) / today if today else None,
        unconfirmed_usd=unconfirmed,
        unconfirmed_share=unconfirmed / today if today else None,
        incomplete=sum(1 for row in rows if row.current.incomplete),
        requests=requests,
        errors=errors,
        error_rate=errors / requests if requests else None,
        cold_starts=cold,
        cold_start_rate=cold / cold_requests if cold is not None and cold_requests else None,
        free_tier=free_tier,
        notes=tuple(notes),
    )


def summarise(run: Run) -> EstateAssessment:
    rows = _rows(run)
    free = run.ctx.params.free_tier if run.ctx is not None else False
    what_if = tuple(run.ctx.params.what_if_notes()) if run.ctx is not None else ()
    return EstateAssessment(
        iso(run.panels.window_start_s), iso(run.panels.window_end_s), tuple(rows), totals(rows, free), what_if
    )

"""The Endpoints page's table: each always-on endpoint's instance-hours, the clock hours in which it served no
request, how busy its instances were, the dollars paid for capacity that served nothing, and what the
alternatives the engine priced (scale to zero on functions, a serverless endpoint, a smaller instance,
deleting it) and an hour-of-week schedule would save.

Idle is counted per clock hour (UTC) of the measured span: an hour whose counted cells hold no request is
idle, and every instance-hour in it is paid for nothing. Instances per cell are the measured
``instances_avg`` where it was measured, else its measured mean, else the configured count — the rule
today's cost uses (``analysis.today.instance_seconds``), so the window's instance-hours scaled to a month
equal the hours on today's hosting line. The hourly price is that line's (effective) unit price.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from analysis.endpoint_options import ENDPOINTS
from analysis.options import DELETE, RESIZE
from analysis.prices import plain_lines
from analysis.types import ResourceRow

if TYPE_CHECKING:
    from analysis.context import Context
    from analysis.estate import Run

HOUR_S = 3600
WEEK_HOURS = 168


@dataclass(frozen=True)
class Saving:
    """One way to stop paying for idle capacity: its monthly cost and what it saves against today."""

    what: str  # scale to zero | serverless | smaller instance | schedule | delete
    label: str
    monthly_usd: float | None
    saving_usd: float | None
    note: str = ""


@dataclass(frozen=True)
class EndpointIdle:
    resource_id: str
    name: str
    service: str
    region: str
    account: str
    instance_type: str
    hours: float  # measured clock hours
    idle_hours: float  # of which without a request
    instance_hours: float  # in the window
    idle_instance_hours: float
    in_flight: float | None  # request-seconds served ÷ instance-seconds paid: mean requests in flight per instance
    cpu_pct: float | None  # measured mean CPU utilisation (%), the utilisation the platform reports
    hour_usd: float | None  # effective price of one instance-hour
    idle_usd: float | None  # in the window
    idle_usd_per_month: float | None
    today_usd: float | None
    savings: tuple[Saving, ...]
    price_source: str = ""
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class IdleTable:
    rows: tuple[EndpointIdle, ...]
    idle_usd: float  # the window, over the priced rows
    idle_usd_per_month: float
    today_usd: float

    def row(self, resource_id: str) -> EndpointIdle | None:
        return next((r for r in self.rows if r.resource_id == resource_id), None)


def hourly_grid(ctx: Context, rows: list[int]) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """(first hour's epoch s, requests, measured seconds, instance-seconds) per row and clock hour."""
    blocks = ctx.measured.blocks
    starts = [b.panel.start_s for b in blocks]
    ends = [b.panel.start_s + b.panel.periods * b.panel.period_s for b in blocks]
    t0 = (min(starts) // HOUR_S) * HOUR_S if starts else 0
    hours = max(1, -(-(max(ends, default=t0) - t0) // HOUR_S))
    index = {r: i for i, r in enumerate(rows)}
    requests, seconds, instance_s = (np.zeros((len(rows), hours)) for _ in range(3))
    fallback = _fallback_instances(ctx)
    for block in blocks:
        panel = block.panel
        column = (panel.start_s + np.arange(panel.periods) * panel.period_s - t0) // HOUR_S
        counts = panel.instances_avg
        for p, r in enumerate(block.rows):
            i = index.get(int(r))
            if i is None:
                continue
            cells = block.counted[p]
            if not cells.any():
                continue
            cols, secs = column[cells], block.seconds[p][cells]
            np.add.at(requests[i], cols, block.requests[p][cells])
            np.add.at(seconds[i], cols, secs)
            measured = counts[p][cells] if counts is not None else np.full(cols.shape, np.nan)
            np.add.at(instance_s[i], cols, np.where(np.isnan(measured), fallback[int(r)], measured) * secs)
    return int(t0), requests, seconds, instance_s


def _fallback_instances(ctx: Context) -> np.ndarray:
    mean = ctx.gauge_mean("instances_avg")
    config = np.array([float(c.get("instance_count") or 1) for c in ctx.configs])
    return np.where(np.isfinite(mean), mean, config)


def schedule_off_hours(t0: int, requests: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    """Per row, the hours of the week (0 = Monday 00:00 UTC) to switch off: measured in at least two weeks
    and without a request in every one of them (one week is not a pattern)."""
    hour_of_week = ((t0 // HOUR_S + np.arange(requests.shape[1])) + 72) % WEEK_HOURS  # 1970-01-01 was a Thursday
    seen = np.zeros((requests.shape[0], WEEK_HOURS))
    busy = np.zeros((requests.shape[0], WEEK_HOURS))
    np.add.at(seen.T, hour_of_week, (seconds > 0).T.astype(float))
    np.add.at(busy.T, hour_of_week, ((seconds > 0) & (requests > 0)).T.astype(float))
    return (seen >= 2) & (busy == 0)


def idle_table(run: Run, rows: tuple[ResourceRow, ...]) -> IdleTable:
    """Every assessed endpoint of ``run`` (``rows``: the run's summarised rows, for today and the options)."""
    ctx = run.ctx
    if ctx is None:
        return IdleTable((), 0.0, 0.0, 0.0)
    mine = [r for r in range(ctx.size) if ctx.info[r]["service"] in ENDPOINTS]
    if not mine:
        return IdleTable((), 0.0, 0.0, 0.0)
    by_id = {row.resource_id: row for row in rows}
    t0, requests, seconds, instance_s = hourly_grid(ctx, mine)
    off = schedule_off_hours(t0, requests, seconds)
    hour_of_week = ((t0 // HOUR_S + np.arange(requests.shape[1])) + 72) % WEEK_HOURS
    mean_ms, _ = ctx.latency()
    cpu = ctx.gauge_mean("cpu_utilization_pct_avg")
    out = []
    for i, r in enumerate(mine):
        row = by_id[ctx.info[r]["resource_id"]]
        idle = (seconds[i] > 0) & (requests[i] <= 0)
        paid_s = float(instance_s[i].sum())
        busy_s = float(ctx.measured.requests[r]) * float(mean_ms[r]) / 1000.0
        scheduled = off[i][hour_of_week] & (seconds[i] > 0)
        out.append(
            _endpoint(
                ctx, r, row, run, float((seconds[i] > 0).sum()), float(idle.sum()), paid_s / HOUR_S,
                float(instance_s[i][idle].sum()) / HOUR_S, busy_s / paid_s if paid_s > 0 else None,
                float(cpu[r]) if np.isfinite(cpu[r]) else None, float(instance_s[i][scheduled].sum()) / HOUR_S,
                int(off[i].sum()),
            )
        )  # fmt: skip
    priced = [e for e in out if e.idle_usd is not None]
    return IdleTable(
        rows=tuple(sorted(out, key=lambda e: -(e.idle_usd_per_month or 0.0))),
        idle_usd=sum(e.idle_usd for e in priced),
        idle_usd_per_month=sum(e.idle_usd_per_month for e in priced),
        today_usd=sum(e.today_usd for e in out if e.today_usd is not None),
    )


def _endpoint(
    ctx: Context,
    r: int,
    row: ResourceRow,
    run: Run,
    hours: float,
    idle_hours: float,
    instance_hours: float,
    idle_instance_hours: float,
    in_flight: float | None,
    cpu: float | None,
    scheduled_hours: float,
    off_slots: int,
) -> EndpointIdle:
    today = run.today[r]
    lines = plain_lines(today.estimate) if today.estimate is not None else ()
    hosting = next((line for line in lines if line.unit.startswith("h") or "hour" in line.unit), None)
    hour_usd = hosting.unit_price_usd if hosting is not None else None
    month = ctx.month(r)
    idle_usd = None if hour_usd is None else idle_instance_hours * hour_usd
    notes = list(today.notes)
    if ctx.params.what_if:
        notes.append("idle hours and dollars are the measured traffic's; the what-if changes today's cost only")
    savings = _savings(row, run.options[r], today.monthly_usd)
    if hour_usd is not None:
        if off_slots:
            saved = scheduled_hours * hour_usd * month
            savings.append(
                Saving(
                    "schedule",
                    f"Off in the {off_slots} hours of the week without a request in any measured week",
                    None if today.monthly_usd is None else today.monthly_usd - saved,
                    saved,
                    "the endpoint is deleted and re-created (or scaled to zero) on a timetable; a request in an "
                    "off hour waits for it to start, and startup time is not modelled",
                )
            )
        else:
            savings.append(Saving("schedule", "No hour of the week was idle in every measured week", None, None))
    return EndpointIdle(
        resource_id=row.resource_id,
        name=row.name,
        service=row.service,
        region=row.region,
        account=row.account,
        instance_type=str(ctx.configs[r].get("instance_type") or ""),
        hours=hours,
        idle_hours=idle_hours,
        instance_hours=instance_hours,
        idle_instance_hours=idle_instance_hours,
        in_flight=in_flight,
        cpu_pct=cpu,
        hour_usd=hour_usd,
        idle_usd=idle_usd,
        idle_usd_per_month=None if idle_usd is None else idle_usd * month,
        today_usd=today.monthly_usd,
        savings=tuple(savings),
        price_source=f"{hosting.source_url} ({hosting.confidence}, {hosting.retrieved})" if hosting else "",
        notes=tuple(dict.fromkeys(notes)),
    )


def _savings(row: ResourceRow, options: list, today_usd: float | None) -> list[Saving]:
    """The engine's priced options, grouped by what they do to the idle capacity (the cheapest of each)."""
    groups: dict[str, Saving] = {}
    for option, shown in zip(options, row.options, strict=True):
        if not shown.feasible or shown.monthly_usd is None:
            continue
        if option.kind == DELETE:
            what = "delete"
        elif option.kind == RESIZE:
            what = "smaller instance"
        elif option.pattern == "serverless-endpoint":
            what = "serverless"
        elif option.pattern == "faas":
            what = "scale to zero"
        else:
            continue  # a hybrid keeps always-on instances: not a way out of idle capacity
        saving = None if today_usd is None else today_usd - shown.monthly_usd
        if what not in groups or shown.monthly_usd < (groups[what].monthly_usd or 0.0):
            groups[what] = Saving(what, shown.label, shown.monthly_usd, saving)
    order = ("scale to zero", "serverless", "smaller instance", "delete")
    return [groups[w] for w in order if w in groups]

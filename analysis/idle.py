"""The Endpoints page's table: each always-on endpoint's instance-hours, the clock hours in which it served no
request, how busy its instances were, the dollars paid for capacity that served nothing, and what the
alternatives the engine priced (scale to zero on functions, a serverless endpoint, a smaller instance,
deleting it) and an hour-of-week schedule would save.

Idle is counted per clock hour (UTC) of the measured span: an hour whose counted cells hold no request is
idle, and every instance-hour in it is paid for nothing. Instances per cell are the measured
``instances_avg`` where it was measured, else its measured mean, else the configured count — the rule
today's cost uses (``analysis.today.instance_seconds``), so the window's instance-hours scaled to a month
equal the hours on today's hosting line. The hourly price is that line's (effective) unit price.

Hours with no request are not the only capacity paid for nothing: an endpoint at 3 % CPU all month serves
every hour and still pays for 97 % of its instances idle. So each endpoint has two figures, named apart:

- **paid in hours with no traffic**: the instance-hours of the idle clock hours, at the hourly price;
- **paid for unused capacity**: that, plus the instance-hours of the hours with traffic × (1 − their measured
  CPU utilisation), at the same price. CPU is the utilisation the capacity model sizes by (an endpoint's
  capacity is measured as requests per instance-second against CPU, ``analysis.sizing``), so it is the
  measure used; without a CPU metric the unused figure is unknown ("—"), never guessed. An autoscaled
  endpoint keeps headroom at its target utilisation by design, so part of this figure is intended.

Each way out says which of the two it recovers: a schedule only hours with no traffic (it can save at most
that figure), a smaller instance only unused capacity in the hours with traffic, scale-to-zero and a
serverless endpoint both (they bill per request); deleting the endpoint recovers everything.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from analysis.endpoint_options import ENDPOINTS
from analysis.options import DELETE, RESIZE
from analysis.prices import plain_lines
from analysis.types import ResourceRow, RowsById

if TYPE_CHECKING:
    from analysis.context import Context
    from analysis.estate import Run

HOUR_S = 3600
WEEK_HOURS = 168
NO_TRAFFIC = "hours with no traffic"
IN_TRAFFIC = "unused capacity in hours with traffic"
RECOVERS = {
    "schedule": NO_TRAFFIC,
    "smaller instance": IN_TRAFFIC,
    "scale to zero": f"{NO_TRAFFIC} and {IN_TRAFFIC} (billed per request)",
    "serverless": f"{NO_TRAFFIC} and {IN_TRAFFIC} (billed per request)",
    "delete": "everything: the endpoint is gone",
}


@dataclass(frozen=True)
class Saving:
    """One way to stop paying for idle capacity: its monthly cost and what it saves against today."""

    what: str  # scale to zero | serverless | smaller instance | schedule | delete
    label: str
    monthly_usd: float | None
    saving_usd: float | None
    note: str = ""
    recovers: str = ""  # which idle dollars it addresses (RECOVERS)


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
    busy_cpu_pct: float | None = None  # measured mean CPU in the hours with traffic
    unused_instance_hours: float | None = None  # idle instance-hours + busy ones × (1 − CPU): None without CPU
    unused_usd: float | None = None  # in the window
    unused_usd_per_month: float | None = None


@dataclass(frozen=True)
class IdleTable(RowsById["EndpointIdle"]):
    rows: tuple[EndpointIdle, ...]
    idle_usd: float  # the window, over the priced rows
    idle_usd_per_month: float
    today_usd: float
    idle_share: float | None = None  # hours-with-no-traffic dollars ÷ today's endpoint spend
    unused_usd_per_month: float = 0.0  # over the rows with a CPU metric and a price
    unused_known: int = 0  # rows it covers
    unused_share: float | None = None  # ÷ today's spend of those rows


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


def hourly_cpu(ctx: Context, rows: list[int], t0: int, hours: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row and clock hour, the measured CPU utilisation (%) time-weighted over its counted cells (NaN
    where none was measured), and the seconds it was measured over."""
    integral, known = np.zeros((len(rows), hours)), np.zeros((len(rows), hours))
    index = {r: i for i, r in enumerate(rows)}
    for block in ctx.measured.blocks:
        values = block.panel.metric("cpu_utilization_pct_avg")
        if values is None:
            continue
        panel = block.panel
        column = (panel.start_s + np.arange(panel.periods) * panel.period_s - t0) // HOUR_S
        for p, r in enumerate(block.rows):
            i = index.get(int(r))
            if i is None:
                continue
            cells = block.counted[p] & ~np.isnan(values[p])
            np.add.at(integral[i], column[cells], values[p][cells] * block.seconds[p][cells])
            np.add.at(known[i], column[cells], block.seconds[p][cells])
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(known > 0, integral / np.maximum(known, 1e-12), np.nan), known


def unused_busy_hours(
    instance_s: np.ndarray, busy: np.ndarray, cpu: np.ndarray, known: np.ndarray
) -> tuple[float | None, float | None]:
    """(instance-hours unused in the hours with traffic, their mean CPU %) for one row: each hour's
    instance-hours × (1 − its CPU); an hour without a CPU figure at the mean of those with one. (None, None)
    when no hour with traffic has a CPU figure."""
    measured = busy & np.isfinite(cpu)
    if not measured.any():
        return (None, None) if busy.any() else (0.0, None)
    mean = float((cpu[measured] * known[measured]).sum() / known[measured].sum())
    share = np.clip(np.where(np.isfinite(cpu), cpu, mean) / 100.0, 0.0, 1.0)
    return float((instance_s[busy] * (1.0 - share[busy])).sum()) / HOUR_S, mean


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
        return table_of([])
    mine = [r for r in range(ctx.size) if ctx.info[r]["service"] in ENDPOINTS]
    if not mine:
        return table_of([])
    by_id = {row.resource_id: row for row in rows}
    t0, requests, seconds, instance_s = hourly_grid(ctx, mine)
    off = schedule_off_hours(t0, requests, seconds)
    hour_of_week = ((t0 // HOUR_S + np.arange(requests.shape[1])) + 72) % WEEK_HOURS
    mean_ms, _ = ctx.latency()
    cpu = ctx.gauge_mean("cpu_utilization_pct_avg")
    busy_hours = (seconds > 0) & (requests > 0)
    cpu_hours, cpu_known = hourly_cpu(ctx, mine, t0, requests.shape[1])
    out = []
    for i, r in enumerate(mine):
        row = by_id[ctx.info[r]["resource_id"]]
        idle = (seconds[i] > 0) & (requests[i] <= 0)
        paid_s = float(instance_s[i].sum())
        busy_s = float(ctx.measured.requests[r]) * float(mean_ms[r]) / 1000.0
        scheduled = off[i][hour_of_week] & (seconds[i] > 0)
        e = _endpoint(
            ctx, r, row, run, float((seconds[i] > 0).sum()), float(idle.sum()), paid_s / HOUR_S,
            float(instance_s[i][idle].sum()) / HOUR_S, busy_s / paid_s if paid_s > 0 else None,
            float(cpu[r]) if np.isfinite(cpu[r]) else None, float(instance_s[i][scheduled].sum()) / HOUR_S,
            int(off[i].sum()),
        )  # fmt: skip
        e = _unused(e, *unused_busy_hours(instance_s[i], busy_hours[i], cpu_hours[i], cpu_known[i]), ctx.month(r))
        spec = ctx.book.machines.get(e.instance_type)
        if spec is not None and spec.accelerator and e.unused_instance_hours is not None:
            note = f"unused capacity from CPU: the {spec.accelerator}'s own utilisation is not collected"
            e = replace(e, notes=(*e.notes, note))
        out.append(e)
    return table_of(out)


def _unused(e: EndpointIdle, busy_unused: float | None, busy_cpu: float | None, month: float) -> EndpointIdle:
    """The endpoint with its unused capacity: the idle instance-hours plus those unused in hours with traffic."""
    if busy_unused is None:
        return replace(e, notes=(*e.notes, "no CPU metric: the unused capacity in hours with traffic is unknown"))
    hours = e.idle_instance_hours + busy_unused
    usd = None if e.hour_usd is None else hours * e.hour_usd
    return replace(
        e,
        busy_cpu_pct=busy_cpu,
        unused_instance_hours=hours,
        unused_usd=usd,
        unused_usd_per_month=None if usd is None else usd * month,
    )


def table_of(out: list[EndpointIdle]) -> IdleTable:
    """The rows and their totals (the shares are over the same rows as their dollars); what
    ``analysis.chunked`` joins a group's rows with too."""
    priced = [e for e in out if e.idle_usd is not None]
    unused = [e for e in out if e.unused_usd_per_month is not None and e.today_usd is not None]
    today = sum(e.today_usd for e in out if e.today_usd is not None)
    idle_month = sum(e.idle_usd_per_month for e in priced)
    unused_month = sum(e.unused_usd_per_month for e in unused)
    unused_today = sum(e.today_usd for e in unused)
    return IdleTable(
        rows=tuple(sorted(out, key=lambda e: -(e.idle_usd_per_month or 0.0))),
        idle_usd=sum(e.idle_usd for e in priced),
        idle_usd_per_month=idle_month,
        today_usd=today,
        idle_share=idle_month / today if today > 0 else None,
        unused_usd_per_month=unused_month,
        unused_known=len(unused),
        unused_share=unused_month / unused_today if unused_today > 0 else None,
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
                    RECOVERS["schedule"],
                )
            )
        else:
            savings.append(
                Saving("schedule", "No hour of the week was idle in every measured week", None, None, "", NO_TRAFFIC)
            )
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
            groups[what] = Saving(what, shown.label, shown.monthly_usd, saving, recovers=RECOVERS[what])
    order = ("scale to zero", "serverless", "smaller instance", "delete")
    return [groups[w] for w in order if w in groups]

"""The Cold starts and Endpoints pages' tables, shaped for display: every cell already formatted by
``charts.format`` (money with its sign, counts for people, "—" for missing), so the page and its tests read
the same strings. Pure: no Streamlit, no arithmetic beyond formatting."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from analysis.billed import BilledView
from analysis.coldstarts import ColdStartRow
from analysis.idle import EndpointIdle
from charts.format import MISSING, count, duration_ms, money, percent
from charts.overview import SERVICE_LABELS


def _share(value: float | None) -> str:
    if value is None:
        return MISSING
    if 0 < value < 0.00005:
        return "< 0.01 %"
    return percent(value, digits=2 if value < 0.1 else 0)


def cold_frame(rows: Iterable[ColdStartRow]) -> pd.DataFrame:
    """One line per resource: its cold starts, what they do to latency, the cheapest fix and SnapStart."""
    out = []
    for r in rows:
        c = r.cold
        out.append(
            {
                "resource": r.name,
                "service": SERVICE_LABELS.get(r.service, r.service),
                "region": r.region,
                "measured": count(c.measured_per_month),
                "modelled": count(c.modelled_per_month),
                "used": count(c.estimate_per_month),
                "init": duration_ms(c.init_ms) + ("" if c.init_measured else " (assumed)"),
                "share": _share(c.share_of_requests),
                "p99": duration_ms(r.p99_ms),
                "p99_cold": duration_ms(r.p99_with_cold_ms),
                "added": duration_ms(c.added_latency_ms),
                "cheapest_fix": c.cheapest_fix or MISSING,
                "extra": money(r.cheapest_extra_usd, signed=True),
                "left": count(r.cheapest_left),
                "snapstart": _snapstart(r),
            }
        )
    return pd.DataFrame(out, columns=list(COLD_COLUMNS))


COLD_COLUMNS = {
    "resource": "Resource",
    "service": "Service",
    "region": "Region",
    "measured": "Measured / month",
    "modelled": "Modelled / month",
    "used": "Used for cost and latency / month",
    "init": "Init time",
    "share": "Share of requests",
    "p99": "p99 (measured)",
    "p99_cold": "p99 with cold starts",
    "added": "Added to the mean",
    "cheapest_fix": "Cheapest fix that removes them",
    "extra": "Fix vs today $/month",
    "left": "Cold starts left / month",
    "snapstart": "SnapStart $/month ⚠",
}


def _snapstart(r: ColdStartRow) -> str:
    if r.snapstart is None:
        return "does not apply"
    return money(r.snapstart.monthly_usd)


def fixes_frame(r: ColdStartRow) -> pd.DataFrame:
    """Every priced fix for one resource, with SnapStart apart (it shortens cold starts, it removes none)."""
    rows = [
        {"fix": label, "extra": money(extra, signed=True), "left": count(left), "removes": "yes"}
        for label, extra, left in r.cold.fixes
    ]
    if r.snapstart is not None:
        rows.append(
            {
                "fix": "SnapStart (shorter cold starts) ⚠ unconfirmed",
                "extra": money(r.snapstart.monthly_usd, signed=True),
                "left": count(r.cold.estimate_per_month),
                "removes": "no: shortens them",
            }
        )
    return pd.DataFrame(rows, columns=["fix", "extra", "left", "removes"])


def idle_frame(endpoints: Iterable[EndpointIdle], billed: BilledView | None = None) -> pd.DataFrame:
    """One line per endpoint: uptime, idle hours, how busy, the idle dollars; with an imported bill, what it
    billed each endpoint over the same days as a 730-hour month beside today's modelled cost ("—" where no
    bill covers it), and no such column without one."""
    rows = [
        {
            "endpoint": e.name,
            "service": SERVICE_LABELS.get(e.service, e.service),
            "type": e.instance_type or MISSING,
            "instance_hours": count(e.instance_hours),
            "idle_hours": f"{count(e.idle_hours)} of {count(e.hours)}",
            "cpu": percent(e.cpu_pct / 100 if e.cpu_pct is not None else None),
            "in_flight": f"{e.in_flight:,.3f}" if e.in_flight is not None else MISSING,
            "hour_usd": hourly(e.hour_usd),
            "idle_usd": money(e.idle_usd),
            "idle_month": money(e.idle_usd_per_month),
            "unused_month": money(e.unused_usd_per_month),
            "today": money(e.today_usd),
            "billed": _billed(billed, e.resource_id),
            "best": _best(e),
        }
        for e in endpoints
    ]
    columns = [c for c in IDLE_COLUMNS if c != "billed" or billed is not None]
    return pd.DataFrame(rows, columns=list(IDLE_COLUMNS))[columns]


def _billed(view: BilledView | None, resource_id: str) -> str:
    row = view.row(resource_id) if view is not None else None
    return money(row.monthly_usd) if row is not None else MISSING


IDLE_COLUMNS = {
    "endpoint": "Endpoint",
    "service": "Service",
    "type": "Instance type",
    "instance_hours": "Instance-hours (window)",
    "idle_hours": "Hours with no request",
    "cpu": "CPU utilisation (measured)",
    "in_flight": "Requests in flight per instance",
    "hour_usd": "$ per instance-hour",
    "idle_usd": "Paid in hours with no traffic (window)",
    "idle_month": "Paid in hours with no traffic $/month",
    "unused_month": "Paid for unused capacity $/month",
    "today": "Today $/month",
    "billed": "Billed $/month (same days)",
    "best": "Biggest saving",
}


def hourly(usd: float | None) -> str:
    """An instance-hour's price to four decimals, trailing zeros dropped to cents: $0.115, $0.1095, $0.23
    (``unit_price`` rounds anything over a cent to cents, and $0.12 is not what ml.m5.large costs)."""
    if usd is None:
        return MISSING
    text = f"{abs(usd):,.4f}".rstrip("0")
    whole, _, cents = text.partition(".")
    return ("\u2212" if usd < 0 else "") + f"${whole}.{cents.ljust(2, '0')}"


def _best(e: EndpointIdle) -> str:
    best = max((s for s in e.savings if s.saving_usd is not None), key=lambda s: s.saving_usd, default=None)
    if best is None or best.saving_usd <= 0:
        return "none cheaper than today"
    return f"{best.what}: {money(best.saving_usd)}/month"


def savings_frame(e: EndpointIdle) -> pd.DataFrame:
    """Every way out of the idle capacity for one endpoint, each against today."""
    rows = [
        {
            "what": s.what,
            "option": s.label,
            "monthly": money(s.monthly_usd),
            "saving": money(s.saving_usd, signed=True),
            "recovers": s.recovers or MISSING,
            "note": s.note,
        }
        for s in e.savings
    ]
    return pd.DataFrame(rows, columns=["what", "option", "monthly", "saving", "recovers", "note"])


def unused_text(e: EndpointIdle) -> str:
    """The unused capacity of one endpoint in words: its instance-hours, dollars and the CPU it rests on."""
    if e.unused_instance_hours is None:
        return "unknown: no CPU metric for the hours with traffic"
    cpu = "" if e.busy_cpu_pct is None else f", at {percent(e.busy_cpu_pct / 100)} CPU in the hours with traffic"
    return (
        f"{count(e.unused_instance_hours)} of {count(e.instance_hours)} instance-hours{cpu}, "
        f"{money(e.unused_usd)} in the window, {money(e.unused_usd_per_month)}/month"
    )

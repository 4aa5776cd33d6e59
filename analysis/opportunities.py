"""The estate's top opportunities, one line each, from the assessment's rows (nothing re-modelled).

A line says what the traffic is like, what to do and what it changes: "busy every hour, 38 req/s: SageMaker
endpoint (ml.c5.large, …) costs 61 % less, no cold starts (today 1,234/month)". The traffic words come from
what the row measured (its requests over its measured hours, the hours without a request); no peak or
burstiness is claimed, since the rows do not carry one.
"""

from __future__ import annotations

from dataclasses import dataclass

from analysis.types import EstateAssessment, OptionRow, ResourceRow

MINUS = "\u2212"


def money(usd: float) -> str:
    """Dollars as ``charts.format.money`` writes them (analysis sits below charts, so it keeps its own)."""
    text = f"${abs(usd):,.2f}"
    return MINUS + text if round(usd, 2) < 0 else text


def count(value: float) -> str:
    return f"{value:,.0f}"


@dataclass(frozen=True)
class Opportunity:
    resource_id: str
    name: str
    service: str
    action: str
    saving_usd: float  # per month
    line: str


def rate_words(requests: float, seconds: float) -> str:
    """A mean request rate people read at a glance: "38 req/s", "0.42 req/s", "12 req/min", "3 req/h"."""
    if seconds <= 0 or requests <= 0:
        return "no requests"
    per_s = requests / seconds
    for unit, scale in (("req/s", 1.0), ("req/min", 60.0), ("req/h", 3600.0)):
        value = per_s * scale
        if value >= 1 or unit == "req/h":
            return f"{value:.2g} {unit}" if value < 10 else f"{value:,.0f} {unit}"
    return "no requests"  # unreachable: the last unit always returns


def traffic_words(row: ResourceRow) -> str:
    """How busy the resource was over its measured hours."""
    rate = rate_words(row.requests_in_window, row.measured_hours * 3600.0)
    if row.measured_hours <= 0:
        return rate
    idle = row.idle_hours / row.measured_hours
    if row.requests_in_window <= 0:
        return "no requests"
    if idle < 0.005:
        return f"busy every hour, {rate}"
    return f"idle {100 * idle:.0f} % of hours, {rate} on average"


def _best_option(row: ResourceRow) -> OptionRow | None:
    if row.best is None:
        return None
    return next((o for o in row.options if o.label == row.best.label), None)


def _cold_words(row: ResourceRow, option: OptionRow | None) -> str:
    today = row.current.cold_starts_per_month
    after = option.cold_starts_per_month if option is not None else None
    if after is None or today is None:
        return ""
    if after <= 0.5 and today > 0.5:
        return f", no cold starts (today {count(today)}/month)"
    if after <= 0.5:
        return ", no cold starts"
    if after > today + 0.5:
        return f", {count(after)} cold starts/month (today {count(today) if today > 0.5 else 'none'})"
    return ""


def opportunity_line(row: ResourceRow) -> str:
    """One sentence for a row that acts (a cheaper option and a verdict other than keep)."""
    best = row.best
    if best is None or row.current.monthly_usd is None:
        return ""
    today = row.current.monthly_usd
    share = best.saving_usd / today if today else None
    if share is None:
        less = "costs less"
    elif share > 0.99:
        less = "costs over 99 % less"
    else:
        less = f"costs {100 * share:.0f} % less"
    option = _best_option(row)
    what = "deleting it" if row.verdict.action == "delete" else best.label
    return (
        f"{traffic_words(row)}: {what} {less} ({money(best.monthly_usd)}/month against {money(today)}, "
        f"saves {money(best.saving_usd)}/month){_cold_words(row, option)}"
    )


def top_opportunities(estate: EstateAssessment, limit: int = 5) -> tuple[Opportunity, ...]:
    """The rows that act, largest monthly saving first (ties by name, so the order is stable)."""
    acting = sorted((r for r in estate.rows if r.acts), key=lambda r: (-r.best.saving_usd, r.name))
    return tuple(
        Opportunity(r.resource_id, r.name, r.service, r.verdict.action, r.best.saving_usd, opportunity_line(r))
        for r in acting[:limit]
    )

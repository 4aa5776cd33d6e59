"""Tables and figures for the Costs & alternatives page, from ``analysis`` results (no Streamlit, no sums).

Every number comes from ``analysis.EstateAssessment`` / ``analysis.ResourceDetail``; these functions only
choose columns, labels and marks.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from analysis.prices import Line
from analysis.types import EstateAssessment, OptionDetail, OptionRow, ResourceDetail
from charts.format import MINUS, MISSING, count, duration_ms, money, unit_price
from charts.overview import SERVICE_LABELS
from charts.text import plot_text

CONFIDENCE_MARK = {
    "verified": "✓ verified",
    "third-party": "◐ third-party",
    "unconfirmed": "⚠ unconfirmed",
    "model": "model",
    "user input": "your input",
}
SUMMARY_COLUMNS = [
    "resource_id",
    "name",
    "service",
    "region",
    "current_usd",
    "cold_starts",
    "best_option",
    "best_usd",
    "saving_usd",
    "action",
    "verdict",
    "unconfirmed",
    "incomplete",
]


def summary_frame(estate: EstateAssessment) -> pd.DataFrame:
    """One row per resource: today, the best option when it is cheaper, the saving, the verdict.

    ⚠ marks a resource whose cost rests on an unconfirmed or missing price; a resource extrapolated from
    less than a day says so in its verdict.
    """
    rows = []
    for row in estate.rows:
        mark = " ⚠" if row.current.unconfirmed or row.current.incomplete else ""
        rows.append(
            {
                "resource_id": row.resource_id,
                "name": row.name + mark,
                "service": SERVICE_LABELS.get(row.service, row.service),
                "region": row.region,
                "current_usd": row.current.monthly_usd,
                "cold_starts": row.current.cold_starts_per_month,
                "best_option": row.best.label if row.best else "—",
                "best_usd": row.best.monthly_usd if row.best else None,
                "saving_usd": row.best.saving_usd if row.best else None,
                "action": row.verdict.action,
                "verdict": row.verdict.text,
                "unconfirmed": row.current.unconfirmed,
                "incomplete": row.current.incomplete,
            }
        )
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def lines_frame(lines: Sequence[Line]) -> pd.DataFrame:
    """Cost lines with their provenance, as a bill reader wants to check them."""
    return pd.DataFrame(
        [
            {
                "item": line.item,
                "quantity": line.quantity,
                "unit": line.unit,
                "unit_price_usd": line.unit_price_usd,
                "usd": line.usd,
                "list_usd": line.list_usd,
                "confidence": CONFIDENCE_MARK.get(line.confidence, line.confidence),
                "retrieved": line.retrieved,
                "source": line.source_url,
                "adjustment": line.adjustment,
            }
            for line in lines
        ],
        columns=[
            "item",
            "quantity",
            "unit",
            "unit_price_usd",
            "usd",
            "list_usd",
            "confidence",
            "retrieved",
            "source",
            "adjustment",
        ],
    )


LINE_COLUMNS = {
    "item": "Item",
    "quantity": "Quantity",
    "unit": "Unit",
    "unit_price": "Unit price",
    "usd": "$/month",
    "list_usd": "List $/month",
    "confidence": "Confidence",
    "retrieved": "Retrieved",
    "source": "Source",
    "adjustment": "Adjustment",
}


def quantity(value: float | None) -> str:
    """A line's quantity for people: whole numbers from 10 up (``145,004``), four significant digits below
    (``0.004167`` GB-months is not ``0``)."""
    if value is None or value != value:
        return MISSING
    if abs(value) >= 10 or value == 0:
        return count(value)
    decimals = min(12, max(0, 3 - math.floor(math.log10(abs(value)))))
    return f"{value:.{decimals}f}".rstrip("0").rstrip(".").replace("-", MINUS)


def lines_display(lines: Sequence[Line]) -> pd.DataFrame:
    """Cost lines as people read them, today's and every option's alike: quantities rounded, unit prices
    readable (never scientific notation), money with its sign, "—" for none."""
    frame = lines_frame(lines)
    out = frame.drop(columns=["unit_price_usd"]).assign(
        quantity=[quantity(v) for v in frame["quantity"]],
        unit_price=[unit_price(v) for v in frame["unit_price_usd"]],
        usd=[money(v, signed=v is not None and v < 0) for v in frame["usd"]],
        list_usd=[money(v) for v in frame["list_usd"]],
        adjustment=[a or MISSING for a in frame["adjustment"]],
    )
    return out[list(LINE_COLUMNS)]


SUMMARY_SHOWN = {
    "name": "Resource",
    "service": "Service",
    "region": "Region",
    "current_usd": "Today $/mo",
    "cold_starts": "Cold starts/mo",
    "best_option": "Best option (cheaper than today)",
    "best_usd": "Option $/mo",
    "saving_usd": "Saving $/mo",
    "action": "Action",
    "verdict": "Verdict",
}


def summary_display(summary: pd.DataFrame) -> pd.DataFrame:
    """The Costs table as shown: money through ``charts.format`` ("—" where there is no cheaper option, never
    "None"), cold starts rounded."""
    nan = [v is None or v != v for v in summary["best_usd"]]
    return summary[list(SUMMARY_SHOWN)].assign(
        current_usd=[money(v) for v in summary["current_usd"]],
        cold_starts=[count(v) for v in summary["cold_starts"]],
        best_usd=[MISSING if n else money(v) for v, n in zip(summary["best_usd"], nan, strict=True)],
        saving_usd=[MISSING if n else money(v, signed=True) for v, n in zip(summary["saving_usd"], nan, strict=True)],
    )


def option_heading(o: OptionRow) -> tuple[str, str]:
    """An option's cost and its tag, as its heading on the Costs page reads them: "$812.40/mo" (or "not
    priced"), and " — infeasible" or " — dearer than today by $120.00" (the saving is today − the option, so a
    dearer option's is negative; the heading states the amount the option costs more)."""
    cost = f"{money(o.monthly_usd)}/mo" if o.monthly_usd is not None else "not priced"
    if not o.feasible:
        return cost, " — infeasible"
    if o.saving_usd is not None and o.saving_usd < 0:
        return cost, f" — dearer than today by {money(abs(o.saving_usd))}"
    return cost, ""


def assumptions_frame(option: OptionDetail) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "assumption": a.name,
                "value": f"{a.value:,.4g}" if isinstance(a.value, float) else str(a.value),
                "unit": a.unit,
                "why": a.why,
                "confidence": CONFIDENCE_MARK.get(a.confidence, a.confidence),
            }
            for a in option.assumptions
        ],
        columns=["assumption", "value", "unit", "why", "confidence"],
    )


def latency_frame(detail: ResourceDetail) -> pd.DataFrame:
    """Latency per pattern, cold-start penalty included (today first), as shown: "—" where not modelled
    (today's latency is measured, not modelled; only its cold-start penalty is)."""
    rows = []
    cold = detail.cold_starts
    if cold is not None and cold.added_latency_ms is not None:
        rows.append({"pattern": "today", "mean_ms": MISSING, "added_by_cold_starts_ms": _ms(cold.added_latency_ms),
                     "p99_ms": MISSING})  # fmt: skip
    for option in detail.options:
        if option.latency_mean_ms is not None:
            rows.append(
                {
                    "pattern": option.row.label,
                    "mean_ms": duration_ms(option.latency_mean_ms),
                    "added_by_cold_starts_ms": MISSING,
                    "p99_ms": duration_ms(option.latency_p99_ms),
                }
            )
    return pd.DataFrame(rows, columns=["pattern", "mean_ms", "added_by_cold_starts_ms", "p99_ms"])


def _ms(value: float) -> str:
    """A cold-start penalty on the mean, often a fraction of a millisecond: two decimals below 10 ms."""
    return f"{value:,.2f} ms" if abs(value) < 10 else duration_ms(value)


def fixes_frame(detail: ResourceDetail) -> pd.DataFrame:
    """Each fix that removes the cold starts: its extra cost over today (signed) and the cold starts it leaves."""
    cold = detail.cold_starts
    rows = (
        []
        if cold is None
        else [
            {"fix": f, "extra_usd": money(usd, signed=True), "cold_starts_left": count(left)}
            for f, usd, left in cold.fixes
        ]
    )
    return pd.DataFrame(rows, columns=["fix", "extra_usd", "cold_starts_left"])


def savings_figure(summary: pd.DataFrame, top: int = 15) -> go.Figure:
    """Today's cost next to the best option cheaper than today, for the most expensive resources."""
    data = summary.dropna(subset=["current_usd"]).sort_values("current_usd", ascending=False).head(top)
    names = data["name"].map(plot_text)  # resource names come from the data: inert in ticks and hover
    fig = go.Figure()
    fig.add_bar(
        y=names,
        x=data["current_usd"],
        name="today",
        orientation="h",
        marker_color="#7f7f7f",
        customdata=[f"{money(v)}/month" for v in data["current_usd"]],
        hovertemplate="%{y}: today %{customdata}<extra></extra>",
    )
    best = [
        f"{money(v)}/month ({plot_text(o)})" if v == v and v is not None else "none cheaper than today"
        for v, o in zip(data["best_usd"], data["best_option"], strict=True)
    ]
    fig.add_bar(
        y=names,
        x=data["best_usd"],
        name="best option cheaper than today",
        orientation="h",
        marker_color="#2ca02c",
        customdata=best,
        hovertemplate="%{y}: %{customdata}<extra></extra>",
    )
    fig.update_layout(
        barmode="group",
        title="Monthly cost today vs the best option cheaper than today",
        xaxis_title="USD per month (730 h)",
        yaxis={"autorange": "reversed"},
        height=40 + 28 * len(data) + 120,
        margin={"t": 50, "b": 10},
        legend={"orientation": "h", "y": -0.15},
    )
    return fig

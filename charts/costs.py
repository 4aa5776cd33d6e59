"""Tables and figures for the Costs & alternatives page, from ``analysis`` results (no Streamlit, no sums).

Every number comes from ``analysis.EstateAssessment`` / ``analysis.ResourceDetail``; these functions only
choose columns, labels and marks.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from analysis.prices import Line
from analysis.types import EstateAssessment, OptionDetail, ResourceDetail
from charts.format import money
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
    """Latency per pattern, cold-start penalty included (today first)."""
    rows = []
    cold = detail.cold_starts
    if cold is not None and cold.added_latency_ms is not None:
        rows.append(
            {"pattern": "today", "mean_ms": None, "added_by_cold_starts_ms": cold.added_latency_ms, "p99_ms": None}
        )
    for option in detail.options:
        if option.latency_mean_ms is not None:
            rows.append(
                {
                    "pattern": option.row.label,
                    "mean_ms": option.latency_mean_ms,
                    "added_by_cold_starts_ms": None,
                    "p99_ms": option.latency_p99_ms,
                }
            )
    return pd.DataFrame(rows, columns=["pattern", "mean_ms", "added_by_cold_starts_ms", "p99_ms"])


def fixes_frame(detail: ResourceDetail) -> pd.DataFrame:
    cold = detail.cold_starts
    rows = (
        [] if cold is None else [{"fix": f, "extra_usd": usd, "cold_starts_left": left} for f, usd, left in cold.fixes]
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
